package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"candour/config"
	"candour/sealed"
)

// keysCmd is "candour keys new" (print a fresh field keyset and blind-index
// key for production configuration) and "candour keys rotate" (read the
// keyset on stdin, print it with a new primary key added).
func keysCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{"usage: candour keys new | candour keys rotate < keyset"}
	}
	switch args[0] {
	case "new":
		ks, err := sealed.NewKeyset()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "CANDOUR_FIELD_KEYSET=%s\nCANDOUR_BLIND_INDEX_KEY=%s\nCANDOUR_AUDIT_SIGNING_KEY=%s\n", ks, randomKey(), randomKey())
		return nil
	case "rotate":
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return err
		}
		ks, err := sealed.Rotate(strings.TrimPrefix(strings.TrimSpace(string(b)), "CANDOUR_FIELD_KEYSET="))
		if err != nil {
			return usageError{"keys rotate: the keyset on stdin does not read: " + err.Error()}
		}
		fmt.Fprintf(stdout, "CANDOUR_FIELD_KEYSET=%s\n", ks)
		return nil
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "Usage: candour keys new           print a new CANDOUR_FIELD_KEYSET, CANDOUR_BLIND_INDEX_KEY and CANDOUR_AUDIT_SIGNING_KEY\n       candour keys rotate < KEYSET print KEYSET with a new primary key (old keys still decrypt)")
		return nil
	}
	return usageError{fmt.Sprintf("unknown keys command %q: try \"candour keys new\"", args[0])}
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// fieldKeys builds the referral field encryption from CANDOUR_FIELD_KEYSET
// and CANDOUR_BLIND_INDEX_KEY. In development, missing keys are made once
// and kept in the data directory (field.keyset, blind.key), like the
// session key; production refuses to start without them (config.Validate).
func fieldKeys(cfg config.Config) (*sealed.Sealer, error) {
	ks, blind := cfg.FieldKeyset, cfg.BlindIndexKey
	if ks == "" {
		var err error
		if ks, err = devSecret(cfg.DataDir, "field.keyset", sealed.NewKeyset); err != nil {
			return nil, err
		}
	}
	if len(blind) == 0 {
		b64, err := devSecret(cfg.DataDir, "blind.key", func() (string, error) { return randomKey(), nil })
		if err != nil {
			return nil, err
		}
		if blind, err = base64.StdEncoding.DecodeString(b64); err != nil {
			return nil, fmt.Errorf("%s: not base64", filepath.Join(cfg.DataDir, "blind.key"))
		}
	}
	sl, err := sealed.New(ks, blind)
	if err != nil {
		return nil, fmt.Errorf("CANDOUR_FIELD_KEYSET: %w", err)
	}
	return sl, nil
}

// devSecret reads a secret kept in the data directory, making it first.
func devSecret(dir, name string, make func() (string, error)) (string, error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(v), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return v, nil
}

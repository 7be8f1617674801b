package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"candour/config"
	"candour/sealed"
	"candour/store"
)

const keysUsage = `Usage:
  candour keys new [--compose --base-url URL] [--out FILE]
      print a new CANDOUR_FIELD_KEYSET, CANDOUR_BLIND_INDEX_KEY and CANDOUR_AUDIT_SIGNING_KEY; with --compose,
      everything docker-compose.yml needs in .env (session key, MongoDB passwords and
      replica-set key too); with --out, write it to FILE (mode 0600, never over a file)
  candour keys rotate add < KEYSET
      phase 1: print KEYSET with a new key that is not yet the primary; give it to
      every instance (they still seal with the old key, and can open the new one's)
  candour keys rotate promote [--key ID] < KEYSET
      phase 2, once every instance has the new keyset: print it with the newest key
      (or key ID) as the primary; deploy it, then run "candour keys reseal"
  candour keys rotate retire --key ID < KEYSET
      phase 3, only after "candour keys reseal" has finished: print KEYSET without key ID
      (an older key; never the primary). Keep a copy of the old keyset while any backup
      taken before the reseal may be restored
  candour keys list < KEYSET
      print the keyset's key ids and which is the primary
  candour keys reseal [--batch N] [--restart]
      re-encrypt everything sealed under an older key (referrals, custody visit reports,
      declared conflicts, meeting papers, expenses receipts, advice) with the primary key
      of CANDOUR_FIELD_KEYSET, and seal advice stored before advice was sealed;
      resumable (a stopped run resumes where it stopped) and audited

KEYSET on standard input is the keyset itself or lines such as a .env file with a
CANDOUR_FIELD_KEYSET= line.`

// keysCmd makes and rotates the referral field-encryption keys:
// "keys new", the two-phase "keys rotate add" and "keys rotate promote",
// "keys list" and "keys reseal". See keysUsage and docs/operations.md.
func keysCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"usage: candour keys new | rotate add | rotate promote | list | reseal (candour keys --help)"}
	}
	switch args[0] {
	case "new":
		return keysNew(args[1:], stdout, stderr)
	case "rotate":
		if len(args) < 2 {
			return usageError{"keys rotate has three phases: \"candour keys rotate add\", then, once every instance has that keyset, \"candour keys rotate promote\", then, after \"candour keys reseal\", \"candour keys rotate retire --key ID\""}
		}
		return keysRotate(args[1], args[2:], stdin, stdout, stderr)
	case "list":
		ks, err := readKeysetInput(stdin)
		if err != nil {
			return err
		}
		ids, primary, err := sealed.KeyIDs(ks)
		if err != nil {
			return usageError{"keys list: the keyset on stdin does not read: " + err.Error()}
		}
		for _, id := range ids {
			mark := ""
			if id == primary {
				mark = " primary"
			}
			fmt.Fprintf(stdout, "%d%s\n", id, mark)
		}
		return nil
	case "reseal":
		return keysReseal(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, keysUsage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown keys command %q: try \"candour keys --help\"", args[0])}
}

// keysNew prints (or writes) fresh keys. With --compose it makes the whole
// .env that docker-compose.yml reads, so that file exists before compose
// ever parses the compose file.
func keysNew(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys new", "", stderr)
	compose := fs.Bool("compose", false, "print every secret docker-compose.yml needs, as a .env file")
	baseURL := fs.String("base-url", "", "with --compose: the portal's https address, for CANDOUR_BASE_URL")
	out := fs.String("out", "", "write to this file (mode 0600; refuses to replace an existing file) instead of standard output")
	if done, err := parse(fs, args); done {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"keys new: unexpected argument " + fs.Arg(0)}
	}
	if *baseURL != "" && !*compose {
		return usageError{"keys new: --base-url goes with --compose"}
	}
	ks, err := sealed.NewKeyset()
	if err != nil {
		return err
	}
	var b strings.Builder
	if *compose {
		if u, err := url.Parse(*baseURL); err != nil || u.Scheme != "https" || u.Host == "" {
			return usageError{"keys new --compose: give --base-url, the https address people will use (https://scrutiny.force.example)"}
		}
		fmt.Fprintf(&b, "# Made by \"candour keys new --compose\" on %s. Keep this file secret (mode 0600),\n", time.Now().UTC().Format("2 January 2006"))
		b.WriteString("# and keep a copy of the field keys apart from the database backups: without\n")
		b.WriteString("# them sealed referral content cannot be read.\n")
		fmt.Fprintf(&b, "CANDOUR_BASE_URL=%s\n", *baseURL)
		fmt.Fprintf(&b, "CANDOUR_SESSION_KEY=%s\n", randomKey())
	}
	fmt.Fprintf(&b, "CANDOUR_FIELD_KEYSET=%s\nCANDOUR_BLIND_INDEX_KEY=%s\nCANDOUR_AUDIT_SIGNING_KEY=%s\n", ks, randomKey(), randomKey())
	if *compose {
		// Hex and unpadded base64: safe in a URI, a shell and a keyfile.
		fmt.Fprintf(&b, "MONGO_ROOT_PASSWORD=%s\n", randomHex(24))
		fmt.Fprintf(&b, "CANDOUR_MONGO_PASSWORD=%s\n", randomHex(24))
		fmt.Fprintf(&b, "MONGO_REPLICA_KEY=%s\n", base64.RawStdEncoding.EncodeToString(randomBytes(96)))
	}
	if *out == "" {
		_, err := io.WriteString(stdout, b.String())
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("keys new: %s already exists; it may hold the only copy of your keys, so it is left alone", *out)
		}
		return fmt.Errorf("keys new: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("keys new: write %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keys new: write %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "Wrote %s\n", *out)
	return nil
}

// keysRotate is the three phases of a rotation.
func keysRotate(phase string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("keys rotate "+phase, "", stderr)
	key := fs.Uint("key", 0, "promote: the id of the key to make the primary (default: the newest); retire: the key to take out")
	if done, err := parse(fs, args); done {
		return err
	}
	ks, err := readKeysetInput(stdin)
	if err != nil {
		return err
	}
	switch phase {
	case "add":
		nks, id, err := sealed.AddKey(ks)
		if err != nil {
			return usageError{"keys rotate add: the keyset on stdin does not read: " + err.Error()}
		}
		fmt.Fprintf(stdout, "CANDOUR_FIELD_KEYSET=%s\n", nks)
		fmt.Fprintf(stderr, "Added key %d (not yet the primary). Give this keyset to every instance, then run \"candour keys rotate promote\".\n", id)
	case "promote":
		nks, err := sealed.Promote(ks, uint32(*key))
		if err != nil {
			return usageError{"keys rotate promote: " + err.Error()}
		}
		_, primary, _ := sealed.KeyIDs(nks)
		fmt.Fprintf(stdout, "CANDOUR_FIELD_KEYSET=%s\n", nks)
		fmt.Fprintf(stderr, "Key %d is now the primary. Deploy this keyset, then run \"candour keys reseal\".\n", primary)
	case "retire":
		if *key == 0 {
			return usageError{"keys rotate retire: give --key ID, the old key to take out (\"candour keys list\" shows the ids)"}
		}
		nks, err := sealed.Retire(ks, uint32(*key))
		if err != nil {
			return usageError{"keys rotate retire: " + err.Error()}
		}
		fmt.Fprintf(stdout, "CANDOUR_FIELD_KEYSET=%s\n", nks)
		fmt.Fprintf(stderr, "Key %d is taken out. Deploy this keyset only if \"candour keys reseal\" has finished since the last rotation: anything still sealed under key %d will not open.\n", *key, *key)
	default:
		return usageError{fmt.Sprintf("unknown rotate phase %q: \"add\", \"promote\" or \"retire\"", phase)}
	}
	return nil
}

// readKeysetInput reads a keyset from standard input: the keyset alone, or
// a CANDOUR_FIELD_KEYSET= line among others (a .env file).
func readKeysetInput(stdin io.Reader) (string, error) {
	if stdin == nil {
		return "", usageError{"give the keyset on standard input"}
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(string(b))
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "CANDOUR_FIELD_KEYSET="); ok {
			return strings.Trim(v, `"'`), nil
		}
	}
	if text == "" || strings.Contains(text, "\n") {
		return "", usageError{"give the keyset on standard input (the keyset, or a .env file with CANDOUR_FIELD_KEYSET=)"}
	}
	return text, nil
}

// keysReseal re-encrypts every sealed value under the primary key (and
// seals advice stored before advice was sealed): store.Reseal.
func keysReseal(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("keys reseal", "", stderr)
	batch := fs.Int("batch", 50, "documents read and re-sealed per batch (progress is recorded after each)")
	restart := fs.Bool("restart", false, "walk everything from the start instead of resuming a stopped run")
	if done, err := parse(fs, args); done {
		return err
	}
	if *batch < 1 || *batch > 1000 {
		return usageError{"keys reseal: --batch must be between 1 and 1000"}
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	primary := db.Sealer().PrimaryKeyID()
	p, err := db.Reseal(ctx, *batch, *restart, func(p store.ResealProgress) {
		fmt.Fprintf(stdout, "%s: checked %d documents so far, re-sealed %d\n", p.Kind, p.Checked, p.Resealed)
	})
	detail := fmt.Sprintf("under key %d: checked %d documents (%s), re-sealed %d (%d values)", primary, p.Checked, strings.Join(store.SealedKinds(), ", "), p.Resealed, p.Values)
	if err != nil {
		detail += " (stopped in " + p.Kind + ": " + err.Error() + "; run again to resume)"
	}
	// Audited even when stopped part-way, with a context that outlives ctx.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if aerr := db.Audit(actx, store.AuditEvent{Actor: "system", Action: store.AuditResealed, Target: "sealed", Detail: detail}); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return fmt.Errorf("keys reseal: %w", err)
	}
	fmt.Fprintf(stdout, "Done: everything sealed is under key %d (%d documents re-sealed this run).\n", primary, p.Resealed)
	return nil
}

func randomKey() string { return base64.StdEncoding.EncodeToString(randomBytes(32)) }

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
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

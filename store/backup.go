package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite": the one FerretDB itself uses
)

// The embedded store keeps one SQLite file per database in DATA_DIR/db
// (FerretDB v1.24's SQLite backend: <database>.sqlite, in WAL mode, with its
// collection metadata in a table of the same file). So a consistent copy of
// each file, taken inside one SQLite read transaction, is a consistent
// backup of that database, even while the portal writes: SQLite's
// "VACUUM INTO" does exactly that, through a connection of our own.

// BackupManifest describes a backup directory: what it holds and a SHA-256
// of each file, checked again before a restore.
type BackupManifest struct {
	Taken   time.Time         `json:"taken"`
	Version string            `json:"version"`
	Files   map[string]string `json:"files"` // path inside the backup → SHA-256 (hex)
}

const manifestName = "candour-backup.json"

// BackupEmbedded copies every database of the embedded store in dataDir
// into outDir/db, consistently, whether or not a portal is running on
// dataDir, and checks each copy with SQLite's integrity check. outDir must
// not exist yet (or be empty). extra names further files of dataDir to copy
// as they are (the development keys).
func BackupEmbedded(ctx context.Context, dataDir, outDir, version string, extra ...string) (*BackupManifest, error) {
	files, err := filepath.Glob(filepath.Join(dataDir, "db", "*.sqlite"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("backup: no embedded store in %s (no db/*.sqlite)", dataDir)
	}
	if err := emptyDir(outDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(outDir, "db"), 0o700); err != nil {
		return nil, err
	}
	m := &BackupManifest{Taken: time.Now().UTC(), Version: version, Files: map[string]string{}}
	for _, src := range files {
		rel := filepath.Join("db", filepath.Base(src))
		dst := filepath.Join(outDir, rel)
		if err := vacuumInto(ctx, src, dst); err != nil {
			return nil, err
		}
		if err := integrityCheck(ctx, dst); err != nil {
			return nil, err
		}
		if m.Files[filepath.ToSlash(rel)], err = fileSHA256(dst); err != nil {
			return nil, err
		}
	}
	for _, name := range extra {
		src := filepath.Join(dataDir, name)
		if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := copyFile(src, filepath.Join(outDir, name)); err != nil {
			return nil, err
		}
		if m.Files[name], err = fileSHA256(filepath.Join(outDir, name)); err != nil {
			return nil, err
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(outDir, manifestName), append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	return m, nil
}

// RestoreEmbedded puts a backup made by BackupEmbedded into dataDir, after
// checking every file against the manifest. The portal must be stopped: it
// refuses while the embedded server's socket in dataDir answers. What was in
// dataDir/db is moved aside to dataDir/db.before-restore-TIME, not deleted.
func RestoreEmbedded(ctx context.Context, backupDir, dataDir string) (aside string, err error) {
	b, err := os.ReadFile(filepath.Join(backupDir, manifestName))
	if err != nil {
		return "", fmt.Errorf("restore: %s is not a Candour backup: %w", backupDir, err)
	}
	var m BackupManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("restore: %s: %w", manifestName, err)
	}
	names := make([]string, 0, len(m.Files))
	for name, sum := range m.Files {
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return "", fmt.Errorf("restore: manifest names %q, outside the backup", name)
		}
		got, err := fileSHA256(filepath.Join(backupDir, filepath.FromSlash(name)))
		if err != nil {
			return "", fmt.Errorf("restore: %w", err)
		}
		if got != sum {
			return "", fmt.Errorf("restore: %s does not match the manifest (damaged or altered backup)", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	if embeddedRunning(dataDir) {
		return "", errors.New("restore: a portal is running on " + dataDir + ": stop it first")
	}
	dbDir := filepath.Join(dataDir, "db")
	if _, err := os.Stat(dbDir); err == nil {
		aside = dbDir + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(dbDir, aside); err != nil {
			return "", fmt.Errorf("restore: move the current store aside: %w", err)
		}
	}
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return aside, err
	}
	for _, name := range names {
		dst := filepath.Join(dataDir, filepath.FromSlash(name))
		if strings.HasPrefix(name, "db/") {
			if err := integrityCheck(ctx, filepath.Join(backupDir, filepath.FromSlash(name))); err != nil {
				return aside, err
			}
		}
		if err := copyFile(filepath.Join(backupDir, filepath.FromSlash(name)), dst); err != nil {
			return aside, err
		}
	}
	return aside, nil
}

// embeddedRunning reports whether an embedded server answers on dataDir's
// socket (its run/ directory; see socketDir).
func embeddedRunning(dataDir string) bool {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return false
	}
	c, err := net.DialTimeout("unix", filepath.Join(abs, "run", "ferretdb.sock"), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func sqliteURI(path string, query string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: abs, RawQuery: query}).String(), nil
}

// vacuumInto writes a consistent, compacted copy of the SQLite file src to dst.
func vacuumInto(ctx context.Context, src, dst string) error {
	uri, err := sqliteURI(src, "_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", src, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("backup: copy %s: %w", src, err)
	}
	return os.Chmod(dst, 0o600)
}

func integrityCheck(ctx context.Context, path string) error {
	uri, err := sqliteURI(path, "mode=ro")
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("check %s: %s", path, res)
	}
	return nil
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("backup: %s is not empty; give a new directory", dir)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// AuditRestored is the audit action of a "candour restore".
const AuditRestored = "store-restored"

// AuditMigrated is the audit action of "candour migrate-to-mongo", written
// into the copy.
const AuditMigrated = "store-migrated"

//go:build !candour_no_embedded

package store

import (
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"
)

// TestEmbeddedConnectionsKeepStatementJournalsInMemory: a connection opened
// as the embedded server opens its files (FerretDB's pool passes our pragmas
// to the same driver) runs with synchronous=NORMAL (the group commit syncs,
// durable.go), wal_autocheckpoint=0 (the checkpointer copies, checkpoint.go)
// and temp_store=MEMORY, so that the statement journal of each of
// FerretDB's writes is kept a kilobyte at a time rather than in a 64 KiB
// chunk mapped and unmapped on every write (ferretSQLiteURL).
func TestEmbeddedConnectionsKeepStatementJournalsInMemory(t *testing.T) {
	u, err := url.Parse(ferretSQLiteURL(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = filepath.Join(u.Path, "probe.sqlite") // FerretDB's file for database "probe"
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []struct {
		pragma string
		want   int
	}{
		{"synchronous", 1},        // NORMAL
		{"wal_autocheckpoint", 0}, // never
		{"temp_store", 2},         // MEMORY
	} {
		var got int
		if err := db.QueryRow("PRAGMA " + p.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %d, want %d", p.pragma, got, p.want)
		}
	}
}

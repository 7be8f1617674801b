package storetest

import (
	"bytes"
	"testing"

	"candour/sealed"
)

// Sealer makes field-encryption keys for a test: a fresh keyset and a
// fixed blind-index key.
func Sealer(tb testing.TB) *sealed.Sealer {
	tb.Helper()
	ks, err := sealed.NewKeyset()
	if err != nil {
		tb.Fatal(err)
	}
	sl, err := sealed.New(ks, bytes.Repeat([]byte("blind-index-key!"), 2))
	if err != nil {
		tb.Fatal(err)
	}
	return sl
}

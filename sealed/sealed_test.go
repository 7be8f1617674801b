package sealed

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func newTestSealer(t *testing.T, ks string) *Sealer {
	t.Helper()
	s, err := New(ks, bytes.Repeat([]byte("b"), 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealBindsDocumentAndField(t *testing.T) {
	ks, err := NewKeyset()
	if err != nil {
		t.Fatal(err)
	}
	s := newTestSealer(t, ks)
	ct, err := s.Seal("doc1", "what", []byte("secret words"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	if got, err := s.Open("doc1", "what", ct); err != nil || string(got) != "secret words" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	for _, tc := range []struct{ doc, field string }{{"doc2", "what"}, {"doc1", "where"}} {
		if _, err := s.Open(tc.doc, tc.field, ct); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%s, %s) err = %v, want ErrOpen", tc.doc, tc.field, err)
		}
	}
}

func TestRotationKeepsOldValuesReadable(t *testing.T) {
	ks, _ := NewKeyset()
	old := newTestSealer(t, ks)
	ct, _ := old.Seal("d", "f", []byte("before rotation"))
	rotated, err := Rotate(ks)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestSealer(t, rotated)
	if s.PrimaryKeyID() == old.PrimaryKeyID() {
		t.Fatal("rotation kept the same primary key")
	}
	if got, err := s.Open("d", "f", ct); err != nil || string(got) != "before rotation" {
		t.Fatalf("old value after rotation = %q, %v", got, err)
	}
	nct, _ := s.Seal("d", "f", []byte("after"))
	if got, want := KeyID(nct), s.PrimaryKeyID(); got != want {
		t.Fatalf("new value sealed with key %d, want the new primary %d", got, want)
	}
	if _, err := old.Open("d", "f", nct); !errors.Is(err, ErrOpen) {
		t.Fatal("the old keyset opened a value sealed with the new key")
	}
}

func TestBlindIndexNormalises(t *testing.T) {
	ks, _ := NewKeyset()
	s := newTestSealer(t, ks)
	if a, b := s.Blind("collar", "PC 1234"), s.Blind("collar", "pc1234"); a != b || a == "" {
		t.Fatalf("collar numbers differ: %q %q", a, b)
	}
	if a, b := s.Blind("name", "John O'Brien", "Dorset Police"), s.Blind("name", "john obrien", "DORSET POLICE"); a != b {
		t.Fatal("names differ after normalising")
	}
	if s.Blind("collar", "1234") == s.Blind("name", "1234") {
		t.Fatal("kinds share an index")
	}
	if s.Blind("name", "John", "") != "" {
		t.Fatal("a missing part must give no index")
	}
	other, _ := New(ks, bytes.Repeat([]byte("c"), 32))
	if other.Blind("collar", "1234") == s.Blind("collar", "1234") {
		t.Fatal("blind index does not depend on the key")
	}
	if r := s.Receipt("1234123412341234"); strings.Contains(r, "1234123412341234") || r == s.Receipt("1234123412341235") {
		t.Fatal("receipt id contains the code")
	}
}

// TestTwoPhaseRotation: "add" gives every instance the new key without
// sealing with it; only "promote" makes it the primary. An instance still on
// the old keyset cannot open what the new primary seals, which is why the
// phases are apart.
func TestTwoPhaseRotation(t *testing.T) {
	blind := bytes.Repeat([]byte("b"), 32)
	ks, _ := NewKeyset()
	old, _ := New(ks, blind)
	added, id, err := AddKey(ks)
	if err != nil {
		t.Fatal(err)
	}
	mid, _ := New(added, blind)
	if mid.PrimaryKeyID() != old.PrimaryKeyID() || id == old.PrimaryKeyID() {
		t.Fatalf("after add the primary is %d (was %d, new key %d): add must not promote", mid.PrimaryKeyID(), old.PrimaryKeyID(), id)
	}
	ids, primary, err := KeyIDs(added)
	if err != nil || len(ids) != 2 || ids[1] != id || primary != old.PrimaryKeyID() {
		t.Fatalf("KeyIDs = %v primary %d, %v", ids, primary, err)
	}
	promoted, err := Promote(added, 0)
	if err != nil {
		t.Fatal(err)
	}
	neu, _ := New(promoted, blind)
	if neu.PrimaryKeyID() != id {
		t.Fatalf("promote made %d the primary, want the newest key %d", neu.PrimaryKeyID(), id)
	}
	ct, _ := neu.Seal("d", "f", []byte("x"))
	if !neu.SealedUnderPrimary(ct) || mid.SealedUnderPrimary(ct) {
		t.Fatal("SealedUnderPrimary is wrong")
	}
	if _, err := mid.Open("d", "f", ct); err != nil {
		t.Fatalf("an instance given the added keyset cannot open the new primary's value: %v", err)
	}
	if _, err := old.Open("d", "f", ct); err == nil {
		t.Fatal("an instance without the new key opened its value")
	}
	if _, err := Promote(added, 12345); err == nil {
		t.Fatal("promoting a key that is not in the keyset succeeded")
	}
}

// TestRetire: after a rotation the old key can be taken out; what was
// sealed under it no longer opens, what the primary sealed does; the
// primary itself and an unknown key are refused.
func TestRetire(t *testing.T) {
	ks, _ := NewKeyset()
	oldIDs, oldPrimary, _ := KeyIDs(ks)
	old := newTestSealer(t, ks)
	before, _ := old.Seal("d", "f", []byte("before"))
	added, newID, err := AddKey(ks)
	if err != nil {
		t.Fatal(err)
	}
	promoted, _ := Promote(added, newID)
	after, _ := newTestSealer(t, promoted).Seal("d", "f", []byte("after"))
	if _, err := Retire(promoted, newID); err == nil {
		t.Fatal("Retire took out the primary key")
	}
	if _, err := Retire(promoted, 12345); err == nil {
		t.Fatal("Retire took out a key that is not in the keyset")
	}
	retired, err := Retire(promoted, oldPrimary)
	if err != nil {
		t.Fatal(err)
	}
	ids, primary, _ := KeyIDs(retired)
	if len(oldIDs) != 1 || len(ids) != 1 || ids[0] != newID || primary != newID {
		t.Fatalf("after retiring %d: keys %v, primary %d; want only %d", oldPrimary, ids, primary, newID)
	}
	s := newTestSealer(t, retired)
	if got, err := s.Open("d", "f", after); err != nil || string(got) != "after" {
		t.Fatalf("the primary's value: %q, %v", got, err)
	}
	if _, err := s.Open("d", "f", before); !errors.Is(err, ErrOpen) {
		t.Fatalf("a value under the retired key: %v, want ErrOpen", err)
	}
}

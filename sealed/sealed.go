// Package sealed encrypts the fields of confidential records (referrals,
// anonymous reports, their messages and reporters' contact details) before
// they reach the store, and computes the keyed blind index that lets the
// Counter Corruption Unit find related reports without decrypting them.
//
// Encryption is Tink AEAD with an AES-256-GCM keyset: each ciphertext is
// bound to its document id and field name as associated data, so a value
// copied into another record or field does not decrypt. Rotation adds a new
// primary key to the keyset; the older keys stay in it and still decrypt.
// The blind index is HMAC-SHA256 under a separate key. Both keys come from
// configuration; this package never reads files or the environment.
package sealed

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Sealer encrypts and decrypts fields and computes blind indexes.
type Sealer struct {
	aead    tink.AEAD
	primary uint32
	blind   []byte
}

// ErrOpen is returned for a ciphertext that does not decrypt: altered,
// moved to another record or field, or sealed under a key not in the keyset.
var ErrOpen = errors.New("sealed: value does not decrypt")

// New builds a Sealer from a keyset (base64 of Tink's binary cleartext
// keyset, as NewKeyset and Rotate make) and a blind-index key of at least
// 32 bytes.
func New(keysetB64 string, blindKey []byte) (*Sealer, error) {
	h, err := readKeyset(keysetB64)
	if err != nil {
		return nil, err
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("sealed: keyset is not an AEAD keyset: %w", err)
	}
	if len(blindKey) < 32 {
		return nil, errors.New("sealed: blind-index key must be at least 32 bytes")
	}
	return &Sealer{aead: a, primary: h.KeysetInfo().GetPrimaryKeyId(), blind: append([]byte(nil), blindKey...)}, nil
}

// NewKeyset makes a fresh AES-256-GCM keyset, base64-encoded.
func NewKeyset() (string, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return "", fmt.Errorf("sealed: new keyset: %w", err)
	}
	return encode(h)
}

// Rotate adds a new AES-256-GCM key to a keyset and makes it the primary
// at once: new values are sealed with it, and values sealed with the older
// keys still open. With several instances use AddKey and Promote instead, so
// that no instance meets a value sealed under a key it does not have yet.
func Rotate(keysetB64 string) (string, error) {
	ks, id, err := AddKey(keysetB64)
	if err != nil {
		return "", err
	}
	return Promote(ks, id)
}

func readKeyset(keysetB64 string) (*keyset.Handle, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keysetB64))
	if err != nil {
		return nil, fmt.Errorf("sealed: keyset is not base64: %w", err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewBinaryReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, fmt.Errorf("sealed: read keyset: %w", err)
	}
	return h, nil
}

// AddKey is the first phase of a rotation: it adds a new AES-256-GCM key
// to the keyset without making it the primary, and returns its id. An
// instance given the new keyset still seals with the old primary, but can
// open values sealed under the new key: deploy it everywhere before Promote.
func AddKey(keysetB64 string) (string, uint32, error) {
	h, err := readKeyset(keysetB64)
	if err != nil {
		return "", 0, err
	}
	m := keyset.NewManagerFromHandle(h)
	id, err := m.Add(aead.AES256GCMKeyTemplate())
	if err != nil {
		return "", 0, fmt.Errorf("sealed: add key: %w", err)
	}
	nh, err := m.Handle()
	if err != nil {
		return "", 0, fmt.Errorf("sealed: add key: %w", err)
	}
	ks, err := encode(nh)
	return ks, id, err
}

// Promote is the second phase: it makes key id the primary (id 0: the key
// added last). Values sealed under the older keys still open.
func Promote(keysetB64 string, id uint32) (string, error) {
	h, err := readKeyset(keysetB64)
	if err != nil {
		return "", err
	}
	if id == 0 {
		infos := h.KeysetInfo().GetKeyInfo()
		if len(infos) == 0 {
			return "", errors.New("sealed: the keyset has no keys")
		}
		id = infos[len(infos)-1].GetKeyId()
	}
	m := keyset.NewManagerFromHandle(h)
	if err := m.SetPrimary(id); err != nil {
		return "", fmt.Errorf("sealed: make key %d the primary: %w", id, err)
	}
	nh, err := m.Handle()
	if err != nil {
		return "", fmt.Errorf("sealed: promote: %w", err)
	}
	return encode(nh)
}

// Retire is the last step of a rotation, once "candour keys reseal" has
// re-sealed everything under the primary: it removes key id from the
// keyset. Values still sealed under it will no longer open, so it refuses
// the primary key (and a key not in the keyset).
func Retire(keysetB64 string, id uint32) (string, error) {
	h, err := readKeyset(keysetB64)
	if err != nil {
		return "", err
	}
	if id == h.KeysetInfo().GetPrimaryKeyId() {
		return "", fmt.Errorf("sealed: key %d is the primary: promote another key first", id)
	}
	m := keyset.NewManagerFromHandle(h)
	if err := m.Delete(id); err != nil {
		return "", fmt.Errorf("sealed: retire key %d: %w", id, err)
	}
	nh, err := m.Handle()
	if err != nil {
		return "", fmt.Errorf("sealed: retire key %d: %w", id, err)
	}
	return encode(nh)
}

// KeyIDs lists a keyset's key ids, oldest first, and its primary's.
func KeyIDs(keysetB64 string) (ids []uint32, primary uint32, err error) {
	h, err := readKeyset(keysetB64)
	if err != nil {
		return nil, 0, err
	}
	info := h.KeysetInfo()
	for _, k := range info.GetKeyInfo() {
		ids = append(ids, k.GetKeyId())
	}
	return ids, info.GetPrimaryKeyId(), nil
}

func encode(h *keyset.Handle) (string, error) {
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewBinaryWriter(&buf)); err != nil {
		return "", fmt.Errorf("sealed: write keyset: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// PrimaryKeyID is the id of the key new values are sealed with.
func (s *Sealer) PrimaryKeyID() uint32 { return s.primary }

// SealedUnderPrimary reports whether a ciphertext was sealed with the
// primary key (an empty value counts as sealed: there is nothing to redo).
func (s *Sealer) SealedUnderPrimary(ciphertext []byte) bool {
	return len(ciphertext) == 0 || KeyID(ciphertext) == s.primary
}

// KeyID is the id of the key a ciphertext was sealed with (Tink's 5-byte
// prefix: a version byte, then the key id).
func KeyID(ciphertext []byte) uint32 {
	if len(ciphertext) < 5 {
		return 0
	}
	return uint32(ciphertext[1])<<24 | uint32(ciphertext[2])<<16 | uint32(ciphertext[3])<<8 | uint32(ciphertext[4])
}

func associated(docID, field string) []byte { return []byte(docID + "\x00" + field) }

// Seal encrypts plaintext for one field of one document. An empty value
// stays empty (nil), so optional fields cost nothing.
func (s *Sealer) Seal(docID, field string, plaintext []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return nil, nil
	}
	ct, err := s.aead.Encrypt(plaintext, associated(docID, field))
	if err != nil {
		return nil, fmt.Errorf("sealed: seal %s: %w", field, err)
	}
	return ct, nil
}

// Open decrypts what Seal made for the same document and field. Returns
// ErrOpen when it does not decrypt.
func (s *Sealer) Open(docID, field string, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return nil, nil
	}
	pt, err := s.aead.Decrypt(ciphertext, associated(docID, field))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Blind is the keyed blind index of an identifier of kind (say "collar"):
// hex HMAC-SHA256 of the kind and the normalised value. It is "" for an
// empty value, so nothing matches on an unknown identifier.
func (s *Sealer) Blind(kind string, parts ...string) string {
	norm := make([]string, 0, len(parts))
	for _, p := range parts {
		n := Normalise(p)
		if n == "" {
			return ""
		}
		norm = append(norm, n)
	}
	if len(norm) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, s.blind)
	m.Write([]byte(kind + "\x00" + strings.Join(norm, "\x00")))
	return hex.EncodeToString(m.Sum(nil))
}

// Receipt is the keyed HMAC of a receipt code, used as the anonymous
// report's document id: a return visit finds the report by id without
// scanning, and the id says nothing about the code without the key.
func (s *Sealer) Receipt(code string) string {
	m := hmac.New(sha256.New, s.blind)
	m.Write([]byte("receipt\x00" + code))
	return "r" + hex.EncodeToString(m.Sum(nil))[:32]
}

// Normalise lower-cases an identifier and keeps only its letters and
// digits, so "PC 1234", "pc1234" and "P.C. 1234" match, as do "O'Brien"
// and "obrien".
func Normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

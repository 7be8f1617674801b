package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// A used invitation code holds the id of the response being stored under
// it (SurveyCode.Held) only while that is needed, and never in the clear:
// the id is sealed under a key made from the code itself. The database
// keeps only the code's SHA-256 (tokenKey), from which this key cannot be
// made, so a copy of the database, a backup or MongoDB's oplog cannot link
// a code to its response; only someone who holds the code (the
// respondent) can. The seal is deterministic (its nonce is made from the
// key and the id), so the store's conditions compare sealed values.

// heldKey is the sealing key for code: SHA-256 of a label and the
// normalised code, never the code's stored hash.
func heldKey(code string) []byte {
	k := sha256.Sum256([]byte("candour survey code held\x00" + NormaliseCode(code)))
	return k[:]
}

func heldAEAD(code string) cipher.AEAD {
	block, err := aes.NewCipher(heldKey(code))
	if err != nil {
		panic(err) // a 32-byte key is always accepted
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// sealHeld is what a code's document holds for response id: the nonce
// (HMAC of the id under the key, so the same code and id seal the same)
// followed by the sealed id, base64.
func sealHeld(code, id string) string {
	aead := heldAEAD(code)
	mac := hmac.New(sha256.New, heldKey(code))
	mac.Write([]byte(id))
	nonce := mac.Sum(nil)[:aead.NonceSize()]
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(id), nil))
}

// openHeld is the response id a code's document holds, given the code.
func openHeld(code, held string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(held)
	aead := heldAEAD(code)
	if err != nil || len(b) < aead.NonceSize() {
		return "", fmt.Errorf("store: a survey code's held response is not sealed")
	}
	id, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("store: a survey code's held response does not open with the code: %w", err)
	}
	return string(id), nil
}

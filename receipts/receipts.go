// Package receipts makes, shows and hashes the receipt codes that an
// anonymous reporter keeps to come back to their report.
package receipts

import (
	"crypto/rand"
	"math/big"
	"strings"

	"candour/config"
	"candour/password"
)

// Digits is the length of a receipt code.
const Digits = 16

// New draws 16 random digits.
func New() string {
	var b strings.Builder
	for range Digits {
		n, _ := rand.Int(rand.Reader, big.NewInt(10)) // never fails (crypto/rand panics instead)
		b.WriteByte(byte('0' + n.Int64()))
	}
	return b.String()
}

// Groups shows a receipt in groups of four: 1234 5678 9012 3456.
func Groups(code string) string {
	var parts []string
	for i := 0; i+4 <= len(code); i += 4 {
		parts = append(parts, code[i:i+4])
	}
	return strings.Join(parts, " ")
}

// Hasher is argon2id tuned for receipt codes rather than passwords.
// A receipt is 16 random digits (10^16 codes, about 53 bits), not a word a
// person chose, so the hash needs far less work to make offline guessing
// hopeless: at about 2 ms a guess, trying every code takes about a million
// CPU-years. The lighter cost keeps a report's submission inside its
// budget with 20 people sending at once. At most 4 MiB, one pass: a
// deliberate cost, which stays (docs/referrals.md, "Receipt guessing").
func Hasher(cfg config.Config) password.Hasher {
	return password.Hasher{Time: 1, Memory: min(cfg.ArgonMemoryKiB, 4*1024), Threads: 1}
}

// Hash hashes a receipt code as the portal does.
func Hash(cfg config.Config, code string) string { return Hasher(cfg).Hash(code) }

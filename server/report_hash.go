package server

import (
	"sync"

	"candour/config"
)

// receiptHasher is argon2id tuned for receipt codes rather than passwords.
// A receipt is 16 random digits (10^16 codes, about 53 bits), not a word a
// person chose, so the hash needs far less work to make offline guessing
// hopeless: at a few milliseconds a guess, trying every code takes over a
// billion CPU-years. The lighter cost keeps a report's submission inside
// its budget with 20 people sending at once. At most 4 MiB, one pass.
func receiptHasher(cfg config.Config) passwordHasher {
	return passwordHasher{time: 1, memory: min(cfg.ArgonMemoryKiB, 4*1024), threads: 1}
}

// HashReceipt hashes a receipt code as the portal does (for the demo seed).
func HashReceipt(cfg config.Config, code string) string { return receiptHasher(cfg).hash(code) }

var (
	receiptDummyOnce sync.Once
	receiptDummy     string
)

// receiptDummyHash is verified against when no report has the receipt's
// id, so an unknown receipt takes as long as a wrong one.
func (s *Server) receiptDummyHash() string {
	receiptDummyOnce.Do(func() { receiptDummy = receiptHasher(s.cfg).hash("0000000000000000") })
	return receiptDummy
}

package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"candour/config"
)

// passwordHasher hashes with argon2id, tuned (time, memory) to about 50 ms.
type passwordHasher struct {
	time    uint32
	memory  uint32 // KiB
	threads uint8
}

// hash returns a PHC-format string: $argon2id$v=19$m=..,t=..,p=..$salt$key.
func (h passwordHasher) hash(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, h.time, h.memory, h.threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// verify checks password against a stored hash, using the stored parameters.
func (h passwordHasher) verify(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when the email is unknown, so that a wrong
// email takes as long as a wrong password. It is made with the configured
// cost on first use (making it at start-up would hold 64 MiB from then on).
func (h passwordHasher) dummyHash() string {
	dummyOnce.Do(func() { dummy = h.hash("not a real password") })
	return dummy
}

var (
	dummyOnce sync.Once
	dummy     string
)

// MinPasswordLength is the shortest password we accept.
const MinPasswordLength = 12

var errPasswordShort = errors.New("Password must be 12 characters or more")
var errPasswordCommon = errors.New("Choose a password that is harder to guess: this one is on a list of common passwords")

// checkPassword applies the password rules: length, and not a common password.
func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return errPasswordShort
	}
	if commonPasswords[strings.ToLower(pw)] {
		return errPasswordCommon
	}
	return nil
}

// commonPasswords holds well-known passwords of 12 or more characters
// (shorter ones fail the length rule anyway).
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
123456789012 1234567890123 12345678901234 123456789012345 1234567890qwerty
qwertyuiopasdf qwertyuiop123 qwerty123456 qwerty1234567 1q2w3e4r5t6y 1q2w3e4r5t6y7u
passwordpassword password1234 password12345 password123456 password1234567 passw0rd1234
letmeinletmein iloveyou1234 welcome12345 welcome123456 administrator admin1234567
changeme1234 changeme12345 trustno1trustno1 football1234 baseball1234 sunshine1234
princess1234 superman1234 starwars1234 monkey123456 dragon123456 abc123456789
abcdefghijkl abcdefghijklm aaaaaaaaaaaa 111111111111 000000000000 987654321098
correcthorsebatterystaple policepolice police123456 dorsetpolice dorsetpolice1
candourcandour candour12345 bournemouth1 bournemouth123 password!234 p@ssword1234
`) {
		m[p] = true
	}
	return m
}()

// CheckPassword applies the password rules (for the command line).
func CheckPassword(pw string) error { return checkPassword(pw) }

// HashPassword hashes with the configured argon2id cost (for the command line and seeding).
func HashPassword(cfg config.Config, pw string) string {
	return passwordHasher{time: cfg.ArgonTime, memory: cfg.ArgonMemoryKiB, threads: 2}.hash(pw)
}

// Package password hashes passwords with argon2id and applies the rules a
// new password must meet. The web portal, the command line and the demo seed
// all hash through it, with the cost from configuration.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"candour/config"
)

// Hasher hashes with argon2id, tuned (time, memory) to about 50 ms.
type Hasher struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// For is the hasher with the configured argon2id cost (CANDOUR_ARGON_*).
func For(cfg config.Config) Hasher {
	return Hasher{Time: cfg.ArgonTime, Memory: cfg.ArgonMemoryKiB, Threads: 2}
}

// Hash returns a PHC-format string: $argon2id$v=19$m=..,t=..,p=..$salt$key.
func (h Hasher) Hash(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := idKey([]byte(password), salt, h.Time, h.Memory, h.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Memory, h.Time, h.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Verify checks password against a stored hash, using the stored parameters.
func (h Hasher) Verify(encoded, password string) bool {
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
	got := idKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// hashSlots bounds how many argon2id computations run at once. Each holds
// its memory cost (64 MiB by default) until it ends, so without a bound a
// burst of sign-ins holds a burst's worth: 20 at once took the portal to
// 1.7 GB in the benchmark, and anyone able to send many sign-ins could
// take the process down that way. More computations than cores would not
// finish any sooner on the whole, so the others wait their turn.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// argonKey is argon2.IDKey; the bound's test stands in a function that
// waits, to see how many run at once.
var argonKey = argon2.IDKey

// idKey computes an argon2id key in one of the hashSlots.
func idKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argonKey(password, salt, time, memory, threads, keyLen)
}

// DummyHash is verified against when the email is unknown, so that a wrong
// email takes as long as a wrong password. It is made with the configured
// cost on first use (making it at start-up would hold 64 MiB from then on).
func (h Hasher) DummyHash() string {
	dummyOnce.Do(func() { dummy = h.Hash("not a real password") })
	return dummy
}

var (
	dummyOnce sync.Once
	dummy     string
)

// MinLength is the shortest password we accept.
const MinLength = 12

// ruleError is a broken password rule, worded for the form that shows it
// (a sentence, so it starts with a capital).
type ruleError string

func (e ruleError) Error() string { return string(e) }

const (
	errPasswordShort  ruleError = "Password must be 12 characters or more"
	errPasswordCommon ruleError = "Choose a password that is harder to guess: this one is on a list of common passwords"
)

// Check applies the password rules: length, and not a common password.
func Check(pw string) error {
	if utf8.RuneCountInString(pw) < MinLength {
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

package password

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHashThenVerify(t *testing.T) {
	h := Hasher{Time: 1, Memory: 64, Threads: 1}
	enc := h.Hash("a long enough password")
	if !h.Verify(enc, "a long enough password") {
		t.Fatal("the right password did not verify")
	}
	if h.Verify(enc, "a long enough passwore") {
		t.Fatal("a wrong password verified")
	}
}

// A burst of sign-ins must not run more argon2id computations at once than
// there are slots: each holds its memory cost while it runs. The stand-in
// for argon2 waits until released, so every caller that got past the bound
// is seen inside it at the same moment.
func TestHashingIsBounded(t *testing.T) {
	h := Hasher{Time: 1, Memory: 64, Threads: 1}
	enc := h.Hash("the right password")

	var inside, most atomic.Int32
	release := make(chan struct{})
	real := argonKey
	argonKey = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		inside.Add(-1)
		return real(password, salt, time, memory, threads, keyLen)
	}
	t.Cleanup(func() { argonKey = real })

	const callers = 20
	var wg sync.WaitGroup
	results := make([]bool, callers)
	for i := range callers {
		wg.Go(func() { results[i] = h.Verify(enc, "the right password") })
	}
	slots := int32(cap(hashSlots))
	deadline := time.Now().Add(10 * time.Second)
	for inside.Load() < slots && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// Every caller has had time to reach the bound; none may pass it.
	time.Sleep(200 * time.Millisecond)
	if got := most.Load(); got != slots {
		t.Errorf("%d argon2id computations ran at once, want the %d slots", got, slots)
	}
	close(release)
	wg.Wait()
	for i, ok := range results {
		if !ok {
			t.Errorf("caller %d: the right password did not verify", i)
		}
	}
}

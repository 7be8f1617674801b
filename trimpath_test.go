package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestTestsCompileWithTrimpath: make test, make test-mongo and make
// test-mongo-e2e export GOFLAGS with -trimpath (TESTGOFLAGS in the
// Makefile) to every go command they start and to those their tests
// start, so all of them compile our packages in the configurations a
// clone in another directory, and make binary, compile too. One target
// without it would compile every package again in a configuration of
// its own.
func TestTestsCompileWithTrimpath(t *testing.T) {
	b, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	mk := string(b)
	flags := regexp.MustCompile(`(?m)^TESTGOFLAGS := (.*)$`).FindStringSubmatch(mk)
	if flags == nil || !strings.Contains(" "+flags[1]+" ", " -trimpath ") {
		t.Fatalf("the Makefile's TESTGOFLAGS = %q, want -trimpath among them", flags)
	}
	for _, target := range []string{"test", "test-mongo", "test-mongo-e2e"} {
		m := regexp.MustCompile(`(?m)^` + target + `:[^\n]*\n((?:\t[^\n]*\n)+)`).FindStringSubmatch(mk)
		if m == nil {
			t.Errorf("the Makefile has no %s target", target)
			continue
		}
		if !strings.Contains(m[1], `GOFLAGS="$$($(GO) env GOFLAGS) $(TESTGOFLAGS)"`) {
			t.Errorf("make %s does not give its go commands GOFLAGS with $(TESTGOFLAGS)", target)
		}
	}
}

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryNoRaceTestRunsInMakeTest: a test in a file built only without
// the race detector (//go:build !race) is skipped by make test's -race
// run, so it runs only if the Makefile's NORACE names it. A new one not
// named there would never run; this fails instead.
func TestEveryNoRaceTestRunsInMakeTest(t *testing.T) {
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var norace string
	for _, line := range strings.Split(string(mk), "\n") {
		if strings.HasPrefix(line, "NORACE :=") {
			norace = line
		}
	}
	if norace == "" {
		t.Fatal("the Makefile has no NORACE line")
	}
	testFunc := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	found := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "data") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(string(src), "//go:build !race\n") {
			return nil
		}
		for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
			found++
			if !strings.Contains(norace, m[1]) || !strings.Contains(norace, "./"+filepath.Dir(path)+"/") {
				t.Errorf("%s (%s) is built only without -race, and the Makefile's NORACE does not run it", m[1], path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("found no test built only without -race: this test shows nothing")
	}
}

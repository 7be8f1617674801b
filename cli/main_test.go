package cli

import (
	"os"
	"testing"
)

// TestMain runs the command line's tests from the module root, where the
// binary runs in `make run` and in the container: the paths they name
// (testdata/, docker-compose.yml, deploy/, the Makefile and Dockerfile)
// are the repository's own, written as a person at the root types them.
func TestMain(m *testing.M) {
	if err := os.Chdir(".."); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

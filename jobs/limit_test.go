package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJobsBoundThemselvesWithJobLimit: no job bounds its run with a
// deadline the driver is told (context.WithTimeout, WithDeadline). The
// driver cuts a read off at such a deadline and closes the jobs' one
// connection with every other job's cursor on it (issue 18); a job's limit
// is a store.JobLimit, which stops the run before its next command.
func TestJobsBoundThemselvesWithJobLimit(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "context.WithTimeout(") || strings.Contains(line, "context.WithDeadline(") {
				t.Errorf("%s:%d bounds a job with a deadline the driver is told; use store.JobLimit: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

package powers_test

import (
	"strings"
	"testing"

	"candour/apperr"
	"candour/powers"
)

// TestFileErrorIsApplicationErrors: a refused file's problems are the one
// application error shape, apperr.Invalid on the field "file", one a wrong
// line with its line number, in the order of the file, and a last one
// counting the lines not named; Error (what the command line prints) is
// those messages joined. Checked without the store: Check reads the file
// only.
func TestFileErrorIsApplicationErrors(t *testing.T) {
	head := powers.VehicleStops.Header() + "\n"
	good := "2024-03-04,Poole,Vehicle defect,White: Irish,White,No further action\n"
	file := head + good + // line 2: good
		"2024-13-01,Poole,Vehicle defect,White: Irish,White,No further action\n" + // line 3: a bad date
		good + // line 4
		"2024-03-04,Poole,Speeding,White: Irish,White,No further action\n" // line 5: a bad reason
	err := powers.Check(powers.VehicleStops, strings.NewReader(file), powers.ImportOptions{Force: "dorset"})
	all := apperr.All(err)
	if len(all) != 2 || apperr.CodeOf(err) != apperr.Invalid || !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v: %d application errors (want 2), code %q", err, len(all), apperr.CodeOf(err))
	}
	for i, want := range []struct {
		line int
		msg  string
	}{{3, `line 3, Date: "2024-13-01" is not a date`}, {5, `line 5, Reason: "Speeding" is not one of`}} {
		if e := all[i]; e.Field != "file" || e.Line != want.line || !strings.HasPrefix(e.Message, want.msg) {
			t.Errorf("problem %d = %+v, want line %d on the field file saying %q...", i, e, want.line, want.msg)
		}
	}
	if err.Error() != all[0].Message+"; "+all[1].Message {
		t.Errorf("Error() = %q, want the two messages joined", err.Error())
	}

	// More wrong lines than a refusal names: the rest are counted in a
	// last error with no line. 25 bad lines, MaxProblems (20) named.
	var b strings.Builder
	b.WriteString(head)
	for range 25 {
		b.WriteString("2024-03-04,Poole,Speeding,White: Irish,White,No further action\n")
	}
	all = apperr.All(powers.Check(powers.VehicleStops, strings.NewReader(b.String()), powers.ImportOptions{Force: "dorset"}))
	if len(all) != powers.MaxProblems+1 || all[powers.MaxProblems-1].Line != powers.MaxProblems+1 {
		t.Fatalf("%d errors, want %d named lines and a count", len(all), powers.MaxProblems)
	}
	if last := all[len(all)-1]; last.Line != 0 || last.Message != "and 5 more lines with problems" {
		t.Errorf("last = %+v, want the 5 lines not named counted", last)
	}
}

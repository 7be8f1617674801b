package survey

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestBuildOnDuringFieldwork: while a survey is open (or not yet open),
// every output built from BuildOn (the page, the CSV, `candour report
// survey`) carries the number of responses and nothing else; once it has
// closed, everything Build gives.
func TestBuildOnDuringFieldwork(t *testing.T) {
	sv, ts := oneSmallGroupSurvey(t, 1) // 60 + 30·4 + 7 = 187 respondents
	day := store.Day(time.Now())
	if !Fieldwork(sv, day) {
		t.Fatalf("a survey just published, with no closing date, is not in fieldwork (state %s)", sv.State(day))
	}
	open, err := BuildOn(sv, 1, ts, day)
	if err != nil {
		t.Fatal(err)
	}
	rep := Flatten(open)
	if !rep.Fieldwork || len(rep.Rows) != 1 || rep.Respondents == nil || *rep.Respondents != 187 || len(open.Questions) != 0 || len(open.Groups) != 0 {
		t.Fatalf("open survey's report: fieldwork %v, %d rows, respondents %v", rep.Fieldwork, len(rep.Rows), rep.Respondents)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "still open") || strings.Count(buf.String(), "\n") != 3 {
		t.Fatalf("open survey's CSV:\n%s", buf.String())
	}
	sv.Closed = true
	closed, err := BuildOn(sv, 1, ts, day)
	if err != nil {
		t.Fatal(err)
	}
	if closed.Fieldwork || len(closed.Questions) == 0 || len(Flatten(closed).Rows) < 50 {
		t.Fatalf("closed survey's results: fieldwork %v, %d questions", closed.Fieldwork, len(closed.Questions))
	}
}

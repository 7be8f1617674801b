package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"candour/demo"
	"candour/survey"
)

func TestReportSurveyAndRebuild(t *testing.T) {
	env := testEnv(t, nil)
	ctx := context.Background()
	_, _, db, err := open(ctx, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedSurveys(ctx, db); err != nil {
		t.Fatal(err)
	}
	svs, _ := db.Surveys(ctx)
	id := svs[0].ID
	db.Close(ctx)
	var out, errOut bytes.Buffer
	if err := Run(ctx, []string{"report", "survey", "--survey", id, "--format", "json"}, env, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("report: %v %s", err, errOut.String())
	}
	var rep survey.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if rep.Respondents == nil || *rep.Respondents != 360 || len(rep.Rows) == 0 {
		t.Fatalf("report: %d rows, respondents %v", len(rep.Rows), rep.Respondents)
	}
	for _, row := range rep.Rows {
		if row.Count != nil && *row.Count > 0 && *row.Count < 10 {
			t.Fatalf("a count under 10 is published: %+v", row)
		}
	}
	out.Reset()
	if err := Run(ctx, []string{"report", "survey", "--survey", id, "--format", "csv"}, env, strings.NewReader(""), &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "survey,version,question_id") {
		t.Fatalf("csv report: %v\n%.200s", err, out.String())
	}
	out.Reset()
	if err := Run(ctx, []string{"survey", "rebuild", "--survey", id}, env, strings.NewReader(""), &out, &errOut); err != nil || !strings.Contains(out.String(), "Counted 360 responses") {
		t.Fatalf("rebuild: %v %q", err, out.String())
	}
	file := t.TempDir() + "/baseline.csv"
	if err := os.WriteFile(file, []byte("matching_code,question,type,group,answer,count\nfair,Police are fair,agree,Black,Agree,12\nfair,Police are fair,agree,White,Agree,40\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Run(ctx, []string{"survey", "import-baseline", "--title", "Community Safety Survey 2024", file}, env, strings.NewReader(""), &out, &errOut); err != nil || !strings.Contains(out.String(), "Imported") {
		t.Fatalf("import baseline: %v %q", err, out.String())
	}
	for _, args := range [][]string{{"survey", "import-baseline", file}, {"survey", "import-baseline", "--title", "T"}, {"report", "survey"}, {"report", "survey", "--survey", id, "--format", "xml"}, {"survey"}, {"survey", "rebuild"}} {
		var ue usageError
		if err := Run(ctx, args, env, strings.NewReader(""), &out, &errOut); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if err := Run(ctx, []string{"report", "survey", "--survey", "nope"}, env, strings.NewReader(""), &out, &errOut); err == nil {
		t.Error("an unknown survey is an error")
	}
}

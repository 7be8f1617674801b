package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"candour/apperr"
	"candour/store"
	"candour/survey"
)

// reportSurveyCmd prints a survey version's aggregated, suppressed results:
// the same figures as its results page and CSV download.
func reportSurveyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("report survey", "Usage: candour report survey --survey ID [--version N] [--format json|csv]", stderr)
	id := fs.String("survey", "", "the survey's id (required; it is in the survey's web address)")
	version := fs.Int("version", 0, "the published version (default: the latest)")
	format := fs.String("format", "json", "json or csv")
	if done, err := parse(fs, args); done {
		return err
	}
	switch {
	case strings.TrimSpace(*id) == "":
		return usageError{"--survey: say which survey (its id is in its web address, /surveys/ID)"}
	case *format != "json" && *format != "csv":
		return usageError{"--format: json or csv"}
	case *version < 0:
		return usageError{"--version: a published version number, like 1"}
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	sv, err := db.Survey(ctx, *id)
	if apperr.Is(err, apperr.NotFound) {
		return fmt.Errorf("no survey with id %s", *id)
	}
	if err != nil {
		return err
	}
	n := *version
	if n == 0 {
		if sv.Current() == nil {
			return fmt.Errorf("survey %q has not been published, so it has no results", sv.Title)
		}
		n = sv.Current().N
	}
	if sv.Version(n) == nil {
		return fmt.Errorf("survey %q has no version %d", sv.Title, n)
	}
	ts, err := db.Tallies(ctx, sv.ID, n)
	if err != nil {
		return err
	}
	r, err := survey.BuildStored(ctx, db, sv, n, ts, store.Day(db.Now())) // while open: the number of responses only; the stored decision
	if err != nil {
		return err
	}
	rep := survey.Flatten(r)
	if *format == "csv" {
		return survey.WriteCSV(stdout, rep)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// surveyCmd runs survey maintenance: `candour survey rebuild --survey ID`
// and `candour survey import-baseline --title T FILE`.
func surveyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "import-baseline" {
		return importBaseline(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "rebuild" {
		return usageError{"unknown survey command: try \"candour survey rebuild --survey ID\" or \"candour survey import-baseline --title T FILE\""}
	}
	fs := newFlags("survey rebuild", "Usage: candour survey rebuild --survey ID\n"+
		"Recounts the survey's results counters from its stored responses. Run it while the survey is quiet.", stderr)
	id := fs.String("survey", "", "the survey's id (required)")
	if done, err := parse(fs, args[1:]); done {
		return err
	}
	if strings.TrimSpace(*id) == "" {
		return usageError{"--survey: say which survey (its id is in its web address, /surveys/ID)"}
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	n, err := db.RebuildTallies(ctx, *id)
	if apperr.Is(err, apperr.NotFound) {
		return fmt.Errorf("no survey with id %s", *id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Counted %d responses into the survey's counters.\n", n)
	return nil
}

// importBaseline enters a survey run outside Candour from a CSV of
// aggregated counts, to compare other surveys with.
func importBaseline(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("survey import-baseline", "Usage: candour survey import-baseline --title TITLE [--series S] [--wave W] FILE.csv\n"+
		"Columns: "+strings.Join(survey.BaselineHeader, ",")+". See docs/surveys.md.", stderr)
	title := fs.String("title", "", "the survey's title (required), e.g. \"Community Safety Survey 2024\"")
	series := fs.String("series", "", "the series it belongs to (optional)")
	wave := fs.String("wave", "", "its wave in the series (optional)")
	if done, err := parse(fs, args); done {
		return err
	}
	if strings.TrimSpace(*title) == "" {
		return usageError{"--title: name the survey"}
	}
	if fs.NArg() != 1 {
		return usageError{"give one CSV file of aggregated counts"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := survey.ParseBaseline(f)
	if err != nil {
		return fmt.Errorf("%s: %w (nothing imported)", fs.Arg(0), err)
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	sv := &store.Survey{Title: *title, Series: *series, Wave: *wave, Public: false}
	if err := db.ImportSurvey(ctx, sv, b.Questions, b.Tallies); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Imported %q (%d questions) as survey %s: choose it as another survey's baseline.\n", sv.Title, len(b.Questions), sv.ID)
	return nil
}

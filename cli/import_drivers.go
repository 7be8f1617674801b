package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"candour/apperr"
	"candour/disparity"
)

// importDrivers loads a force's drivers by ethnic group: the population
// vehicle stops are per 1,000 of (docs/disparity.md). Every line is
// checked first; a wrong file exits 2 naming its lines, with nothing
// stored. Loading it again replaces it.
func importDrivers(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import drivers", "Usage: candour import drivers --force NAME --made HOW --period WHEN FILE\n\n"+
		"Loads how many people of each ethnic group drive in a force area, so that vehicle stops are\n"+
		"per 1,000 drivers rather than residents. No public table gives these: say how they were made\n"+
		"(--made) and what time they describe (--period). The file: "+disparity.DriversLayout+".\n"+
		"Loading a force's drivers again replaces them.", stderr)
	force := fs.String("force", "", "force name as police.uk names it (required), e.g. dorset")
	made := fs.String("made", "", `how the figures were made (required), e.g. "licence holders by self-defined ethnicity, from the force's own survey"`)
	period := fs.String("period", "", "what time the figures describe (required), e.g. 2024")
	if done, err := parse(fs, args); done {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give one file, with --force NAME --made HOW --period WHEN"}
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	o := disparity.DriversOptions{Force: *force, Made: *made, Period: *period, Source: filepath.Base(path), By: "command line"}
	// Check before the store is opened: a bad file never starts it.
	if _, err := disparity.ReadDrivers(f, o); err != nil {
		return driversRefused(path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	p, err := disparity.ImportDrivers(ctx, db, f, o)
	if err != nil {
		return driversRefused(path, err)
	}
	fmt.Fprintf(stdout, "Drivers in %s: %d in the five groups", p.ForceName, p.Total)
	for _, g := range []string{"Asian", "Black", "Mixed", "Other", "White"} {
		fmt.Fprintf(stdout, "; %s %d", g, p.Groups[g])
	}
	fmt.Fprintf(stdout, " (and %d not stated, in no group)\n", p.NotStated)
	fmt.Fprintf(stdout, "  %s, %s. Vehicle stops are now per 1,000 drivers.\n", p.Made, p.Period)
	return nil
}

// driversRefused words a refusal for the shell: each problem, the
// options by their flags, on one line (exit status 2).
func driversRefused(path string, err error) error {
	all := apperr.All(err)
	if !apperr.Is(err, apperr.Invalid) || len(all) == 0 {
		return fmt.Errorf("%s: %w", path, err)
	}
	var msgs []string
	for _, e := range all {
		if e.Field != "" {
			msgs = append(msgs, "--"+e.Field+": "+e.Message)
			continue
		}
		msgs = append(msgs, e.Message)
	}
	return usageError{path + ": " + strings.Join(msgs, "; ") + " (nothing was stored)"}
}

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"candour/powers"
)

// importPower loads a file of one of the activities defined in powers/
// (vehicle stops, …): every line is checked first, and a file with any
// wrong line is refused (exit 2) naming the lines, with nothing stored.
func importPower(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import power", "", stderr)
	force := fs.String("force", "", "force name as police.uk names it (required), e.g. dorset")
	year := fs.String("year", "", "the financial year a yearly table is for (use-of-force), e.g. 2019-20")
	var kinds []string
	for _, d := range powers.All() {
		if d.Importable() {
			kinds = append(kinds, d.Kind)
		}
	}
	// Vetting decisions are restricted (never on a shared page) but are
	// imported the same way, from the shell too.
	kinds = append(kinds, powers.Vetting.Kind)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: candour import power KIND --force NAME [--year YYYY-YY] FILE\n\n"+
			"Imports a CSV file of one activity Candour monitors for disparity. KIND is one of: %s.\n"+
			"Every line is checked first; a file with any wrong line is refused, naming the lines, and nothing\n"+
			"is stored. An import replaces every month (in UK time) it has records in, and no other.\n", strings.Join(kinds, ", "))
		for _, d := range append(powers.All(), powers.Vetting) {
			if d.Importable() {
				fmt.Fprintf(stderr, "  %s header: %s\n", d.Kind, d.Header())
			}
		}
		fs.PrintDefaults()
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		d, ok := powers.Lookup(args[0])
		if args[0] == powers.Vetting.Kind {
			d, ok = powers.Vetting, true
		}
		if !ok || !d.Importable() {
			return usageError{fmt.Sprintf("%q is not an activity with its own import: try %s", args[0], strings.Join(kinds, ", "))}
		}
		if done, err := parse(fs, args[1:]); done {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{"give one file to import"}
		}
		return importPowerFile(ctx, d, powers.ImportOptions{Force: *force, Year: *year, Source: filepath.Base(fs.Arg(0)), By: "command line"}, fs.Arg(0), getenv, stdout, stderr)
	}
	if done, err := parse(fs, args); done {
		return err
	}
	return usageError{"say which activity: candour import power KIND --force NAME FILE, KIND one of " + strings.Join(kinds, ", ")}
}

func importPowerFile(ctx context.Context, d *powers.Dataset, o powers.ImportOptions, path string, getenv func(string) string, stdout, stderr io.Writer) error {
	if _, err := powers.ResolveForce(o.Force); err != nil {
		return usageError{err.Error() + " (--force)"}
	}
	if err := powers.CheckYear(o.Year); d.Yearly && err != nil {
		return usageError{err.Error() + " (--year)"}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// Check before the store is opened: a bad file never starts it.
	if err := powers.Check(d, f, o); err != nil {
		if r := refused(err, path+": ", " (nothing was stored)"); r != nil {
			return r
		}
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	start := time.Now()
	o.Progress = func(n int64) {
		fmt.Fprintf(stderr, "\r%s: %d rows (%.0f rows/s)", filepath.Base(path), n, float64(n)/time.Since(start).Seconds())
	}
	res, err := powers.Import(ctx, db, d, f, o)
	if r := refused(err, path+": ", " (nothing was stored)"); r != nil {
		return r
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintln(stderr)
	var months []string
	for _, m := range res.ByMonth {
		months = append(months, fmt.Sprintf("%s (%d)", m.Month, m.Rows))
	}
	fmt.Fprintf(stdout, "%s: %d rows stored for %s, by period %s, in %.1fs\n", filepath.Base(path), res.Rows, res.Force,
		strings.Join(months, ", "), time.Since(start).Seconds())
	if len(res.Replaced) > 0 {
		fmt.Fprintf(stdout, "  replaced the earlier import of %s\n", strings.Join(res.Replaced, ", "))
	}
	return nil
}

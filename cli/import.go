package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"candour/disparity"
	"candour/powers"
)

// importCmd loads published data: police.uk stop-and-search files and the
// Census 2021 population table; a force's drivers by ethnic group; and the
// files of the other activities it monitors.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"import what? try \"candour import stop-search FILE...\" or \"candour import population FILE --force NAME\""}
	}
	switch args[0] {
	case "stop-search":
		return importStopSearch(ctx, args[1:], getenv, stdout, stderr)
	case "population":
		return importPopulation(ctx, args[1:], getenv, stdout, stderr)
	case "drivers":
		return importDrivers(ctx, args[1:], getenv, stdout, stderr) // import_drivers.go
	case "power":
		return importPower(ctx, args[1:], getenv, stdout, stderr) // powers.go
	}
	return usageError{fmt.Sprintf("unknown import %q: try stop-search, population, drivers or power", args[0])}
}

func importStopSearch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import stop-search", "Usage: candour import stop-search [--force NAME [--force-override]] FILE...\n\n"+
		"Imports police.uk monthly stop-and-search CSV files. Each row is filed under its month in\n"+
		"Europe/London. Importing a file again replaces what that file brought, and nothing else.\n"+
		"A --force that disagrees with the file name is refused unless --force-override is given.", stderr)
	force := fs.String("force", "", "force name (default: from a file name like 2019-01-dorset-stop-and-search.csv)")
	override := fs.Bool("force-override", false, "use --force even though a file name names another force")
	if done, err := parse(fs, args); done {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"name at least one file to import"}
	}
	// Refuse a wrong force before anything is opened or stored.
	for _, path := range fs.Args() {
		o := powers.ImportOptions{Force: *force, ForceOverride: *override, Source: filepath.Base(path)}
		// A force that disagrees with the file name is asked about in the
		// command line's words (how to confirm it), as the import page asks
		// in its own: ask Mismatch for the two forces, not the error.
		if m, wrong := (disparity.ImportOptions{Force: o.Force, ForceOverride: o.ForceOverride, Source: o.Source}).Mismatch(); wrong {
			return usageError{fmt.Sprintf("%s: the file name says the force is %s, but --force says %s: check which force it is, or add --force-override to use %s",
				path, m.FileForce, m.Given, m.Given)}
		}
		if _, err := powers.StopSearch.FileForce(o); err != nil {
			return usageError{fmt.Sprintf("%s: %v", path, err)}
		}
		// Every line of every file is checked before any is stored.
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = powers.Check(powers.StopSearch, f, o)
		f.Close()
		if r := refused(err, path+": ", " (nothing was stored from any file)"); r != nil {
			return r
		}
		if err != nil {
			return err
		}
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		start := time.Now()
		res, err := powers.Import(ctx, db, powers.StopSearch, f, powers.ImportOptions{
			Force: *force, ForceOverride: *override, Source: filepath.Base(path), By: "command line",
			Progress: func(n int64) {
				fmt.Fprintf(stderr, "\r%s: %d rows (%.0f rows/s)", filepath.Base(path), n, float64(n)/time.Since(start).Seconds())
			},
		})
		f.Close()
		if r := refused(err, path+": ", " (nothing was stored from it)"); r != nil {
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
		fmt.Fprintf(stdout, "%s: %d rows read and stored for %s, by month %s, in %.1fs\n", filepath.Base(path), res.Rows, res.Force,
			strings.Join(months, ", "), time.Since(start).Seconds())
		for _, n := range res.Notes {
			fmt.Fprintln(stdout, "  "+n)
		}
		if n := res.UnrecognisedTotal(); n > 0 {
			fmt.Fprintf(stdout, "  %d unrecognised values, kept as given:\n", n)
			for _, v := range res.Unrecognised {
				fmt.Fprintf(stdout, "    %s: %q × %d\n", v.Column, v.Value, v.Count)
			}
		} else {
			fmt.Fprintln(stdout, "  no unrecognised values")
		}
	}
	return nil
}

func importPopulation(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import population", "Usage: candour import population --force NAME FILE\n\n"+
		"Loads Census 2021 table TS021 (ethnic group) by lower tier local authority: ONS's custom\n"+
		"dataset CSV, Nomis's wide layout, or lad_code,lad_name,ethnic_group_code,ethnic_group,observation.\n"+
		"Every authority of the force area must be there, once, and no other.", stderr)
	force := fs.String("force", "", "force name (required), e.g. dorset")
	if done, err := parse(fs, args); done {
		return err
	}
	if fs.NArg() != 1 || strings.TrimSpace(*force) == "" {
		return usageError{"give one file and --force NAME"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	p, err := disparity.ImportPopulation(ctx, db, f, *force, filepath.Base(fs.Arg(0)))
	if r := refused(err, fs.Arg(0)+": ", " (nothing was stored)"); r != nil {
		return r
	}
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(stdout, "Population of %s: %d usual residents", p.ID, p.Total)
	for _, g := range []string{"Asian", "Black", "Mixed", "Other", "White"} {
		fmt.Fprintf(stdout, "; %s %d", g, p.Groups[g])
	}
	fmt.Fprintln(stdout)
	for _, a := range p.Areas {
		fmt.Fprintf(stdout, "  %s %s: %d\n", a.Code, a.Name, a.Residents)
	}
	return nil
}

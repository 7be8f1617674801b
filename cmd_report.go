package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"candour/disparity"
)

var monthRe = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// reportCmd prints reports; for now the stop-and-search disparity report.
func reportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "survey" {
		return reportSurveyCmd(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "disparity" {
		return usageError{"report what? try \"candour report disparity --force NAME\""}
	}
	fs := flag.NewFlagSet("report disparity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	force := fs.String("force", "", "force name (required), e.g. dorset")
	from := fs.String("from", "", "first month, YYYY-MM (default: the earliest)")
	to := fs.String("to", "", "last month, YYYY-MM (default: the latest)")
	basis := fs.String("ethnicity", disparity.SelfDefined, "self or officer (which recorded ethnicity to use)")
	format := fs.String("format", "text", "json, csv or text")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: candour report disparity --force NAME [--from YYYY-MM] [--to YYYY-MM] [--ethnicity self|officer] [--format json|csv|text]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	switch {
	case strings.TrimSpace(*force) == "":
		return usageError{"--force: say which force"}
	case *from != "" && !monthRe.MatchString(*from):
		return usageError{fmt.Sprintf("--from: %q is not a month like 2019-01", *from)}
	case *to != "" && !monthRe.MatchString(*to):
		return usageError{fmt.Sprintf("--to: %q is not a month like 2019-12", *to)}
	case *from != "" && *to != "" && *from > *to:
		return usageError{"--from must not be after --to"}
	case *basis != disparity.SelfDefined && *basis != disparity.OfficerDefined:
		return usageError{"--ethnicity: self or officer"}
	case *format != "json" && *format != "csv" && *format != "text":
		return usageError{"--format: json, csv or text"}
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	rep, err := disparity.Build(ctx, db, strings.ToLower(*force), *from, *to, *basis)
	if err != nil {
		return err
	}
	if rep.Searches == 0 {
		return fmt.Errorf("no stop-and-search records for %s in that period: import them with candour import stop-search", *force)
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return writeReportCSV(stdout, rep)
	}
	for _, line := range disparity.Sentences(rep) {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "%-7s %9s %11s %8s %22s %9s %9s\n", "group", "searches", "population", "per 1000", "ratio to White (95% CI)", "arrest %", "find %")
	for _, g := range rep.Groups {
		fmt.Fprintf(stdout, "%-7s %9d %11d %8s %22s %9s %9s\n", g.Group, g.Searches, g.Population, num(g.RatePer1000, 3),
			disparity.RatioText(g), pct(g.ArrestRate), pct(g.FindRate))
	}
	return nil
}

func writeReportCSV(w io.Writer, rep *disparity.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"force", "from", "to", "ethnicity", "group", "searches", "population", "rate_per_1000", "ratio_to_white",
		"ratio_ci_low", "ratio_ci_high", "arrests", "arrest_rate", "finds", "find_rate"})
	for _, g := range rep.Groups {
		_ = cw.Write([]string{rep.Force, rep.From, rep.To, rep.Ethnicity, g.Group, strconv.FormatInt(g.Searches, 10),
			strconv.FormatInt(g.Population, 10), num(g.RatePer1000, 6), num(g.RatioToWhite, 6), num(g.RatioCILow, 6),
			num(g.RatioCIHigh, 6), strconv.FormatInt(g.Arrests, 10), num(g.ArrestRate, 6), strconv.FormatInt(g.Finds, 10), num(g.FindRate, 6)})
	}
	_ = cw.Write([]string{rep.Force, rep.From, rep.To, rep.Ethnicity, "Not stated", strconv.FormatInt(rep.NotStated.Searches, 10),
		"", "", "", "", "", "", "", "", ""})
	cw.Flush()
	return cw.Error()
}

func num(p *float64, prec int) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', prec, 64)
}

func pct(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p*100, 'f', 1, 64)
}

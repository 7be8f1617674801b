package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"candour/disparity"
	"candour/powers"
	"candour/store"
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
	fs := newFlags("report disparity", "Usage: candour report disparity --force NAME [--from YYYY-MM] [--to YYYY-MM] [--ethnicity self|officer] [--format json|csv|text]", stderr)
	force := fs.String("force", "", "force name (required), e.g. dorset")
	from := fs.String("from", "", "first month, YYYY-MM (default: the earliest)")
	to := fs.String("to", "", "last month, YYYY-MM (default: the latest)")
	basis := fs.String("ethnicity", disparity.SelfDefined, "self or officer (which recorded ethnicity to use)")
	format := fs.String("format", "text", "json, csv or text")
	if done, err := parse(fs, args[1:]); done {
		return err
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
	rep, err := powers.BuildBasis(ctx, db, powers.StopSearch, strings.ToLower(*force), *from, *to, *basis)
	if errors.Is(err, powers.ErrNoPopulation) {
		return usageError{fmt.Sprintf("no Census population for %s: load it with candour import population --force %s FILE", *force, *force)}
	}
	if err != nil {
		return err
	}
	if rep.Events == 0 {
		return usageError{fmt.Sprintf("no stop-and-search records for %s in that period: import them with candour import stop-search", *force)}
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reportJSON(rep))
	case "csv":
		return writeReportCSV(stdout, rep)
	}
	name := rep.ForceName
	if name == "" {
		name = rep.Force
	}
	fmt.Fprintf(stdout, "%s, %s, %s-defined ethnicity\n\n", name, rep.Period, *basis)
	for _, line := range powers.Sentences(rep) {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "%-7s %9s %11s %8s %9s %30s %5s %20s %20s\n", "group", "searches", "population", "per 1000", "per year",
		"ratio to White (95% CI)", "flag", "arrest % (95% CI)", "find % (95% CI)")
	for _, g := range rep.Groups {
		if g.NotRecorded {
			fmt.Fprintf(stdout, "%-7s not a category officers record\n", g.Group)
			continue
		}
		flag := ""
		if g.Flag {
			flag = "yes"
		}
		arrest, find := g.Share("arrest"), g.Share("find")
		fmt.Fprintf(stdout, "%-7s %9d %11d %8s %9s %30s %5s %20s %20s\n", g.Group, g.Events, g.Population, num(g.Rate, 3),
			num(g.RateYear, 3), ratioText(g), flag, pctCI(arrest.Estimate, arrest.Low, arrest.High), pctCI(find.Estimate, find.Low, find.High))
	}
	fmt.Fprintf(stdout, "%-7s %9d (%.0f%% of %d person searches)\n", "not stated", rep.NotStated, rep.NotStatedShare*100, rep.PersonEvents())
	if rep.VehicleOnly > 0 {
		fmt.Fprintf(stdout, "vehicle only %d (nobody to ask)\n", rep.VehicleOnly)
	}
	for _, l := range rep.Labels {
		fmt.Fprintf(stdout, "unrecognised label %q: %d\n", l.Label, l.Events)
	}
	fmt.Fprintf(stdout, "\nPer year: %s.\n", rep.AnnualBasis())
	return nil
}

func pctCI(p, lo, hi *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%s (%s-%s)", pct(p), pct(lo), pct(hi))
}

// publishCmd puts a period of a force's disparity figures on the public
// page, refusing (exit 2) a force with no data or no population.
func publishCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "disparity" {
		return usageError{"publish what? try \"candour publish disparity --force NAME --from YYYY-MM --to YYYY-MM\""}
	}
	fs := newFlags("publish disparity", "Usage: candour publish disparity --force NAME --from YYYY-MM --to YYYY-MM [--ethnicity self|officer]\n\n"+
		"Puts the period on the public stop and search page, replacing what is there.", stderr)
	force := fs.String("force", "", "force name (required), e.g. dorset")
	from := fs.String("from", "", "first month, YYYY-MM (required)")
	to := fs.String("to", "", "last month, YYYY-MM (required)")
	basis := fs.String("ethnicity", disparity.SelfDefined, "self or officer")
	if done, err := parse(fs, args[1:]); done {
		return err
	}
	f := strings.ToLower(strings.TrimSpace(*force))
	switch {
	case f == "":
		return usageError{"--force: say which force"}
	case !monthRe.MatchString(*from) || !monthRe.MatchString(*to) || *from > *to:
		return usageError{"--from and --to: months like 2019-01, the first not after the last"}
	case *basis != disparity.SelfDefined && *basis != disparity.OfficerDefined:
		return usageError{"--ethnicity: self or officer"}
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	rep, err := powers.CheckStopSearchPublishable(ctx, db, f, *from, *to, *basis)
	if r := refused(err, "nothing was published: ", ""); r != nil {
		return r
	}
	if err != nil {
		return err
	}
	if err := db.PublishDisparity(ctx, &store.DisparityPublication{ID: f, From: *from, To: *to, Ethnicity: *basis, PublishedBy: "command line"}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Published %s, %s (%s-defined) on the public page.\n", f, rep.Period, *basis)
	return nil
}

func writeReportCSV(w io.Writer, rep *powers.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"force", "from", "to", "months_with_data", "ethnicity", "group", "note", "searches", "population", "rate_per_1000",
		"rate_per_1000_per_year", "ratio_to_white", "ratio_ci_low", "ratio_ci_high", "gap_per_1000", "gap_ci_low", "gap_ci_high", "flag",
		"arrests", "arrest_rate", "arrest_ci_low", "arrest_ci_high", "finds", "find_rate", "find_ci_low", "find_ci_high"})
	lead := []string{rep.Force, rep.From, rep.To, strconv.Itoa(len(rep.MonthsWithData)), rep.Basis}
	for _, g := range rep.Groups {
		note := ""
		switch {
		case g.NotRecorded:
			note = "not a category officers record"
		case g.Small:
			note = "fewer than 10 searches"
		}
		arrest, find := g.Share("arrest"), g.Share("find")
		_ = cw.Write(append(lead[:5:5], g.Group, note, strconv.FormatInt(g.Events, 10),
			strconv.FormatInt(g.Population, 10), num(g.Rate, 6), num(g.RateYear, 6), num(g.Ratio, 6), num(g.RatioLow, 6),
			num(g.RatioHigh, 6), num(g.Gap, 6), num(g.GapLow, 6), num(g.GapHigh, 6), strconv.FormatBool(g.Flag),
			strconv.FormatInt(arrest.K, 10), num(arrest.Estimate, 6), num(arrest.Low, 6), num(arrest.High, 6),
			strconv.FormatInt(find.K, 10), num(find.Estimate, 6), num(find.Low, 6), num(find.High, 6)))
	}
	blank := func(row ...string) []string { return append(row, make([]string, 26-len(row))...) }
	_ = cw.Write(blank(append(lead[:5:5], "Not stated", "share of person searches "+strconv.FormatFloat(rep.NotStatedShare, 'f', 6, 64),
		strconv.FormatInt(rep.NotStated, 10))...))
	_ = cw.Write(blank(append(lead[:5:5], "Vehicle only", "no person searched", strconv.FormatInt(rep.VehicleOnly, 10))...))
	for _, l := range rep.Labels {
		_ = cw.Write(blank(append(lead[:5:5], "Unrecognised: "+l.Label, "label as given", strconv.FormatInt(l.Events, 10))...))
	}
	cw.Flush()
	return cw.Error()
}

// ratioText is "9.48 (4.41 to 20.37)", or why there is none.
func ratioText(g powers.GroupFigures) string {
	switch {
	case g.NotRecorded:
		return "not a category officers record"
	case g.Ratio == nil:
		return "no ratio"
	case g.Group == "White":
		return "1 (the comparison)"
	case g.RatioLow == nil:
		return fmt.Sprintf("%.2f (no interval)", *g.Ratio)
	}
	return fmt.Sprintf("%.2f (%.2f to %.2f)", *g.Ratio, *g.RatioLow, *g.RatioHigh)
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

package disparity_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"candour/disparity"
)

// TestCSVLineIsEncodingCSV checks the hand-written encoder against
// encoding/csv's Writer, field by field, on the values that need quoting
// and those that do not (the stored records must read back as written).
func TestCSVLineIsEncodingCSV(t *testing.T) {
	fields := []string{"", "Person search", "2019-01-01T00:00:00+00:00", "White - English/Welsh/Scottish/Northern Irish/British",
		"White: English, Welsh, Scottish, Northern Irish or British", `say "no"`, "two\nlines", "cr\rhere", " leading space",
		"\tleading tab", "\u00a0no-break space", `\.`, `\.x`, "trailing space ", "é", ","}
	var records [][]string
	for _, f := range fields {
		records = append(records, []string{f}, []string{f, "x"}, []string{"x", f, f})
	}
	records = append(records, fields, nil)
	for _, rec := range records {
		var b strings.Builder
		w := csv.NewWriter(&b)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if got, want := disparity.CSVLine(rec), strings.TrimSuffix(b.String(), "\n"); got != want {
			t.Errorf("CSVLine(%q) = %q, want %q", rec, got, want)
		}
	}
}

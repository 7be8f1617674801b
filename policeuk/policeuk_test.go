package policeuk

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"candour/apperr"
)

func TestParseFileName(t *testing.T) {
	cases := map[string][3]string{
		"2019-01-dorset-stop-and-search.csv":                  {"2019-01", "dorset", "ok"},
		"/data/2016-11-avon-and-somerset-stop-and-search.csv": {"2016-11", "avon-and-somerset", "ok"},
		"dorset.csv": {"", "", ""},
		// Saved again by a browser: the same month's file, so a re-import
		// replaces it rather than counting its searches twice.
		"2019-01-dorset-stop-and-search (1).csv":     {"2019-01", "dorset", "ok"},
		"2019-01-dorset-stop-and-search (12).csv":    {"2019-01", "dorset", "ok"},
		"2019-01-dorset-stop-and-search (draft).csv": {"", "", ""},
		"2019-01-dorset-stop-and-search.csv.bak":     {"", "", ""},
		"2019-01-dorset-street.csv":                  {"", "", ""},
	}
	for name, want := range cases {
		m, f, ok := ParseFileName(name)
		if m != want[0] || f != want[1] || ok != (want[2] == "ok") {
			t.Errorf("ParseFileName(%q) = %q %q %v", name, m, f, ok)
		}
	}
}

func TestIsArrestInBothVocabularies(t *testing.T) {
	for outcome, want := range map[string]bool{"Arrest": true, "Suspect arrested": true, "A no further action disposal": false, "": false} {
		if IsArrest(outcome) != want {
			t.Errorf("IsArrest(%q) = %v", outcome, !want)
		}
	}
}

func TestMonthIsTheDateInLondon(t *testing.T) {
	for date, want := range map[string]string{
		"2018-07-31T23:00:00+00:00": "2018-08", // midnight BST on 1 August, as police.uk writes it
		"2018-08-30T23:00:00+00:00": "2018-08",
		"2018-08-31T23:00:00+00:00": "2018-09",
		"2019-03-31T23:00:00+00:00": "2019-04", // BST began at 01:00 UTC that day
		"2019-01-31T23:30:00+00:00": "2019-01", // GMT: UTC is London time
		"2018-10-31T23:59:00+00:00": "2018-10", // BST ended on 28 October
		// The clock-change days themselves (last Sundays of March and
		// October 2018): midnight, and 00:30 local, fall in their own month.
		"2018-03-25T00:00:00+00:00": "2018-03", // midnight GMT; BST began at 01:00 UTC
		"2018-03-25T00:30:00+00:00": "2018-03",
		"2018-10-28T00:00:00+00:00": "2018-10", // 01:00 BST, the first of the two 01:00s
		"2018-10-27T23:30:00+00:00": "2018-10", // 00:30 BST on 28 October
		// When the last Sunday is the 31st the change meets the month's end.
		"2021-10-30T23:00:00+00:00": "2021-10", // midnight BST starting 31 October
		"2021-10-31T23:00:00+00:00": "2021-10", // 23:00 GMT on 31 October, not November
		"2021-11-01T00:00:00+00:00": "2021-11", // midnight GMT, 1 November
		"2024-03-31T00:30:00+00:00": "2024-03", // 00:30 GMT on 31 March 2024 (BST began 01:00 UTC)
		"2024-03-31T23:00:00+00:00": "2024-04", // midnight BST, 1 April
	} {
		tm, err := time.Parse(time.RFC3339, date)
		if err != nil {
			t.Fatal(err)
		}
		if got := MonthOf(tm); got != want {
			t.Errorf("MonthOf(%s) = %s, want %s", date, got, want)
		}
	}
}

// TestBadFirstFieldIsAFormatError: a stray quote in a row's first field
// leaves encoding/csv with no field positions, and asking for one panicked
// (a 500 on the web). It must be named like any other format problem.
func TestBadFirstFieldIsAFormatError(t *testing.T) {
	head := strings.Join(Columns, ",") + "\n"
	for name, tc := range map[string]struct {
		body string
		line int
	}{
		"stray quote in the first field": {"Person search,2019-01-01T00:00:00+00:00,,,,,,,,,,,,,\nPer\"son search,2019-01-01T00:00:00+00:00,,,,,,,,,,,,,\n", 3},
		"unclosed quote at the start":    {"\"Person search,2019\n", 2},
		"binary":                         {"\x00\x01\"\x02", 2},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(head+tc.body), "2019-01")
			if err != nil {
				t.Fatal(err)
			}
			for {
				_, err = r.Read()
				if err != nil {
					break
				}
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FormatError", err)
			}
			if fe.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", fe.Line, tc.line, fe)
			}
			// It is an application error: Invalid, naming the same line,
			// with the words the command line prints.
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.Invalid || ae.Line != tc.line || ae.Message != fe.Error() {
				t.Errorf("as an application error: %#v", ae)
			}
		})
	}
}

// TestRealFileWithOtherLineEnds reads the real January 2019 file (156 rows)
// as a spreadsheet might save it: with CRLF line ends, a byte order mark,
// blank lines at the end. Every variant gives the same 156 records.
func TestRealFileWithOtherLineEnds(t *testing.T) {
	orig, err := os.ReadFile("../testdata/2019-01-dorset-stop-and-search.csv")
	if err != nil {
		t.Fatal(err)
	}
	crlf := bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n"))
	for name, b := range map[string][]byte{
		"as published":        orig,
		"CRLF":                crlf,
		"BOM":                 append([]byte("\ufeff"), orig...),
		"BOM and CRLF":        append([]byte("\ufeff"), crlf...),
		"trailing blank":      append(append([]byte{}, orig...), "\n\n"...),
		"CRLF trailing blank": append(append([]byte{}, crlf...), "\r\n\r\n"...),
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(b), "2019-01")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				rec, err := r.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if rec.Month != "2019-01" {
					t.Fatalf("line %d: month %s", rec.Line, rec.Month)
				}
				if strings.ContainsAny(strings.Join(rec.Fields, ""), "\r\ufeff") {
					t.Fatalf("line %d keeps a CR or BOM: %q", rec.Line, rec.Fields)
				}
				n++
			}
			if n != 156 {
				t.Errorf("%d records, want 156", n)
			}
		})
	}
}

package policeuk

import (
	"testing"
	"time"
)

func TestParseFileName(t *testing.T) {
	cases := map[string][3]string{
		"2019-01-dorset-stop-and-search.csv":                  {"2019-01", "dorset", "ok"},
		"/data/2016-11-avon-and-somerset-stop-and-search.csv": {"2016-11", "avon-and-somerset", "ok"},
		"dorset.csv": {"", "", ""},
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

package policeuk

import "testing"

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

package config

import "testing"

func TestTextGateway(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		wantErr bool
		url     string
	}{
		{map[string]string{}, false, ""},
		{map[string]string{"CANDOUR_TEXT_URL": "https://texts.example.org/send", "CANDOUR_TEXT_TOKEN": "t"}, false, "https://texts.example.org/send"},
		{map[string]string{"CANDOUR_TEXT_URL": "texts.example.org"}, true, ""},
		{map[string]string{"CANDOUR_TEXT_URL": "ftp://texts.example.org/"}, true, ""},
	} {
		c, err := Load(func(k string) string { return tc.env[k] })
		if (err != nil) != tc.wantErr {
			t.Errorf("%v: err = %v, want error %v", tc.env, err, tc.wantErr)
			continue
		}
		if err == nil && c.TextURL != tc.url {
			t.Errorf("%v: TextURL = %q, want %q", tc.env, c.TextURL, tc.url)
		}
	}
}

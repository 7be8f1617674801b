package mail_test

import (
	"testing"

	"candour/config"
	"candour/mail"
)

// TestComposeEndsEveryMessageWithTheFooter: the one footer, written out
// here as every message carried it before there was a composer.
func TestComposeEndsEveryMessageWithTheFooter(t *testing.T) {
	cfg := config.Config{ForceName: "Dorset Police", BaseURL: "https://candour.example"}
	if got, want := mail.Compose(cfg, "Hello Ann,\n\nA visit."), "Hello Ann,\n\nA visit.\n\n--\nCandour, Dorset Police\nThis is an automatic message. Do not reply to it.\n"; got != want {
		t.Errorf("Compose = %q\nwant %q", got, want)
	}
	if got, want := mail.CCUNotice(cfg, "A new referral is waiting"), "A new referral is waiting.\n\nSign in to Candour to read it in the Counter Corruption Unit's queue:\nhttps://candour.example/ccu\n\n--\nCandour, Dorset Police\nThis is an automatic message. Do not reply to it.\n"; got != want {
		t.Errorf("CCUNotice = %q\nwant %q", got, want)
	}
}

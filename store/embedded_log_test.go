package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestQuietHandlerAppliesWithLazily: the embedded server's records at INFO
// come out with the attributes and groups its loggers were made With, in
// order, exactly as the handler underneath would write them (plus the
// component); DEBUG records and the response dumps do not come out.
func TestQuietHandlerAppliesWithLazily(t *testing.T) {
	t.Parallel()
	opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	var got, want bytes.Buffer
	quiet := slog.New(&quietHandler{next: slog.NewTextHandler(&got, opts)})
	plain := slog.New(slog.NewTextHandler(&want, opts))
	q := quiet.With("conn", 7).WithGroup("sql").With("stmt", "UPDATE")
	p := plain.With("conn", 7).WithGroup("sql").With("stmt", "UPDATE")
	q.Debug("a statement")
	q.Warn("Response message: {document}")
	q.Info("slow statement", "ms", 120)
	p.Info("slow statement", "ms", 120, slog.String("component", "ferretdb"))
	quiet.With("other", true).Info("plain") // another branch from the root shares nothing
	plain.With("other", true).Info("plain", slog.String("component", "ferretdb"))
	if got.String() != want.String() {
		t.Fatalf("got\n%s\nwant\n%s", got.String(), want.String())
	}
	if strings.Contains(got.String(), "a statement") || strings.Contains(got.String(), "document") {
		t.Fatalf("a DEBUG record or a response dump came out:\n%s", got.String())
	}
	if !strings.Contains(got.String(), "sql.stmt=UPDATE") {
		t.Fatalf("the group and its attribute are missing:\n%s", got.String())
	}
}

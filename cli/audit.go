package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"candour/auditfeed"
	"candour/config"
	"candour/server"
	"candour/store"
)

// auditCmd is "candour audit verify [--against FEED] [--key ID=BASE64]...".
func auditCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || args[0] != "verify" {
		return usageError{"unknown audit command: try \"candour audit verify --help\""}
	}
	fs := newFlags("audit verify", "Usage: candour audit verify [--against FEED] [--key ID=BASE64]...\n\nChecks every link of the stored audit chain and, with --against, that the chain still passes\nthrough every head published in FEED (each head's signature checked first). Exit 1 if not.", stderr)
	against := fs.String("against", "", "a copy of the published heads' Atom feed: a file, or an http(s) URL such as https://candour.example/audit-chain.atom")
	var keys keyFlags
	fs.Var(&keys, "key", "a public key you trust, as ID=BASE64 from the audit chain page (repeatable); without it, the feed's own key list is used")
	if done, err := parse(fs, args[1:]); done {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("audit verify: unexpected %q", fs.Arg(0))}
	}
	var feed io.ReadCloser
	if *against != "" {
		r, err := openFeed(ctx, *against)
		if err != nil {
			return usageError{"audit verify: --against: " + err.Error()}
		}
		feed = r
		defer r.Close()
	}
	_, _, db, err := open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	return verifyAudit(ctx, db, feed, keys, stdout)
}

// verifyAudit checks the chain's links and, given a feed, the published
// heads; the report goes to out and a failure is the returned error.
func verifyAudit(ctx context.Context, db *store.Store, feed io.Reader, trusted map[string]ed25519.PublicKey, out io.Writer) error {
	var heads []store.PublishedHead
	if feed != nil {
		var err error
		if heads, err = auditfeed.Read(feed, trusted); err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
	}
	brk, n, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("audit verify: the chain is broken at event %d: %s (%d events before it verified)", brk.Seq, brk.Reason, n)
	}
	fmt.Fprintf(out, "Every link of the audit chain verifies: %d events.\n", n)
	if feed == nil {
		return nil
	}
	bad, err := db.CheckHeads(ctx, heads)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintf(out, "Published head of %s: %s.\n", b.Head.Day, b.Reason)
		}
		return fmt.Errorf("audit verify: %d of %d published heads do not match the stored chain", len(bad), len(heads))
	}
	fmt.Fprintf(out, "The chain passes through all %d published heads (the latest: event %d on %s).\n", len(heads), heads[0].Seq, heads[0].Day)
	return nil
}

// openFeed opens a feed file or fetches a feed URL.
func openFeed(ctx context.Context, src string) (io.ReadCloser, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return os.Open(src)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET %s: %s", src, res.Status)
	}
	return readCloser{res.Body, cancel}, nil
}

type readCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (r readCloser) Close() error { err := r.ReadCloser.Close(); r.cancel(); return err }

// keyFlags collects --key ID=BASE64.
type keyFlags map[string]ed25519.PublicKey

func (k *keyFlags) String() string { return fmt.Sprint(len(*k), " keys") }

func (k *keyFlags) Set(v string) error {
	id, b64, _ := strings.Cut(v, "=")
	pub, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(pub) != ed25519.PublicKeySize || store.KeyID(pub) != id {
		// The key id is part of the value so a mistyped key cannot pass.
		return fmt.Errorf("%q is not ID=BASE64 of an Ed25519 public key with that id", v)
	}
	if *k == nil {
		*k = keyFlags{}
	}
	(*k)[id] = pub
	return nil
}

// dpiaCmd prints the record of processing (Markdown) for the configuration:
// the start of a data protection impact assessment for the DPO to finish.
func dpiaCmd(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 {
		if args[0] == "--help" || args[0] == "-h" {
			fmt.Fprintln(stdout, "Usage: candour dpia\n\nPrints, as Markdown, each kind of personal data Candour holds: its lawful basis, who can see it\n(from the policy table) and how long it is kept (from CANDOUR_REFERRAL_RETENTION and the jobs).")
			return nil
		}
		return usageError{fmt.Sprintf("dpia: unexpected %q", args[0])}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	_, _, db, err := open(context.Background(), getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	bases, err := db.ProcessingBases(context.Background())
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, server.ProcessingMarkdown(cfg, bases))
	return err
}

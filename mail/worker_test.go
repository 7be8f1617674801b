package mail_test

import (
	"context"
	"errors"
	"io"
	stdlog "log"
	"log/slog"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"candour/config"
	"candour/mail"
	"candour/store"
	"candour/store/storetest"
)

// smtpServer is a real SMTP server on 127.0.0.1 that keeps what it receives
// and, while reject is set, refuses every recipient.
type smtpServer struct {
	addr string

	mu       sync.Mutex
	received []received
	rcptSeen int // RCPT commands, accepted or not: one per delivery attempt
	reject   *smtp.SMTPError
	login    [2]string // user name and password of the last AUTH PLAIN
}

type received struct {
	from string
	to   []string
	msg  *netmail.Message
	body string // decoded
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	srv := &smtpServer{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: srv}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = stdlog.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.addr = l.Addr().String()
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return srv
}

func (s *smtpServer) setReject(e *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = e
}

// counts returns how many delivery attempts the server saw and how many
// messages it accepted.
func (s *smtpServer) counts() (attempts, accepted int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcptSeen, len(s.received)
}

// lastReceived is the last message the server accepted.
func (s *smtpServer) lastReceived() received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received[len(s.received)-1]
}

func (s *smtpServer) lastLogin() [2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.login
}

type smtpSession struct {
	srv  *smtpServer
	from string
	to   []string
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.rcptSeen++
	if s.srv.reject != nil {
		return s.srv.reject
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	msg, err := netmail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.received = append(s.srv.received, received{from: s.from, to: s.to, msg: msg, body: string(b)})
	return nil
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		s.srv.mu.Lock()
		defer s.srv.mu.Unlock()
		s.srv.login = [2]string{user, pass}
		if user != "candour" || pass != "s3cret" {
			return errors.New("invalid credentials")
		}
		return nil
	}), nil
}

// testClock is the store's clock, moved on by tests.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup opens a store with a test clock and a worker sending to srv.
func setup(t *testing.T, srv *smtpServer, env map[string]string) (*store.Store, *mail.Worker, *testClock) {
	t.Helper()
	db := storetest.Open(t)
	clock := &testClock{now: time.Now().UTC()}
	db.SetClock(clock.Now)
	vars := map[string]string{"CANDOUR_SMTP_ADDR": srv.addr, "CANDOUR_MAIL_FROM": "Candour <no-reply@candour.example>"}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return db, mail.NewWorker(db, sender, slog.New(slog.DiscardHandler)), clock
}

func sendDue(t *testing.T, w *mail.Worker, want int) {
	t.Helper()
	n, err := w.SendDue(context.Background())
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	if n != want {
		t.Fatalf("SendDue sent %d, want %d", n, want)
	}
}

func onlyMail(t *testing.T, db *store.Store) store.Mail {
	t.Helper()
	ms, err := db.RecentMail(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("outbox has %d messages, want 1", len(ms))
	}
	return ms[0]
}

func TestWorkerDeliversToSMTPServer(t *testing.T) {
	srv := startSMTP(t)
	db, w, _ := setup(t, srv, nil)
	ctx := context.Background()
	body := "Hello Asha,\n\nOpen this link: https://candour.example/invitation/abc=def?x=1\n\nÀ bientôt."
	if err := db.QueueMail(ctx, "asha@example.org", "Your invitation to Candour", body); err != nil {
		t.Fatal(err)
	}

	sendDue(t, w, 1)
	sendDue(t, w, 0) // nothing is sent twice

	if _, accepted := srv.counts(); accepted != 1 {
		t.Fatalf("server accepted %d messages, want 1", accepted)
	}
	got := srv.lastReceived()
	if want := []string{"asha@example.org"}; len(got.to) != 1 || got.to[0] != want[0] {
		t.Errorf("recipients=%v, want %v", got.to, want)
	}
	if got, want := got.from, "no-reply@candour.example"; got != want {
		t.Errorf("envelope from=%q, want %q", got, want)
	}
	if got, want := got.msg.Header.Get("Subject"), "Your invitation to Candour"; got != want {
		t.Errorf("subject=%q, want %q", got, want)
	}
	if got, want := got.msg.Header.Get("Auto-Submitted"), "auto-generated"; got != want {
		t.Errorf("Auto-Submitted=%q, want %q", got, want)
	}
	if got, want := strings.TrimSuffix(strings.ReplaceAll(got.body, "\r\n", "\n"), "\n"), body; got != want {
		t.Errorf("body=%q, want %q", got, want)
	}
	m := onlyMail(t, db)
	if m.Status != store.MailSent || m.SentAt.IsZero() {
		t.Errorf("outbox status=%q sentAt=%v, want sent", m.Status, m.SentAt)
	}
}

// TestWorkerRetriesWithBackOff: a server that refuses leaves the message in
// the outbox, tried again after 1 minute, then 2, until the server accepts.
func TestWorkerRetriesWithBackOff(t *testing.T) {
	srv := startSMTP(t)
	db, w, clock := setup(t, srv, nil)
	if err := db.QueueMail(context.Background(), "ben@example.org", "Reset your Candour password", "A link"); err != nil {
		t.Fatal(err)
	}
	srv.setReject(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"})

	steps := []struct {
		advance      time.Duration
		wantAttempts int // delivery attempts the server has seen so far
		wantStatus   string
		accept       bool // the server accepts from this step on
	}{
		{0, 1, store.MailPending, false},            // refused
		{0, 1, store.MailPending, false},            // not due yet: no attempt
		{time.Minute, 2, store.MailPending, false},  // due after 1 minute: refused again
		{time.Minute, 2, store.MailPending, false},  // the next wait is 2 minutes
		{time.Minute, 3, store.MailSent, true},      // due again: accepted
		{10 * time.Minute, 3, store.MailSent, true}, // never sent twice
	}
	for i, st := range steps {
		clock.advance(st.advance)
		if st.accept {
			srv.setReject(nil)
		}
		if _, err := w.SendDue(context.Background()); err != nil {
			t.Fatalf("step %d: SendDue: %v", i, err)
		}
		attempts, accepted := srv.counts()
		if attempts != st.wantAttempts {
			t.Errorf("step %d: server saw %d attempts, want %d", i, attempts, st.wantAttempts)
		}
		m := onlyMail(t, db)
		if m.Status != st.wantStatus {
			t.Errorf("step %d: status=%q, want %q", i, m.Status, st.wantStatus)
		}
		if m.Status == store.MailPending && !strings.Contains(m.LastError, "Try again later") {
			t.Errorf("step %d: lastError=%q, want the server's reason", i, m.LastError)
		}
		if wantAccepted := map[bool]int{true: 1, false: 0}[st.accept]; accepted != wantAccepted {
			t.Errorf("step %d: server accepted %d messages, want %d", i, accepted, wantAccepted)
		}
	}
}

// TestWorkerKeepsMailWhenServerIsDown: no server at all counts as a failed
// attempt; the message stays in the outbox.
func TestWorkerKeepsMailWhenServerIsDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := &smtpServer{addr: l.Addr().String()}
	l.Close()
	db, w, _ := setup(t, down, nil)
	if err := db.QueueMail(context.Background(), "cat@example.org", "Hello", "Body"); err != nil {
		t.Fatal(err)
	}
	sendDue(t, w, 0)
	m := onlyMail(t, db)
	if m.Status != store.MailPending || m.Attempts != 1 || m.LastError == "" {
		t.Errorf("after a refused connection: status=%q attempts=%d lastError=%q, want pending, 1 and a reason", m.Status, m.Attempts, m.LastError)
	}
}

// outboxCutAfterRead is an outbox whose pass runs out of time just after
// it has read the due mail (cut), as a job's pass does when its limit
// passes during the read (store.JobLimit lets the read finish).
type outboxCutAfterRead struct {
	*store.Store
	cut context.CancelFunc
}

func (o outboxCutAfterRead) DueMail(ctx context.Context, limit int) ([]store.Mail, error) {
	ms, err := o.Store.DueMail(ctx, limit)
	o.cut()
	return ms, err
}

// TestWorkerTriesNothingWhenItsTimeRanOutDuringTheRead: a pass whose time
// ran out while it read the due mail tries nothing and counts no attempt:
// the message is sent by a later pass as if this one had never read it.
func TestWorkerTriesNothingWhenItsTimeRanOutDuringTheRead(t *testing.T) {
	srv := startSMTP(t)
	db, _, _ := setup(t, srv, nil)
	if err := db.QueueMail(context.Background(), "dan@example.org", "Hello", "Body"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	vars := map[string]string{"CANDOUR_SMTP_ADDR": srv.addr, "CANDOUR_MAIL_FROM": "Candour <no-reply@candour.example>"}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(outboxCutAfterRead{db, cancel}, sender, slog.New(slog.DiscardHandler))
	if n, _ := w.SendDue(ctx); n != 0 {
		t.Fatalf("sent %d after the pass's time ran out, want 0", n)
	}
	if attempts, _ := srv.counts(); attempts != 0 {
		t.Errorf("the server saw %d attempts, want 0", attempts)
	}
	if m := onlyMail(t, db); m.Status != store.MailPending || m.Attempts != 0 {
		t.Errorf("after a pass that ran out of time: status=%q attempts=%d, want pending and 0", m.Status, m.Attempts)
	}
	sendDue(t, mail.NewWorker(db, sender, slog.New(slog.DiscardHandler)), 1)
}

func TestWorkerSignsInWhenUserSet(t *testing.T) {
	srv := startSMTP(t)
	db, w, _ := setup(t, srv, map[string]string{"CANDOUR_SMTP_USER": "candour", "CANDOUR_SMTP_PASSWORD": "s3cret"})
	if err := db.QueueMail(context.Background(), "dev@example.org", "Hello", "Body"); err != nil {
		t.Fatal(err)
	}
	sendDue(t, w, 1)
	if got, want := srv.lastLogin(), [2]string{"candour", "s3cret"}; got != want {
		t.Errorf("server saw login %q, want %q", got, want)
	}
}

func TestNewSMTPNamesTheVariableAtFault(t *testing.T) {
	tests := []struct {
		addr, from, want string
	}{
		{"smtp.example.org", "a@example.org", "CANDOUR_SMTP_ADDR"},
		{"smtp.example.org:port", "a@example.org", "CANDOUR_SMTP_ADDR"},
		{":25", "a@example.org", "CANDOUR_SMTP_ADDR"},
		{"smtp.example.org:587", "not an address", "CANDOUR_MAIL_FROM"},
	}
	for _, tt := range tests {
		t.Run(tt.addr+" "+tt.from, func(t *testing.T) {
			_, err := mail.NewSMTP(config.Config{SMTPAddr: tt.addr, MailFrom: tt.from})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err=%v, want one naming %s", err, tt.want)
			}
		})
	}
}

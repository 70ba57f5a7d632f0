package alert

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

// mailbox is an SMTP server for the test: it takes PLAIN credentials and
// keeps what it is sent.
type mailbox struct {
	mu    sync.Mutex
	mails []sentMail
	addr  string
}

type sentMail struct {
	from string
	to   []string
	data string
	user string
}

type mailSession struct {
	box  *mailbox
	cur  sentMail
	user string
}

func (b *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: b}, nil }

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "alerts" || pass != "MailPw" {
			return errors.New("bad credentials")
		}
		s.user = user
		return nil
	}), nil
}
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = sentMail{from: from, user: s.user}
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.cur.data = string(b)
	s.box.mu.Lock()
	s.box.mails = append(s.box.mails, s.cur)
	s.box.mu.Unlock()
	return err
}
func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

func newMailbox(t *testing.T) *mailbox {
	b := &mailbox{}
	srv := smtp.NewServer(b)
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return b
}

// TestEmailChannel: an alert reaches an SMTP server started by the test,
// with its figures and absolute links, authenticated with the address's
// credentials.
func TestEmailChannel(t *testing.T) {
	ctx := context.Background()
	box := newMailbox(t)
	m, err := NewMailer("smtp://alerts:MailPw@" + box.addr + "?tls=none&from=vigie@uval.example")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	w.engine.Mail = m
	if _, err := w.st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: w.ws.ID, Name: "Rector", Monitor: "brand", Kind: vigie.AlertEvery, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelEmail, To: []string{"comms@uval.example", "rector-office@uval.example"}}}}); err != nil {
		t.Fatal(err)
	}
	w.engine.Evaluate(ctx)
	w.mentions(t, w.now, 1, vigie.Author{Handle: "@journalist", Followers: 900})
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.engine.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	box.mu.Lock()
	mails := append([]sentMail(nil), box.mails...)
	box.mu.Unlock()
	if len(mails) != 1 {
		as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
		ds, _ := w.st.Deliveries(ctx, w.ws.ID, as[0].ID)
		t.Fatalf("%d mails; deliveries %+v", len(mails), ds)
	}
	got := mails[0]
	if got.from != "vigie@uval.example" || len(got.to) != 2 || got.user != "alerts" {
		t.Errorf("envelope %+v", got)
	}
	for _, want := range []string{"Subject: [Vigie] New mention of UVAL brand", "@journalist (900 followers)", "https://vigie.uval.example/w/uval/alerts", "https://vigie.uval.example/alerts/ack/", "text/html"} {
		if !strings.Contains(got.data, want) {
			t.Errorf("the mail lacks %q:\n%s", want, got.data)
		}
	}
	// Refused credentials: the delivery fails with the server's words and
	// is retried (a mail server may be restarting).
	bad, _ := NewMailer("smtp://alerts:wrong@" + box.addr + "?tls=none")
	err = bad.Send(ctx, vigie.AlertChannel{Kind: vigie.ChannelEmail, To: []string{"a@uval.example"}}, &Message{Alert: vigie.Alert{Title: "x"}})
	if err == nil || !strings.Contains(err.Error(), "mail server 127.0.0.1") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestMailerAddress(t *testing.T) {
	for raw, want := range map[string]string{
		"http://mail.example":              "not a mail server address",
		"smtp://mail.example:99999":        "not a port number",
		"smtp://mail.example?tls=maybe":    "tls=\"maybe\"",
		"smtp://mail.example?from=nobody":  "from=\"nobody\"",
		"smtp://u:Secret@mail.example:587": "",
	} {
		_, err := NewMailer(raw)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) || err != nil && strings.Contains(err.Error(), "Secret") {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
}

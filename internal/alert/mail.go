package alert

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/url"
	"strconv"

	"github.com/vigie-project/vigie"
	mail "github.com/wneessen/go-mail"
)

// Mailer sends alerts by e-mail through an SMTP server (VIGIE_SMTP_URL).
type Mailer struct {
	host       string
	port       int
	user, pass string
	from       string
	implicit   bool // smtps://: TLS from the start
	tls        mail.TLSPolicy
	// Dial, when set, connects to the server (tests; the fetch policy
	// does not apply: the mail server is the administrator's).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

var _ Sender = (*Mailer)(nil)

// NewMailer reads an SMTP address: smtp://user:password@host:587 sends
// with STARTTLS, required unless ?tls=opportunistic (used when offered) or
// ?tls=none (a local relay); smtps://host:465 speaks TLS from the start.
// ?from= is the sender (default vigie@ the server's domain).
func NewMailer(raw string) (*Mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("VIGIE_SMTP_URL is not a mail server address such as smtp://user:password@mail.example.org:587?from=vigie@example.org")
	}
	m := &Mailer{host: u.Hostname(), implicit: u.Scheme == "smtps", tls: mail.TLSMandatory}
	m.port = 587
	if m.implicit {
		m.port = 465
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil || m.port <= 0 || m.port > 65535 {
			return nil, fmt.Errorf("VIGIE_SMTP_URL: port %q is not a port number", p)
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	q := u.Query()
	switch q.Get("tls") {
	case "", "required":
	case "opportunistic":
		m.tls = mail.TLSOpportunistic
	case "none":
		m.tls = mail.NoTLS
	default:
		return nil, fmt.Errorf("VIGIE_SMTP_URL: tls=%q: use required (the default), opportunistic or none", q.Get("tls"))
	}
	m.from = q.Get("from")
	if m.from == "" {
		m.from = "vigie@" + m.host
	}
	if err := mail.NewMsg().From(m.from); err != nil {
		return nil, fmt.Errorf("VIGIE_SMTP_URL: from=%q is not an e-mail address", m.from)
	}
	return m, nil
}

// Send writes the alert to the channel's addresses, as text and HTML.
func (m *Mailer) Send(ctx context.Context, ch vigie.AlertChannel, msg *Message) error {
	em := mail.NewMsg()
	if err := em.From(m.from); err != nil {
		return &PermanentError{err}
	}
	if err := em.To(ch.To...); err != nil {
		return &PermanentError{fmt.Errorf("the channel's addresses: %v", err)}
	}
	em.Subject("[Vigie] " + msg.subject())
	em.SetDate()
	em.SetMessageID()
	where := msg.WorkspaceName
	if n := monitorName(&msg.Alert); n != "" {
		where += " · " + n
	}
	text := fmt.Sprintf("%s\n\n%s\n\n%s · %s\n\nOpen in Vigie: %s\nAcknowledge: %s\n", msg.subject(), msg.Alert.Text, where,
		msg.Alert.FiredAt.UTC().Format("2006-01-02 15:04 UTC"), msg.Link, msg.AckLink)
	em.SetBodyString(mail.TypeTextPlain, text)
	em.AddAlternativeString(mail.TypeTextHTML, fmt.Sprintf(`<!doctype html><html><body style="font-family:sans-serif">
<h2 style="margin:0 0 .5em">%s</h2>
<p style="white-space:pre-wrap">%s</p>
<p style="color:#555">%s · %s</p>
<p><a href="%s" style="background:#1f5fbf;color:#fff;padding:.5em 1em;text-decoration:none;border-radius:4px">Open in Vigie</a>
&nbsp; <a href="%s">Acknowledge</a></p>
</body></html>`, html.EscapeString(msg.subject()), html.EscapeString(msg.Alert.Text), html.EscapeString(where),
		msg.Alert.FiredAt.UTC().Format("2006-01-02 15:04 UTC"), html.EscapeString(msg.Link), html.EscapeString(msg.AckLink)))
	opts := []mail.Option{mail.WithPort(m.port), mail.WithTLSPolicy(m.tls), mail.WithTimeout(sendTimeout)}
	if m.implicit {
		opts = append(opts, mail.WithSSL())
	}
	if m.user != "" {
		// The strongest mechanism the server offers; without TLS (a local
		// relay) PLAIN, which go-mail sends in clear to localhost only.
		auth := mail.SMTPAuthAutoDiscover
		if m.tls == mail.NoTLS {
			auth = mail.SMTPAuthPlain
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(m.user), mail.WithPassword(m.pass))
	}
	if m.Dial != nil {
		opts = append(opts, mail.WithDialContextFunc(m.Dial))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return &PermanentError{err}
	}
	if err := c.DialAndSendWithContext(ctx, em); err != nil {
		return fmt.Errorf("mail server %s:%d: %w", m.host, m.port, err)
	}
	return nil
}

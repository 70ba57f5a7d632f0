package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/webhook"
)

// Message is an alert as a channel sends it: the alert, who it is for and
// its links, absolute (VIGIE_PUBLIC_URL, else the listen address).
type Message struct {
	Alert         vigie.Alert
	DeliveryID    int64
	Escalation    bool
	WorkspaceID   int64
	WorkspaceSlug string
	WorkspaceName string
	// Link opens the incident (or the workspace's alerts when the alert
	// has none); AckLink acknowledges the alert (a page asking to confirm:
	// link previews must not acknowledge).
	Link, AckLink string
}

// Sender delivers messages to one kind of channel.
type Sender interface {
	Send(ctx context.Context, ch vigie.AlertChannel, m *Message) error
}

// PermanentError is a delivery the channel refused for good (an address
// revoked, a payload refused): it is not retried until someone asks.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// subject is a message's one-line summary.
func (m *Message) subject() string {
	prefix := ""
	switch {
	case m.Escalation:
		prefix = "Unacknowledged: "
	case m.Alert.Phase == "update":
		prefix = "Update: "
	}
	return prefix + m.Alert.Title
}

// HTTPSender posts messages to webhooks (generic, Slack, Mattermost and
// Teams), each in its own payload shape.
type HTTPSender struct {
	Client *http.Client
	Now    func() time.Time
}

var _ Sender = (*HTTPSender)(nil)

// Send posts the message in the channel's shape.
func (h *HTTPSender) Send(ctx context.Context, ch vigie.AlertChannel, m *Message) error {
	if ch.URL == "" {
		return &PermanentError{errors.New("the channel has no address (or its address cannot be decrypted: the secret key changed); enter it again in the rule")}
	}
	var (
		body []byte
		err  error
	)
	switch ch.Kind {
	case vigie.ChannelWebhook:
		body, err = json.Marshal(webhookBody(m, h.Now()))
	case vigie.ChannelSlack:
		body, err = json.Marshal(slackBody(m))
	case vigie.ChannelMattermost:
		body, err = json.Marshal(map[string]any{"username": "Vigie", "text": mattermostText(m)})
	case vigie.ChannelTeams:
		body, err = json.Marshal(teamsBody(m))
	default:
		return &PermanentError{fmt.Errorf("a %s channel is not sent over HTTP", ch.Kind)}
	}
	if err != nil {
		return &PermanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.URL, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{fmt.Errorf("the channel's address is not usable: %v", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vigie alerts")
	if ch.Kind == vigie.ChannelWebhook {
		// Standard Webhooks: an id stable across retries (receivers
		// deduplicate by it), the time, and the signature when keyed.
		id := "vigie_alert_" + strconv.FormatInt(m.Alert.ID, 10) + "_" + strconv.FormatInt(m.DeliveryID, 10)
		now := h.Now()
		req.Header.Set(webhook.HeaderID, id)
		req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		if ch.Secret != "" {
			key, err := webhook.ParseSigningKey(ch.Secret)
			if err != nil {
				return &PermanentError{fmt.Errorf("the channel's signing secret is not usable: %v", err)}
			}
			req.Header.Set(webhook.HeaderSignature, webhook.Sign(key, id, now, body))
		}
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		// The address is a credential (a Slack hook's path): the error
		// says the host and what went wrong, never the whole URL, which
		// net/http's *url.Error would print.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return connector.Plain(hostOf(ch.URL), err)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("%s answered HTTP %d: %s", hostOf(ch.URL), resp.StatusCode, strings.TrimSpace(strings.ToValidUTF8(string(excerpt), "")))
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return &PermanentError{err}
	}
	return err
}

// hostOf is an address's host (and port), without user information.
func hostOf(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[i+3:]
	}
	if i := strings.IndexAny(raw, "/?#"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.LastIndexByte(raw, '@'); i >= 0 {
		raw = raw[i+1:]
	}
	return raw
}

// WebhookBody is the generic webhook's JSON: Standard Webhooks' envelope
// (type, timestamp, data).
type WebhookBody struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      WebhookData `json:"data"`
}

// WebhookData is what a generic webhook learns of an alert.
type WebhookData struct {
	Alert      vigie.Alert `json:"alert"`
	Monitor    *monitorRef `json:"monitor,omitempty"`
	Workspace  wsRef       `json:"workspace"`
	Link       string      `json:"link"`
	AckLink    string      `json:"acknowledge_link"`
	Escalation bool        `json:"escalation,omitempty"`
}

type monitorRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wsRef struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func webhookBody(m *Message, now time.Time) WebhookBody {
	t := "alert.fired"
	switch m.Alert.Phase {
	case "update":
		t = "alert.updated"
	case "digest":
		t = "alert.digest"
	}
	d := WebhookData{Alert: m.Alert, Workspace: wsRef{m.WorkspaceID, m.WorkspaceSlug, m.WorkspaceName}, Link: m.Link, AckLink: m.AckLink, Escalation: m.Escalation}
	if m.Alert.Monitor != "" {
		d.Monitor = &monitorRef{m.Alert.Monitor, monitorName(&m.Alert)}
	}
	return WebhookBody{Type: t, Timestamp: now.UTC(), Data: d}
}

func monitorName(a *vigie.Alert) string {
	if a.MonitorName != "" {
		return a.MonitorName
	}
	return a.Monitor
}

// slackEscape escapes what Slack reads as markup in mrkdwn ("<!channel>"
// would call everyone).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func slackBody(m *Message) map[string]any {
	text := "*" + slackEscape(m.subject()) + "*\n" + slackEscape(m.Alert.Text)
	ctx := slackEscape(m.WorkspaceName)
	if n := monitorName(&m.Alert); n != "" {
		ctx += " · " + slackEscape(n)
	}
	return map[string]any{
		"text": slackEscape(m.subject() + ": " + m.Alert.Text), // the notification's fallback, mrkdwn too
		"blocks": []any{
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": text}},
			map[string]any{"type": "context", "elements": []any{map[string]any{"type": "mrkdwn", "text": ctx}}},
			map[string]any{"type": "actions", "elements": []any{
				map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Open in Vigie"}, "url": m.Link, "style": "primary"},
				map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Acknowledge"}, "url": m.AckLink},
			}},
		},
	}
}

// noLinks breaks Markdown's link syntax in an outside text ("[x](url)"
// keeps its words and shows its address, but is no link whose text hides
// where it leads): a zero-width space between "]" and "(".
func noLinks(s string) string { return strings.ReplaceAll(s, "](", "]\u200b(") }

// noBroadcast keeps an outside text from calling everyone in a channel
// (@all, @channel, @here): a zero-width space after their "@". Other
// "@"s (handles, addresses) stay as they are.
func noBroadcast(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] != '@' {
			continue
		}
		rest := strings.ToLower(s[i+1:])
		for _, w := range []string{"all", "channel", "here", "everyone"} {
			if strings.HasPrefix(rest, w) && (len(rest) == len(w) || !isWordByte(rest[len(w)])) {
				b.WriteString("\u200b")
				break
			}
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// mattermostEscape keeps an outside text from being read as links or
// mentions of everyone, and from raw HTML.
func mattermostEscape(s string) string {
	return noBroadcast(noLinks(strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)))
}

func mattermostText(m *Message) string {
	where := mattermostEscape(m.WorkspaceName)
	if n := monitorName(&m.Alert); n != "" {
		where += " · " + mattermostEscape(n)
	}
	return fmt.Sprintf("#### %s\n%s\n_%s_ · [Open in Vigie](%s) · [Acknowledge](%s)", mattermostEscape(m.subject()), mattermostEscape(m.Alert.Text), where, m.Link, m.AckLink)
}

// teamsBody is an Adaptive Card as a Teams Workflows webhook ("When a Teams
// webhook request is received") takes it.
func teamsBody(m *Message) map[string]any {
	facts := []any{map[string]any{"title": "Workspace", "value": noLinks(m.WorkspaceName)}}
	if n := monitorName(&m.Alert); n != "" {
		facts = append(facts, map[string]any{"title": "Monitor", "value": noLinks(n)})
	}
	facts = append(facts, map[string]any{"title": "When", "value": m.Alert.FiredAt.UTC().Format("2006-01-02 15:04 UTC")})
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				// TextBlocks read Markdown: outside text gets no links.
				"body": []any{
					map[string]any{"type": "TextBlock", "text": noLinks(m.subject()), "weight": "Bolder", "size": "Medium", "wrap": true},
					map[string]any{"type": "TextBlock", "text": noLinks(m.Alert.Text), "wrap": true},
					map[string]any{"type": "FactSet", "facts": facts},
				},
				"actions": []any{
					map[string]any{"type": "Action.OpenUrl", "title": "Open in Vigie", "url": m.Link},
					map[string]any{"type": "Action.OpenUrl", "title": "Acknowledge", "url": m.AckLink},
				},
			},
		}},
	}
}

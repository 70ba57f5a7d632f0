package vigie

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AlertKind names what an alert rule watches.
type AlertKind string

// Alert rule kinds (issue 12): a volume spike against the seasonal baseline,
// a rise of the negative share, an influential author, each new mention,
// and a periodic digest.
const (
	AlertSpike      AlertKind = "spike"
	AlertSentiment  AlertKind = "sentiment"
	AlertInfluencer AlertKind = "influencer"
	AlertEvery      AlertKind = "every"
	AlertDigest     AlertKind = "digest"
)

// AlertKinds lists the kinds in the order the docs and forms give them.
var AlertKinds = []AlertKind{AlertSpike, AlertSentiment, AlertInfluencer, AlertEvery, AlertDigest}

// Sensitivities of a rule's detector; "" is SensitivityMedium.
const (
	SensitivityLow    = "low"
	SensitivityMedium = "medium"
	SensitivityHigh   = "high"
)

// ChannelKind names where an alert is sent.
type ChannelKind string

// Channel kinds.
const (
	ChannelInApp      ChannelKind = "inapp"
	ChannelEmail      ChannelKind = "email"
	ChannelWebhook    ChannelKind = "webhook"
	ChannelSlack      ChannelKind = "slack"
	ChannelMattermost ChannelKind = "mattermost"
	ChannelTeams      ChannelKind = "teams"
)

// ChannelKinds lists the channel kinds.
var ChannelKinds = []ChannelKind{ChannelInApp, ChannelEmail, ChannelWebhook, ChannelSlack, ChannelMattermost, ChannelTeams}

// AlertChannel is one place a rule's alerts go. URL is the incoming webhook
// of Slack, Mattermost, Teams or a generic webhook (a credential for the
// first three: whoever has it can post); Secret the generic webhook's
// Standard Webhooks signing key ("whsec_…", optional); To the e-mail
// addresses. URL and Secret are encrypted at rest and shown back masked.
type AlertChannel struct {
	Kind   ChannelKind `json:"kind"`
	URL    string      `json:"url,omitempty"`
	Secret string      `json:"secret,omitempty"`
	To     []string    `json:"to,omitempty"`
}

// AlertRule says when a workspace is told about one of its monitors (or all
// of them, Monitor empty) and where.
type AlertRule struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	Name        string    `json:"name"`
	Monitor     string    `json:"monitor,omitempty"` // the monitor's id in the workspace; "" for the whole workspace
	Kind        AlertKind `json:"kind"`
	// Sensitivity of spike and sentiment detectors: low, medium (default), high.
	Sensitivity string `json:"sensitivity,omitempty"`
	// MinCount is the fewest mentions in the detector's window that may
	// fire (spike: 5 minutes, sentiment: 15); 0 is the kind's default.
	MinCount int `json:"min_count,omitempty"`
	// MinFollowers is the influence level of an influencer rule: an
	// author with at least that many followers; 0 is 10,000.
	MinFollowers int64 `json:"min_followers,omitempty"`
	// Period of a digest: "hourly" or "daily" (default).
	Period string `json:"period,omitempty"`
	// CooldownMinutes: an episode ends when its condition has been false
	// that long; only then may the rule fire again (default 60).
	CooldownMinutes int `json:"cooldown_minutes,omitempty"`
	// UpdateMinutes: while an episode lasts, an update ("still rising")
	// is sent at most this often (default 30).
	UpdateMinutes int            `json:"update_minutes,omitempty"`
	Channels      []AlertChannel `json:"channels"`
	// EscalateMinutes and Escalate: when nobody acknowledges an alert
	// within that many minutes, it is sent to the Escalate channels too.
	EscalateMinutes int            `json:"escalate_minutes,omitempty"`
	Escalate        []AlertChannel `json:"escalate,omitempty"`
	Enabled         bool           `json:"enabled"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// Rule defaults.
const (
	DefaultSpikeMinCount     = 10
	DefaultSentimentMinCount = 15
	DefaultMinFollowers      = 10_000
	DefaultCooldownMinutes   = 60
	DefaultUpdateMinutes     = 30
	MaxAlertChannels         = 10
	MaxChannelURL            = 2048
)

// Cooldown is the rule's cool-down, its default when unset.
func (r *AlertRule) Cooldown() time.Duration {
	if r.CooldownMinutes > 0 {
		return time.Duration(r.CooldownMinutes) * time.Minute
	}
	return DefaultCooldownMinutes * time.Minute
}

// UpdateEvery is how often an episode's updates may be sent.
func (r *AlertRule) UpdateEvery() time.Duration {
	if r.UpdateMinutes > 0 {
		return time.Duration(r.UpdateMinutes) * time.Minute
	}
	return DefaultUpdateMinutes * time.Minute
}

// Validate checks a rule's fields (not that its monitor exists: the store
// does, in the workspace).
func (r *AlertRule) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return fmt.Errorf("%w: the alert rule has no name", ErrInvalid)
	}
	if err := ValidName("alert rule's name", r.Name); err != nil {
		return err
	}
	known := false
	for _, k := range AlertKinds {
		known = known || r.Kind == k
	}
	if !known {
		return fmt.Errorf("%w: unknown alert kind %q; use one of spike, sentiment, influencer, every, digest", ErrInvalid, r.Kind)
	}
	switch r.Sensitivity {
	case "", SensitivityLow, SensitivityMedium, SensitivityHigh:
	default:
		return fmt.Errorf("%w: sensitivity %q: use low, medium or high", ErrInvalid, r.Sensitivity)
	}
	switch r.Period {
	case "", "hourly", "daily":
	default:
		return fmt.Errorf("%w: digest period %q: use hourly or daily", ErrInvalid, r.Period)
	}
	for _, f := range []struct {
		name string
		v    int64
		max  int64
	}{
		{"min_count", int64(r.MinCount), 1_000_000},
		{"min_followers", r.MinFollowers, 1_000_000_000_000},
		{"cooldown_minutes", int64(r.CooldownMinutes), 7 * 24 * 60},
		{"update_minutes", int64(r.UpdateMinutes), 7 * 24 * 60},
		{"escalate_minutes", int64(r.EscalateMinutes), 7 * 24 * 60},
	} {
		if f.v < 0 || f.v > f.max {
			return fmt.Errorf("%w: %s is %d; use a number from 0 (the default) to %d", ErrInvalid, f.name, f.v, f.max)
		}
	}
	if len(r.Channels) == 0 {
		return fmt.Errorf(`%w: the alert rule has no channel; add at least {"kind":"inapp"}`, ErrInvalid)
	}
	if len(r.Channels) > MaxAlertChannels || len(r.Escalate) > MaxAlertChannels {
		return fmt.Errorf("%w: at most %d channels, and %d to escalate to", ErrInvalid, MaxAlertChannels, MaxAlertChannels)
	}
	for i := range r.Channels {
		if err := r.Channels[i].Validate(); err != nil {
			return fmt.Errorf("the %s channel: %w", r.Channels[i].Kind, err)
		}
	}
	for i := range r.Escalate {
		if err := r.Escalate[i].Validate(); err != nil {
			return fmt.Errorf("the %s escalation channel: %w", r.Escalate[i].Kind, err)
		}
	}
	if len(r.Escalate) > 0 && r.EscalateMinutes == 0 {
		return fmt.Errorf("%w: escalation needs a delay: after how many minutes without an acknowledgement the escalation channels are told (escalate_minutes)", ErrInvalid)
	}
	return nil
}

// Validate checks a channel: its kind, and the address it needs.
func (c *AlertChannel) Validate() error {
	switch c.Kind {
	case ChannelInApp:
		if c.URL != "" || c.Secret != "" || len(c.To) > 0 {
			return fmt.Errorf("%w: an inapp channel takes no url, secret or to", ErrInvalid)
		}
	case ChannelEmail:
		if len(c.To) == 0 {
			return fmt.Errorf(`%w: an email channel needs "to": the addresses to write to`, ErrInvalid)
		}
		if len(c.To) > 50 {
			return fmt.Errorf("%w: an email channel has %d addresses; at most 50", ErrInvalid, len(c.To))
		}
		for _, a := range c.To {
			if len(a) > 254 {
				return fmt.Errorf("%w: an e-mail address of %d characters; at most 254", ErrInvalid, len(a))
			}
			bad := strings.ContainsAny(a, " \t\r\n<>,;\"") || !utf8.ValidString(a)
			for _, r := range a {
				bad = bad || unicode.IsControl(r)
			}
			if at := strings.LastIndexByte(a, '@'); at < 1 || at == len(a)-1 || bad {
				return fmt.Errorf("%w: %q is not an e-mail address", ErrInvalid, a)
			}
		}
	case ChannelWebhook, ChannelSlack, ChannelMattermost, ChannelTeams:
		if len(c.URL) > MaxChannelURL || len(c.Secret) > MaxChannelURL {
			return fmt.Errorf("%w: a %s channel's address or secret is over %d characters", ErrInvalid, c.Kind, MaxChannelURL)
		}
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: a %s channel needs its webhook address (https://…) in url", ErrInvalid, c.Kind)
		}
		if c.Secret != "" && c.Kind != ChannelWebhook {
			return fmt.Errorf("%w: only a webhook channel takes a signing secret", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: unknown channel kind %q; use inapp, email, webhook, slack, mattermost or teams", ErrInvalid, c.Kind)
	}
	return nil
}

// IncidentStatus is where an incident is in its lifecycle.
type IncidentStatus string

// Incident statuses: open → monitoring → closed.
const (
	IncidentOpen       IncidentStatus = "open"
	IncidentMonitoring IncidentStatus = "monitoring"
	IncidentClosed     IncidentStatus = "closed"
)

// Incident is a crisis being handled: opened by an alert (or by hand),
// joined by the later alerts of its monitor while it is not closed.
type Incident struct {
	ID          int64          `json:"id"`
	WorkspaceID int64          `json:"workspace_id"`
	Title       string         `json:"title"`
	Monitor     string         `json:"monitor,omitempty"`
	Status      IncidentStatus `json:"status"`
	OwnerID     int64          `json:"owner_id,omitempty"`
	Owner       string         `json:"owner,omitempty"` // the owner's name or e-mail
	OpenedAt    time.Time      `json:"opened_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	ClosedAt    time.Time      `json:"closed_at,omitzero"`
	// FirstResponseAt is the first acknowledgement, note or status change
	// by a person.
	FirstResponseAt time.Time       `json:"first_response_at,omitzero"`
	Alerts          int             `json:"alerts"`
	Checklist       []ChecklistItem `json:"checklist"`
	Timeline        []IncidentEvent `json:"timeline,omitempty"`
}

// ChecklistItem is one step of the workspace's crisis checklist.
type ChecklistItem struct {
	Label  string    `json:"label"`
	Done   bool      `json:"done"`
	DoneAt time.Time `json:"done_at,omitzero"`
	DoneBy string    `json:"done_by,omitempty"`
}

// IncidentEvent is one line of an incident's timeline.
type IncidentEvent struct {
	ID   int64     `json:"id"`
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // alert, update, note, status, owner, check, statement, acknowledged
	By   string    `json:"by,omitempty"`
	Text string    `json:"text"`
}

// Alert is one message a rule sent: an episode's first alert, an update,
// a digest.
type Alert struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	RuleID      int64     `json:"rule_id"`
	RuleName    string    `json:"rule"`
	Monitor     string    `json:"monitor,omitempty"`
	MonitorName string    `json:"monitor_name,omitempty"`
	IncidentID  int64     `json:"incident_id,omitempty"`
	Kind        AlertKind `json:"kind"`
	Phase       string    `json:"phase"` // alert, update, digest
	FiredAt     time.Time `json:"fired_at"`
	Title       string    `json:"title"`
	Text        string    `json:"text"`
	// Figures say what happened in numbers: observed, expected, window
	// minutes, negative share, …
	Figures        map[string]float64 `json:"figures,omitempty"`
	AcknowledgedAt time.Time          `json:"acknowledged_at,omitzero"`
	AcknowledgedBy string             `json:"acknowledged_by,omitempty"`
}

// DefaultChecklist is a new workspace's crisis checklist.
var DefaultChecklist = []string{
	"Assess: is it real, how big, who is affected",
	"Holding statement drafted and approved",
	"Legal informed",
	"Management informed",
	"Statement published",
	"Questions answered in the inbox",
}

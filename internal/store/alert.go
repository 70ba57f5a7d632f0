package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// Alert rules, the alerts they send, their delivery outbox and the
// incidents alerts open (migration 0029_alerts). Every method that takes
// an id takes the workspace too.

// ruleConfig is a rule's config column: its settings and channels, the
// channels' credentials sealed.
type ruleConfig struct {
	Sensitivity     string               `json:"sensitivity,omitempty"`
	MinCount        int                  `json:"min_count,omitempty"`
	MinFollowers    int64                `json:"min_followers,omitempty"`
	Period          string               `json:"period,omitempty"`
	CooldownMinutes int                  `json:"cooldown_minutes,omitempty"`
	UpdateMinutes   int                  `json:"update_minutes,omitempty"`
	Channels        []vigie.AlertChannel `json:"channels"`
	EscalateMinutes int                  `json:"escalate_minutes,omitempty"`
	Escalate        []vigie.AlertChannel `json:"escalate,omitempty"`
}

// The names channels' credentials are sealed under (secret.Seal binds a
// value to its name).
const (
	sealChannelURL    = "channel_url"
	sealChannelSecret = "channel_secret"
	sealAckToken      = "ack_token"
)

func (s *Store) sealChannel(c vigie.AlertChannel) (vigie.AlertChannel, error) {
	if c.URL == "" && c.Secret == "" {
		return c, nil
	}
	if s.secrets == nil {
		return c, errors.New("the channel's address is a credential, and the store was opened without a secret key to encrypt it")
	}
	if c.URL != "" {
		c.URL = s.secrets.Seal(c.URL, sealChannelURL)
	}
	if c.Secret != "" {
		c.Secret = s.secrets.Seal(c.Secret, sealChannelSecret)
	}
	return c, nil
}

// openChannel opens a sealed channel; one another key sealed reads with
// an empty address, which its delivery reports.
func (s *Store) openChannel(c vigie.AlertChannel) vigie.AlertChannel {
	if secret.IsSealed(c.URL) {
		c.URL, _ = s.open(c.URL, sealChannelURL)
	}
	if secret.IsSealed(c.Secret) {
		c.Secret, _ = s.open(c.Secret, sealChannelSecret)
	}
	return c
}

func (s *Store) encodeRule(r *vigie.AlertRule) (string, error) {
	c := ruleConfig{Sensitivity: r.Sensitivity, MinCount: r.MinCount, MinFollowers: r.MinFollowers, Period: r.Period,
		CooldownMinutes: r.CooldownMinutes, UpdateMinutes: r.UpdateMinutes, EscalateMinutes: r.EscalateMinutes}
	for _, list := range []struct {
		in  []vigie.AlertChannel
		out *[]vigie.AlertChannel
	}{{r.Channels, &c.Channels}, {r.Escalate, &c.Escalate}} {
		for _, ch := range list.in {
			sealed, err := s.sealChannel(ch)
			if err != nil {
				return "", err
			}
			*list.out = append(*list.out, sealed)
		}
	}
	b, err := json.Marshal(c)
	return string(b), err
}

func (s *Store) decodeRule(raw string, r *vigie.AlertRule) error {
	var c ruleConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return fmt.Errorf("alert rule %d: config: %w", r.ID, err)
	}
	r.Sensitivity, r.MinCount, r.MinFollowers, r.Period = c.Sensitivity, c.MinCount, c.MinFollowers, c.Period
	r.CooldownMinutes, r.UpdateMinutes, r.EscalateMinutes = c.CooldownMinutes, c.UpdateMinutes, c.EscalateMinutes
	r.Channels, r.Escalate = nil, nil
	for _, ch := range c.Channels {
		r.Channels = append(r.Channels, s.openChannel(ch))
	}
	for _, ch := range c.Escalate {
		r.Escalate = append(r.Escalate, s.openChannel(ch))
	}
	if r.Channels == nil {
		r.Channels = []vigie.AlertChannel{}
	}
	return nil
}

// RuleRun is a rule as the alert engine runs it: the rule, its monitor's
// key (empty for a whole workspace) and name, and its episode's state.
type RuleRun struct {
	vigie.AlertRule
	MonitorKey  string
	MonitorName string
	State       string // JSON of alert.Episode
}

const ruleCols = `r.id, r.workspace_id, r.name, COALESCE(mo.public_id, ''), r.kind, r.config, r.enabled, r.created_at, r.updated_at,
	COALESCE(r.monitor_id, ''), COALESCE(mo.name, ''), r.state`

const ruleFrom = ` FROM alert_rules r LEFT JOIN monitors mo ON mo.id = r.monitor_id`

func (s *Store) scanRule(row interface{ Scan(...any) error }) (RuleRun, error) {
	var (
		r      RuleRun
		config string
		kind   string
	)
	if err := row.Scan(&r.ID, &r.WorkspaceID, &r.Name, &r.Monitor, &kind, &config, &r.Enabled, timeCol(&r.CreatedAt), timeCol(&r.UpdatedAt),
		&r.MonitorKey, &r.MonitorName, &r.State); err != nil {
		return r, err
	}
	r.Kind = vigie.AlertKind(kind)
	return r, s.decodeRule(config, &r.AlertRule)
}

// monitorKey returns the key of the workspace's monitor id ("" for "").
func (s *Store) monitorKey(ctx context.Context, q querier, workspaceID int64, id string) (*string, error) {
	if id == "" {
		return nil, nil
	}
	var key string
	err := q.QueryRowContext(ctx, s.q("SELECT id FROM monitors WHERE workspace_id = ? AND public_id = ?"), workspaceID, id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: this workspace has no monitor %q", vigie.ErrInvalid, id)
	}
	if err != nil {
		return nil, s.errf(err, "monitor %q", id)
	}
	return &key, nil
}

// CreateAlertRule saves a new rule of the workspace. Its monitor, when
// named, must be one of the workspace's.
func (s *Store) CreateAlertRule(ctx context.Context, r vigie.AlertRule) (vigie.AlertRule, error) {
	if err := noWorkspace("create alert rule", r.WorkspaceID); err != nil {
		return vigie.AlertRule{}, err
	}
	if err := r.Validate(); err != nil {
		return vigie.AlertRule{}, fmt.Errorf("create alert rule: %w", err)
	}
	config, err := s.encodeRule(&r)
	if err != nil {
		return vigie.AlertRule{}, fmt.Errorf("create alert rule: %w", err)
	}
	now := s.clock()
	var id int64
	err = s.write(ctx, func(q querier) error {
		key, err := s.monitorKey(ctx, q, r.WorkspaceID, r.Monitor)
		if err != nil {
			return err
		}
		// Rules of new mentions start where the archive is now, so that
		// mentions stored before their first evaluation (an import by
		// another process) are theirs. The state's shape is
		// alert.newState's.
		state := "{}"
		if r.Kind == vigie.AlertEvery || r.Kind == vigie.AlertInfluencer {
			var last int64
			if err := q.QueryRowContext(ctx, s.q(lastPostIDQuery), r.WorkspaceID).Scan(&last); err != nil {
				return err
			}
			state = fmt.Sprintf(`{"started":true,"after":%d}`, last)
		}
		return q.QueryRowContext(ctx, s.q(`INSERT INTO alert_rules (workspace_id, name, monitor_id, kind, config, enabled, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), r.WorkspaceID, r.Name, key, string(r.Kind), config, r.Enabled, state, s.tm(now), s.tm(now)).Scan(&id)
	})
	if err != nil {
		return vigie.AlertRule{}, fmt.Errorf("create alert rule %q: %w", r.Name, s.translate(err))
	}
	return s.FindAlertRule(ctx, r.WorkspaceID, id)
}

// UpdateAlertRule replaces a rule's settings, monitor and channels; its
// episode goes on (a changed rule does not fire again for the same
// episode).
func (s *Store) UpdateAlertRule(ctx context.Context, workspaceID, id int64, r vigie.AlertRule) (vigie.AlertRule, error) {
	if err := r.Validate(); err != nil {
		return vigie.AlertRule{}, fmt.Errorf("update alert rule: %w", err)
	}
	config, err := s.encodeRule(&r)
	if err != nil {
		return vigie.AlertRule{}, fmt.Errorf("update alert rule: %w", err)
	}
	err = s.write(ctx, func(q querier) error {
		key, err := s.monitorKey(ctx, q, workspaceID, r.Monitor)
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, s.q(`UPDATE alert_rules SET name = ?, monitor_id = ?, kind = ?, config = ?, enabled = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ?`), r.Name, key, string(r.Kind), config, r.Enabled, s.tm(s.clock()), workspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no alert rule %d in this workspace", vigie.ErrNotFound, id)
		}
		return nil
	})
	if err != nil {
		return vigie.AlertRule{}, fmt.Errorf("update alert rule %d: %w", id, s.translate(err))
	}
	return s.FindAlertRule(ctx, workspaceID, id)
}

// DeleteAlertRule deletes a rule; the alerts it sent stay.
func (s *Store) DeleteAlertRule(ctx context.Context, workspaceID, id int64) error {
	res, err := s.exec(ctx, s.q("DELETE FROM alert_rules WHERE workspace_id = ? AND id = ?"), workspaceID, id)
	if err != nil {
		return s.errf(err, "delete alert rule %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete alert rule: %w: no alert rule %d in this workspace", vigie.ErrNotFound, id)
	}
	return nil
}

// FindAlertRule returns one of the workspace's rules.
func (s *Store) FindAlertRule(ctx context.Context, workspaceID, id int64) (vigie.AlertRule, error) {
	r, err := s.scanRule(s.db.QueryRowContext(ctx, s.q("SELECT "+ruleCols+ruleFrom+" WHERE r.workspace_id = ? AND r.id = ?"), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.AlertRule{}, fmt.Errorf("alert rule: %w: no alert rule %d in this workspace", vigie.ErrNotFound, id)
	}
	if err != nil {
		return vigie.AlertRule{}, s.errf(err, "alert rule %d", id)
	}
	return r.AlertRule, nil
}

// AlertRules lists the workspace's rules, oldest first.
func (s *Store) AlertRules(ctx context.Context, workspaceID int64) ([]vigie.AlertRule, error) {
	runs, err := s.ruleRuns(ctx, "r.workspace_id = ?", workspaceID)
	out := make([]vigie.AlertRule, len(runs))
	for i := range runs {
		out[i] = runs[i].AlertRule
	}
	return out, err
}

// EnabledAlertRules lists every workspace's enabled rules, for the engine.
func (s *Store) EnabledAlertRules(ctx context.Context) ([]RuleRun, error) {
	return s.ruleRuns(ctx, "r.enabled = ?", true)
}

func (s *Store) ruleRuns(ctx context.Context, where string, args ...any) ([]RuleRun, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+ruleCols+ruleFrom+" WHERE "+where+" ORDER BY r.id"), args...)
	if err != nil {
		return nil, s.errf(err, "alert rules")
	}
	return collect(rows, s.scanRule, func(err error) error { return s.errf(err, "alert rules") })
}

// SaveRuleState saves a rule's episode after an evaluation that sent
// nothing (FireAlert saves it with what it sends), if it is still prev
// (else another evaluation moved it, and this one's is dropped).
func (s *Store) SaveRuleState(ctx context.Context, workspaceID, ruleID int64, prev, state string) error {
	if _, err := s.exec(ctx, s.q("UPDATE alert_rules SET state = ? WHERE workspace_id = ? AND id = ? AND state = ?"), state, workspaceID, ruleID, prev); err != nil {
		return s.errf(err, "save alert rule %d's state", ruleID)
	}
	return nil
}

// Fired is an alert to record: the alert, the rule's episode after it,
// whether it opens (or joins) an incident, and where to deliver it.
type Fired struct {
	Alert vigie.Alert
	State string // the rule's episode after it ("" leaves it)
	// PrevState is the episode the evaluation read: the alert is recorded
	// only if the rule's state is still that, so two engines sharing a
	// database (or a slow evaluation overtaken by a newer one) cannot send
	// the same alert twice (ErrStale).
	PrevState string
	Incident  bool // open or join the monitor's incident
	Channels  []vigie.AlertChannel
	// Escalate is when, unacknowledged, the alert goes to EscalateTo too.
	EscalateAt time.Time
}

// ackTokenLen is the length of an acknowledgement token: 18 random bytes
// in unpadded base64url.
const ackTokenLen = 24

// ValidAckToken reports whether s has the shape of an acknowledgement
// token (24 base64url characters), so that a page never echoes anything
// else (a path with "../" in it) into a form's address.
func ValidAckToken(s string) bool {
	if len(s) != ackTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ErrStale is FireAlert's answer when the rule's state moved since the
// evaluation read it: another evaluation recorded the alert, or ended the
// episode.
var ErrStale = fmt.Errorf("%w: the alert rule's state changed since it was read", vigie.ErrConflict)

// FiredAlert is what FireAlert recorded: the alert with its id and
// incident, and the token of its acknowledgement link (only its hash is
// stored).
type FiredAlert struct {
	vigie.Alert
	AckToken       string
	IncidentOpened bool
}

// FireAlert records an alert, the rule's new state, its incident (the
// open one of its monitor, else a new one) and one delivery per channel,
// in one transaction: a crash loses none and sends none twice (the
// outbox). Monitor names the alert's monitor by its key.
func (s *Store) FireAlert(ctx context.Context, f Fired, monitorKey string) (FiredAlert, error) {
	a := f.Alert
	if err := noWorkspace("fire alert", a.WorkspaceID); err != nil {
		return FiredAlert{}, err
	}
	var tok [18]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return FiredAlert{}, err
	}
	out := FiredAlert{Alert: a, AckToken: base64.RawURLEncoding.EncodeToString(tok[:])}
	figures, err := json.Marshal(a.Figures)
	if err != nil {
		return FiredAlert{}, fmt.Errorf("fire alert: figures: %w", err)
	}
	inapp := slices.ContainsFunc(f.Channels, func(ch vigie.AlertChannel) bool { return ch.Kind == vigie.ChannelInApp })
	channels, err := s.sealChannels(f.Channels)
	if err != nil {
		return FiredAlert{}, fmt.Errorf("fire alert: %w", err)
	}
	sealedToken := ""
	if s.secrets != nil {
		sealedToken = s.secrets.Seal(out.AckToken, sealAckToken)
	}
	var key *string
	if monitorKey != "" {
		key = &monitorKey
	}
	var ruleID *int64
	if a.RuleID != 0 {
		ruleID = &a.RuleID
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if f.State != "" && a.RuleID != 0 {
			res, err := tx.ExecContext(ctx, s.q("UPDATE alert_rules SET state = ? WHERE workspace_id = ? AND id = ? AND state = ?"), f.State, a.WorkspaceID, a.RuleID, f.PrevState)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrStale
			}
		}
		if f.Incident {
			id, opened, err := s.incidentFor(ctx, tx, a.WorkspaceID, key, a.Title, a.FiredAt)
			if err != nil {
				return err
			}
			out.IncidentID, out.IncidentOpened = id, opened
		}
		var incident *int64
		if out.IncidentID != 0 {
			incident = &out.IncidentID
		}
		if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO alerts (workspace_id, rule_id, rule_name, monitor_id, incident_id, kind, phase, fired_at, title, body, figures, inapp, ack_hash, ack_token, escalate_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			a.WorkspaceID, ruleID, a.RuleName, key, incident, string(a.Kind), a.Phase, s.tm(a.FiredAt), a.Title, a.Text, string(figures), inapp,
			hashToken(out.AckToken), sealedToken, s.tmNull(f.EscalateAt)).Scan(&out.ID); err != nil {
			return err
		}
		if incident != nil {
			if err := s.addIncidentEvent(ctx, tx, out.IncidentID, a.FiredAt, a.Phase, "", a.Title+": "+a.Text); err != nil {
				return err
			}
		}
		return s.addDeliveries(ctx, tx, out.ID, a.WorkspaceID, a.FiredAt, f.Channels, channels)
	})
	if errors.Is(err, ErrStale) {
		return FiredAlert{}, err
	}
	if err != nil {
		return FiredAlert{}, s.errf(err, "fire alert %q", a.Title)
	}
	return out, nil
}

// sealChannels seals channels' credentials and encodes each as its
// delivery's channel column.
func (s *Store) sealChannels(chs []vigie.AlertChannel) ([]string, error) {
	out := make([]string, 0, len(chs))
	for _, ch := range chs {
		sealed, err := s.sealChannel(ch)
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(sealed)
		out = append(out, string(b))
	}
	return out, nil
}

// addDeliveries writes an alert's outbox: one delivery per channel (sealed
// as sealChannels encoded them), pending from at; the in-app one is sent
// already (the bell reads the alert itself).
func (s *Store) addDeliveries(ctx context.Context, q querier, alertID, workspaceID int64, at time.Time, chs []vigie.AlertChannel, sealed []string) error {
	for i, ch := range sealed {
		state, sent := "pending", any(nil)
		if chs[i].Kind == vigie.ChannelInApp {
			state, sent = "sent", s.tm(at)
		}
		if _, err := q.ExecContext(ctx, s.q(`INSERT INTO alert_deliveries (alert_id, workspace_id, channel, escalation, state, next_try_at, sent_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), alertID, workspaceID, ch, false, state, s.tm(at), sent); err != nil {
			return err
		}
	}
	return nil
}

// incidentFor returns the open (or monitoring) incident of the monitor in
// the workspace, else opens one.
func (s *Store) incidentFor(ctx context.Context, tx *sql.Tx, workspaceID int64, monitorKey *string, title string, at time.Time) (int64, bool, error) {
	var id int64
	var err error
	if monitorKey != nil {
		err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM incidents WHERE workspace_id = ? AND monitor_id = ? AND status <> 'closed' ORDER BY id DESC LIMIT 1`),
			workspaceID, *monitorKey).Scan(&id)
	} else {
		err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM incidents WHERE workspace_id = ? AND monitor_id IS NULL AND status <> 'closed' ORDER BY id DESC LIMIT 1`),
			workspaceID).Scan(&id)
	}
	if err == nil {
		_, err = tx.ExecContext(ctx, s.q("UPDATE incidents SET updated_at = ? WHERE id = ?"), s.tm(at), id)
		return id, false, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	labels, err := s.checklist(ctx, tx, workspaceID)
	if err != nil {
		return 0, false, err
	}
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO incidents (workspace_id, monitor_id, title, status, checklist, opened_at, updated_at)
		VALUES (?, ?, ?, 'open', ?, ?, ?) RETURNING id`), workspaceID, monitorKey, title, checklistOf(labels), s.tm(at), s.tm(at)).Scan(&id)
	if err != nil {
		return 0, false, err
	}
	return id, true, s.addIncidentEvent(ctx, tx, id, at, "status", "", "Incident opened")
}

func (s *Store) addIncidentEvent(ctx context.Context, q querier, incidentID int64, at time.Time, kind, by, body string) error {
	_, err := q.ExecContext(ctx, s.q("INSERT INTO incident_events (incident_id, at, kind, by_name, body) VALUES (?, ?, ?, ?, ?)"),
		incidentID, s.tm(at), kind, by, body)
	return err
}

const alertCols = `a.id, a.workspace_id, COALESCE(a.rule_id, 0), a.rule_name, COALESCE(mo.public_id, ''), COALESCE(mo.name, ''), COALESCE(a.incident_id, 0),
	a.kind, a.phase, a.fired_at, a.title, a.body, a.figures, a.acknowledged_at, a.acknowledged_by`

const alertFrom = ` FROM alerts a LEFT JOIN monitors mo ON mo.id = a.monitor_id`

func scanAlert(row interface{ Scan(...any) error }) (vigie.Alert, error) {
	var (
		a             vigie.Alert
		kind, figures string
	)
	err := row.Scan(&a.ID, &a.WorkspaceID, &a.RuleID, &a.RuleName, &a.Monitor, &a.MonitorName, &a.IncidentID, &kind, &a.Phase, timeCol(&a.FiredAt),
		&a.Title, &a.Text, &figures, timeCol(&a.AcknowledgedAt), &a.AcknowledgedBy)
	if err != nil {
		return a, err
	}
	a.Kind = vigie.AlertKind(kind)
	if figures != "" && figures != "null" {
		if err := json.Unmarshal([]byte(figures), &a.Figures); err != nil {
			return a, fmt.Errorf("alert %d: figures: %w", a.ID, err)
		}
	}
	return a, nil
}

// AlertFilter selects a workspace's alerts.
type AlertFilter struct {
	WorkspaceID int64
	IncidentID  int64 // 0: any
	InApp       bool  // only those sent to the bell
	BeforeID    int64 // 0: the newest
	Limit       int
}

// FindAlerts lists a workspace's alerts, newest first.
func (s *Store) FindAlerts(ctx context.Context, f AlertFilter) ([]vigie.Alert, error) {
	if err := noWorkspace("alerts", f.WorkspaceID); err != nil {
		return nil, err
	}
	where, args := []string{"a.workspace_id = ?"}, []any{f.WorkspaceID}
	if f.IncidentID != 0 {
		where, args = append(where, "a.incident_id = ?"), append(args, f.IncidentID)
	}
	if f.InApp {
		where, args = append(where, "a.inapp = ?"), append(args, true)
	}
	if f.BeforeID != 0 {
		where, args = append(where, "a.id < ?"), append(args, f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+alertCols+alertFrom+" WHERE "+strings.Join(where, " AND ")+" ORDER BY a.id DESC LIMIT ?"), append(args, f.Limit)...)
	if err != nil {
		return nil, s.errf(err, "alerts")
	}
	return collect(rows, scanAlert, func(err error) error { return s.errf(err, "alerts") })
}

// FindAlert returns one of the workspace's alerts.
func (s *Store) FindAlert(ctx context.Context, workspaceID, id int64) (vigie.Alert, error) {
	a, err := scanAlert(s.db.QueryRowContext(ctx, s.q("SELECT "+alertCols+alertFrom+" WHERE a.workspace_id = ? AND a.id = ?"), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("alert: %w: no alert %d in this workspace", vigie.ErrNotFound, id)
	}
	if err != nil {
		return a, s.errf(err, "alert %d", id)
	}
	return a, nil
}

// AcknowledgeAlert marks the workspace's alert acknowledged by someone
// (the first acknowledgement counts), stops its escalation, and counts as
// its incident's first response when none came before.
func (s *Store) AcknowledgeAlert(ctx context.Context, workspaceID, id int64, by string) (vigie.Alert, error) {
	return s.acknowledge(ctx, "workspace_id = ? AND id = ?", []any{workspaceID, id}, by)
}

// FindAlertByToken returns the alert whose message carried the token.
func (s *Store) FindAlertByToken(ctx context.Context, token string) (vigie.Alert, error) {
	a, err := scanAlert(s.db.QueryRowContext(ctx, s.q("SELECT "+alertCols+alertFrom+" WHERE a.ack_hash = ?"), hashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("alert: %w: no such alert", vigie.ErrNotFound)
	}
	if err != nil {
		return a, s.errf(err, "alert by token")
	}
	return a, nil
}

// AcknowledgeAlertByToken acknowledges the alert whose message carried the
// token (its link needs no session: whoever got the message may).
func (s *Store) AcknowledgeAlertByToken(ctx context.Context, token, by string) (vigie.Alert, error) {
	return s.acknowledge(ctx, "ack_hash = ?", []any{hashToken(token)}, by)
}

func (s *Store) acknowledge(ctx context.Context, where string, args []any, by string) (vigie.Alert, error) {
	now := s.clock()
	var (
		id, ws, incident int64
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var acked sql.NullString
		err := tx.QueryRowContext(ctx, s.q("SELECT id, workspace_id, COALESCE(incident_id, 0), CASE WHEN acknowledged_at IS NULL THEN '' ELSE 'y' END FROM alerts WHERE "+where), args...).
			Scan(&id, &ws, &incident, &acked)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no such alert", vigie.ErrNotFound)
		}
		if err != nil || acked.String != "" {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, escalate_at = NULL WHERE id = ?"), s.tm(now), by, id); err != nil {
			return err
		}
		if incident != 0 {
			if err := s.addIncidentEvent(ctx, tx, incident, now, "acknowledged", by, "Alert acknowledged"); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, s.q("UPDATE incidents SET first_response_at = COALESCE(first_response_at, ?), updated_at = ? WHERE id = ?"), s.tm(now), s.tm(now), incident)
			return err
		}
		return nil
	})
	if err != nil {
		return vigie.Alert{}, s.errf(err, "acknowledge alert")
	}
	return s.FindAlert(ctx, ws, id)
}

// Delivery is one alert to send to one channel, claimed by a deliverer.
type Delivery struct {
	ID         int64
	Alert      vigie.Alert
	Channel    vigie.AlertChannel
	Escalation bool
	Attempts   int
	// AckToken is the alert's acknowledgement token, for its link ("" when
	// the store has no secret key, or another key sealed it).
	AckToken string
}

// DeliveryStatus is a delivery as the API shows it.
type DeliveryStatus struct {
	ID         int64             `json:"id"`
	AlertID    int64             `json:"alert_id"`
	Channel    vigie.ChannelKind `json:"channel"`
	Escalation bool              `json:"escalation,omitempty"`
	State      string            `json:"state"` // pending, sent, failed
	Attempts   int               `json:"attempts"`
	LastError  string            `json:"last_error,omitempty"`
	NextTryAt  time.Time         `json:"next_try_at,omitzero"`
	SentAt     time.Time         `json:"sent_at,omitzero"`
}

// ClaimDeliveries leases up to limit pending deliveries due by now to
// owner for lease: another deliverer (or this one after a crash) takes
// them again only once the lease ran out. Deliveries of the busy
// workspaces are left (one workspace's hanging receiver must not hold up
// the others').
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, busy ...int64) ([]Delivery, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if s.pg() {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		skip := ""
		args := []any{s.tm(now), s.tm(now)}
		if len(busy) > 0 {
			skip = " AND workspace_id NOT IN (" + list(len(busy)) + ")"
			for _, ws := range busy {
				args = append(args, ws)
			}
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM alert_deliveries WHERE state = 'pending' AND next_try_at <= ?
			AND (lease_until IS NULL OR lease_until <= ?)`+skip+` ORDER BY next_try_at, id LIMIT ?`+lock), append(args, limit)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE alert_deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?"),
				owner, s.tm(now.Add(lease)), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, s.errfNil(err, "claim deliveries")
	}
	out := make([]Delivery, 0, len(ids))
	for _, id := range ids {
		var (
			d              Delivery
			channel, token string
		)
		err := s.db.QueryRowContext(ctx, s.q(`SELECT d.id, d.alert_id, d.workspace_id, d.channel, d.escalation, d.attempts, a.ack_token
			FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.id = ?`), id).
			Scan(&d.ID, &d.Alert.ID, &d.Alert.WorkspaceID, &channel, &d.Escalation, &d.Attempts, &token)
		if err != nil {
			return nil, s.errf(err, "claim deliveries")
		}
		if token != "" {
			d.AckToken, _ = s.open(token, sealAckToken)
		}
		if err := json.Unmarshal([]byte(channel), &d.Channel); err != nil {
			return nil, fmt.Errorf("delivery %d: channel: %w", id, err)
		}
		d.Channel = s.openChannel(d.Channel)
		if d.Alert, err = s.FindAlert(ctx, d.Alert.WorkspaceID, d.Alert.ID); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (s *Store) errfNil(err error, what string) error {
	if err == nil {
		return nil
	}
	return s.errf(err, "%s", what)
}

// ReleaseDelivery gives back a claimed delivery that was not attempted
// (its workspace had enough in flight): due again at once, its attempt
// not counted.
func (s *Store) ReleaseDelivery(ctx context.Context, id int64, owner string) error {
	if _, err := s.exec(ctx, s.q("UPDATE alert_deliveries SET lease_until = NULL, attempts = attempts - 1 WHERE id = ? AND lease_owner = ? AND state = 'pending'"), id, owner); err != nil {
		return s.errf(err, "release delivery %d", id)
	}
	return nil
}

// FinishDelivery records a delivery's attempt: sent (cause nil), to be
// tried again at retryAt, or failed for good (retryAt zero).
func (s *Store) FinishDelivery(ctx context.Context, id int64, owner string, cause error, retryAt time.Time) error {
	now := s.clock()
	var err error
	switch {
	case cause == nil:
		_, err = s.exec(ctx, s.q("UPDATE alert_deliveries SET state = 'sent', sent_at = ?, last_error = '', lease_until = NULL WHERE id = ? AND lease_owner = ?"), s.tm(now), id, owner)
	case retryAt.IsZero():
		_, err = s.exec(ctx, s.q("UPDATE alert_deliveries SET state = 'failed', last_error = ?, lease_until = NULL WHERE id = ? AND lease_owner = ?"), clipError(cause), id, owner)
	default:
		_, err = s.exec(ctx, s.q("UPDATE alert_deliveries SET last_error = ?, next_try_at = ?, lease_until = NULL WHERE id = ? AND lease_owner = ?"), clipError(cause), s.tm(retryAt), id, owner)
	}
	if err != nil {
		return s.errf(err, "finish delivery %d", id)
	}
	return nil
}

func clipError(err error) string {
	m := strings.ReplaceAll(err.Error(), "\x00", "")
	if len(m) > 500 {
		m = m[:500] + "…"
	}
	return strings.ToValidUTF8(m, "")
}

// RetryDelivery puts a failed or retrying delivery of the workspace back
// in the outbox, due now.
func (s *Store) RetryDelivery(ctx context.Context, workspaceID, id int64) error {
	// A failed delivery starts its attempts again; one still retrying is
	// tried now rather than at its next time.
	res, err := s.exec(ctx, s.q(`UPDATE alert_deliveries SET next_try_at = ?, attempts = CASE WHEN state = 'failed' THEN 0 ELSE attempts END, state = 'pending'
		WHERE workspace_id = ? AND id = ? AND state <> 'sent'`),
		s.tm(s.clock()), workspaceID, id)
	if err != nil {
		return s.errf(err, "retry delivery %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("retry delivery: %w: no unsent delivery %d in this workspace", vigie.ErrNotFound, id)
	}
	return nil
}

// Deliveries lists the deliveries of the workspace's alert.
func (s *Store) Deliveries(ctx context.Context, workspaceID, alertID int64) ([]DeliveryStatus, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, alert_id, channel, escalation, state, attempts, last_error, next_try_at, sent_at
		FROM alert_deliveries WHERE workspace_id = ? AND alert_id = ? ORDER BY id`), workspaceID, alertID)
	if err != nil {
		return nil, s.errf(err, "deliveries")
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (DeliveryStatus, error) {
		var (
			d       DeliveryStatus
			channel string
		)
		if err := row.Scan(&d.ID, &d.AlertID, &channel, &d.Escalation, &d.State, &d.Attempts, &d.LastError, timeCol(&d.NextTryAt), timeCol(&d.SentAt)); err != nil {
			return d, err
		}
		var ch vigie.AlertChannel
		_ = json.Unmarshal([]byte(channel), &ch)
		d.Channel = ch.Kind
		if d.State != "pending" {
			d.NextTryAt = time.Time{}
		}
		return d, nil
	}, func(err error) error { return s.errf(err, "deliveries") })
}

// DueEscalations returns the alerts whose escalation time passed
// unacknowledged, and clears it (each escalates once), with the rule's
// escalation channels written to the outbox in the same transaction.
func (s *Store) EscalateDue(ctx context.Context, now time.Time, channels func(ruleID, workspaceID int64) []vigie.AlertChannel) (int, error) {
	type due struct{ id, ws, rule int64 }
	var list []due
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q("SELECT id, workspace_id, COALESCE(rule_id, 0) FROM alerts WHERE escalate_at IS NOT NULL AND escalate_at <= ? AND acknowledged_at IS NULL ORDER BY id LIMIT 100"), s.tm(now))
		if err != nil {
			return err
		}
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.ws, &d.rule); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range list {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE alerts SET escalate_at = NULL WHERE id = ?"), d.id); err != nil {
				return err
			}
			for _, ch := range channels(d.rule, d.ws) {
				sealed, err := s.sealChannel(ch)
				if err != nil {
					return err
				}
				b, _ := json.Marshal(sealed)
				if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO alert_deliveries (alert_id, workspace_id, channel, escalation, state, next_try_at)
					VALUES (?, ?, ?, ?, 'pending', ?)`), d.id, d.ws, string(b), true, s.tm(now)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, s.errf(err, "escalate alerts")
	}
	return len(list), nil
}

// UnreadAlerts counts the workspace's in-app alerts the user has not seen.
func (s *Store) UnreadAlerts(ctx context.Context, workspaceID, userID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM alerts a WHERE a.workspace_id = ? AND a.inapp = ?
		AND a.id > COALESCE((SELECT last_read FROM alert_reads WHERE user_id = ? AND workspace_id = ?), 0)`), workspaceID, true, userID, workspaceID).Scan(&n)
	if err != nil {
		return 0, s.errf(err, "unread alerts")
	}
	return n, nil
}

// MarkAlertsRead records that the user has seen the workspace's alerts up
// to upTo.
func (s *Store) MarkAlertsRead(ctx context.Context, workspaceID, userID, upTo int64) error {
	_, err := s.exec(ctx, s.q(`INSERT INTO alert_reads (user_id, workspace_id, last_read) VALUES (?, ?, ?)
		ON CONFLICT (user_id, workspace_id) DO UPDATE SET last_read = CASE WHEN excluded.last_read > alert_reads.last_read THEN excluded.last_read ELSE alert_reads.last_read END`),
		userID, workspaceID, upTo)
	if err != nil {
		return s.errf(err, "mark alerts read")
	}
	return nil
}

// FirstMentionAt returns when the first mention of the monitor (by key;
// "" for any of the workspace's) was published: where its history, and so
// a detector's baseline, starts.
func (s *Store) FirstMentionAt(ctx context.Context, workspaceID int64, monitorKey string) (time.Time, bool, error) {
	var at time.Time
	var err error
	if monitorKey != "" {
		err = s.db.QueryRowContext(ctx, s.q(`SELECT mm.published_at FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id
			WHERE mm.monitor_id = ? AND mo.workspace_id = ? ORDER BY mm.published_at LIMIT 1`), monitorKey, workspaceID).Scan(timeCol(&at))
	} else {
		// Each monitor's first, one step down mentions_monitor each.
		var first sql.NullString
		var firstT time.Time
		row := s.db.QueryRowContext(ctx, s.q(`SELECT MIN((SELECT mm.published_at FROM mentions mm WHERE mm.monitor_id = mo.id ORDER BY mm.published_at LIMIT 1))
			FROM monitors mo WHERE mo.workspace_id = ?`), workspaceID)
		if s.pg() {
			var t sql.NullTime
			err = row.Scan(&t)
			if t.Valid {
				firstT = t.Time
			}
		} else {
			err = row.Scan(&first)
			if err == nil && first.Valid {
				err = timeCol(&firstT).Scan(first.String)
			}
		}
		if err == nil && firstT.IsZero() {
			err = sql.ErrNoRows
		}
		at = firstT.UTC()
	}
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, s.errf(err, "first mention")
	}
	return at, true, nil
}

// NewMentions is what MentionsAfter read.
type NewMentions struct {
	Last  int64           // the last post id read (after, when none was)
	Count int             // the mentions read whose author has the followers asked for
	First []vigie.Mention // the first of those, in full
}

// MentionsAfter reads the mentions of a workspace's monitor (by key; ""
// for any of the workspace's, each post once) whose posts were stored
// after the post id after (ids grow with storage order), at most limit of
// them in that order, and returns the last post id read, how many of them
// have an author with minFollowers followers or more, and the first show
// of those with their posts and authors (not their monitors, tags,
// entities or corrections). It is what the alert engine's every and
// influencer rules read: a monitor's mentions are counted on its index
// (monitor, post), and only the few listed are read in full.
func (s *Store) MentionsAfter(ctx context.Context, workspaceID int64, monitorKey string, after int64, limit int, minFollowers int64, show int) (NewMentions, error) {
	out := NewMentions{Last: after}
	if err := noWorkspace("mentions after", workspaceID); err != nil {
		return out, err
	}
	// ids selects the post ids after after, in a column post_id (id, its
	// name inside), with args.
	ids, id, args := `SELECT mm.post_id FROM monitors mo JOIN mentions mm ON mm.monitor_id = mo.id
		WHERE mo.id = ? AND mo.workspace_id = ? AND mm.post_id > ?`, "mm.post_id", []any{monitorKey, workspaceID, after}
	if monitorKey == "" {
		ids, id, args = `SELECT p.id AS post_id FROM posts p WHERE p.id > ?
			AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = ?)`, "p.id", []any{after, workspaceID}
	}
	order := " ORDER BY post_id LIMIT ?"
	count := `SELECT COUNT(*), COALESCE(MAX(x.post_id), 0), COUNT(*) FROM (` + ids + order + `) x`
	countArgs := append(append([]any{}, args...), limit)
	if minFollowers > 0 {
		count = `SELECT COUNT(*), COALESCE(MAX(x.post_id), 0), COALESCE(SUM(CASE WHEN COALESCE(a.followers, 0) >= ? THEN 1 ELSE 0 END), 0)
			FROM (` + ids + order + `) x JOIN posts p ON p.id = x.post_id LEFT JOIN authors a ON a.id = p.author_id`
		countArgs = append([]any{minFollowers}, countArgs...)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, s.q(count), countArgs...).Scan(&n, &out.Last, &out.Count); err != nil {
		return out, s.errf(err, "mentions after")
	}
	if n == 0 {
		out.Last = after
	}
	if out.Count == 0 || show <= 0 {
		return out, nil
	}
	// The first show of those read with the followers asked for.
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+mentionCols+` FROM (`+ids+` AND `+id+` <= ?) x
		JOIN posts p ON p.id = x.post_id LEFT JOIN authors a ON a.id = p.author_id
		WHERE COALESCE(a.followers, 0) >= ? ORDER BY x.post_id LIMIT ?`), append(args, out.Last, max(minFollowers, 0), show)...)
	if err != nil {
		return out, s.errf(err, "mentions after")
	}
	out.First, err = collect(rows, scanMention, func(err error) error { return s.errf(err, "mentions after") })
	return out, err
}

// MonitorWorkspaces returns the workspace of each of the monitors (by key)
// that exists, for the alert engine: a rule on a whole workspace is
// evaluated when any of its monitors got mentions.
func (s *Store) MonitorWorkspaces(ctx context.Context, keys []string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), 500)
		args := make([]any, n)
		for i, k := range keys[:n] {
			args[i] = k
		}
		keys = keys[n:]
		rows, err := s.db.QueryContext(ctx, s.q("SELECT id, workspace_id FROM monitors WHERE id IN ("+list(n)+")"), args...)
		if err != nil {
			return nil, s.errf(err, "monitors' workspaces")
		}
		for rows.Next() {
			var (
				key string
				ws  int64
			)
			if err := rows.Scan(&key, &ws); err != nil {
				rows.Close()
				return nil, s.errf(err, "monitors' workspaces")
			}
			out[key] = ws
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.errf(err, "monitors' workspaces")
		}
	}
	return out, nil
}

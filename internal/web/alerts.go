package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/chart"
	"github.com/vigie-project/vigie/internal/store"
)

// The alerts pages (issue 12): what the rules sent (the bell's list), the
// rules with their editor and its backtest, and acknowledgements.

// alertRow is a sent alert as the page shows it.
type alertRow struct {
	A        vigie.Alert
	When     string
	Unread   bool
	Delivery []store.DeliveryStatus
}

func (w *Web) alertsPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	sent, err := w.Store.FindAlerts(ctx, store.AlertFilter{WorkspaceID: v.Workspace.ID, Limit: 100})
	if err != nil {
		return err
	}
	rules, err := w.Store.AlertRules(ctx, v.Workspace.ID)
	if err != nil {
		return err
	}
	names, _, err := w.monitorNames(r, v)
	if err != nil {
		return err
	}
	now, loc := w.Now(), workspaceZone(v.Workspace)
	rows := make([]alertRow, len(sent))
	unread := v.Unread
	for i, a := range sent {
		rows[i] = alertRow{A: localize(v, a), When: a.FiredAt.In(loc).Format("2006-01-02 15:04") + " · " + ago(v, now.Sub(a.FiredAt))}
		if unread > 0 {
			rows[i].Unread = true
			unread--
		}
		if rows[i].Delivery, err = w.Store.Deliveries(ctx, v.Workspace.ID, a.ID); err != nil {
			return err
		}
	}
	// Opening the page reads the bell's alerts.
	if len(sent) > 0 && v.Unread > 0 {
		if err := w.Store.MarkAlertsRead(ctx, v.Workspace.ID, v.User.ID, sent[0].ID); err != nil {
			return err
		}
		v.Unread = 0
	}
	ruleRows := make([]map[string]any, len(rules))
	for i, rl := range rules {
		ruleRows[i] = map[string]any{"R": rl, "Monitor": cmp.Or(names[rl.Monitor], rl.Monitor), "Summary": ruleSummary(v, &rl)}
	}
	// The incidents under way come first: in a crisis, that is where the
	// team goes.
	var open []vigie.Incident
	for _, st := range []vigie.IncidentStatus{vigie.IncidentOpen, vigie.IncidentMonitoring} {
		l, err := w.Store.FindIncidents(ctx, store.IncidentFilter{WorkspaceID: v.Workspace.ID, Status: st, Limit: 20})
		if err != nil {
			return err
		}
		open = append(open, l...)
	}
	notice := ""
	if n := r.URL.Query().Get("notice"); strings.HasPrefix(n, "alerts.") {
		notice = v.T(n)
	}
	return w.render(rw, v, http.StatusOK, "alerts", map[string]any{"Alerts": rows, "Rules": ruleRows, "Notice": notice, "Open": open})
}

// ruleSummary says what a rule watches in words.
func ruleSummary(v *visit, r *vigie.AlertRule) string {
	var parts []string
	switch r.Kind {
	case vigie.AlertSpike, vigie.AlertSentiment:
		parts = append(parts, v.T("alerts.sensitivity."+cmp.Or(r.Sensitivity, vigie.SensitivityMedium)))
	case vigie.AlertInfluencer:
		n := r.MinFollowers
		if n == 0 {
			n = vigie.DefaultMinFollowers
		}
		parts = append(parts, v.T("alerts.followersatleast", n))
	case vigie.AlertDigest:
		parts = append(parts, v.T("alerts.period."+cmp.Or(r.Period, "daily")))
	}
	var ch []string
	for _, c := range r.Channels {
		ch = append(ch, v.T("channel."+string(c.Kind)))
	}
	parts = append(parts, strings.Join(ch, ", "))
	return strings.Join(parts, " · ")
}

// ruleForm is the rule editor's state.
type ruleForm struct {
	ID                 int64
	Rule               vigie.AlertRule
	Error              string
	Backtest           []backtestRow
	BacktestDone       bool
	BacktestChart      template.HTML
	BacktestAlerts     int
	WebhookURL         string
	WebhookSecret      string
	SlackURL, TeamsURL string
	MattermostURL      string
	Emails             string
	InApp              bool
	EscalateEmails     string
	EscalateSlack      string
	Monitors           []vigie.MonitorRecord
	Kinds              []vigie.AlertKind
	Sensitivities      []string
	BadNumbers         []string // fields that are not whole numbers
}

type backtestRow struct {
	When, Step, Text string
}

func (w *Web) ruleEditor(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditAlerts) {
		return errForbidden
	}
	f := &ruleForm{Rule: vigie.AlertRule{Kind: vigie.AlertSpike, Enabled: true, Monitor: r.URL.Query().Get("monitor")}, InApp: true}
	if id := r.PathValue("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return errNotFound
		}
		rule, err := w.Store.FindAlertRule(r.Context(), v.Workspace.ID, n)
		if err != nil {
			return err
		}
		f.ID, f.Rule = n, rule
		f.fromChannels(alert.Masked(rule))
	}
	return w.renderRule(rw, r, v, http.StatusOK, f)
}

// fromChannels fills the form's channel fields from a rule's (masked)
// channels.
func (f *ruleForm) fromChannels(r vigie.AlertRule) {
	f.InApp = false
	for _, c := range r.Channels {
		switch c.Kind {
		case vigie.ChannelInApp:
			f.InApp = true
		case vigie.ChannelEmail:
			f.Emails = strings.Join(c.To, ", ")
		case vigie.ChannelWebhook:
			f.WebhookURL, f.WebhookSecret = c.URL, c.Secret
		case vigie.ChannelSlack:
			f.SlackURL = c.URL
		case vigie.ChannelMattermost:
			f.MattermostURL = c.URL
		case vigie.ChannelTeams:
			f.TeamsURL = c.URL
		}
	}
	for _, c := range r.Escalate {
		switch c.Kind {
		case vigie.ChannelEmail:
			f.EscalateEmails = strings.Join(c.To, ", ")
		case vigie.ChannelSlack:
			f.EscalateSlack = c.URL
		}
	}
}

func (w *Web) renderRule(rw http.ResponseWriter, r *http.Request, v *visit, status int, f *ruleForm) error {
	_, ms, err := w.monitorNames(r, v)
	if err != nil {
		return err
	}
	f.Monitors, f.Kinds = ms, vigie.AlertKinds
	f.Sensitivities = []string{vigie.SensitivityLow, vigie.SensitivityMedium, vigie.SensitivityHigh}
	return w.render(rw, v, status, "alertrule", map[string]any{"F": f})
}

// readRule reads the editor's form into a rule.
func readRule(r *http.Request, ws int64) (*ruleForm, vigie.AlertRule) {
	p := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	var bad []string
	num := func(k string) int {
		v := p(k)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad = append(bad, k)
		}
		return n
	}
	f := &ruleForm{WebhookURL: p("webhook_url"), WebhookSecret: p("webhook_secret"), SlackURL: p("slack_url"), TeamsURL: p("teams_url"),
		MattermostURL: p("mattermost_url"), Emails: p("emails"), InApp: r.PostFormValue("inapp") != "", EscalateEmails: p("escalate_emails"), EscalateSlack: p("escalate_slack")}
	followers, err := strconv.ParseInt(cmp.Or(p("min_followers"), "0"), 10, 64)
	if err != nil || followers < 0 {
		bad = append(bad, "min_followers")
	}
	rule := vigie.AlertRule{WorkspaceID: ws, Name: p("name"), Monitor: p("monitor"), Kind: vigie.AlertKind(p("kind")), Sensitivity: p("sensitivity"),
		MinCount: num("min_count"), MinFollowers: followers, Period: p("period"), CooldownMinutes: num("cooldown_minutes"),
		UpdateMinutes: num("update_minutes"), EscalateMinutes: num("escalate_minutes"), Enabled: r.PostFormValue("enabled") != "" || r.PostFormValue("new") != ""}
	if f.InApp {
		rule.Channels = append(rule.Channels, vigie.AlertChannel{Kind: vigie.ChannelInApp})
	}
	if f.Emails != "" {
		rule.Channels = append(rule.Channels, vigie.AlertChannel{Kind: vigie.ChannelEmail, To: splitList(f.Emails)})
	}
	for _, c := range []struct {
		kind vigie.ChannelKind
		url  string
	}{{vigie.ChannelWebhook, f.WebhookURL}, {vigie.ChannelSlack, f.SlackURL}, {vigie.ChannelMattermost, f.MattermostURL}, {vigie.ChannelTeams, f.TeamsURL}} {
		if c.url != "" {
			ch := vigie.AlertChannel{Kind: c.kind, URL: c.url}
			if c.kind == vigie.ChannelWebhook {
				ch.Secret = f.WebhookSecret
			}
			rule.Channels = append(rule.Channels, ch)
		}
	}
	if f.EscalateEmails != "" {
		rule.Escalate = append(rule.Escalate, vigie.AlertChannel{Kind: vigie.ChannelEmail, To: splitList(f.EscalateEmails)})
	}
	if f.EscalateSlack != "" {
		rule.Escalate = append(rule.Escalate, vigie.AlertChannel{Kind: vigie.ChannelSlack, URL: f.EscalateSlack})
	}
	f.Rule = rule
	f.BadNumbers = bad
	return f, rule
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// saveRule creates or replaces a rule; the backtest button runs the rule
// over the last 30 days instead and shows when it would have fired,
// saving nothing.
func (w *Web) saveRule(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditAlerts) {
		return errForbidden
	}
	f, rule := readRule(r, v.Workspace.ID)
	var old vigie.AlertRule
	if id := r.PathValue("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return errNotFound
		}
		if old, err = w.Store.FindAlertRule(r.Context(), v.Workspace.ID, n); err != nil {
			return err
		}
		f.ID = n
		rule.Channels, rule.Escalate = alert.KeepMasked(old.Channels, rule.Channels), alert.KeepMasked(old.Escalate, rule.Escalate)
		f.Rule = rule
	}
	if len(f.BadNumbers) > 0 {
		f.Error = v.T("alerts.badnumbers", strings.Join(f.BadNumbers, ", "))
		return w.renderRule(rw, r, v, http.StatusBadRequest, f)
	}
	if r.PostFormValue("action") == "backtest" {
		return w.backtestRule(rw, r, v, f, rule)
	}
	if err := alert.Check(&rule, w.FetchPolicy); err != nil {
		f.Error = publicError(err)
		return w.renderRule(rw, r, v, http.StatusBadRequest, f)
	}
	var err error
	if f.ID == 0 {
		_, err = w.Store.CreateAlertRule(r.Context(), rule)
	} else {
		_, err = w.Store.UpdateAlertRule(r.Context(), v.Workspace.ID, f.ID, rule)
	}
	if err != nil {
		if isInvalid(err) {
			f.Error = publicError(err)
			return w.renderRule(rw, r, v, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "alerts")+"?notice=alerts.saved", http.StatusSeeOther)
	return nil
}

func (w *Web) backtestRule(rw http.ResponseWriter, r *http.Request, v *visit, f *ruleForm, rule vigie.AlertRule) error {
	if rule.Name == "" {
		rule.Name = "backtest"
	}
	if len(rule.Channels) == 0 {
		rule.Channels = []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}
	}
	if err := rule.Validate(); err != nil {
		f.Error = publicError(err)
		return w.renderRule(rw, r, v, http.StatusBadRequest, f)
	}
	if rule.Kind != vigie.AlertSpike && rule.Kind != vigie.AlertSentiment {
		f.Error = v.T("alerts.backtestkinds")
		return w.renderRule(rw, r, v, http.StatusBadRequest, f)
	}
	now := w.Now()
	events, from, to, err := alert.BacktestStored(r.Context(), w.Store, &rule, time.Time{}, now, now)
	if err != nil {
		if isInvalid(err) {
			f.Error = publicError(err)
			return w.renderRule(rw, r, v, http.StatusBadRequest, f)
		}
		return err
	}
	loc := workspaceZone(v.Workspace)
	f.BacktestDone = true
	fired := map[time.Time]bool{}
	for _, e := range events {
		if e.Step == alert.Fire {
			f.BacktestAlerts++
			fired[e.Reading.At.Truncate(time.Hour)] = true
		}
		f.Backtest = append(f.Backtest, backtestRow{When: e.Reading.At.In(loc).Format("2006-01-02 15:04"), Step: v.T("alerts.step." + e.Step.String()),
			Text: alert.Describe(rule.Kind, e.Step, e.Reading)})
	}
	// The monitor's hourly mentions over the period, its alerts marked.
	key := ""
	if rule.Monitor != "" {
		if m, err := w.Store.FindMonitorByID(r.Context(), v.Workspace.ID, rule.Monitor); err == nil {
			key = m.Key
		}
	}
	from = from.Truncate(time.Hour)
	n, _, err := w.Store.MentionCounts(r.Context(), v.Workspace.ID, key, from, to, time.Hour, false)
	if err != nil {
		return err
	}
	var vol, marks chart.Series
	vol.Name, marks.Name, marks.Class = v.T("dashboard.mentions"), v.T("alerts.firings"), "firing"
	for i, c := range n {
		at := from.Add(time.Duration(i) * time.Hour)
		vol.Points = append(vol.Points, chart.Point{X: at, Y: float64(c)})
		y := float64(c)
		if !fired[at] {
			y = nanValue
		}
		marks.Points = append(marks.Points, chart.Point{X: at, Y: y})
	}
	f.BacktestChart = chart.TimeChart{Series: []chart.Series{vol, marks}, From: from, To: to.Truncate(time.Hour).Add(time.Hour), Step: time.Hour,
		Width: 640, Height: 200, Label: v.T("alerts.backtestchart"), Empty: v.T("dashboard.nomentions"), YLabel: v.T("dashboard.mentions"),
		FormatTime: func(t time.Time) string { return t.In(loc).Format("Jan 2") }, FormatTick: chart.Compact}.Lines()
	return w.renderRule(rw, r, v, http.StatusOK, f)
}

func (w *Web) deleteRule(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditAlerts) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := w.Store.DeleteAlertRule(r.Context(), v.Workspace.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "alerts")+"?notice=alerts.deleted", http.StatusSeeOther)
	return nil
}

// acknowledge acknowledges one of the workspace's alerts from the app.
func (w *Web) acknowledge(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.HandleIncidents) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	a, err := w.Store.AcknowledgeAlert(r.Context(), v.Workspace.ID, id, userName(v))
	if err != nil {
		return err
	}
	back := workspacePath(v.Workspace, "alerts")
	if a.IncidentID != 0 && r.PostFormValue("back") == "incident" {
		back = workspacePath(v.Workspace, fmt.Sprintf("incidents/%d", a.IncidentID))
	}
	http.Redirect(rw, r, back, http.StatusSeeOther)
	return nil
}

func (w *Web) retryDelivery(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditAlerts) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := w.Store.RetryDelivery(r.Context(), v.Workspace.ID, id); err != nil {
		return err
	}
	if w.AlertsWake != nil {
		w.AlertsWake()
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "alerts")+"?notice=alerts.retrying", http.StatusSeeOther)
	return nil
}

// ackPage is where a message's acknowledgement link leads: a page that
// asks to confirm (a link preview fetching it acknowledges nothing).
func (w *Web) ackPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	tok := r.PathValue("token")
	if !store.ValidAckToken(tok) {
		return errNotFound // never echoed: the form posts back to this path
	}
	a, err := w.Store.FindAlertByToken(r.Context(), tok)
	if err != nil {
		return err
	}
	// What the alert is, as the message said it: its holder got it.
	data := map[string]any{"Token": tok, "Alert": localize(v, a)}
	if !a.AcknowledgedAt.IsZero() {
		data["Done"] = localize(v, a)
	}
	return w.render(rw, v, http.StatusOK, "ack", data)
}

// ackByLink acknowledges the alert whose message carried the token: the
// link is the capability; a signed-in user is named as who acknowledged.
func (w *Web) ackByLink(rw http.ResponseWriter, r *http.Request, v *visit) error {
	by := "link"
	if v.User != nil {
		by = userName(v)
	}
	if !store.ValidAckToken(r.PathValue("token")) {
		return errNotFound
	}
	a, err := w.Store.AcknowledgeAlertByToken(r.Context(), r.PathValue("token"), by)
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "ack", map[string]any{"Done": localize(v, a)})
}

func userName(v *visit) string {
	if v.User == nil {
		return ""
	}
	return cmp.Or(v.User.Name, v.User.Email)
}

// alertsLive streams the bell's unread count: once at once, then after
// each alert (the hub's signal), as "unread" events.
func (w *Web) alertsLive(rw http.ResponseWriter, r *http.Request, v *visit) error {
	last := -1
	return w.liveStream(rw, r, v, 5*time.Second, func(ctx context.Context) (bool, error) {
		n, err := w.Store.UnreadAlerts(ctx, v.Workspace.ID, v.User.ID)
		if err == nil && n != last {
			fmt.Fprintf(rw, "event: unread\ndata: %d\n\n", n)
			last = n
		}
		return false, err
	})
}

// publicError is an error's message for a form, without the wrapping
// "invalid: " of the domain errors.
func publicError(err error) string {
	m := store.PublicMessage(err)
	if m == "" {
		m = err.Error()
	}
	for _, p := range []string{"create alert rule: ", "update alert rule: ", "invalid: "} {
		m = strings.ReplaceAll(m, p, "")
	}
	return m
}

func isInvalid(err error) bool { return errors.Is(err, vigie.ErrInvalid) }

// nanValue leaves a gap in a chart's line.
var nanValue = math.NaN()

// localize writes an alert's title and text in the visit's language from
// its figures, for the kinds whose words are Vigie's (spike, negative turn,
// digest; the count of new mentions); the posts an alert quotes stay as
// they were written, and an alert without the figures keeps its words.
func localize(v *visit, a vigie.Alert) vigie.Alert {
	f := a.Figures
	what := cmp.Or(a.MonitorName, a.Monitor)
	if what == "" {
		what = v.T("alerts.allmonitors")
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := f[k]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case a.Kind == vigie.AlertSpike && has("mentions", "window_minutes", "expected"):
		a.Title = v.T("alerttitle.spike", what)
		a.Text = v.T("alerttext.spike", int(f["mentions"]), int(f["window_minutes"]), f["expected"])
	case a.Kind == vigie.AlertSentiment && has("mentions", "negative_share", "usual_negative_share"):
		a.Title = v.T("alerttitle.sentiment", what)
		a.Text = v.T("alerttext.sentiment", int(100*f["negative_share"]+0.5), int(f["mentions"]), int(f["window_minutes"]), int(100*f["usual_negative_share"]+0.5))
	case a.Kind == vigie.AlertDigest && has("mentions", "previous", "negative"):
		a.Title = v.T("alerttitle.digest", what)
		a.Text = v.T("alerttext.digest", int(f["mentions"]), int(f["previous"]), int(f["negative"]))
	case (a.Kind == vigie.AlertEvery || a.Kind == vigie.AlertInfluencer) && has("mentions"):
		a.Title = v.T("alerttitle."+string(a.Kind), int(f["mentions"]), what)
	}
	if a.Phase == "update" && a.Kind == vigie.AlertSpike && has("last_hour") {
		a.Text = v.T("alerttext.update", int(f["last_hour"]))
	}
	if a.AcknowledgedBy == "link" {
		a.AcknowledgedBy = v.T("alerts.bylink")
	}
	return a
}

package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

// Engine evaluates the enabled rules of every workspace when mentions are
// stored (NotifyMonitors: the rules of those monitors) and each minute
// (every rule), records what they send in the store (alert, incident,
// outbox in one transaction) and delivers the outbox with retries. Several
// engines may share a database: deliveries are leased, and a rule's
// episode is saved with its alerts.
type Engine struct {
	Store *store.Store
	Now   func() time.Time
	// PublicURL is where people reach Vigie, for the messages' links.
	PublicURL string
	HTTP      Sender // webhooks, Slack, Mattermost, Teams
	Mail      Sender // e-mail; nil: VIGIE_SMTP_URL is not set
	Log       *slog.Logger
	// OnAlert, when set, is called after an alert is recorded (it wakes
	// the bell's live stream); it must not block.
	OnAlert func(workspaceID int64)
	// Owner names this engine's delivery leases (host and process).
	Owner string

	once    sync.Once
	wake    chan struct{}
	deliver chan struct{}

	mu    sync.Mutex
	base  map[baseKey]*Series // hourly history per rule and hour
	wss   map[int64]vigie.Workspace
	keyWS map[string]int64 // monitors' workspaces, by key

	// What the wakes since the last evaluation said changed.
	cmu     sync.Mutex
	pending changes

	stats Stats
}

// changes are what wakes said: the monitors (by key) that got mentions,
// or all when a wake could not say.
type changes struct {
	all  bool
	keys map[string]struct{}
}

// Stats are the engine's counters since it started.
type Stats struct {
	Evaluations atomic.Int64 // passes over the rules: a wake's or the minute's
	Evaluated   atomic.Int64 // rules evaluated
	Skipped     atomic.Int64 // rules a wake's pass left alone: nothing of theirs changed
	Busy        atomic.Int64 // nanoseconds spent in passes
	Longest     atomic.Int64 // nanoseconds of the longest pass
}

// Stats returns the live counters.
func (e *Engine) Stats() *Stats { return &e.stats }

type baseKey struct {
	rule int64
	key  string
	hour int64
	neg  bool
}

// Delivery retries: after 30 s, doubled each time up to 2 hours, failed
// for good after maxAttempts (about 12 hours in all).
const (
	maxAttempts   = 12
	deliveryLease = 2 * time.Minute
	sendTimeout   = 10 * time.Second
)

func (e *Engine) init() {
	e.once.Do(func() {
		e.wake = make(chan struct{}, 1)
		e.deliver = make(chan struct{}, 1)
		e.base = map[baseKey]*Series{}
		e.wss = map[int64]vigie.Workspace{}
		e.keyWS = map[string]int64{}
		if e.Now == nil {
			e.Now = time.Now
		}
		if e.Log == nil {
			e.Log = slog.Default()
		}
		if e.Owner == "" {
			e.Owner = "engine-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		}
	})
}

// Notify asks for an evaluation of every rule: something changed that
// the caller cannot narrow down to monitors. It never blocks.
func (e *Engine) Notify() {
	e.init()
	e.cmu.Lock()
	e.pending.all = true
	e.cmu.Unlock()
	e.poke()
}

// NotifyMonitors asks for an evaluation of the rules on these monitors (by
// key) and of those on their workspaces as a whole: mentions of them were
// stored (the pipeline's OnStored). Wakes that come while an evaluation
// runs are taken together by the next one. It never blocks.
func (e *Engine) NotifyMonitors(keys []string) {
	if len(keys) == 0 {
		return
	}
	e.init()
	e.cmu.Lock()
	if e.pending.keys == nil {
		e.pending.keys = make(map[string]struct{}, len(keys))
	}
	for _, k := range keys {
		e.pending.keys[k] = struct{}{}
	}
	e.cmu.Unlock()
	e.poke()
}

func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// takeChanges returns what the wakes said since it was last called, and
// forgets it.
func (e *Engine) takeChanges() changes {
	e.cmu.Lock()
	defer e.cmu.Unlock()
	c := e.pending
	e.pending = changes{}
	return c
}

// requeue gives back changes that a failed pass did not read, for the
// next one (nil: a pass over every rule, which the minute's repeats).
func (e *Engine) requeue(c *changes) {
	if c == nil {
		return
	}
	e.cmu.Lock()
	defer e.cmu.Unlock()
	e.pending.all = e.pending.all || c.all
	if e.pending.keys == nil {
		e.pending.keys = c.keys
		return
	}
	for k := range c.keys {
		e.pending.keys[k] = struct{}{}
	}
}

// Run evaluates and delivers until ctx ends: every rule at once and each
// minute, and on each wake the rules of what it said changed. One
// evaluation runs at a time; the wakes that come meanwhile make one more.
func (e *Engine) Run(ctx context.Context) {
	e.init()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			if err := e.Deliver(ctx); err != nil && ctx.Err() == nil {
				e.Log.Error("alert deliveries", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-e.deliver:
			case <-t.C:
			}
		}
	}()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	all := true
	for {
		var err error
		if all {
			err = e.Evaluate(ctx)
		} else {
			err = e.EvaluateChanged(ctx)
		}
		if err != nil && ctx.Err() == nil {
			e.Log.Error("alert rules", "err", err)
		}
		all = false
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-e.wake:
		case <-t.C:
			all = true
			if err := e.Escalate(ctx); err != nil && ctx.Err() == nil {
				e.Log.Error("alert escalations", "err", err)
			}
		}
	}
}

// Escalate sends the alerts nobody acknowledged in time to their rules'
// escalation channels (through the outbox).
func (e *Engine) Escalate(ctx context.Context) error {
	e.init()
	n, err := e.Store.EscalateDue(ctx, e.Now(), e.escalationChannels(ctx))
	if n > 0 {
		e.Log.Info("alerts escalated", "alerts", n)
		e.kickDelivery()
	}
	return err
}

func (e *Engine) kickDelivery() {
	select {
	case e.deliver <- struct{}{}:
	default:
	}
}

func (e *Engine) escalationChannels(ctx context.Context) func(ruleID, ws int64) []vigie.AlertChannel {
	return func(ruleID, ws int64) []vigie.AlertChannel {
		r, err := e.Store.FindAlertRule(ctx, ws, ruleID)
		if err != nil {
			return nil
		}
		return r.Escalate
	}
}

// Evaluate runs every enabled rule once, now (what the wakes since the
// last evaluation said is read with the rest). A rule that fails is
// logged and the others go on.
func (e *Engine) Evaluate(ctx context.Context) error {
	e.init()
	e.takeChanges()
	return e.evaluate(ctx, nil)
}

// EvaluateChanged runs, now, the enabled rules that the wakes since the
// last evaluation concern: those on the monitors that got mentions, and
// those on their workspaces as a whole (every rule after a Notify). Digests
// wait for the minute's evaluation: only time moves them. A rule whose
// monitor got nothing is not read again until then.
func (e *Engine) EvaluateChanged(ctx context.Context) error {
	e.init()
	c := e.takeChanges()
	switch {
	case c.all:
		return e.evaluate(ctx, nil)
	case len(c.keys) == 0:
		return nil
	}
	return e.evaluate(ctx, &c)
}

// evaluate runs the enabled rules that c concerns (all of them when c is
// nil).
func (e *Engine) evaluate(ctx context.Context, c *changes) error {
	runs, err := e.Store.EnabledAlertRules(ctx)
	if err != nil {
		e.requeue(c)
		return err
	}
	e.stats.Evaluations.Add(1)
	start := time.Now()
	defer func() {
		d := int64(time.Since(start))
		e.stats.Busy.Add(d)
		for {
			l := e.stats.Longest.Load()
			if d <= l || e.stats.Longest.CompareAndSwap(l, d) {
				break
			}
		}
	}()
	now := e.Now().UTC()
	var (
		errs   []error
		wss    map[int64]bool // the workspaces whose monitors changed, once needed
		starts = map[int64]int64{}
	)
	for i := range runs {
		r := &runs[i]
		if c != nil {
			if r.MonitorKey == "" && wss == nil && r.Kind != vigie.AlertDigest {
				if wss, err = e.changedWorkspaces(ctx, c); err != nil {
					e.requeue(c)
					return err
				}
			}
			if !concerns(c, wss, r) {
				e.stats.Skipped.Add(1)
				continue
			}
		}
		e.stats.Evaluated.Add(1)
		var err error
		switch r.Kind {
		case vigie.AlertSpike, vigie.AlertSentiment:
			err = e.evalDetector(ctx, r, now)
		case vigie.AlertEvery, vigie.AlertInfluencer:
			err = e.evalNew(ctx, r, starts)
		case vigie.AlertDigest:
			err = e.evalDigest(ctx, r, now)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, fmt.Errorf("rule %d (%s): %w", r.ID, r.Name, err))
		}
	}
	return errors.Join(errs...)
}

// concerns says whether the changes c concern the rule: its monitor got
// mentions, or (a rule on a whole workspace) one of its workspace's
// monitors did (wss). Digests move with time only.
func concerns(c *changes, wss map[int64]bool, r *store.RuleRun) bool {
	switch {
	case r.Kind == vigie.AlertDigest:
		return false
	case r.MonitorKey == "":
		return wss[r.WorkspaceID]
	}
	_, ok := c.keys[r.MonitorKey]
	return ok
}

// changedWorkspaces returns the workspaces of the monitors c names, from
// the engine's map of monitors' workspaces (read from the store for the
// keys it does not know yet).
func (e *Engine) changedWorkspaces(ctx context.Context, c *changes) (map[int64]bool, error) {
	out := map[int64]bool{}
	var unknown []string
	e.mu.Lock()
	for k := range c.keys {
		if ws, ok := e.keyWS[k]; ok {
			out[ws] = true
		} else {
			unknown = append(unknown, k)
		}
	}
	e.mu.Unlock()
	if len(unknown) == 0 {
		return out, nil
	}
	found, err := e.Store.MonitorWorkspaces(ctx, unknown)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	for k, ws := range found {
		e.keyWS[k] = ws // a monitor's key and workspace never change
		out[ws] = true
	}
	e.mu.Unlock()
	return out, nil
}

// Counts returns what a detector reads for the rule at now: the last hour
// by minute, and the hourly history before the current hour back to 29
// days or the monitor's first mention. The history is read once an hour.
func (e *Engine) Counts(ctx context.Context, r *store.RuleRun, now time.Time) (fine, hours Series, err error) {
	neg := r.Kind == vigie.AlertSentiment
	to := now.Truncate(time.Minute).Add(time.Minute)
	from := to.Add(-61 * time.Minute)
	n, ng, err := e.Store.MentionCounts(ctx, r.WorkspaceID, r.MonitorKey, from, to, time.Minute, neg)
	if err != nil {
		return fine, hours, err
	}
	fine = Series{Start: from, Step: time.Minute, N: n, Neg: ng}
	hour := now.Truncate(time.Hour)
	k := baseKey{r.ID, r.MonitorKey, hour.Unix(), neg}
	e.mu.Lock()
	h := e.base[k]
	e.mu.Unlock()
	if h != nil {
		return fine, *h, nil
	}
	hours = Series{Start: hour, Step: time.Hour}
	first, ok, err := e.Store.FirstMentionAt(ctx, r.WorkspaceID, r.MonitorKey)
	if err != nil {
		return fine, hours, err
	}
	// The first hour with mentions is partly filled: the history starts
	// after it (before it, the monitor was not listening).
	start := hour.Add(-29 * 24 * time.Hour)
	if f := first.Truncate(time.Hour).Add(time.Hour); f.After(start) {
		start = f
	}
	if !ok {
		// No mention yet (a new monitor, or its backfill still running):
		// nothing to cache, the next evaluation looks again.
		return fine, hours, nil
	}
	if start.Before(hour) {
		n, ng, err := e.Store.MentionCounts(ctx, r.WorkspaceID, r.MonitorKey, start, hour, time.Hour, neg)
		if err != nil {
			return fine, hours, err
		}
		hours = Series{Start: start, Step: time.Hour, N: n, Neg: ng}
		if !neg {
			hours.Neg = nil
		}
	}
	e.mu.Lock()
	for key := range e.base { // one hour's worth per rule is kept
		if key.rule == r.ID {
			delete(e.base, key)
		}
	}
	e.base[k] = &hours
	e.mu.Unlock()
	return fine, hours, nil
}

func (e *Engine) evalDetector(ctx context.Context, r *store.RuleRun, now time.Time) error {
	d, err := NewDetector(&r.AlertRule)
	if err != nil {
		return err
	}
	var ep Episode
	if r.State != "" && r.State != "{}" {
		if err := json.Unmarshal([]byte(r.State), &ep); err != nil {
			ep = Episode{} // a damaged state starts afresh
		}
	}
	before := ep
	fine, hours, err := e.Counts(ctx, r, now)
	if err != nil {
		return err
	}
	ws, err := e.workspace(ctx, r.WorkspaceID)
	if err != nil {
		return err
	}
	d.Zone = zoneOf(ws)
	rd := d.Read(now, &fine, &hours)
	step := ep.Advance(rd, r.Cooldown(), r.UpdateEvery())
	state, _ := json.Marshal(ep)
	switch step {
	case Fire, Update:
		a := e.detectorAlert(r, step, rd, now)
		return e.fire(ctx, store.Fired{Alert: a, State: string(state), Incident: true, Channels: r.Channels}, r)
	case End:
		return e.Store.SaveRuleState(ctx, r.WorkspaceID, r.ID, r.State, string(state))
	}
	// Within an episode, its last moment true is saved at most once a
	// minute (a restart then ends it on time, not early).
	if ep.Active && ep.LastTrue.Sub(before.LastTrue) >= time.Minute {
		return e.Store.SaveRuleState(ctx, r.WorkspaceID, r.ID, r.State, string(state))
	}
	return nil
}

func (e *Engine) detectorAlert(r *store.RuleRun, step Step, rd Reading, now time.Time) vigie.Alert {
	what := r.MonitorName
	if what == "" {
		what = r.Monitor
	}
	if what == "" {
		what = "all monitors"
	}
	title := "Spike in mentions: " + what
	figures := map[string]float64{"mentions": float64(rd.Count), "window_minutes": rd.Window.Minutes(), "last_hour": float64(rd.LastHour)}
	if r.Kind == vigie.AlertSentiment {
		title = "Negative turn: " + what
		figures["negative_share"], figures["usual_negative_share"] = round(rd.Observed, 3), round(rd.Expected, 3)
	} else {
		figures["expected"] = round(rd.Expected, 1)
	}
	phase := "alert"
	if step == Update {
		phase = "update"
	}
	return vigie.Alert{WorkspaceID: r.WorkspaceID, RuleID: r.ID, RuleName: r.Name, Monitor: r.Monitor, MonitorName: r.MonitorName,
		Kind: r.Kind, Phase: phase, FiredAt: now, Title: title, Text: Describe(r.Kind, step, rd), Figures: figures}
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}

// newState is the state of every and influencer rules: the last mention
// (stored post id) they looked at.
type newState struct {
	Started  bool      `json:"started"`
	After    int64     `json:"after"`
	LastSent time.Time `json:"last_sent,omitzero"`
}

// GroupNew is how often an every or influencer rule sends at most: the
// first new mention goes at once, those arriving within the next minutes
// go together (a flood is one alert every few minutes, not one per
// stored batch).
const GroupNew = 5 * time.Minute

// maxNew is how many new mentions an evaluation reads at most: a flood is
// summed up, not listed (the next evaluation reads on).
const maxNew = 100_000

// evalNew runs an every or influencer rule. starts holds the workspaces'
// last post ids read in this pass, where new rules start.
func (e *Engine) evalNew(ctx context.Context, r *store.RuleRun, starts map[int64]int64) error {
	var st newState
	_ = json.Unmarshal([]byte(r.State), &st)
	if !st.Started {
		// A new rule starts from now: it does not alert on the archive.
		last, ok := starts[r.WorkspaceID]
		if !ok {
			var err error
			if last, err = e.Store.LastPostID(ctx, r.WorkspaceID); err != nil {
				return err
			}
			starts[r.WorkspaceID] = last
		}
		st.Started, st.After = true, last
		b, _ := json.Marshal(st)
		return e.Store.SaveRuleState(ctx, r.WorkspaceID, r.ID, r.State, string(b))
	}
	now := e.Now().UTC()
	if !st.LastSent.IsZero() && now.Sub(st.LastSent) < GroupNew {
		return nil // grouped into the next alert; the minute's pass comes back
	}
	// The rule's monitor's new mentions only, counted on its index: the
	// rules of a busy workspace's quiet monitors read nothing, and only
	// the five listed are read in full.
	var least int64
	if r.Kind == vigie.AlertInfluencer {
		least = minFollowers(r)
	}
	nm, err := e.Store.MentionsAfter(ctx, r.WorkspaceID, r.MonitorKey, st.After, maxNew, least, 5)
	if err != nil || nm.Last == st.After {
		return err
	}
	st.After = nm.Last
	if nm.Count == 0 {
		b, _ := json.Marshal(st)
		return e.Store.SaveRuleState(ctx, r.WorkspaceID, r.ID, r.State, string(b))
	}
	st.LastSent = now
	b, _ := json.Marshal(st)
	a := newMentionsAlert(r, nm.First, nm.Count, now)
	return e.fire(ctx, store.Fired{Alert: a, State: string(b), Channels: r.Channels}, r)
}

func minFollowers(r *store.RuleRun) int64 {
	if r.MinFollowers > 0 {
		return r.MinFollowers
	}
	return vigie.DefaultMinFollowers
}

func newMentionsAlert(r *store.RuleRun, hits []vigie.Mention, total int, now time.Time) vigie.Alert {
	what := r.MonitorName
	if what == "" {
		what = r.Monitor
	}
	if what == "" {
		what = "your monitors"
	}
	var title string
	switch {
	case r.Kind == vigie.AlertInfluencer && total == 1:
		title = "Influential author mentions " + what
	case r.Kind == vigie.AlertInfluencer:
		title = fmt.Sprintf("%d mentions of %s by influential authors", total, what)
	case total == 1:
		title = "New mention of " + what
	default:
		title = fmt.Sprintf("%d new mentions of %s", total, what)
	}
	var lines []string
	for _, m := range hits {
		who := m.Post.Author.Handle
		if who == "" {
			who = m.Post.Author.Name
		}
		if who == "" {
			who = m.Post.Source
		}
		if m.Post.Author.Followers > 0 {
			who += fmt.Sprintf(" (%d followers)", m.Post.Author.Followers)
		}
		text := m.Post.Title
		if text == "" {
			text = m.Post.Text
		}
		text, _ = vigie.ClipRunes(strings.Join(strings.Fields(text), " "), 160)
		line := who + ": " + text
		if m.Post.URL != "" {
			line += " " + m.Post.URL
		}
		lines = append(lines, line)
	}
	if total > len(hits) {
		lines = append(lines, fmt.Sprintf("… and %d more", total-len(hits)))
	}
	return vigie.Alert{WorkspaceID: r.WorkspaceID, RuleID: r.ID, RuleName: r.Name, Monitor: r.Monitor, MonitorName: r.MonitorName,
		Kind: r.Kind, Phase: "alert", FiredAt: now, Title: title, Text: strings.Join(lines, "\n"), Figures: map[string]float64{"mentions": float64(total)}}
}

// digestState is a digest rule's state: the end of the last period sent.
type digestState struct {
	Last time.Time `json:"last"`
}

// DigestHour is the local hour a daily digest goes out, in the
// workspace's time zone.
const DigestHour = 8

// periodEnd is the end of the last whole period before now: the hour, or
// the day ending at DigestHour in the time zone.
func periodEnd(period string, now time.Time, tz *time.Location) (end time.Time, length time.Duration) {
	if period == "hourly" {
		return now.Truncate(time.Hour), time.Hour
	}
	l := now.In(tz)
	end = time.Date(l.Year(), l.Month(), l.Day(), DigestHour, 0, 0, 0, tz)
	if end.After(now) {
		end = end.AddDate(0, 0, -1)
	}
	return end.UTC(), 24 * time.Hour
}

func (e *Engine) evalDigest(ctx context.Context, r *store.RuleRun, now time.Time) error {
	ws, err := e.workspace(ctx, r.WorkspaceID)
	if err != nil {
		return err
	}
	end, length := periodEnd(r.Period, now, zoneOf(ws))
	var st digestState
	_ = json.Unmarshal([]byte(r.State), &st)
	if !st.Last.Before(end) {
		return nil
	}
	b, _ := json.Marshal(digestState{Last: end})
	if st.Last.IsZero() && r.CreatedAt.After(end.Add(-length)) {
		// A rule newer than the period: its first digest is the next one.
		return e.Store.SaveRuleState(ctx, r.WorkspaceID, r.ID, r.State, string(b))
	}
	n, neg, err := e.Store.MentionCounts(ctx, r.WorkspaceID, r.MonitorKey, end.Add(-2*length), end, length, true)
	if err != nil {
		return err
	}
	what := r.MonitorName
	if what == "" {
		what = r.Monitor
	}
	if what == "" {
		what = ws.Name
	}
	name := "Daily"
	span := "day"
	if length == time.Hour {
		name, span = "Hourly", "hour"
	}
	text := fmt.Sprintf("%d mentions in the last %s", n[1], span)
	if n[0] > 0 {
		text += fmt.Sprintf(" (%+d%% on the %s before)", int((float64(n[1])/float64(n[0])-1)*100), span)
	} else {
		text += fmt.Sprintf(" (none the %s before)", span)
	}
	if n[1] > 0 {
		text += fmt.Sprintf(", %d%% negative", neg[1]*100/n[1])
	}
	text += "."
	a := vigie.Alert{WorkspaceID: r.WorkspaceID, RuleID: r.ID, RuleName: r.Name, Monitor: r.Monitor, MonitorName: r.MonitorName, Kind: r.Kind,
		Phase: "digest", FiredAt: now, Title: name + " digest: " + what, Text: text,
		Figures: map[string]float64{"mentions": float64(n[1]), "previous": float64(n[0]), "negative": float64(neg[1])}}
	return e.fire(ctx, store.Fired{Alert: a, State: string(b), Channels: r.Channels}, r)
}

// fire records an alert of the rule; an episode's first alert (not its
// updates, nor digests) escalates when nobody acknowledges it in time.
func (e *Engine) fire(ctx context.Context, f store.Fired, r *store.RuleRun) error {
	if f.Alert.Phase == "alert" && len(r.Escalate) > 0 && r.EscalateMinutes > 0 {
		f.EscalateAt = f.Alert.FiredAt.Add(time.Duration(r.EscalateMinutes) * time.Minute)
	}
	f.PrevState = r.State
	fired, err := e.Store.FireAlert(ctx, f, r.MonitorKey)
	if errors.Is(err, store.ErrStale) {
		return nil // another evaluation sent it
	}
	if err != nil {
		return err
	}
	e.Log.Info("alert", "workspace", fired.WorkspaceID, "rule", fired.RuleID, "alert", fired.ID, "incident", fired.IncidentID, "title", fired.Title)
	if e.OnAlert != nil {
		e.OnAlert(fired.WorkspaceID)
	}
	e.kickDelivery()
	return nil
}

// zoneOf is the workspace's time zone, UTC when it has none or an unknown
// one. Zones are loaded once each: time.LoadLocation reads the zone
// database at every call, and a pass asks once per rule.
func zoneOf(ws vigie.Workspace) *time.Location {
	if ws.TimeZone == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(ws.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	zones.Store(ws.TimeZone, loc)
	return loc
}

var zones sync.Map // zone name → *time.Location

func (e *Engine) workspace(ctx context.Context, id int64) (vigie.Workspace, error) {
	e.mu.Lock()
	ws, ok := e.wss[id]
	e.mu.Unlock()
	if ok {
		return ws, nil
	}
	ws, err := e.Store.FindWorkspaceByID(ctx, id)
	if err != nil {
		return ws, err
	}
	e.mu.Lock()
	e.wss[id] = ws
	e.mu.Unlock()
	return ws, nil
}

// Delivery concurrency: sends in flight at most, and per workspace, so
// that one workspace's hanging receiver holds up only its own alerts.
const (
	maxSending             = 16
	maxSendingPerWorkspace = 4
)

// Deliver sends the outbox's due deliveries, until none is due and none
// is in flight. Each is sent as soon as a slot is free, not batch after
// batch.
func (e *Engine) Deliver(ctx context.Context) error {
	e.init()
	type result struct{ ws int64 }
	done := make(chan result, maxSending)
	inFlight := map[int64]int{}
	sending := 0
	for {
		if sending < maxSending {
			var busy []int64
			for ws, n := range inFlight {
				if n >= maxSendingPerWorkspace {
					busy = append(busy, ws)
				}
			}
			ds, err := e.Store.ClaimDeliveries(ctx, e.Owner, e.Now(), deliveryLease, maxSending-sending, busy...)
			if err != nil {
				for ; sending > 0; sending-- {
					<-done
				}
				return err
			}
			started := 0
			for i := range ds {
				d := &ds[i]
				ws := d.Alert.WorkspaceID
				if inFlight[ws] >= maxSendingPerWorkspace {
					// Claimed beyond the workspace's share in one read:
					// given back for a later turn.
					if err := e.Store.ReleaseDelivery(ctx, d.ID, e.Owner); err != nil {
						e.Log.Error("alert delivery", "delivery", d.ID, "err", err)
					}
					continue
				}
				inFlight[ws]++
				sending++
				started++
				go func() {
					e.deliverOne(ctx, d)
					done <- result{ws}
				}()
			}
			if started > 0 {
				continue // claim more while slots are free
			}
		}
		if sending == 0 {
			return ctx.Err()
		}
		r := <-done
		sending--
		inFlight[r.ws]--
	}
}

func (e *Engine) deliverOne(ctx context.Context, d *store.Delivery) {
	ws, err := e.workspace(ctx, d.Alert.WorkspaceID)
	if err != nil {
		e.Log.Error("alert delivery", "delivery", d.ID, "err", err)
		return // the lease runs out, and it is tried again
	}
	m := &Message{Alert: d.Alert, DeliveryID: d.ID, Escalation: d.Escalation, WorkspaceID: ws.ID, WorkspaceSlug: ws.Slug, WorkspaceName: ws.Name,
		Link: e.IncidentLink(ws.Slug, d.Alert.IncidentID), AckLink: e.AckLink(d.AckToken)}
	var sender Sender
	switch d.Channel.Kind {
	case vigie.ChannelInApp:
	case vigie.ChannelEmail:
		sender = e.Mail
		if sender == nil {
			err = &PermanentError{errors.New("e-mail is not configured: set VIGIE_SMTP_URL (smtp://user:password@host:587) and retry")}
		}
	default:
		sender = e.HTTP
	}
	if sender != nil {
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err = sender.Send(sctx, d.Channel, m)
		cancel()
	}
	if ctx.Err() != nil {
		return // shutting down: the lease runs out and it is sent again
	}
	var retry time.Time
	var perm *PermanentError
	if err != nil && !errors.As(err, &perm) && d.Attempts < maxAttempts {
		retry = e.Now().Add(backoff(d.Attempts))
	}
	if err != nil {
		e.Log.Warn("alert delivery failed", "delivery", d.ID, "alert", d.Alert.ID, "channel", d.Channel.Kind, "attempt", d.Attempts, "retry_at", retry, "err", err)
	}
	if ferr := e.Store.FinishDelivery(ctx, d.ID, e.Owner, err, retry); ferr != nil {
		e.Log.Error("alert delivery", "delivery", d.ID, "err", ferr)
	}
}

func backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 2*time.Hour; i++ {
		d *= 2
	}
	return min(d, 2*time.Hour)
}

// IncidentLink is the absolute address of an incident's page, or of the
// workspace's alerts when id is 0.
func (e *Engine) IncidentLink(slug string, id int64) string {
	base := strings.TrimRight(e.PublicURL, "/") + "/w/" + url.PathEscape(slug)
	if id == 0 {
		return base + "/alerts"
	}
	return base + "/incidents/" + strconv.FormatInt(id, 10)
}

// AckLink is the absolute address acknowledging an alert by its token.
func (e *Engine) AckLink(token string) string {
	if token == "" {
		return strings.TrimRight(e.PublicURL, "/") + "/"
	}
	return strings.TrimRight(e.PublicURL, "/") + "/alerts/ack/" + token
}

// MaxBacktest is the longest period a stored backtest covers.
const MaxBacktest = 90 * 24 * time.Hour

// BacktestStored runs a spike or sentiment rule over the workspace's
// stored mentions in [from, to) (default: the 30 days up to now), each
// minute, with the 4 weeks before from as the baseline's history, as the
// engine would have run it; it returns what the rule would have sent and
// the period covered.
func BacktestStored(ctx context.Context, st *store.Store, r *vigie.AlertRule, from, to, now time.Time) ([]Event, time.Time, time.Time, error) {
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-30 * 24 * time.Hour)
	}
	switch {
	case to.After(now.Add(24 * time.Hour)):
		return nil, from, to, fmt.Errorf("%w: the period ends in the future (%s); a backtest reads the past", vigie.ErrInvalid, to.UTC().Format(time.RFC3339))
	case from.Year() < 2000:
		return nil, from, to, fmt.Errorf("%w: the period starts in %d; give a start after 2000", vigie.ErrInvalid, from.Year())
	}
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute).Add(time.Minute)
	switch {
	case !to.After(from):
		return nil, from, to, fmt.Errorf("%w: the period ends before it starts", vigie.ErrInvalid)
	case to.Sub(from) > MaxBacktest+time.Minute:
		return nil, from, to, fmt.Errorf("%w: a backtest covers at most 90 days; this period has %.0f", vigie.ErrInvalid, to.Sub(from).Hours()/24)
	}
	if _, err := NewDetector(r); err != nil {
		return nil, from, to, fmt.Errorf("%w: a backtest runs spike and sentiment rules", vigie.ErrInvalid)
	}
	key := ""
	if r.Monitor != "" {
		m, err := st.FindMonitorByID(ctx, r.WorkspaceID, r.Monitor)
		if err != nil {
			return nil, from, to, fmt.Errorf("%w: this workspace has no monitor %q", vigie.ErrInvalid, r.Monitor)
		}
		key = m.Key
	}
	first, ok, err := st.FirstMentionAt(ctx, r.WorkspaceID, key)
	if err != nil || !ok {
		return nil, from, to, err
	}
	start := from.Add(-28 * 24 * time.Hour)
	if f := first.Truncate(time.Hour).Add(time.Hour); f.After(start) {
		start = f
	}
	if !start.Before(to) {
		return nil, from, to, nil
	}
	n, neg, err := st.MentionCounts(ctx, r.WorkspaceID, key, start, to, time.Minute, r.Kind == vigie.AlertSentiment)
	if err != nil {
		return nil, from, to, err
	}
	ws, err := st.FindWorkspaceByID(ctx, r.WorkspaceID)
	if err != nil {
		return nil, from, to, err
	}
	events, err := BacktestIn(r, Series{Start: start, Step: time.Minute, N: n, Neg: neg}, zoneOf(ws))
	if err != nil {
		return nil, from, to, err
	}
	out := events[:0]
	for _, e := range events {
		if !e.Reading.At.Before(from) {
			out = append(out, e)
		}
	}
	return out, from, to, nil
}

package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/webhook"
)

// receiver is a local server standing for a channel: it records the
// requests and answers with the next status of its script (then 200).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
	script []int
}

func newReceiver(t *testing.T, script ...int) *receiver {
	rc := &receiver{script: script}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies, rc.heads = append(rc.bodies, b), append(rc.heads, r.Header.Clone())
		code := 200
		if len(rc.script) > 0 {
			code, rc.script = rc.script[0], rc.script[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(code)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() ([][]byte, []http.Header) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...), append([]http.Header(nil), rc.heads...)
}

type world struct {
	st      *store.Store
	ws      vigie.Workspace
	brand   vigie.MonitorRecord
	src     vigie.Source
	now     time.Time
	engine  *Engine
	created int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	w := &world{now: time.Date(2026, 11, 20, 14, 30, 20, 0, time.UTC)}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "vigie.db"), store.WithSecrets(box), store.WithClock(func() time.Time { return w.now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.st = st
	if w.ws, err = st.CreateWorkspace(ctx, vigie.Workspace{Name: "Valmont", Slug: "uval"}); err != nil {
		t.Fatal(err)
	}
	if w.brand, err = st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "brand", Name: "UVAL brand", Query: "uval"}, WorkspaceID: w.ws.ID}); err != nil {
		t.Fatal(err)
	}
	if w.src, err = st.CreateSource(ctx, vigie.Source{WorkspaceID: w.ws.ID, Kind: vigie.SourceSimulator, Name: "sim", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	w.engine = &Engine{Store: st, Now: func() time.Time { return w.now }, PublicURL: "https://vigie.uval.example/", HTTP: &HTTPSender{Client: http.DefaultClient, Now: func() time.Time { return w.now }}}
	return w
}

// mentions stores n mentions of the brand published at each given time.
func (w *world) mentions(t *testing.T, at time.Time, n int, author vigie.Author) {
	t.Helper()
	var items []store.Item
	for range n {
		w.created++
		p := vigie.Post{ID: fmt.Sprintf("p%d", w.created), Source: "mastodon", Text: "uval", PublishedAt: at, Author: author}
		items = append(items, store.Item{Post: p, MonitorKeys: []string{w.brand.Key}})
	}
	if _, err := w.st.SaveBatch(context.Background(), w.src.ID, items, nil); err != nil {
		t.Fatal(err)
	}
}

// history stores a quiet day: 2 mentions every 10 minutes for the 8
// hours before now.
func (w *world) history(t *testing.T) {
	for m := 8 * 60; m > 5; m -= 10 {
		w.mentions(t, w.now.Add(-time.Duration(m)*time.Minute), 2, vigie.Author{Handle: "@someone"})
	}
}

func TestSpikeAlertReachesEveryChannel(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	hook, slack, mm, teams := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
	const key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rule, err := w.st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: w.ws.ID, Name: "Brand spike", Monitor: "brand", Kind: vigie.AlertSpike, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}, {Kind: vigie.ChannelWebhook, URL: hook.URL + "/in", Secret: key},
			{Kind: vigie.ChannelSlack, URL: slack.URL}, {Kind: vigie.ChannelMattermost, URL: mm.URL}, {Kind: vigie.ChannelTeams, URL: teams.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	// Evaluated before the monitor has any mention (the demo's first
	// start: its backfill comes after), then with its history.
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	w.history(t)
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID}); len(as) != 0 {
		t.Fatalf("a quiet day alerted: %+v", as)
	}
	// A burst: 40 mentions in the last two minutes.
	w.mentions(t, w.now.Add(-90*time.Second), 20, vigie.Author{Handle: "@angry"})
	w.mentions(t, w.now.Add(-10*time.Second), 20, vigie.Author{Handle: "@angry"})
	for range 3 { // evaluated again and again: one episode, one alert
		if err := w.engine.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	as, err := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	if err != nil || len(as) != 1 {
		t.Fatalf("alerts %+v %v", as, err)
	}
	a := as[0]
	if a.IncidentID == 0 || a.RuleID != rule.ID || !strings.Contains(a.Title, "UVAL brand") || !strings.Contains(a.Text, "mentions in") || a.Figures["mentions"] < 20 {
		t.Fatalf("alert %+v", a)
	}
	if err := w.engine.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	link := "https://vigie.uval.example/w/uval/incidents/" + fmt.Sprint(a.IncidentID)
	// The generic webhook: JSON naming the monitor, with an absolute link,
	// signed under the channel's key.
	bodies, heads := hook.got()
	if len(bodies) != 1 {
		t.Fatalf("webhook got %d requests", len(bodies))
	}
	var wb WebhookBody
	if err := json.Unmarshal(bodies[0], &wb); err != nil {
		t.Fatal(err)
	}
	if wb.Type != "alert.fired" || wb.Data.Monitor == nil || wb.Data.Monitor.Name != "UVAL brand" || wb.Data.Link != link ||
		!strings.HasPrefix(wb.Data.AckLink, "https://vigie.uval.example/alerts/ack/") || wb.Data.Alert.ID != a.ID {
		t.Fatalf("webhook body %s", bodies[0])
	}
	k, _ := webhook.ParseSigningKey(key)
	if _, err := webhook.Verify(k, heads[0], bodies[0], w.now); err != nil {
		t.Fatalf("signature: %v (%v)", err, heads[0])
	}
	for name, rc := range map[string]*receiver{"slack": slack, "mattermost": mm, "teams": teams} {
		b, _ := rc.got()
		if len(b) != 1 || !strings.Contains(string(b[0]), link) || !strings.Contains(string(b[0]), "UVAL brand") {
			t.Errorf("%s got %q", name, b)
		}
	}
	sb, _ := slack.got()
	var sl struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if json.Unmarshal(sb[0], &sl) != nil || sl.Text == "" || len(sl.Blocks) != 3 || sl.Blocks[2]["type"] != "actions" {
		t.Errorf("slack payload %s", sb[0])
	}
	tb, _ := teams.got()
	var tm struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string         `json:"contentType"`
			Content     map[string]any `json:"content"`
		} `json:"attachments"`
	}
	if json.Unmarshal(tb[0], &tm) != nil || tm.Type != "message" || len(tm.Attachments) != 1 || tm.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || tm.Attachments[0].Content["type"] != "AdaptiveCard" {
		t.Errorf("teams payload %s", tb[0])
	}
	ds, _ := w.st.Deliveries(ctx, w.ws.ID, a.ID)
	for _, d := range ds {
		if d.State != "sent" {
			t.Errorf("delivery %+v", d)
		}
	}
	// The incident is open, with the alert on its timeline.
	in, err := w.st.FindIncident(ctx, w.ws.ID, a.IncidentID)
	if err != nil || in.Status != vigie.IncidentOpen || in.Monitor != "brand" || in.Alerts != 1 {
		t.Fatalf("incident %+v %v", in, err)
	}
	// Half an hour on, still rising: one update, joined to the incident.
	w.now = w.now.Add(31 * time.Minute)
	w.mentions(t, w.now.Add(-60*time.Second), 60, vigie.Author{Handle: "@angry"})
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	as, _ = w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	if len(as) != 2 || as[0].Phase != "update" || as[0].IncidentID != a.IncidentID || !strings.Contains(as[0].Text, "still rising") {
		t.Fatalf("after 31 minutes: %+v", as)
	}
}

func TestDeliveryRetriesAndFailures(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	flaky, gone := newReceiver(t, 503, 502), newReceiver(t, 404)
	_, err := w.st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: w.ws.ID, Name: "Every", Monitor: "brand", Kind: vigie.AlertEvery, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelWebhook, URL: flaky.URL}, {Kind: vigie.ChannelSlack, URL: gone.URL}, {Kind: vigie.ChannelEmail, To: []string{"comms@uval.example"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.engine.Evaluate(ctx); err != nil { // the rule starts from now
		t.Fatal(err)
	}
	w.mentions(t, w.now, 1, vigie.Author{Handle: "@rector", Followers: 50})
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	if len(as) != 1 || as[0].Title != "New mention of UVAL brand" || !strings.Contains(as[0].Text, "@rector (50 followers): uval") || as[0].IncidentID != 0 {
		t.Fatalf("alerts %+v", as)
	}
	state := func() map[vigie.ChannelKind]store.DeliveryStatus {
		ds, err := w.st.Deliveries(ctx, w.ws.ID, as[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[vigie.ChannelKind]store.DeliveryStatus{}
		for _, d := range ds {
			out[d.Channel] = d
		}
		return out
	}
	if err := w.engine.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	s := state()
	if d := s[vigie.ChannelWebhook]; d.State != "pending" || !strings.Contains(d.LastError, "HTTP 503") || d.NextTryAt.Sub(w.now) != 30*time.Second {
		t.Errorf("webhook after a 503: %+v", d)
	}
	if d := s[vigie.ChannelSlack]; d.State != "failed" || !strings.Contains(d.LastError, "HTTP 404") {
		t.Errorf("slack after a 404: %+v", d)
	}
	if d := s[vigie.ChannelEmail]; d.State != "failed" || !strings.Contains(d.LastError, "VIGIE_SMTP_URL") {
		t.Errorf("email without SMTP: %+v", d)
	}
	// Not due yet: nothing sent.
	w.engine.Deliver(ctx)
	if b, _ := flaky.got(); len(b) != 1 {
		t.Fatalf("sent before its retry time: %d", len(b))
	}
	w.now = w.now.Add(31 * time.Second)
	w.engine.Deliver(ctx) // 502: again, a minute later
	w.now = w.now.Add(61 * time.Second)
	w.engine.Deliver(ctx)
	if d := state()[vigie.ChannelWebhook]; d.State != "sent" || d.Attempts != 3 {
		t.Errorf("webhook after 503, 502, 200: %+v", d)
	}
	b, heads := flaky.got()
	if len(b) != 3 || heads[0].Get(webhook.HeaderID) != heads[2].Get(webhook.HeaderID) || heads[0].Get(webhook.HeaderSignature) != "" {
		t.Errorf("retries: %d requests, ids %q %q (the same id lets the receiver deduplicate)", len(b), heads[0].Get(webhook.HeaderID), heads[2].Get(webhook.HeaderID))
	}
	// A failed delivery goes again when someone retries it.
	slackD := state()[vigie.ChannelSlack]
	if err := w.st.RetryDelivery(ctx, w.ws.ID, slackD.ID); err != nil {
		t.Fatal(err)
	}
	w.engine.Deliver(ctx)
	if d := state()[vigie.ChannelSlack]; d.State != "sent" {
		t.Errorf("slack retried: %+v", d)
	}
}

func TestInfluencerAndDigest(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	inapp := []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}
	for _, r := range []vigie.AlertRule{
		{WorkspaceID: w.ws.ID, Name: "Voices", Monitor: "brand", Kind: vigie.AlertInfluencer, MinFollowers: 5000, Enabled: true, Channels: inapp},
		{WorkspaceID: w.ws.ID, Name: "Hourly", Kind: vigie.AlertDigest, Period: "hourly", Enabled: true, Channels: inapp},
	} {
		if _, err := w.st.CreateAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	w.engine.Evaluate(ctx)
	w.mentions(t, w.now, 3, vigie.Author{Handle: "@small", Followers: 40})
	w.mentions(t, w.now, 1, vigie.Author{Handle: "@journalist", Followers: 120000})
	w.now = w.now.Add(40 * time.Minute) // past the hour
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	titles := map[string]string{}
	for _, a := range as {
		titles[a.Title] = a.Text
	}
	if txt, ok := titles["Influential author mentions UVAL brand"]; !ok || !strings.Contains(txt, "@journalist (120000 followers)") || strings.Contains(txt, "@small") {
		t.Errorf("influencer alert: %q (all: %v)", txt, titles)
	}
	// The digest rule, created at 14:30, sends the hour from 14:00 to
	// 15:00 once 15:00 passed, and not the hour before it.
	digests := func() []vigie.Alert {
		var out []vigie.Alert
		as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
		for _, a := range as {
			if a.Phase == "digest" {
				out = append(out, a)
			}
		}
		return out
	}
	d := digests()
	if len(d) != 1 || d[0].Title != "Hourly digest: Valmont" || !strings.HasPrefix(d[0].Text, "10 mentions in the last hour (-16% on the hour before)") {
		t.Fatalf("digests at 15:10: %+v", d)
	}
	w.engine.Evaluate(ctx)
	w.now = w.now.Add(50 * time.Minute)
	w.engine.Evaluate(ctx)
	if d := digests(); len(d) != 2 || !strings.HasPrefix(d[0].Text, "0 mentions in the last hour (-100% on the hour before)") {
		t.Fatalf("digests at 16:00: %+v", d)
	}
}

// TestEscalation: an alert nobody acknowledges within the rule's minutes
// goes to its escalation channels, marked as such; an acknowledged one
// does not.
func TestEscalation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	first, boss := newReceiver(t), newReceiver(t)
	_, err := w.st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: w.ws.ID, Name: "Rector", Monitor: "brand", Kind: vigie.AlertEvery, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelSlack, URL: first.URL}}, EscalateMinutes: 15,
		Escalate: []vigie.AlertChannel{{Kind: vigie.ChannelMattermost, URL: boss.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	w.engine.Evaluate(ctx)
	w.mentions(t, w.now, 1, vigie.Author{Handle: "@a"})
	w.engine.Evaluate(ctx)
	as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	if len(as) != 1 {
		t.Fatalf("alerts %+v", as)
	}
	w.engine.Deliver(ctx)
	w.now = w.now.Add(14 * time.Minute)
	w.engine.Escalate(ctx)
	w.engine.Deliver(ctx)
	if b, _ := boss.got(); len(b) != 0 {
		t.Fatalf("escalated after 14 minutes: %q", b)
	}
	w.now = w.now.Add(2 * time.Minute)
	w.engine.Escalate(ctx)
	w.engine.Deliver(ctx)
	b, _ := boss.got()
	if len(b) != 1 || !strings.Contains(string(b[0]), "Unacknowledged: New mention of UVAL brand") {
		t.Fatalf("escalation: %q", b)
	}
	// Once only.
	w.now = w.now.Add(time.Hour)
	w.engine.Escalate(ctx)
	w.engine.Deliver(ctx)
	if b, _ := boss.got(); len(b) != 1 {
		t.Fatalf("escalated %d times", len(b))
	}
	// A second alert, acknowledged in time, is not escalated.
	w.mentions(t, w.now, 1, vigie.Author{Handle: "@b"})
	w.engine.Evaluate(ctx)
	as, _ = w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	if _, err := w.st.AcknowledgeAlert(ctx, w.ws.ID, as[0].ID, "Ana"); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(20 * time.Minute)
	w.engine.Escalate(ctx)
	w.engine.Deliver(ctx)
	if b, _ := boss.got(); len(b) != 1 {
		t.Fatalf("an acknowledged alert escalated: %d messages", len(b))
	}
}

// TestTwoEnginesOneAlert: two engines on one database (scaled out, or a
// restart overlapping the old process) both read the rule before either
// records the alert: the crisis is alerted once. Then both evaluating at
// once, again and again, add none.
func TestTwoEnginesOneAlert(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if _, err := w.st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: w.ws.ID, Name: "Brand spike", Monitor: "brand", Kind: vigie.AlertSpike, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}}); err != nil {
		t.Fatal(err)
	}
	w.history(t)
	w.mentions(t, w.now.Add(-10*time.Second), 40, vigie.Author{Handle: "@angry"})
	other := &Engine{Store: w.st, Now: w.engine.Now, PublicURL: w.engine.PublicURL, HTTP: w.engine.HTTP}
	other.init()
	w.engine.init()
	read := func() store.RuleRun {
		runs, err := w.st.EnabledAlertRules(ctx)
		if err != nil || len(runs) != 1 {
			t.Fatalf("rules %+v %v", runs, err)
		}
		return runs[0]
	}
	a, b := read(), read() // both read the rule as it was
	if err := w.engine.evalDetector(ctx, &a, w.now); err != nil {
		t.Fatal(err)
	}
	if err := other.evalDetector(ctx, &b, w.now); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, e := range []*Engine{w.engine, other, w.engine, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.Evaluate(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID}); len(as) != 1 {
		t.Fatalf("%d alerts for one crisis evaluated by two engines: %+v", len(as), as)
	}
}

// TestHangingReceiverHoldsUpOnlyItsWorkspace: a workspace whose webhook
// never answers does not delay another workspace's alerts (an attacker
// trial saw them wait 160 s behind it).
func TestHangingReceiverHoldsUpOnlyItsWorkspace(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	release := make(chan struct{})
	var arrived atomic.Int32 // requests the hanging receiver got
	hang := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { hang.Close() })
	t.Cleanup(func() { close(release) }) // runs first: the server can close
	got := make(chan struct{}, 1)
	healthy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case got <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(healthy.Close)
	other, err := w.st.CreateWorkspace(ctx, vigie.Workspace{Name: "Other", Slug: "other"})
	if err != nil {
		t.Fatal(err)
	}
	// Twenty of the first workspace's alerts to the hanging receiver, then
	// one of the other's.
	for i := range 20 {
		if _, err := w.st.FireAlert(ctx, store.Fired{Alert: vigie.Alert{WorkspaceID: w.ws.ID, RuleName: "r", Kind: vigie.AlertEvery, Phase: "alert", FiredAt: w.now,
			Title: fmt.Sprintf("hang %d", i), Text: "x"}, Channels: []vigie.AlertChannel{{Kind: vigie.ChannelWebhook, URL: hang.URL}}}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.st.FireAlert(ctx, store.Fired{Alert: vigie.Alert{WorkspaceID: other.ID, RuleName: "r", Kind: vigie.AlertEvery, Phase: "alert", FiredAt: w.now,
		Title: "healthy", Text: "x"}, Channels: []vigie.AlertChannel{{Kind: vigie.ChannelWebhook, URL: healthy.URL}}}, ""); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.engine.Deliver(ctx) }()
	select {
	case <-got:
		// Sent beside the first workspace's share of requests, not behind
		// its backlog (16 at once, then more as they time out).
		if n := arrived.Load(); n > 4 { // maxSendingPerWorkspace
			t.Fatalf("the other workspace's alert went after %d requests to the hanging receiver", n)
		}
	case err := <-done:
		t.Fatalf("Deliver returned (%v) before the other workspace's alert was sent", err)
	}
}

// mentionsOf stores n mentions of a monitor (by key) from a source,
// published at at.
func (w *world) mentionsOf(t *testing.T, src int64, key string, at time.Time, n int) {
	t.Helper()
	var items []store.Item
	for range n {
		w.created++
		p := vigie.Post{ID: fmt.Sprintf("p%d", w.created), Source: "mastodon", Text: "uval", PublishedAt: at, Author: vigie.Author{Handle: "@someone"}}
		items = append(items, store.Item{Post: p, MonitorKeys: []string{key}})
	}
	if _, err := w.st.SaveBatch(context.Background(), src, items, nil); err != nil {
		t.Fatal(err)
	}
}

func (w *world) alerts(t *testing.T, ws int64) []vigie.Alert {
	t.Helper()
	as, err := w.st.FindAlerts(context.Background(), store.AlertFilter{WorkspaceID: ws})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// A wake evaluates the rules of the monitors it names: a rule whose
// monitor got nothing is not read again until the minute's evaluation,
// which reads every rule.
func TestWakeEvaluatesTheRulesOfChangedMonitors(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	people, err := w.st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "people", Name: "People", Query: "rector"}, WorkspaceID: w.ws.ID})
	if err != nil {
		t.Fatal(err)
	}
	inapp := []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}
	for _, r := range []vigie.AlertRule{
		{WorkspaceID: w.ws.ID, Name: "Brand spike", Monitor: "brand", Kind: vigie.AlertSpike, Enabled: true, Channels: inapp},
		{WorkspaceID: w.ws.ID, Name: "People", Monitor: "people", Kind: vigie.AlertEvery, Enabled: true, Channels: inapp},
	} {
		if _, err := w.st.CreateAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	w.history(t)
	if err := w.engine.Evaluate(ctx); err != nil { // quiet; the every rule starts from now
		t.Fatal(err)
	}
	stats := w.engine.Stats()
	count := func() (evaluations, evaluated, skipped int64) {
		return stats.Evaluations.Load(), stats.Evaluated.Load(), stats.Skipped.Load()
	}
	// The brand's burst is stored without a wake (another process stored
	// it); a wake names the people monitor only.
	w.mentions(t, w.now.Add(-90*time.Second), 20, vigie.Author{Handle: "@angry"})
	w.mentions(t, w.now.Add(-10*time.Second), 20, vigie.Author{Handle: "@angry"})
	n0, e0, s0 := count()
	w.engine.NotifyMonitors([]string{people.Key})
	if err := w.engine.EvaluateChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if n, e, s := count(); n-n0 != 1 || e-e0 != 1 || s-s0 != 1 {
		t.Errorf("a wake for one monitor: %d evaluations, %d rules evaluated, %d skipped; want 1, 1, 1", n-n0, e-e0, s-s0)
	}
	if as := w.alerts(t, w.ws.ID); len(as) != 0 {
		t.Fatalf("the brand's rule was read on a wake that did not name it: %+v", as)
	}
	// Nothing named since: no evaluation at all.
	if err := w.engine.EvaluateChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := count(); n-n0 != 1 {
		t.Errorf("a wake with nothing new evaluated (%d evaluations)", n-n0)
	}
	// The minute's evaluation reads every rule: the burst fires.
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if as := w.alerts(t, w.ws.ID); len(as) != 1 || as[0].RuleName != "Brand spike" {
		t.Fatalf("after the minute's evaluation: %+v", as)
	}
	// A mention of people and a wake naming it: its every rule sends it,
	// and the brand's is left alone.
	w.mentionsOf(t, w.src.ID, people.Key, w.now, 1)
	_, e0, s0 = count()
	w.engine.NotifyMonitors([]string{people.Key, people.Key})
	if err := w.engine.EvaluateChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if _, e, s := count(); e-e0 != 1 || s-s0 != 1 {
		t.Errorf("a wake for people: %d rules evaluated, %d skipped; want 1, 1", e-e0, s-s0)
	}
	if as := w.alerts(t, w.ws.ID); len(as) != 2 || as[0].Title != "New mention of People" {
		t.Fatalf("after people's mention: %+v", as)
	}
	// Notify says nothing of what changed: every rule is read.
	_, e0, _ = count()
	w.engine.Notify()
	if err := w.engine.EvaluateChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if _, e, _ := count(); e-e0 != 2 {
		t.Errorf("after Notify: %d rules evaluated, want 2", e-e0)
	}
}

// A rule on a whole workspace is evaluated on a wake naming one of its
// workspace's monitors, not another workspace's; digests wait for the
// minute's evaluation.
func TestWakeWorkspaceRulesAndDigests(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ws2, err := w.st.CreateWorkspace(ctx, vigie.Workspace{Name: "Other", Slug: "other"})
	if err != nil {
		t.Fatal(err)
	}
	mon2, err := w.st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "brand", Name: "Other brand", Query: "uval"}, WorkspaceID: ws2.ID})
	if err != nil {
		t.Fatal(err)
	}
	src2, err := w.st.CreateSource(ctx, vigie.Source{WorkspaceID: ws2.ID, Kind: vigie.SourceSimulator, Name: "sim", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	inapp := []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}
	w.history(t) // before the rules: the archive, not theirs
	for _, r := range []vigie.AlertRule{
		{WorkspaceID: w.ws.ID, Name: "Everything", Kind: vigie.AlertEvery, Enabled: true, Channels: inapp},
		{WorkspaceID: w.ws.ID, Name: "Hourly", Kind: vigie.AlertDigest, Period: "hourly", Enabled: true, Channels: inapp},
	} {
		if _, err := w.st.CreateAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	stats := w.engine.Stats()
	// The other workspace's monitor: this workspace's rules are left alone.
	w.mentionsOf(t, src2.ID, mon2.Key, w.now, 1)
	s0 := stats.Skipped.Load()
	w.engine.NotifyMonitors([]string{mon2.Key})
	if err := w.engine.EvaluateChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if s := stats.Skipped.Load() - s0; s != 2 {
		t.Errorf("a wake for another workspace's monitor skipped %d rules, want 2", s)
	}
	if as := w.alerts(t, w.ws.ID); len(as) != 0 {
		t.Fatalf("alerts %+v", as)
	}
	// Past the hour, a mention of the brand: the workspace's every rule
	// sends it at once; the digest goes with the minute's evaluation.
	w.now = w.now.Add(40 * time.Minute)
	w.mentions(t, w.now, 1, vigie.Author{Handle: "@rector"})
	w.engine.NotifyMonitors([]string{w.brand.Key})
	if err := w.engine.EvaluateChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if as := w.alerts(t, w.ws.ID); len(as) != 1 || as[0].Title != "New mention of your monitors" {
		t.Fatalf("after the brand's wake: %+v", as)
	}
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if as := w.alerts(t, w.ws.ID); len(as) != 2 || as[0].Phase != "digest" {
		t.Fatalf("after the minute's evaluation: %+v", as)
	}
}

// A pass that fails before it reads the rules leaves what the wakes said
// to the next one.
func TestWakeOutlivesAFailedPass(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if _, err := w.st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: w.ws.ID, Name: "Every", Monitor: "brand", Kind: vigie.AlertEvery, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	w.mentions(t, w.now, 1, vigie.Author{Handle: "@rector"})
	w.engine.NotifyMonitors([]string{w.brand.Key})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.engine.EvaluateChanged(cancelled); err == nil {
		t.Fatal("a pass with its context cancelled did not fail")
	}
	if err := w.engine.EvaluateChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if as := w.alerts(t, w.ws.ID); len(as) != 1 || as[0].Title != "New mention of UVAL brand" {
		t.Fatalf("after the failed pass and the next: %+v", as)
	}
}

// TestNewMentionRules: a rule of new mentions starts where the archive was
// when it was created (mentions stored before its first evaluation are
// its own), and a flood is grouped: one alert at once, the rest together
// GroupNew later (an attacker's import of 20,000 posts raised ten).
func TestNewMentionRules(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.mentions(t, w.now.Add(-time.Hour), 3, vigie.Author{Handle: "@old"}) // the archive: not alerted
	if _, err := w.st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: w.ws.ID, Name: "Every", Monitor: "brand", Kind: vigie.AlertEvery, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}}); err != nil {
		t.Fatal(err)
	}
	w.mentions(t, w.now, 2, vigie.Author{Handle: "@before"}) // before the rule's first evaluation
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	as, _ := w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	if len(as) != 1 || as[0].Figures["mentions"] != 2 {
		t.Fatalf("first evaluation: %+v", as)
	}
	// A flood: batch after batch, evaluated after each.
	for i := range 5 {
		w.now = w.now.Add(30 * time.Second)
		w.mentions(t, w.now, 100, vigie.Author{Handle: fmt.Sprintf("@flood%d", i)})
		if err := w.engine.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if as, _ = w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID}); len(as) != 1 {
		t.Fatalf("%d alerts during the flood's first minutes, want 1 (grouped)", len(as))
	}
	w.now = w.now.Add(GroupNew)
	if err := w.engine.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	as, _ = w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID})
	if len(as) != 2 || as[0].Figures["mentions"] != 500 {
		t.Fatalf("after the grouping time: %+v", as)
	}
}

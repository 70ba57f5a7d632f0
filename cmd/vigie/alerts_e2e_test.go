package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/simulator"
	"github.com/vigie-project/vigie/internal/store"
)

// TestDemoCrisisRaisesAnAlert runs the demo's parts on a simulated clock:
// the simulator's stream through the pipeline every 5 seconds, the alert
// engine evaluated after each batch, as vigie demo runs them. Two calm
// hours raise no alert; a crisis raises the brand's spike alert and opens
// an incident within 3 minutes, and a webhook rule added through the API
// receives JSON naming the monitor with an absolute link.
func TestDemoCrisisRaisesAnAlert(t *testing.T) {
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.Data, cfg.LogLevel = t.TempDir(), "warn"
	cfg.AllowPrivateFetch = true // the webhook receiver is on loopback
	cfg.PublicURL = "https://vigie.uval.example"
	in, err := build(ctx, cfg, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.app.Close() })
	srv := httptest.NewServer(in.handler)
	t.Cleanup(srv.Close)
	api := client{t: t, base: srv.URL, token: in.token}

	var (
		mu    sync.Mutex
		hooks [][]byte
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks = append(hooks, b)
		mu.Unlock()
	}))
	t.Cleanup(receiver.Close)
	code, body := api.do("POST", "/api/v1/alerts", map[string]any{"name": "Brand to the crisis cell", "monitor": "m-uval", "kind": "spike",
		"channels": []any{map[string]string{"kind": "webhook", "url": receiver.URL + "/vigie"}}})
	if code != http.StatusCreated || body["id"] == nil {
		t.Fatalf("POST /api/v1/alerts: %d %v", code, body)
	}

	sim := newDemoSim(t, in, time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC)) // a Wednesday morning in Zurich
	step, sent := sim.step, sim.sent
	// The first run generates the demo's 6 hours of history; then two
	// calm hours.
	for range 2 * 60 * 12 {
		step()
	}
	if as := sent(); len(as) != 0 {
		t.Fatalf("a calm stream raised alerts: %+v", as)
	}
	if err := in.sim.TriggerCrisis(simulator.Crises()[0]); err != nil {
		t.Fatal(err)
	}
	start := sim.clock
	var first vigie.Alert
	for sim.clock.Sub(start) < 3*time.Minute {
		step()
		if as := sent(); len(as) > 0 {
			first = as[len(as)-1]
			break
		}
	}
	if first.ID == 0 {
		t.Fatal("no alert within 3 minutes of the crisis")
	}
	t.Logf("first alert %s after the crisis began: %s — %s", first.FiredAt.Sub(start), first.Title, first.Text)
	if first.Monitor != "m-uval" || first.IncidentID == 0 {
		t.Fatalf("first alert %+v", first)
	}
	code, body = api.do("GET", "/api/v1/incidents", nil)
	incidents, _ := body["incidents"].([]any)
	if code != 200 || len(incidents) != 1 || incidents[0].(map[string]any)["status"] != "open" {
		t.Fatalf("GET /api/v1/incidents: %d %v", code, body)
	}
	// The outbox: the webhook gets the alert.
	if err := in.alerts.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooks) == 0 {
		t.Fatal("the webhook received nothing")
	}
	var wb alert.WebhookBody
	if err := json.Unmarshal(hooks[0], &wb); err != nil {
		t.Fatal(err)
	}
	if wb.Data.Monitor == nil || wb.Data.Monitor.Name != "Université de Valmont (brand)" || !strings.HasPrefix(wb.Data.Link, "https://vigie.uval.example/w/demo/incidents/") {
		t.Fatalf("webhook body %s", hooks[0])
	}
	// A viewer reads the incident but may not close it.
	viewer, _, err := in.app.store.CreateToken(ctx, store.TokenSpec{Name: "viewer", WorkspaceID: in.app.workspace.ID, Role: account.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	id := int64(incidents[0].(map[string]any)["id"].(float64))
	v := client{t: t, base: srv.URL, token: viewer}
	if code, _ := v.do("GET", "/api/v1/incidents/"+itoa(id), nil); code != 200 {
		t.Errorf("viewer reading the incident: %d", code)
	}
	if code, _ := v.do("PATCH", "/api/v1/incidents/"+itoa(id), map[string]string{"status": "closed"}); code != 403 {
		t.Errorf("viewer closing the incident: %d", code)
	}
	code, body = api.do("PATCH", "/api/v1/incidents/"+itoa(id), map[string]any{"status": "monitoring", "note": "Holding statement out", "check": 1})
	if code != 200 || body["status"] != "monitoring" || body["first_response_at"] == nil {
		t.Fatalf("PATCH incident: %d %v", code, body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// demoSim drives a demo instance's simulator, pipeline and alert engine on
// a simulated clock, five seconds a step, as vigie demo runs them.
type demoSim struct {
	t     testing.TB
	in    *instance
	src   vigie.Source
	clock time.Time
}

func newDemoSim(t testing.TB, in *instance, start time.Time) *demoSim {
	t.Helper()
	d := &demoSim{t: t, in: in, clock: start}
	now := func() time.Time { return d.clock }
	in.sim.Now = now
	in.alerts.Now = now
	in.alerts.HTTP = &alert.HTTPSender{Client: http.DefaultClient, Now: now}
	srcs, err := in.app.store.FindSources(context.Background(), in.app.workspace.ID)
	if err != nil || len(srcs) != 1 || srcs[0].Kind != vigie.SourceSimulator {
		t.Fatalf("demo sources %+v %v", srcs, err)
	}
	d.src = srcs[0]
	return d
}

func (d *demoSim) step() {
	d.t.Helper()
	ctx := context.Background()
	d.clock = d.clock.Add(5 * time.Second)
	b, err := d.in.sim.Run(ctx, &d.src)
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := d.in.app.pipeline.Process(ctx, &d.src, b.Posts, &b.State); err != nil {
		d.t.Fatal(err)
	}
	d.src.SourceState = b.State
	if err := d.in.alerts.Evaluate(ctx); err != nil {
		d.t.Fatal(err)
	}
}

func (d *demoSim) sent() []vigie.Alert {
	as, err := d.in.app.store.FindAlerts(context.Background(), store.AlertFilter{WorkspaceID: d.in.app.workspace.ID})
	if err != nil {
		d.t.Fatal(err)
	}
	return as
}

// crisis runs calm hours, starts a crisis and steps until its first alert
// (at most 3 minutes), which it returns.
func (d *demoSim) crisis(calm time.Duration) vigie.Alert {
	d.t.Helper()
	for end := d.clock.Add(calm); d.clock.Before(end); {
		d.step()
	}
	if err := d.in.sim.TriggerCrisis(simulator.Crises()[0]); err != nil {
		d.t.Fatal(err)
	}
	for start := d.clock; d.clock.Sub(start) < 3*time.Minute; {
		d.step()
		if as := d.sent(); len(as) > 0 {
			return as[len(as)-1]
		}
	}
	d.t.Fatal("no alert within 3 minutes of the crisis")
	return vigie.Alert{}
}

// TestAckLinkTakesOnlyTokens: the acknowledgement page echoes its token
// into its form: anything but a token's shape is not found (an attacker's
// link with "../" in it once made a form that deleted a rule).
func TestAckLinkTakesOnlyTokens(t *testing.T) {
	_, srv, _ := testInstance(t, false)
	for _, p := range []string{"/alerts/ack/..%2F..%2Fw%2Fmain%2Falerts%2F1%2Fdelete", "/alerts/ack/short", "/alerts/ack/abcdefghijklmnopqrstuvw%2F"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "action=\"/alerts/ack/") {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func spikeRule(ws int64, monitor string) vigie.AlertRule {
	return vigie.AlertRule{WorkspaceID: ws, Name: "Brand spike", Monitor: monitor, Kind: vigie.AlertSpike, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}, {Kind: vigie.ChannelWebhook, URL: "https://hooks.example/secret-path", Secret: "whsec_c2VjcmV0c2VjcmV0"}},
		Escalate: []vigie.AlertChannel{{Kind: vigie.ChannelSlack, URL: "https://hooks.slack.example/T000/B000/XXXX"}}, EscalateMinutes: 10}
}

func TestAlertRules(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "brand", "other-brand")
		r := must(s.CreateAlertRule(ctx, spikeRule(f.ws.ID, "brand")))(t)
		if r.ID == 0 || r.Monitor != "brand" || len(r.Channels) != 2 || r.Channels[1].URL != "https://hooks.example/secret-path" || r.Escalate[0].URL == "" {
			t.Fatalf("created %+v", r)
		}
		var raw string
		if err := s.db.QueryRowContext(ctx, s.q("SELECT config FROM alert_rules WHERE id = ?"), r.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		for _, clear := range []string{"secret-path", "whsec_", "XXXX"} {
			if strings.Contains(raw, clear) {
				t.Errorf("the rule's row holds %q in clear: %s", clear, raw)
			}
		}
		// Another workspace neither sees nor changes it, nor names a
		// monitor that is not its own.
		if _, err := s.FindAlertRule(ctx, f.other.ID, r.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("other workspace found the rule: %v", err)
		}
		if _, err := s.UpdateAlertRule(ctx, f.other.ID, r.ID, spikeRule(f.other.ID, "")); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("other workspace updated the rule: %v", err)
		}
		if err := s.DeleteAlertRule(ctx, f.other.ID, r.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("other workspace deleted the rule: %v", err)
		}
		if _, err := s.CreateAlertRule(ctx, spikeRule(f.other.ID, "brand")); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("a rule on another workspace's monitor: %v", err)
		}
		if l := must(s.AlertRules(ctx, f.other.ID))(t); len(l) != 0 {
			t.Errorf("other workspace lists %v", l)
		}
		upd := spikeRule(f.ws.ID, "")
		upd.Name, upd.Sensitivity = "Everything", vigie.SensitivityHigh
		got := must(s.UpdateAlertRule(ctx, f.ws.ID, r.ID, upd))(t)
		if got.Name != "Everything" || got.Monitor != "" || got.Sensitivity != "high" {
			t.Errorf("updated %+v", got)
		}
		if runs := must(s.EnabledAlertRules(ctx))(t); len(runs) != 1 || runs[0].MonitorKey != "" {
			t.Errorf("enabled rules %+v", runs)
		}
		if err := s.DeleteAlertRule(ctx, f.ws.ID, r.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestFireAlertOpensAndJoinsIncidents(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "brand", "people")
		rule := must(s.CreateAlertRule(ctx, spikeRule(f.ws.ID, "brand")))(t)
		key := keysOf(s, "brand")[0]
		state := "{}"
		fire := func(phase string, at time.Time) FiredAlert {
			next := fmt.Sprintf(`{"active":true,"last_sent":%q}`, at.Format(time.RFC3339))
			fired := must(s.FireAlert(ctx, Fired{
				Alert: vigie.Alert{WorkspaceID: f.ws.ID, RuleID: rule.ID, RuleName: rule.Name, Kind: vigie.AlertSpike, Phase: phase, FiredAt: at,
					Title: "Spike on Brand", Text: "45 mentions in 2 minutes, 4.7 expected", Figures: map[string]float64{"observed": 45, "expected": 4.7}},
				PrevState: state, State: next, Incident: true, Channels: rule.Channels, EscalateAt: at.Add(10 * time.Minute),
			}, key))(t)
			state = next
			return fired
		}
		a := fire("alert", t0)
		if a.ID == 0 || a.IncidentID == 0 || !a.IncidentOpened || a.AckToken == "" {
			t.Fatalf("fired %+v", a)
		}
		b := fire("update", t0.Add(30*time.Minute))
		if b.IncidentID != a.IncidentID || b.IncidentOpened {
			t.Fatalf("the update opened another incident: %+v", b)
		}
		runs := must(s.EnabledAlertRules(ctx))(t)
		if runs[0].State != state {
			t.Errorf("state %q", runs[0].State)
		}
		// An evaluation that read the state before these alerts (another
		// engine, a slow one) records nothing.
		if _, err := s.FireAlert(ctx, Fired{Alert: vigie.Alert{WorkspaceID: f.ws.ID, RuleID: rule.ID, RuleName: rule.Name, Kind: vigie.AlertSpike, Phase: "alert",
			FiredAt: t0, Title: "Spike on Brand", Text: "again"}, PrevState: "{}", State: `{"active":true}`, Incident: true, Channels: rule.Channels}, key); !errors.Is(err, ErrStale) {
			t.Fatalf("a stale evaluation fired: %v", err)
		}
		if as := must(s.FindAlerts(ctx, AlertFilter{WorkspaceID: f.ws.ID}))(t); len(as) != 2 {
			t.Fatalf("%d alerts after a stale evaluation, want 2", len(as))
		}
		in := must(s.FindIncident(ctx, f.ws.ID, a.IncidentID))(t)
		if in.Status != vigie.IncidentOpen || in.Monitor != "brand" || in.Alerts != 2 || len(in.Timeline) != 3 || len(in.Checklist) != len(vigie.DefaultChecklist) {
			t.Fatalf("incident %+v", in)
		}
		if _, err := s.FindIncident(ctx, f.other.ID, a.IncidentID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("other workspace found the incident: %v", err)
		}
		// The outbox: the webhook's delivery is pending, the bell's sent.
		claimed := must(s.ClaimDeliveries(ctx, "w1", t0.Add(time.Hour), time.Minute, 10))(t)
		if len(claimed) != 2 || claimed[0].Channel.Kind != vigie.ChannelWebhook || claimed[0].Channel.URL != "https://hooks.example/secret-path" || claimed[0].Alert.Title != "Spike on Brand" {
			t.Fatalf("claimed %+v", claimed)
		}
		if again := must(s.ClaimDeliveries(ctx, "w2", t0.Add(time.Hour), time.Minute, 10))(t); len(again) != 0 {
			t.Fatalf("a leased delivery was claimed twice: %+v", again)
		}
		must(0, s.FinishDelivery(ctx, claimed[0].ID, "w1", errors.New("HTTP 500"), t0.Add(2*time.Hour)))(t)
		must(0, s.FinishDelivery(ctx, claimed[1].ID, "w1", nil, time.Time{}))(t)
		ds := must(s.Deliveries(ctx, f.ws.ID, a.ID))(t)
		if len(ds) != 2 || ds[0].State != "sent" || ds[1].State != "pending" || ds[1].LastError != "HTTP 500" || ds[1].Attempts != 1 {
			t.Fatalf("deliveries %+v", ds)
		}
		if d := must(s.Deliveries(ctx, f.other.ID, a.ID))(t); len(d) != 0 {
			t.Errorf("other workspace sees deliveries %+v", d)
		}
		// Unacknowledged, the alert escalates once.
		n := must(s.EscalateDue(ctx, t0.Add(11*time.Minute), func(ruleID, ws int64) []vigie.AlertChannel {
			if ruleID != rule.ID || ws != f.ws.ID {
				t.Errorf("escalation asked for rule %d of workspace %d", ruleID, ws)
			}
			return rule.Escalate
		}))(t)
		if n != 1 {
			t.Fatalf("%d alerts escalated, want 1 (the update is not due yet)", n)
		}
		// Acknowledged through its link, the update escalates no more.
		ack := must(s.AcknowledgeAlertByToken(ctx, b.AckToken, "ana@uval.example"))(t)
		if ack.AcknowledgedAt.IsZero() || ack.AcknowledgedBy != "ana@uval.example" {
			t.Fatalf("acknowledged %+v", ack)
		}
		if n := must(s.EscalateDue(ctx, t0.Add(3*time.Hour), func(int64, int64) []vigie.AlertChannel { return rule.Escalate }))(t); n != 0 {
			t.Fatalf("%d acknowledged alerts escalated", n)
		}
		if _, err := s.AcknowledgeAlertByToken(ctx, "nope", "x"); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		in = must(s.FindIncident(ctx, f.ws.ID, a.IncidentID))(t)
		if in.FirstResponseAt.IsZero() {
			t.Errorf("the acknowledgement is not the first response: %+v", in)
		}
		// The bell.
		u := must(s.CreateUser(ctx, vigie.User{Email: "ana@uval.example", Name: "Ana"}, "h", []vigie.Membership{{WorkspaceID: f.ws.ID, Role: "editor"}}))(t)
		if n := must(s.UnreadAlerts(ctx, f.ws.ID, u.ID))(t); n != 2 {
			t.Errorf("unread %d, want 2", n)
		}
		must(0, s.MarkAlertsRead(ctx, f.ws.ID, u.ID, a.ID))(t)
		must(0, s.MarkAlertsRead(ctx, f.ws.ID, u.ID, a.ID-1))(t) // never back
		if n := must(s.UnreadAlerts(ctx, f.ws.ID, u.ID))(t); n != 1 {
			t.Errorf("unread %d after reading the first, want 1", n)
		}
		// Closing the incident; the next alert opens a new one.
		closed := vigie.IncidentClosed
		owner := u.ID
		in = must(s.UpdateIncident(ctx, f.ws.ID, a.IncidentID, IncidentChange{Status: &closed, OwnerID: &owner, Note: "Statement out", Check: ptr(1), By: "Ana"}))(t)
		if in.Status != closed || in.ClosedAt.IsZero() || in.Owner != "Ana" || !in.Checklist[1].Done || in.Checklist[1].DoneBy != "Ana" {
			t.Fatalf("closed %+v", in)
		}
		if _, err := s.UpdateIncident(ctx, f.other.ID, a.IncidentID, IncidentChange{Note: "x"}); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("other workspace changed the incident: %v", err)
		}
		stranger := must(s.CreateUser(ctx, vigie.User{Email: "eve@other.example"}, "h", []vigie.Membership{{WorkspaceID: f.other.ID, Role: "admin"}}))(t)
		if _, err := s.UpdateIncident(ctx, f.ws.ID, a.IncidentID, IncidentChange{OwnerID: &stranger.ID}); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("an owner from another workspace: %v", err)
		}
		if _, err := s.UpdateIncident(ctx, f.ws.ID, a.IncidentID, IncidentChange{Check: ptr(99)}); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("checklist item 99: %v", err)
		}
		c := fire("alert", t0.Add(5*time.Hour))
		if c.IncidentID == a.IncidentID || !c.IncidentOpened {
			t.Fatalf("an alert after the incident closed joined it: %+v", c)
		}
		if l := must(s.FindIncidents(ctx, IncidentFilter{WorkspaceID: f.ws.ID, Status: vigie.IncidentOpen}))(t); len(l) != 1 || l[0].ID != c.IncidentID {
			t.Errorf("open incidents %+v", l)
		}
		if l := must(s.FindIncidents(ctx, IncidentFilter{WorkspaceID: f.other.ID}))(t); len(l) != 0 {
			t.Errorf("other workspace lists %+v", l)
		}
	})
}

func TestMentionCounts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "brand", "people")
		var batch []Item
		for i, min := range []int{0, 0, 1, 3, 3, 3} {
			p := post(string(rune('a'+i)), "x", t0.Add(time.Duration(min)*time.Minute+10*time.Second))
			batch = append(batch, Item{Post: p, MonitorKeys: []string{"brand"}})
		}
		batch[0].MonitorKeys = []string{"brand", "people"}
		batch[1].Enrichment.Sentiment.Label = vigie.Negative
		batch = append(batch, Item{Post: post("z", "x", t0.Add(2*time.Minute)), MonitorKeys: []string{"people"}})
		must(s.SaveBatch(ctx, f.source.ID, keyed(s, batch), nil))(t)
		n, neg := must2(s.MentionCounts(ctx, f.ws.ID, keysOf(s, "brand")[0], t0, t0.Add(5*time.Minute), time.Minute, true))(t)
		if want := []int{2, 1, 0, 3, 0}; !equalInts(n, want) || neg[0] != 1 {
			t.Errorf("brand: %v %v, want %v", n, neg, want)
		}
		n, _ = must2(s.MentionCounts(ctx, f.ws.ID, "", t0, t0.Add(5*time.Minute), time.Minute, false))(t)
		if want := []int{2, 1, 1, 3, 0}; !equalInts(n, want) {
			t.Errorf("workspace: %v, want %v (each post once)", n, want)
		}
		if n, _ := must2(s.MentionCounts(ctx, f.other.ID, "", t0, t0.Add(5*time.Minute), time.Minute, false))(t); !equalInts(n, []int{0, 0, 0, 0, 0}) {
			t.Errorf("other workspace counts %v", n)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestChecklist: a workspace defines its crisis checklist; new incidents
// copy it, incidents under way keep theirs, other workspaces keep the
// default.
func TestChecklist(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "brand")
		before := must(s.OpenIncident(ctx, f.ws.ID, "Before", "", "Ana"))(t)
		items := must(s.SetChecklist(ctx, f.ws.ID, []string{" Call the rector ", "", "Warn the press office"}))(t)
		if len(items) != 2 || items[0] != "Call the rector" {
			t.Fatalf("set %q", items)
		}
		after := must(s.OpenIncident(ctx, f.ws.ID, "After", "brand", "Ana"))(t)
		if len(after.Checklist) != 2 || after.Checklist[1].Label != "Warn the press office" {
			t.Errorf("new incident's checklist %+v", after.Checklist)
		}
		if b := must(s.FindIncident(ctx, f.ws.ID, before.ID))(t); len(b.Checklist) != len(vigie.DefaultChecklist) {
			t.Errorf("an incident under way changed checklist: %+v", b.Checklist)
		}
		if l := must(s.Checklist(ctx, f.other.ID))(t); len(l) != len(vigie.DefaultChecklist) {
			t.Errorf("other workspace's checklist %q", l)
		}
		for _, bad := range [][]string{{}, {" "}, {strings.Repeat("x", 201)}, {"a\x00b"}} {
			if _, err := s.SetChecklist(ctx, f.ws.ID, bad); !errors.Is(err, vigie.ErrInvalid) {
				t.Errorf("%q: %v", bad, err)
			}
		}
	})
}

// Trial findings: notes and statements are text (valid UTF-8, no control
// characters); acknowledgement tokens have one shape.
func TestIncidentTextAndAckTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "brand")
		in := must(s.OpenIncident(ctx, f.ws.ID, "Leak", "", "Ana"))(t)
		for _, bad := range []string{"bad\xff\xfeutf8", "bell\x07", "esc\x1b[31m"} {
			if _, err := s.UpdateIncident(ctx, f.ws.ID, in.ID, IncidentChange{Note: bad}); !errors.Is(err, vigie.ErrInvalid) {
				t.Errorf("note %q: %v", bad, err)
			}
		}
		if _, err := s.UpdateIncident(ctx, f.ws.ID, in.ID, IncidentChange{Statement: "Line one\nline two\ttabbed"}); err != nil {
			t.Errorf("a statement on two lines: %v", err)
		}
	})
	for tok, ok := range map[string]bool{"abcdefghijklmnopqrstuvwx": true, "ABC-_0123456789abcdefghi": true, "..%2F..%2Fw%2Fdemo%2Fx%2F": false, "short": false, "abcdefghijklmnopqrstuvw/": false} {
		if ValidAckToken(tok) != ok {
			t.Errorf("ValidAckToken(%q) = %v", tok, !ok)
		}
	}
}
func TestMentionsAfter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "brand", "people", "other-brand")
		famous := func(p vigie.Post, followers int64) vigie.Post { p.Author.Followers = followers; return p }
		batch := []Item{
			{Post: famous(post("a", "x", t0), 50), MonitorKeys: []string{"brand", "people"}},
			{Post: famous(post("b", "x", t0), 20000), MonitorKeys: []string{"brand"}},
			{Post: post("c", "x", t0), MonitorKeys: []string{"people"}},
			{Post: famous(post("d", "x", t0), 90000), MonitorKeys: []string{"other-brand"}},
			{Post: famous(post("e", "x", t0), 30000), MonitorKeys: []string{"brand"}},
		}
		must(s.SaveBatch(ctx, f.source.ID, keyed(s, batch), nil))(t)
		brand, other := keysOf(s, "brand")[0], keysOf(s, "other-brand")[0]
		all := must(s.MentionsAfter(ctx, f.ws.ID, brand, 0, 10, 0, 10))(t)
		if all.Count != 3 || len(all.First) != 3 || all.First[0].Post.ID != "a" || all.First[0].Post.Author.Handle != "@usera" || all.Last != all.First[2].ID {
			t.Fatalf("the brand's mentions: %+v", all)
		}
		a, b := all.First[0].ID, all.First[1].ID
		summary := func(nm NewMentions) string {
			var ids []string
			for _, m := range nm.First {
				ids = append(ids, m.Post.ID)
			}
			last := "after"
			for _, m := range all.First {
				if m.ID == nm.Last {
					last = m.Post.ID
				}
			}
			return fmt.Sprintf("%d read up to %s, listed %s", nm.Count, last, strings.Join(ids, ","))
		}
		for _, c := range []struct {
			name      string
			ws        int64
			key       string
			after     int64
			limit     int
			followers int64
			show      int
			want      string
		}{
			{"after the first", f.ws.ID, brand, a, 10, 0, 10, "2 read up to e, listed b,e"},
			{"limit: oldest first", f.ws.ID, brand, 0, 2, 0, 10, "2 read up to b, listed a,b"},
			{"the first listed", f.ws.ID, brand, 0, 10, 0, 1, "3 read up to e, listed a"},
			{"followers: counted and listed among those read", f.ws.ID, brand, 0, 2, 10000, 10, "1 read up to b, listed b"},
			{"followers: none read has them", f.ws.ID, brand, 0, 1, 10000, 10, "0 read up to a, listed "},
			{"nothing after the last: it stays", f.ws.ID, brand, all.Last, 10, 0, 10, "0 read up to e, listed "},
			{"other workspace's monitor: nothing", f.ws.ID, other, 0, 10, 0, 10, "0 read up to after, listed "},
		} {
			if got := summary(must(s.MentionsAfter(ctx, c.ws, c.key, c.after, c.limit, c.followers, c.show))(t)); got != c.want {
				t.Errorf("%s: %q, want %q", c.name, got, c.want)
			}
		}
		// The whole workspace: each post once, not the other workspace's.
		ws := must(s.MentionsAfter(ctx, f.ws.ID, "", 0, 10, 0, 10))(t)
		var got []string
		for _, m := range ws.First {
			got = append(got, m.Post.ID)
		}
		if ws.Count != 4 || strings.Join(got, ",") != "a,b,c,e" {
			t.Errorf("the workspace's: %d, %v", ws.Count, got)
		}
		if ws := must(s.MentionsAfter(ctx, f.ws.ID, "", b, 10, 25000, 10))(t); ws.Count != 1 || len(ws.First) != 1 || ws.First[0].Post.ID != "e" {
			t.Errorf("the workspace's after b with 25,000 followers: %+v", ws)
		}
		if o := must(s.MentionsAfter(ctx, f.other.ID, other, 0, 10, 0, 10))(t); o.Count != 1 || o.First[0].Post.ID != "d" {
			t.Errorf("the other workspace's: %+v", o)
		}
		wss := must(s.MonitorWorkspaces(ctx, []string{brand, other, "no-such-key"}))(t)
		if len(wss) != 2 || wss[brand] != f.ws.ID || wss[other] != f.other.ID {
			t.Errorf("monitors' workspaces: %v", wss)
		}
	})
}

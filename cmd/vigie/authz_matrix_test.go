package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/webhook"
)

// The authorisation matrix (issue 9): every route the API, the web app and
// the server register × every kind of caller × their own workspace (A) and
// another one of the same organisation (B). A caller of A gets the exact
// status its role allows on A's objects, 403 where its role may not, 404
// for B's objects, and nothing of B in any answer; B is unchanged at the
// end. A route registered without a row here fails the test.

// principal is who asks: an API token, a web session, or nobody.
type principal struct {
	name     string
	token    string // bearer token (API)
	valid    bool   // the token works (not expired or revoked)
	user     *vigie.User
	cookie   string // session cookie (web)
	csrf     string
	role     account.Role // in A
	orgAdmin bool
}

func (p principal) session() bool { return p.cookie != "" }
func (p principal) bearer() bool  { return p.token != "" && p.valid }

// routeKind says which authentication a route goes through.
type routeKind int

const (
	apiRoute routeKind = iota // bearer token, then the token's role
	webPage                   // session, then membership of the workspace, then its role
	orgPage                   // session, then administration of the organisation
	anyone                    // no authentication (its answer is fixed per row)
)

// route is one request of the matrix.
type route struct {
	pattern string // as registered
	kind    routeKind
	action  account.Action
	method  string
	// own is the request on A's objects; other on B's (empty: no such
	// variant). Both may create throwaway objects of A (a deleted monitor
	// must exist first).
	own, other func(f *matrixFixture, p principal) string
	ok         int  // status when allowed on A
	otherWant  int  // status on B's objects for a caller allowed the action (0: 404)
	otherWS    bool // other names B's workspace in the path: not a member, 404 before any role check
	body       func(f *matrixFixture) (ctype string, body []byte)
	sse        bool // a live stream: only its headers are read
	// want overrides the status for routes whose answer does not follow
	// the kinds above (login, set-up).
	want func(p principal, other bool) int
	// freshSession: the request signs out, so it gets a session of its own.
	freshSession bool
	// after, when set, runs after each request of the route (clean-up).
	after func(f *matrixFixture)
}

func (r route) expect(p principal, other bool) int {
	if r.want != nil {
		return r.want(p, other)
	}
	switch r.kind {
	case anyone:
		if other && r.otherWant != 0 {
			return r.otherWant
		}
		return r.ok
	case apiRoute:
		if !p.bearer() {
			return http.StatusUnauthorized
		}
		if !p.role.Can(r.action) {
			return http.StatusForbidden
		}
	case webPage, orgPage:
		if !p.session() {
			if r.method == http.MethodGet && !r.sse {
				return http.StatusSeeOther // to the login page
			}
			return http.StatusUnauthorized
		}
		if r.kind == orgPage {
			if !p.orgAdmin {
				return http.StatusForbidden
			}
		} else {
			if other && r.otherWS {
				return http.StatusNotFound
			}
			if !p.role.Can(r.action) {
				return http.StatusForbidden
			}
		}
	}
	if other {
		if r.otherWant != 0 {
			return r.otherWant
		}
		return http.StatusNotFound
	}
	return r.ok
}

// matrixFixture holds the two workspaces and their objects.
type matrixFixture struct {
	t       *testing.T
	in      *instance
	base    string
	a, b    vigie.Workspace
	foreign vigie.Workspace // of another organisation
	// A's objects that stay.
	monitorA string
	postA    int64
	feedA    string // a private feed token of A's admin
	hookA    string // the delivery path of A's webhook source
	// B's objects: never changed by the matrix.
	monitorB, feedRefB string
	sourceB, postB     int64
	tokenB             int64
	memberB, adminB    vigie.User
	// B's alert rule, the alert it sent, that alert's failed delivery and
	// its incident.
	ruleB, alertB, deliveryB, incidentB int64
	// Publishing: A's account; B's account, post and inbox item.
	accountA, accountB, pubB, itemB int64
	snippetB                        int64 // B's saved reply
	n                               int
}

// Markers of B's content: none may appear in an answer to A.
var bravoMarkers = []string{"secret of Bravo", "Bravo brand watch", "Bravo private feed", "bravo-token", "bravotag", "mb@bravo.example",
	"@bravo-outlet", "Bravo's draft announcement", "Bravo's inbox question", "Bravo's saved reply"}

func (f *matrixFixture) next() int { f.n++; return f.n }

func (f *matrixFixture) freshMonitor() string {
	f.t.Helper()
	m, err := f.in.app.monitors.Create(context.Background(), vigie.MonitorRecord{WorkspaceID: f.a.ID,
		Monitor: vigie.Monitor{ID: fmt.Sprintf("m-tmp-%d", f.next()), Name: "Throwaway", Query: "alphaword"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return m.ID
}

func (f *matrixFixture) freshSource() string {
	f.t.Helper()
	n := f.next()
	s, err := f.in.app.store.CreateSource(context.Background(), vigie.Source{WorkspaceID: f.a.ID, Kind: vigie.SourceRSS,
		Name: fmt.Sprintf("Throwaway %d", n), URL: fmt.Sprintf("https://tmp%d.example.org/feed", n), Interval: time.Hour, Enabled: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(s.ID, 10)
}

func (f *matrixFixture) freshToken() string {
	f.t.Helper()
	_, tok, err := f.in.app.store.CreateToken(context.Background(), store.TokenSpec{Name: fmt.Sprintf("tmp-%d", f.next()), WorkspaceID: f.a.ID, Role: account.Viewer})
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(tok.ID, 10)
}

func (f *matrixFixture) freshMember() string {
	f.t.Helper()
	u, err := f.in.app.store.CreateUser(context.Background(), vigie.User{Email: fmt.Sprintf("tmp%d@alpha.example", f.next())}, "",
		[]vigie.Membership{{WorkspaceID: f.a.ID, Role: "viewer"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}

func (f *matrixFixture) freshRule() string {
	f.t.Helper()
	r, err := f.in.app.store.CreateAlertRule(context.Background(), vigie.AlertRule{WorkspaceID: f.a.ID, Name: fmt.Sprintf("Alpha alert %d", f.next()),
		Monitor: f.monitorA, Kind: vigie.AlertSpike, Enabled: true, Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(r.ID, 10)
}

func (f *matrixFixture) freshIncident() string {
	f.t.Helper()
	in, err := f.in.app.store.OpenIncident(context.Background(), f.a.ID, fmt.Sprintf("Alpha incident %d", f.next()), f.monitorA, "matrix")
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(in.ID, 10)
}

// fireAlert records an alert of ws's monitor sent to a webhook, whose
// delivery failed; it returns the alert and the delivery.
func fireAlert(t *testing.T, st *store.Store, ws vigie.Workspace, monitor, title string) (alertID, deliveryID int64) {
	a, d, _ := fireAlertToken(t, st, ws, monitor, title)
	return a, d
}

// fireAlertToken is fireAlert, with the token of the alert's
// acknowledgement link.
func fireAlertToken(t *testing.T, st *store.Store, ws vigie.Workspace, monitor, title string) (alertID, deliveryID int64, token string) {
	t.Helper()
	ctx := context.Background()
	m, err := st.FindMonitorByID(ctx, ws.ID, monitor)
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.FireAlert(ctx, store.Fired{Alert: vigie.Alert{WorkspaceID: ws.ID, RuleName: title, Kind: vigie.AlertSpike, Phase: "alert", FiredAt: time.Now().UTC(),
		Title: title, Text: title + ": 45 mentions in 2 minutes"}, Incident: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}, {Kind: vigie.ChannelWebhook, URL: "https://" + ws.Slug + ".example.org/hook"}}}, m.Key)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := st.ClaimDeliveries(ctx, "matrix", time.Now().Add(time.Minute), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if err := st.FinishDelivery(ctx, d.ID, "matrix", errors.New("HTTP 404"), time.Time{}); err != nil {
			t.Fatal(err)
		}
		if d.Alert.ID == a.ID {
			deliveryID = d.ID
		}
	}
	if deliveryID == 0 {
		t.Fatal("the alert's webhook delivery was not claimed")
	}
	return a.ID, deliveryID, a.AckToken
}

func (f *matrixFixture) freshAlert() (alert, delivery string) {
	a, d := fireAlert(f.t, f.in.app.store, f.a, f.monitorA, fmt.Sprintf("Alpha spike %d", f.next()))
	return strconv.FormatInt(a, 10), strconv.FormatInt(d, 10)
}

// freshFeed makes a private feed of A's monitor for the principal's user
// (A's admin for callers without one) and returns its reference.
func (f *matrixFixture) freshFeed(p principal) string {
	f.t.Helper()
	uid := f.adminA().ID
	if p.user != nil {
		uid = p.user.ID
	}
	_, hash, _ := account.NewToken("vgf_")
	if err := f.in.app.store.CreateFeedToken(context.Background(), hash, f.a.ID, f.monitorA, uid); err != nil {
		f.t.Fatal(err)
	}
	return hash[:16]
}

func (f *matrixFixture) adminA() vigie.User {
	u, _, err := f.in.app.store.FindUserByEmail(context.Background(), "ad@alpha.example")
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// session signs u in directly in the store (the login form is tested
// elsewhere, and its rate limits would count these).
func (f *matrixFixture) session(u vigie.User) (cookie, csrf string) {
	f.t.Helper()
	tok, hash, _ := account.NewToken("vgs_")
	csrf, _, _ = account.NewToken("")
	if err := f.in.app.store.CreateSession(context.Background(), hash, vigie.Session{UserID: u.ID, CSRF: csrf, ExpiresAt: time.Now().Add(time.Hour)}, "matrix", "127.0.0.1"); err != nil {
		f.t.Fatal(err)
	}
	return tok, csrf
}

func jsonBody(v any) func(*matrixFixture) (string, []byte) {
	return func(*matrixFixture) (string, []byte) {
		b, _ := json.Marshal(v)
		return "application/json", b
	}
}

func formBody(v url.Values) func(*matrixFixture) (string, []byte) {
	return func(*matrixFixture) (string, []byte) { return "application/x-www-form-urlencoded", []byte(v.Encode()) }
}

func opml(f *matrixFixture) string {
	return fmt.Sprintf(`<?xml version="1.0"?><opml version="2.0"><body><outline text="Opml %d" xmlUrl="https://opml%d.example.org/rss"/></body></opml>`, f.next(), f.n)
}

func path(s string) func(*matrixFixture, principal) string {
	return func(*matrixFixture, principal) string { return s }
}

// matrixRoutes is the table: one row per route (some routes have several,
// for their filters that name another workspace's objects).
func matrixRoutes() []route {
	const (
		ok, created, noContent, seeOther = http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusSeeOther
	)
	read, monitors, sources, correct, manage := account.Read, account.EditMonitors, account.EditSources, account.CorrectMention, account.ManageMembers
	rules, handle := account.EditAlerts, account.HandleIncidents
	idOf := func(prefix, suffix string, id func(*matrixFixture) int64) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return fmt.Sprintf("%s%d%s", prefix, id(f), suffix) }
	}
	freshRulePath := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/api/v1/alerts/" + f.freshRule() + suffix }
	}
	freshIncidentPath := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/api/v1/incidents/" + f.freshIncident() + suffix }
	}
	publishing, accounts, inbox := account.Publish, account.ManageAccounts, account.HandleInbox
	freshPubPath := func(status vigie.PostStatus, suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/api/v1/posts/" + f.freshPub(status) + suffix }
	}
	pubB := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return fmt.Sprintf("/api/v1/posts/%d%s", f.pubB, suffix) }
	}
	freshAccountPath := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			return fmt.Sprintf("/api/v1/accounts/%d%s", f.account(f.a.ID, fmt.Sprintf("@tmp%d@127.0.0.1", f.next())), suffix)
		}
	}
	accountB := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			return fmt.Sprintf("/api/v1/accounts/%d%s", f.accountB, suffix)
		}
	}
	freshItemPath := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/api/v1/inbox/" + f.freshItem() + suffix }
	}
	itemB := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return fmt.Sprintf("/api/v1/inbox/%d%s", f.itemB, suffix) }
	}
	// Approving is the workspace's rule (an admin, by default), checked
	// before the post is looked up.
	approver := func(p principal, other bool) int {
		switch {
		case !p.bearer():
			return http.StatusUnauthorized
		case p.role != account.Admin:
			return http.StatusForbidden
		case other:
			return http.StatusNotFound
		}
		return http.StatusOK
	}
	ackLink := func(f *matrixFixture, _ principal) string {
		_, _, tok := fireAlertToken(f.t, f.in.app.store, f.a, f.monitorA, fmt.Sprintf("Alpha spike %d", f.next()))
		return "/alerts/ack/" + tok
	}
	freshAlertPath := func(prefix, suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { a, _ := f.freshAlert(); return prefix + a + suffix }
	}
	a := func(rest string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/w/" + f.a.Slug + rest }
	}
	b := func(rest string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/w/" + f.b.Slug + rest }
	}
	mon := func(prefix, suffix string, fresh bool) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			if fresh {
				return prefix + f.freshMonitor() + suffix
			}
			return prefix + f.monitorA + suffix
		}
	}
	monB := func(prefix, suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return prefix + f.monitorB + suffix }
	}
	postOf := func(prefix, suffix string, own bool) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			id := f.postB
			if own {
				id = f.postA
			}
			return fmt.Sprintf("%s%d%s", prefix, id, suffix)
		}
	}
	srcB := func(prefix, suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return fmt.Sprintf("%s%d%s", prefix, f.sourceB, suffix) }
	}
	freshSrc := func(prefix, suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return prefix + f.freshSource() + suffix }
	}
	wsPath := func(f *matrixFixture, rest string) string { return "/w/" + f.a.Slug + rest }
	// The login form and set-up: a session's CSRF token passes the check,
	// anyone else's request has none.
	login := func(p principal, _ bool) int {
		if p.session() {
			return http.StatusUnauthorized // a wrong password
		}
		return http.StatusForbidden
	}
	setup := func(p principal, _ bool) int {
		if p.session() {
			return http.StatusBadRequest // no password
		}
		return http.StatusForbidden
	}
	loginPage := func(p principal, _ bool) int {
		if p.session() {
			return http.StatusSeeOther
		}
		return http.StatusOK
	}

	return append([]route{
		// Server.
		{pattern: "GET /healthz", kind: anyone, method: "GET", own: path("/healthz"), ok: ok},
		{pattern: "GET /metrics", kind: apiRoute, action: read, method: "GET", own: path("/metrics"), ok: ok},

		// API.
		{pattern: "GET /api/v1/openapi.json", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/openapi.json"), ok: ok},
		{pattern: "GET /api/v1/monitors", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/monitors"), ok: ok},
		{pattern: "POST /api/v1/monitors", kind: apiRoute, action: monitors, method: "POST", own: path("/api/v1/monitors"), ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]string{"name": fmt.Sprintf("New %d", f.next()), "query": "alphaword"})(f)
			}},
		// A monitor under B's monitor's id: monitor ids are per workspace,
		// so A gets a monitor of its own, and nothing tells that B has one
		// (B's is not touched: see snapshotB). A's is deleted after each
		// request, for the next principal and the routes below.
		{pattern: "POST /api/v1/monitors", kind: apiRoute, action: monitors, method: "POST", own: path("/api/v1/monitors"), ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]string{"id": f.monitorB, "name": "Alpha's own", "query": "alphaword"})(f)
			},
			after: func(f *matrixFixture) {
				err := f.in.app.monitors.Delete(context.Background(), f.a.ID, f.monitorB)
				if err != nil && !errors.Is(err, vigie.ErrNotFound) {
					f.t.Fatal(err)
				}
			}},
		{pattern: "GET /api/v1/monitors/{id}", kind: apiRoute, action: read, method: "GET", own: mon("/api/v1/monitors/", "", false), other: monB("/api/v1/monitors/", ""), ok: ok},
		{pattern: "PATCH /api/v1/monitors/{id}", kind: apiRoute, action: monitors, method: "PATCH", own: mon("/api/v1/monitors/", "", false), other: monB("/api/v1/monitors/", ""), ok: ok,
			body: jsonBody(map[string]string{"name": "Alpha renamed"})},
		{pattern: "DELETE /api/v1/monitors/{id}", kind: apiRoute, action: monitors, method: "DELETE", own: mon("/api/v1/monitors/", "", true), other: monB("/api/v1/monitors/", ""), ok: noContent},
		{pattern: "GET /api/v1/sources", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/sources"), ok: ok},
		{pattern: "POST /api/v1/sources", kind: apiRoute, action: sources, method: "POST", own: path("/api/v1/sources"), ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]string{"url": fmt.Sprintf("https://api%d.example.org/feed", f.next())})(f)
			}},
		{pattern: "POST /api/v1/sources/opml", kind: apiRoute, action: sources, method: "POST", own: path("/api/v1/sources/opml"), ok: created,
			body: func(f *matrixFixture) (string, []byte) { return "text/x-opml", []byte(opml(f)) }},
		{pattern: "POST /api/v1/sources/test", kind: apiRoute, action: sources, method: "POST", own: path("/api/v1/sources/test"), ok: ok,
			body: jsonBody(map[string]string{"kind": "webhook"})},
		{pattern: "GET /api/v1/sources/{id}", kind: apiRoute, action: read, method: "GET", own: freshSrc("/api/v1/sources/", ""), other: srcB("/api/v1/sources/", ""), ok: ok},
		{pattern: "DELETE /api/v1/sources/{id}", kind: apiRoute, action: sources, method: "DELETE", own: freshSrc("/api/v1/sources/", ""), other: srcB("/api/v1/sources/", ""), ok: noContent},
		{pattern: "GET /api/v1/mentions", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/mentions"), ok: ok,
			// B's monitor, B's words: an empty page.
			other: monB("/api/v1/mentions?monitor=", ""), otherWant: ok},
		{pattern: "GET /api/v1/mentions", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/mentions?q=alphaword"), other: path("/api/v1/mentions?q=bravoword"), ok: ok, otherWant: ok},
		{pattern: "GET /api/v1/mentions/{id}", kind: apiRoute, action: read, method: "GET", own: postOf("/api/v1/mentions/", "", true), other: postOf("/api/v1/mentions/", "", false), ok: ok},
		{pattern: "PATCH /api/v1/mentions/{id}", kind: apiRoute, action: correct, method: "PATCH", own: postOf("/api/v1/mentions/", "", true), other: postOf("/api/v1/mentions/", "", false), ok: ok,
			body: jsonBody(map[string]string{"sentiment": "positive", "lang": "it"})},
		{pattern: "PUT /api/v1/mentions/{id}/tags", kind: apiRoute, action: correct, method: "PUT", own: postOf("/api/v1/mentions/", "/tags", true), other: postOf("/api/v1/mentions/", "/tags", false), ok: ok,
			body: jsonBody(map[string][]string{"tags": {"alphatag", "irrelevant"}})},
		// Alerts and incidents.
		{pattern: "GET /api/v1/alerts", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/alerts"), ok: ok},
		{pattern: "POST /api/v1/alerts", kind: apiRoute, action: rules, method: "POST", own: path("/api/v1/alerts"), ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]any{"name": fmt.Sprintf("Alert %d", f.next()), "monitor": f.monitorA, "kind": "spike", "channels": []any{map[string]string{"kind": "inapp"}}})(f)
			}},
		{pattern: "POST /api/v1/alerts/backtest", kind: apiRoute, action: rules, method: "POST", own: path("/api/v1/alerts/backtest"), ok: ok,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]any{"rule": map[string]string{"kind": "spike", "monitor": f.monitorA}})(f)
			}},
		{pattern: "GET /api/v1/alerts/sent", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/alerts/sent"), ok: ok},
		{pattern: "GET /api/v1/alerts/sent/{id}", kind: apiRoute, action: read, method: "GET", own: freshAlertPath("/api/v1/alerts/sent/", ""), other: idOf("/api/v1/alerts/sent/", "", func(f *matrixFixture) int64 { return f.alertB }), ok: ok},
		{pattern: "POST /api/v1/alerts/sent/{id}/acknowledge", kind: apiRoute, action: handle, method: "POST", own: freshAlertPath("/api/v1/alerts/sent/", "/acknowledge"),
			other: idOf("/api/v1/alerts/sent/", "/acknowledge", func(f *matrixFixture) int64 { return f.alertB }), ok: ok},
		{pattern: "POST /api/v1/alerts/deliveries/{id}/retry", kind: apiRoute, action: rules, method: "POST",
			own: func(f *matrixFixture, _ principal) string {
				_, d := f.freshAlert()
				return "/api/v1/alerts/deliveries/" + d + "/retry"
			},
			other: idOf("/api/v1/alerts/deliveries/", "/retry", func(f *matrixFixture) int64 { return f.deliveryB }), ok: http.StatusAccepted},
		{pattern: "GET /api/v1/alerts/{id}", kind: apiRoute, action: read, method: "GET", own: freshRulePath(""), other: idOf("/api/v1/alerts/", "", func(f *matrixFixture) int64 { return f.ruleB }), ok: ok},
		{pattern: "PUT /api/v1/alerts/{id}", kind: apiRoute, action: rules, method: "PUT", own: freshRulePath(""), other: idOf("/api/v1/alerts/", "", func(f *matrixFixture) int64 { return f.ruleB }), ok: ok,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]any{"name": "Renamed", "monitor": f.monitorA, "kind": "spike", "channels": []any{map[string]string{"kind": "inapp"}}})(f)
			}},
		{pattern: "DELETE /api/v1/alerts/{id}", kind: apiRoute, action: rules, method: "DELETE", own: freshRulePath(""), other: idOf("/api/v1/alerts/", "", func(f *matrixFixture) int64 { return f.ruleB }), ok: noContent},
		{pattern: "GET /api/v1/incidents/checklist", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/incidents/checklist"), ok: ok},
		{pattern: "PUT /api/v1/incidents/checklist", kind: apiRoute, action: manage, method: "PUT", own: path("/api/v1/incidents/checklist"), ok: ok,
			body: jsonBody(map[string]any{"items": []string{"Assess", "Tell the rector"}})},
		{pattern: "GET /api/v1/incidents", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/incidents"), ok: ok},
		{pattern: "POST /api/v1/incidents", kind: apiRoute, action: handle, method: "POST", own: path("/api/v1/incidents"), ok: created,
			body: jsonBody(map[string]string{"title": "Alpha crisis"})},
		{pattern: "GET /api/v1/incidents/{id}", kind: apiRoute, action: read, method: "GET", own: freshIncidentPath(""), other: idOf("/api/v1/incidents/", "", func(f *matrixFixture) int64 { return f.incidentB }), ok: ok},
		{pattern: "PATCH /api/v1/incidents/{id}", kind: apiRoute, action: handle, method: "PATCH", own: freshIncidentPath(""), other: idOf("/api/v1/incidents/", "", func(f *matrixFixture) int64 { return f.incidentB }), ok: ok,
			body: jsonBody(map[string]any{"note": "Alpha note", "status": "monitoring"})},
		{pattern: "GET /api/v1/authors", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/authors"), other: monB("/api/v1/authors?monitor=", ""), ok: ok, otherWant: ok},
		{pattern: "GET /api/v1/overview", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/overview"), other: monB("/api/v1/overview?monitor=", ""), ok: ok, otherWant: http.StatusBadRequest},
		// Publishing and the inbox (issue 13).
		{pattern: "GET /api/v1/accounts", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/accounts"), ok: ok},
		{pattern: "GET /api/v1/members", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/members"), ok: ok},
		// The fetch policy refuses the loopback server: a 400 that says so,
		// after the role's check.
		{pattern: "POST /api/v1/accounts", kind: apiRoute, action: accounts, method: "POST", own: path("/api/v1/accounts"), ok: http.StatusBadRequest,
			body: jsonBody(map[string]string{"network": "mastodon", "instance_url": "https://127.0.0.1:1", "access_token": "x"})},
		{pattern: "GET /api/v1/accounts/{id}", kind: apiRoute, action: read, method: "GET", own: freshAccountPath(""), other: accountB(""), ok: ok},
		{pattern: "PATCH /api/v1/accounts/{id}", kind: apiRoute, action: accounts, method: "PATCH", own: freshAccountPath(""), other: accountB(""), ok: ok,
			body: jsonBody(map[string]string{"publish_role": "admin"})},
		{pattern: "POST /api/v1/accounts/{id}/check", kind: apiRoute, action: accounts, method: "POST", own: freshAccountPath("/check"), other: accountB("/check"), ok: ok},
		{pattern: "DELETE /api/v1/accounts/{id}", kind: apiRoute, action: accounts, method: "DELETE", own: freshAccountPath(""), other: accountB(""), ok: noContent},
		{pattern: "GET /api/v1/posts", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/posts"), ok: ok},
		{pattern: "POST /api/v1/posts", kind: apiRoute, action: publishing, method: "POST", own: path("/api/v1/posts"), ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]any{"accounts": []int64{f.accountA}, "text": fmt.Sprintf("Alpha news %d", f.next())})(f)
			}},
		// A post on B's account: refused as an account A does not have.
		{pattern: "POST /api/v1/posts", kind: apiRoute, action: publishing, method: "POST", own: path("/api/v1/posts"), ok: http.StatusBadRequest,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]any{"accounts": []int64{f.accountB}, "text": "Alpha on Bravo's account"})(f)
			}},
		{pattern: "GET /api/v1/posts/{id}", kind: apiRoute, action: read, method: "GET", own: freshPubPath(vigie.PostDraft, ""), other: pubB(""), ok: ok},
		{pattern: "PATCH /api/v1/posts/{id}", kind: apiRoute, action: publishing, method: "PATCH", own: freshPubPath(vigie.PostDraft, ""), other: pubB(""), ok: ok,
			body: jsonBody(map[string]string{"text": "Alpha, edited"})},
		{pattern: "DELETE /api/v1/posts/{id}", kind: apiRoute, action: publishing, method: "DELETE", own: freshPubPath(vigie.PostDraft, ""), other: pubB(""), ok: noContent},
		{pattern: "POST /api/v1/posts/{id}/submit", kind: apiRoute, action: publishing, method: "POST", own: freshPubPath(vigie.PostDraft, "/submit"), other: pubB("/submit"), ok: ok},
		{pattern: "POST /api/v1/posts/{id}/approve", kind: apiRoute, action: publishing, method: "POST", own: freshPubPath(vigie.PostPendingApproval, "/approve"), other: pubB("/approve"),
			want: approver},
		{pattern: "POST /api/v1/posts/{id}/request-changes", kind: apiRoute, action: publishing, method: "POST", own: freshPubPath(vigie.PostPendingApproval, "/request-changes"),
			other: pubB("/request-changes"), want: approver, body: jsonBody(map[string]string{"comment": "Shorter, please"})},
		{pattern: "POST /api/v1/posts/{id}/retry", kind: apiRoute, action: publishing, method: "POST", own: freshPubPath(vigie.PostFailed, "/retry"), other: pubB("/retry"), ok: ok},
		{pattern: "GET /api/v1/publishing/settings", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/publishing/settings"), ok: ok},
		{pattern: "PUT /api/v1/publishing/settings", kind: apiRoute, action: manage, method: "PUT", own: path("/api/v1/publishing/settings"), ok: ok,
			body: jsonBody(map[string]any{"approval": "one", "approver_role": "admin", "sla_minutes": 60})},
		{pattern: "GET /api/v1/inbox", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/inbox"), other: func(f *matrixFixture, _ principal) string {
			return fmt.Sprintf("/api/v1/inbox?account=%d", f.accountB)
		}, ok: ok,
			otherWant: ok},
		{pattern: "GET /api/v1/inbox/{id}", kind: apiRoute, action: read, method: "GET", own: freshItemPath(""), other: itemB(""), ok: ok},
		{pattern: "PATCH /api/v1/inbox/{id}", kind: apiRoute, action: inbox, method: "PATCH", own: freshItemPath(""), other: itemB(""), ok: ok,
			body: jsonBody(map[string]any{"status": "done", "add_tags": []string{"alpha"}, "note": "Alpha note"})},
		{pattern: "POST /api/v1/inbox/bulk", kind: apiRoute, action: inbox, method: "POST", own: path("/api/v1/inbox/bulk"), ok: ok,
			body: func(f *matrixFixture) (string, []byte) {
				id, _ := strconv.ParseInt(f.freshItem(), 10, 64)
				return jsonBody(map[string]any{"ids": []int64{id}, "status": "waiting"})(f)
			}},
		{pattern: "POST /api/v1/inbox/bulk", kind: apiRoute, action: inbox, method: "POST", own: path("/api/v1/inbox/bulk"), ok: http.StatusNotFound,
			body: func(f *matrixFixture) (string, []byte) {
				id, _ := strconv.ParseInt(f.freshItem(), 10, 64)
				return jsonBody(map[string]any{"ids": []int64{id, f.itemB}, "status": "done"})(f)
			}},
		{pattern: "POST /api/v1/inbox/{id}/reply", kind: apiRoute, action: inbox, method: "POST", own: freshItemPath("/reply"), other: itemB("/reply"), ok: created,
			body: jsonBody(map[string]string{"text": "Thank you, Alpha here"})},
		{pattern: "POST /api/v1/mentions/{id}/inbox", kind: apiRoute, action: inbox, method: "POST", own: postOf("/api/v1/mentions/", "/inbox", true),
			other: postOf("/api/v1/mentions/", "/inbox", false), ok: created},
		// Registered only by the demo: here it falls to the API's 404.
		{pattern: "POST /api/v1/demo/crisis", kind: apiRoute, action: read, method: "POST", own: path("/api/v1/demo/crisis?kind=data-leak"), ok: http.StatusNotFound},
		{pattern: "/api/", kind: apiRoute, action: read, method: "GET", own: path("/api/v1/nope"), ok: http.StatusNotFound},

		// Web app: open pages.
		{pattern: "GET /static/{file}", kind: anyone, method: "GET", own: func(f *matrixFixture, _ principal) string { return f.staticAsset() }, ok: ok},
		{pattern: "GET /login", kind: anyone, method: "GET", own: path("/login"), want: loginPage},
		{pattern: "POST /login", kind: anyone, method: "POST", own: path("/login"), want: login,
			body: formBody(url.Values{"email": {"nobody@alpha.example"}, "password": {"not the password"}})},
		{pattern: "GET /setup", kind: anyone, method: "GET", own: path("/setup?token=nope"), ok: http.StatusNotFound},
		{pattern: "POST /setup", kind: anyone, method: "POST", own: path("/setup"), want: setup, body: formBody(url.Values{"token": {"nope"}})},
		{pattern: "POST /hooks/{token}", kind: anyone, method: "POST", own: func(f *matrixFixture, _ principal) string { return f.hookA }, ok: http.StatusAccepted,
			other: path("/hooks/" + webhook.NewToken()), otherWant: http.StatusNotFound,
			body: func(f *matrixFixture) (string, []byte) {
				return jsonBody(map[string]string{"id": fmt.Sprintf("hook-%d", f.next()), "text": "alphaword by hook", "published_at": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)})(f)
			}},
		{pattern: "GET /feeds/{token}", kind: anyone, method: "GET", own: func(f *matrixFixture, _ principal) string { return "/feeds/" + f.feedA }, ok: ok,
			other: path("/feeds/vgf_unknown"), otherWant: http.StatusNotFound},
		// An alert message's acknowledgement link: the token is the
		// capability (whoever got the message); the page asks, the form
		// acknowledges (a session's CSRF token passes; anyone else's form
		// has none).
		{pattern: "GET /alerts/ack/{token}", kind: anyone, method: "GET", own: ackLink, ok: ok},
		{pattern: "POST /alerts/ack/{token}", kind: anyone, method: "POST", own: ackLink, other: path("/alerts/ack/unknown-token"),
			want: func(p principal, other bool) int {
				switch {
				case !p.session():
					return http.StatusForbidden
				case other:
					return http.StatusNotFound
				}
				return ok
			}},

		// Web app: signed-in pages.
		{pattern: "POST /logout", kind: webPage, action: read, method: "POST", own: path("/logout"), ok: seeOther, freshSession: true},
		{pattern: "GET /{$}", kind: anyone, method: "GET", own: path("/"), ok: seeOther},
		// Any address no route takes: the app's "Page not found", for anyone.
		{pattern: "/", kind: anyone, method: "GET", own: path("/no-such-page"), ok: http.StatusNotFound},
		// The query guide: any signed-in user (it holds no workspace's data).
		{pattern: "GET /help/query", kind: webPage, action: read, method: "GET", own: path("/help/query"), ok: ok},
		{pattern: "POST /settings/locale", kind: webPage, action: read, method: "POST", own: path("/settings/locale"), ok: seeOther, body: formBody(url.Values{"locale": {"en"}})},
		{pattern: "GET /w/{ws}/{$}", kind: webPage, action: read, method: "GET", own: a("/"), other: b("/"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/mentions", kind: webPage, action: read, method: "GET", own: a("/mentions"), other: b("/mentions"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/mentions", kind: webPage, action: read, method: "GET", own: a("/mentions?q=alphaword"), other: a("/mentions?q=bravoword&period=all"), ok: ok, otherWant: ok},
		{pattern: "GET /w/{ws}/mentions", kind: webPage, action: read, method: "GET", own: a("/mentions?tag=alphatag"),
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, "/mentions?tag=bravotag&monitor="+f.monitorB)
			}, ok: ok, otherWant: ok},
		// Alerts and incidents.
		{pattern: "GET /w/{ws}/alerts", kind: webPage, action: read, method: "GET", own: a("/alerts"), other: b("/alerts"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/alerts/live", kind: webPage, action: read, method: "GET", own: a("/alerts/live"), other: b("/alerts/live"), otherWS: true, ok: ok, sse: true},
		{pattern: "GET /w/{ws}/alerts/new", kind: webPage, action: rules, method: "GET", own: a("/alerts/new"), other: b("/alerts/new"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/alerts", kind: webPage, action: rules, method: "POST", own: a("/alerts"), other: b("/alerts"), otherWS: true, ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"name": {fmt.Sprintf("Web rule %d", f.next())}, "kind": {"spike"}, "monitor": {f.monitorA}, "inapp": {"1"}, "new": {"1"}})(f)
			}},
		{pattern: "GET /w/{ws}/alerts/{id}/edit", kind: webPage, action: rules, method: "GET",
			own:   func(f *matrixFixture, _ principal) string { return wsPath(f, "/alerts/"+f.freshRule()+"/edit") },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/alerts/%d/edit", f.ruleB)) }, ok: ok},
		{pattern: "POST /w/{ws}/alerts/{id}", kind: webPage, action: rules, method: "POST",
			own:   func(f *matrixFixture, _ principal) string { return wsPath(f, "/alerts/"+f.freshRule()) },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/alerts/%d", f.ruleB)) }, ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"name": {"Renamed on the web"}, "kind": {"spike"}, "monitor": {f.monitorA}, "inapp": {"1"}, "enabled": {"1"}})(f)
			}},
		{pattern: "POST /w/{ws}/alerts/{id}/delete", kind: webPage, action: rules, method: "POST",
			own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/alerts/"+f.freshRule()+"/delete") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/alerts/%d/delete", f.ruleB))
			}, ok: seeOther},
		{pattern: "POST /w/{ws}/alerts/sent/{id}/ack", kind: webPage, action: handle, method: "POST",
			own: func(f *matrixFixture, _ principal) string {
				al, _ := f.freshAlert()
				return wsPath(f, "/alerts/sent/"+al+"/ack")
			},
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/alerts/sent/%d/ack", f.alertB))
			}, ok: seeOther},
		{pattern: "POST /w/{ws}/alerts/deliveries/{id}/retry", kind: webPage, action: rules, method: "POST",
			own: func(f *matrixFixture, _ principal) string {
				_, d := f.freshAlert()
				return wsPath(f, "/alerts/deliveries/"+d+"/retry")
			},
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/alerts/deliveries/%d/retry", f.deliveryB))
			}, ok: seeOther},
		{pattern: "POST /w/{ws}/incidents/checklist", kind: webPage, action: manage, method: "POST", own: a("/incidents/checklist"), other: b("/incidents/checklist"), otherWS: true, ok: seeOther,
			body: formBody(url.Values{"items": {"Assess\nTell the rector"}})},
		{pattern: "GET /w/{ws}/incidents", kind: webPage, action: read, method: "GET", own: a("/incidents"), other: b("/incidents"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/incidents", kind: webPage, action: handle, method: "POST", own: a("/incidents"), other: b("/incidents"), otherWS: true, ok: seeOther,
			body: formBody(url.Values{"title": {"Alpha web incident"}})},
		{pattern: "GET /w/{ws}/incidents/{id}", kind: webPage, action: read, method: "GET",
			own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/incidents/"+f.freshIncident()) },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/incidents/%d", f.incidentB))
			}, ok: ok},
		{pattern: "POST /w/{ws}/incidents/{id}", kind: webPage, action: handle, method: "POST",
			own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/incidents/"+f.freshIncident()) },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/incidents/%d", f.incidentB))
			}, ok: seeOther,
			body: formBody(url.Values{"note": {"Alpha web note"}})},
		{pattern: "GET /w/{ws}/incidents/{id}/report", kind: webPage, action: read, method: "GET",
			own: func(f *matrixFixture, _ principal) string {
				return wsPath(f, "/incidents/"+f.freshIncident()+"/report")
			},
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/incidents/%d/report", f.incidentB))
			}, ok: ok},
		{pattern: "GET /w/{ws}/mentions/live", kind: webPage, action: read, method: "GET", own: a("/mentions/live?after=0"), other: b("/mentions/live?after=0"), otherWS: true, ok: ok, sse: true},
		{pattern: "GET /w/{ws}/export/{format}", kind: webPage, action: read, method: "GET", own: a("/export/csv?period=all"), other: b("/export/csv?period=all"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/export/{format}", kind: webPage, action: read, method: "GET", own: a("/export/json?period=all"), other: a("/export/json?period=all&q=bravoword"), ok: ok, otherWant: ok},
		{pattern: "POST /w/{ws}/mentions/{id}", kind: webPage, action: correct, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/mentions/%d", f.postA)) },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/mentions/%d", f.postB)) }, ok: seeOther,
			body: formBody(url.Values{"sentiment": {"negative"}, "lang": {"es"}, "tags": {"alphatag, urgent"}, "irrelevant": {"1"}})},
		{pattern: "POST /w/{ws}/mentions/{id}", kind: webPage, action: correct, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/mentions/%d", f.postA)) },
			other: postOf("/w/bravo/mentions/", "", false), otherWS: true, ok: seeOther, body: formBody(url.Values{"tags": {"alphatag"}})},
		{pattern: "GET /w/{ws}/monitors", kind: webPage, action: read, method: "GET", own: a("/monitors"), other: b("/monitors"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/monitors/new", kind: webPage, action: monitors, method: "GET", own: a("/monitors/new"), other: b("/monitors/new"), otherWS: true, ok: ok},
		// Trying a query reads posts no monitor matched: editors only;
		// checking its syntax (below) is for everyone.
		{pattern: "GET /w/{ws}/monitors/check", kind: webPage, action: monitors, method: "GET", own: a("/monitors/check?q=alphaword&test=1"), other: a("/monitors/check?q=bravoword&test=1"), ok: ok, otherWant: ok},
		{pattern: "GET /w/{ws}/monitors/check", kind: webPage, action: read, method: "GET", own: a("/monitors/check?q=x"), other: b("/monitors/check?q=bravoword&test=1"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/monitors", kind: webPage, action: monitors, method: "POST", own: a("/monitors"), other: b("/monitors"), otherWS: true, ok: seeOther,
			body: formBody(url.Values{"name": {"Web monitor"}, "kind": {"brand"}, "query": {"alphaword"}})},
		{pattern: "GET /w/{ws}/monitors/{id}/edit", kind: webPage, action: monitors, method: "GET", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorA+"/edit") },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorB+"/edit") }, ok: ok},
		{pattern: "POST /w/{ws}/monitors/{id}", kind: webPage, action: monitors, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorA) },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorB) }, ok: seeOther,
			body: formBody(url.Values{"name": {"Alpha watch"}, "kind": {"brand"}, "query": {"alphaword"}})},
		{pattern: "POST /w/{ws}/monitors/{id}", kind: webPage, action: monitors, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorA) },
			other: monB("/w/bravo/monitors/", ""), otherWS: true, ok: seeOther,
			body: formBody(url.Values{"name": {"Alpha watch"}, "kind": {"brand"}, "query": {"alphaword"}})},
		{pattern: "POST /w/{ws}/monitors/{id}/delete", kind: webPage, action: monitors, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.freshMonitor()+"/delete") },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorB+"/delete") }, ok: seeOther},
		// Any member may have a private feed of a monitor.
		{pattern: "POST /w/{ws}/monitors/{id}/feed", kind: webPage, action: read, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorA+"/feed") },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, "/monitors/"+f.monitorB+"/feed") }, ok: created},
		{pattern: "POST /w/{ws}/feeds/{ref}/revoke", kind: webPage, action: read, method: "POST", own: func(f *matrixFixture, p principal) string { return wsPath(f, "/feeds/"+f.freshFeed(p)+"/revoke") },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, "/feeds/"+f.feedRefB+"/revoke") }, ok: seeOther},
		{pattern: "GET /w/{ws}/sources", kind: webPage, action: read, method: "GET", own: a("/sources"), other: b("/sources"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/sources", kind: webPage, action: sources, method: "POST", own: a("/sources"), other: b("/sources"), otherWS: true, ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"url": {fmt.Sprintf("https://web%d.example.org/feed", f.next())}, "name": {fmt.Sprintf("Web feed %d", f.n)}})(f)
			}},
		{pattern: "POST /w/{ws}/sources/new", kind: webPage, action: sources, method: "POST", own: a("/sources/new"), other: b("/sources/new"), otherWS: true, ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"kind": {"webhook"}, "action": {"save"}, "name": {fmt.Sprintf("Hook %d", f.next())}})(f)
			}},
		{pattern: "POST /w/{ws}/sources/opml", kind: webPage, action: sources, method: "POST", own: a("/sources/opml"), other: b("/sources/opml"), otherWS: true, ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				fw, _ := mw.CreateFormFile("opml", "feeds.opml")
				io.WriteString(fw, opml(f))
				mw.Close()
				return mw.FormDataContentType(), buf.Bytes()
			}},
		{pattern: "POST /w/{ws}/sources/{id}/delete", kind: webPage, action: sources, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/sources/"+f.freshSource()+"/delete") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/sources/%d/delete", f.sourceB))
			}, ok: seeOther},
		{pattern: "POST /w/{ws}/sources/{id}/check", kind: webPage, action: sources, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/sources/"+f.freshSource()+"/check") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/sources/%d/check", f.sourceB))
			}, ok: seeOther},
		// Several at once: the ids in the form (here in the address); one
		// of another workspace and none is deleted.
		{pattern: "POST /w/{ws}/sources/delete", kind: webPage, action: sources, method: "POST", own: func(f *matrixFixture, _ principal) string {
			return wsPath(f, "/sources/delete?id="+f.freshSource()+"&id="+f.freshSource())
		},
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/sources/delete?id=%s&id=%d", f.freshSource(), f.sourceB))
			}, ok: seeOther},
		// Sharing a source with the organisation: its administrators only,
		// whatever their role in the workspace.
		{pattern: "POST /w/{ws}/sources/{id}/share", kind: webPage, method: "POST",
			own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/sources/"+f.freshSource()+"/share") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/sources/%d/share", f.sourceB))
			}, body: formBody(url.Values{"shared": {"1"}}),
			want: func(p principal, other bool) int {
				switch {
				case !p.session():
					return http.StatusUnauthorized
				case !p.orgAdmin || p.role != account.Admin:
					// Both: an organisation administrator who only views
					// the workspace does not publish its sources.
					return http.StatusForbidden
				case other:
					return http.StatusNotFound
				}
				return seeOther
			}},
		// Not the demo: no crisis to start, for anyone.
		{pattern: "POST /w/{ws}/demo/crisis", kind: webPage, action: read, method: "POST", own: a("/demo/crisis"), other: b("/demo/crisis"), otherWS: true, ok: http.StatusNotFound,
			body: formBody(url.Values{"kind": {"data-leak"}})},
		{pattern: "GET /w/{ws}/members", kind: webPage, action: manage, method: "GET", own: a("/members"), other: b("/members"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/members", kind: webPage, action: manage, method: "POST", own: a("/members"), other: b("/members"), otherWS: true, ok: created,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"email": {fmt.Sprintf("new%d@alpha.example", f.next())}, "role": {"viewer"}})(f)
			}},
		{pattern: "POST /w/{ws}/members/{uid}/{action}", kind: webPage, action: manage, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/members/"+f.freshMember()+"/role") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/members/%d/role", f.memberB.ID))
			}, ok: seeOther,
			body: formBody(url.Values{"role": {"editor"}})},
		{pattern: "POST /w/{ws}/members/{uid}/{action}", kind: webPage, action: manage, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/members/"+f.freshMember()+"/remove") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/members/%d/remove", f.memberB.ID))
			}, ok: seeOther},
		{pattern: "GET /w/{ws}/tokens", kind: webPage, action: manage, method: "GET", own: a("/tokens"), other: b("/tokens"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/tokens", kind: webPage, action: manage, method: "POST", own: a("/tokens"), other: b("/tokens"), otherWS: true, ok: created,
			body: formBody(url.Values{"name": {"made on the page"}, "role": {"viewer"}})},
		{pattern: "POST /w/{ws}/tokens/{id}/revoke", kind: webPage, action: manage, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/tokens/"+f.freshToken()+"/revoke") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/tokens/%d/revoke", f.tokenB))
			}, ok: seeOther},
		{pattern: "POST /w/{ws}/tokens/{id}/revoke", kind: webPage, action: manage, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/tokens/"+f.freshToken()+"/revoke") },
			other: func(f *matrixFixture, _ principal) string {
				return fmt.Sprintf("/w/%s/tokens/%d/revoke", f.b.Slug, f.tokenB)
			}, otherWS: true, ok: seeOther},

		// Web app: the shared inbox (issue 13).
		{pattern: "GET /w/{ws}/inbox", kind: webPage, action: read, method: "GET", own: a("/inbox"), other: b("/inbox"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/inbox", kind: webPage, action: read, method: "GET", own: a("/inbox?status=done&assignee=me&tag=alpha"),
			other: func(f *matrixFixture, _ principal) string {
				return fmt.Sprintf("/w/%s/inbox?account=%d&assignee=nobody", f.a.Slug, f.accountB)
			}, ok: ok, otherWant: ok},
		{pattern: "GET /w/{ws}/inbox/live", kind: webPage, action: read, method: "GET", own: a("/inbox/live?after=0"), other: b("/inbox/live?after=0"), otherWS: true, ok: ok, sse: true},
		{pattern: "POST /w/{ws}/inbox/bulk", kind: webPage, action: inbox, method: "POST", own: a("/inbox/bulk"), other: b("/inbox/bulk"), otherWS: true, ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"ids": {f.freshItem()}, "action": {"waiting"}})(f)
			}},
		// One of B's items among the ids: nothing changes, 404.
		{pattern: "POST /w/{ws}/inbox/bulk", kind: webPage, action: inbox, method: "POST", own: a("/inbox/bulk"), ok: http.StatusNotFound,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"ids": {f.freshItem(), strconv.FormatInt(f.itemB, 10)}, "action": {"done"}})(f)
			}},
		{pattern: "GET /w/{ws}/inbox/{id}", kind: webPage, action: read, method: "GET", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/inbox/"+f.freshItem()) },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/inbox/%d", f.itemB)) }, ok: ok},
		{pattern: "GET /w/{ws}/inbox/{id}", kind: webPage, action: read, method: "GET", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/inbox/"+f.freshItem()) },
			other: func(f *matrixFixture, _ principal) string { return fmt.Sprintf("/w/%s/inbox/%d", f.b.Slug, f.itemB) }, otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/inbox/{id}", kind: webPage, action: inbox, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/inbox/"+f.freshItem()) },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/inbox/%d", f.itemB)) }, ok: seeOther,
			body: formBody(url.Values{"note": {"Alpha web note"}, "add_tag": {"alpha"}, "assignee": {"me"}, "status": {"waiting"}})},
		{pattern: "POST /w/{ws}/inbox/{id}/reply", kind: webPage, action: inbox, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/inbox/"+f.freshItem()+"/reply") },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/inbox/%d/reply", f.itemB)) }, ok: seeOther,
			body: formBody(url.Values{"text": {"Thank you, Alpha here"}})},
		{pattern: "POST /w/{ws}/snippets", kind: webPage, action: inbox, method: "POST", own: a("/snippets"), other: b("/snippets"), otherWS: true, ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"name": {fmt.Sprintf("Alpha reply %d", f.next())}, "text": {"Thank you from Alpha"}})(f)
			}},
		{pattern: "POST /w/{ws}/snippets/{id}", kind: webPage, action: inbox, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/snippets/"+f.freshSnippet()) },
			other: func(f *matrixFixture, _ principal) string { return wsPath(f, fmt.Sprintf("/snippets/%d", f.snippetB)) }, ok: seeOther,
			body: formBody(url.Values{"name": {"Alpha, renamed"}, "text": {"Thanks from Alpha"}})},
		{pattern: "POST /w/{ws}/snippets/{id}/delete", kind: webPage, action: inbox, method: "POST", own: func(f *matrixFixture, _ principal) string { return wsPath(f, "/snippets/"+f.freshSnippet()+"/delete") },
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/snippets/%d/delete", f.snippetB))
			}, ok: seeOther},
		{pattern: "POST /w/{ws}/mentions/{id}/inbox", kind: webPage, action: inbox, method: "POST", own: func(f *matrixFixture, _ principal) string {
			return wsPath(f, fmt.Sprintf("/mentions/%d/inbox", f.postA))
		},
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/mentions/%d/inbox", f.postB))
			}, ok: seeOther},
		{pattern: "POST /w/{ws}/mentions/{id}/inbox", kind: webPage, action: inbox, method: "POST", own: func(f *matrixFixture, _ principal) string {
			return wsPath(f, fmt.Sprintf("/mentions/%d/inbox", f.postA))
		},
			other: postOf("/w/bravo/mentions/", "/inbox", false), otherWS: true, ok: seeOther},
		// "Reply" on a mention: the same, then its item.
		{pattern: "POST /w/{ws}/mentions/{id}/inbox", kind: webPage, action: inbox, method: "POST", own: func(f *matrixFixture, _ principal) string {
			return wsPath(f, fmt.Sprintf("/mentions/%d/inbox", f.postA))
		},
			other: func(f *matrixFixture, _ principal) string {
				return wsPath(f, fmt.Sprintf("/mentions/%d/inbox", f.postB))
			}, ok: seeOther, body: formBody(url.Values{"then": {"reply"}})},

		// Web app: the organisation's administrators. B is of the same
		// organisation (its administrators may rename it): the other
		// workspace here is one of another organisation.
		{pattern: "GET /workspaces", kind: orgPage, method: "GET", own: path("/workspaces"), ok: ok},
		{pattern: "POST /workspaces", kind: orgPage, method: "POST", own: path("/workspaces"), ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"slug": {fmt.Sprintf("ws-%d", f.next())}, "name": {"Created by the matrix"}})(f)
			}},
		{pattern: "POST /workspaces/{slug}/rename", kind: orgPage, method: "POST", own: func(f *matrixFixture, _ principal) string { return "/workspaces/" + f.a.Slug + "/rename" },
			other: func(f *matrixFixture, _ principal) string { return "/workspaces/" + f.foreign.Slug + "/rename" }, ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) { return formBody(url.Values{"name": {f.a.Name}})(f) }},
	}, publishWebRoutes()...)
}

func (f *matrixFixture) staticAsset() string {
	resp, err := http.Get(f.base + "/login")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`/static/[^"]+\.css`).Find(b)
	if m == nil {
		f.t.Fatal("no stylesheet on the login page")
	}
	return string(m)
}

// registeredRoutes reads the patterns the server, the API and the web app
// register, from their source: any call whose first argument is a string
// literal that reads as a ServeMux pattern.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	root, err := apptest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	pat := regexp.MustCompile(`^((GET|HEAD|POST|PUT|PATCH|DELETE) )?/\S*$`)
	seen := map[string]bool{}
	for _, dir := range []string{"internal/server", "internal/api", "internal/web"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fa, err := parser.ParseFile(token.NewFileSet(), file, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(fa, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) < 2 {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && pat.MatchString(s) {
					seen[s] = true
				}
				return true
			})
		}
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// TestRouteTableComplete: every route registered has a row in the matrix,
// and every row's route is registered.
func TestRouteTableComplete(t *testing.T) {
	reg := registeredRoutes(t)
	if len(reg) < 40 {
		t.Fatalf("found only %d registered routes in the source: the scan is broken\n%s", len(reg), strings.Join(reg, "\n"))
	}
	rows := map[string]bool{}
	for _, r := range matrixRoutes() {
		rows[r.pattern] = true
		if !slices.Contains(reg, r.pattern) {
			t.Errorf("the matrix has a row for %q, which nothing registers", r.pattern)
		}
	}
	for _, p := range reg {
		if !rows[p] {
			t.Errorf("route %q is registered but has no row in the authorisation matrix (cmd/vigie/authz_matrix_test.go): add one", p)
		}
	}
}

// newMatrixFixture builds workspaces A (the default) and B of one
// organisation, a workspace of another organisation, and B's objects.
func newMatrixFixture(t *testing.T) *matrixFixture {
	in, srv, _ := testInstance(t, false)
	ctx := context.Background()
	st := in.app.store
	f := &matrixFixture{t: t, in: in, base: srv.URL, a: in.app.workspace}
	var err error
	if f.b, err = st.CreateWorkspace(ctx, vigie.Workspace{OrganisationID: f.a.OrganisationID, Slug: "bravo", Name: "Bravo"}); err != nil {
		t.Fatal(err)
	}
	org, err := st.CreateOrganisation(ctx, vigie.Organisation{Name: "Elsewhere", Slug: "elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if f.foreign, err = st.CreateWorkspace(ctx, vigie.Workspace{OrganisationID: org.ID, Slug: "foreign", Name: "Foreign"}); err != nil {
		t.Fatal(err)
	}
	adA := addMember(t, in, "ad@alpha.example", f.a, "admin")
	f.adminB = addMember(t, in, "ad@bravo.example", f.b, "admin")
	f.memberB = addMember(t, in, "mb@bravo.example", f.b, "viewer")

	// Monitors, sources and a mention in each workspace.
	mk := func(ws vigie.Workspace, id, name, query, source, text string) (string, int64, int64) {
		m, err := in.app.monitors.Create(ctx, vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: id, Name: name, Query: query}})
		if err != nil {
			t.Fatal(err)
		}
		src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws.ID, Kind: vigie.SourceRSS, Name: source,
			URL: "https://" + ws.Slug + ".example.org/feed", Interval: time.Hour, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		post := vigie.Post{ID: "https://" + ws.Slug + ".example.org/1", Source: "rss", Text: text, Lang: "en",
			Author: vigie.Author{Name: name + " author"}, PublishedAt: time.Now().UTC().Add(-time.Hour)}
		if res, err := in.app.pipeline.Process(ctx, &src, []vigie.Post{post}, nil); err != nil || res.Matched != 1 {
			t.Fatalf("storing %s's post: %+v %v", ws.Slug, res, err)
		}
		page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID})
		if err != nil || len(page.Mentions) != 1 {
			t.Fatalf("%s's mentions: %+v %v", ws.Slug, page, err)
		}
		return m.ID, src.ID, page.Mentions[0].ID
	}
	f.monitorA, _, f.postA = mk(f.a, "m-alpha", "Alpha brand watch", "alphaword", "Alpha feed", "Alphaword: news of Alpha")
	f.monitorB, f.sourceB, f.postB = mk(f.b, "m-bravo", "Bravo brand watch", "bravoword", "Bravo private feed", "Bravoword: the secret of Bravo")
	if err := st.SetTags(ctx, f.b.ID, f.postB, []string{"bravotag"}, "user:ad@bravo.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Correct(ctx, f.b.ID, f.postB, map[string]string{store.FieldLang: "de", store.FieldSentiment: "negative"}, "user:ad@bravo.example"); err != nil {
		t.Fatal(err)
	}
	_, tb, err := st.CreateToken(ctx, store.TokenSpec{Name: "bravo-token", WorkspaceID: f.b.ID, Role: account.Admin})
	if err != nil {
		t.Fatal(err)
	}
	f.tokenB = tb.ID
	_, hash, _ := account.NewToken("vgf_")
	if err := st.CreateFeedToken(ctx, hash, f.b.ID, f.monitorB, f.adminB.ID); err != nil {
		t.Fatal(err)
	}
	f.feedRefB = hash[:16]
	tok, hash, _ := account.NewToken("vgf_")
	if err := st.CreateFeedToken(ctx, hash, f.a.ID, f.monitorA, adA.ID); err != nil {
		t.Fatal(err)
	}
	f.feedA = tok
	hook := vigie.Source{WorkspaceID: f.a.ID, Kind: vigie.SourceWebhook, Name: "hook", Enabled: true, Interval: 24 * time.Hour}
	if err := webhook.Check(&hook); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSource(ctx, hook); err != nil {
		t.Fatal(err)
	}
	f.hookA = webhook.Path(&hook)
	rb, err := st.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: f.b.ID, Name: "Bravo brand watch alert", Monitor: f.monitorB, Kind: vigie.AlertSpike, Enabled: true,
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelWebhook, URL: "https://bravo.example.org/secret-of-Bravo-hook"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.ruleB = rb.ID
	f.alertB, f.deliveryB = fireAlert(t, st, f.b, f.monitorB, "Spike: the secret of Bravo")
	alB, err := st.FindAlert(ctx, f.b.ID, f.alertB)
	if err != nil {
		t.Fatal(err)
	}
	f.incidentB = alB.IncidentID
	f.accountA = f.account(f.a.ID, "@alpha-outlet@127.0.0.1")
	f.accountB = f.account(f.b.ID, "@bravo-outlet@127.0.0.1")
	pb, err := st.CreatePublication(ctx, store.NewPublication{Publication: vigie.Publication{WorkspaceID: f.b.ID, Kind: vigie.PostKindPost,
		Status: vigie.PostPendingApproval, Text: "Bravo's draft announcement", Steps: 1, Targets: []vigie.PostTarget{{AccountID: f.accountB}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.pubB = pb.ID
	if f.itemB, err = st.AddNotification(ctx, f.b.ID, f.accountB, vigie.Notification{Kind: vigie.NotifyMention,
		Post: vigie.RemoteRef{ID: "77", URI: "https://127.0.0.1/statuses/77"}, Text: "Bravo's inbox question"}); err != nil {
		t.Fatal(err)
	}
	sn, err := st.CreateSnippet(ctx, vigie.Snippet{WorkspaceID: f.b.ID, Kind: vigie.SnippetReply, Name: "Bravo's saved reply", Text: "Bravo's saved reply text"})
	if err != nil {
		t.Fatal(err)
	}
	f.snippetB = sn.ID
	return f
}

// freshSnippet is a saved reply of A.
func (f *matrixFixture) freshSnippet() string {
	f.t.Helper()
	sn, err := f.in.app.store.CreateSnippet(context.Background(), vigie.Snippet{WorkspaceID: f.a.ID, Kind: vigie.SnippetReply,
		Name: fmt.Sprintf("Alpha reply %d", f.next()), Text: "Thanks from Alpha"})
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(sn.ID, 10)
}

// account connects an account to ws in the store (no network is asked):
// its server is one the fetch policy refuses, so that checking it fails
// at once.
func (f *matrixFixture) account(ws int64, handle string) int64 {
	f.t.Helper()
	a, err := f.in.app.store.CreateAccount(context.Background(), vigie.Account{WorkspaceID: ws, Network: vigie.NetworkMastodon,
		ServerURL: "https://127.0.0.1:1", RemoteID: fmt.Sprintf("r%d", f.next()), Handle: handle, Limits: vigie.AccountLimits{MaxChars: 500, URLChars: 23},
		Secrets: vigie.AccountSecrets{AccessToken: "matrix-token"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return a.ID
}

// freshPub is a post of A in status.
func (f *matrixFixture) freshPub(status vigie.PostStatus) string {
	f.t.Helper()
	p, err := f.in.app.store.CreatePublication(context.Background(), store.NewPublication{Publication: vigie.Publication{WorkspaceID: f.a.ID,
		Kind: vigie.PostKindPost, Status: status, Text: fmt.Sprintf("Alpha post %d", f.next()), Steps: 1, Targets: []vigie.PostTarget{{AccountID: f.accountA}}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(p.ID, 10)
}

// freshItem is an item of A's inbox, said to A's account.
func (f *matrixFixture) freshItem() string {
	f.t.Helper()
	n := f.next()
	id, err := f.in.app.store.AddNotification(context.Background(), f.a.ID, f.accountA, vigie.Notification{Kind: vigie.NotifyMention,
		Post: vigie.RemoteRef{ID: strconv.Itoa(n), URI: fmt.Sprintf("https://127.0.0.1/statuses/%d", n)}, Text: "Alpha question"})
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

// principals of A: tokens of each role, an expired and a revoked one,
// sessions of each role, an administrator of the organisation (a viewer of
// A, not a member of B), and nobody.
func (f *matrixFixture) principals() []principal {
	t, ctx, st := f.t, context.Background(), f.in.app.store
	var ps []principal
	for _, role := range account.Roles {
		tok, _, err := st.CreateToken(ctx, store.TokenSpec{Name: "matrix-" + string(role), WorkspaceID: f.a.ID, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, principal{name: "token/" + string(role), token: tok, valid: true, role: role})
	}
	expired, et, err := st.CreateToken(ctx, store.TokenSpec{Name: "matrix-expired", WorkspaceID: f.a.ID, Role: account.Admin, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", filepath.Join(f.in.app.cfg.Data, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE id = ?", et.ID); err != nil {
		t.Fatal(err)
	}
	revoked, rt, err := st.CreateToken(ctx, store.TokenSpec{Name: "matrix-revoked", WorkspaceID: f.a.ID, Role: account.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteToken(ctx, f.a.ID, rt.ID); err != nil {
		t.Fatal(err)
	}
	ps = append(ps, principal{name: "token/expired-admin", token: expired}, principal{name: "token/revoked-admin", token: revoked})
	for _, role := range account.Roles {
		u := addMember(t, f.in, "web-"+string(role)+"@alpha.example", f.a, string(role))
		cookie, csrf := f.session(u)
		ps = append(ps, principal{name: "session/" + string(role), user: &u, cookie: cookie, csrf: csrf, role: role})
	}
	dean := addMember(t, f.in, "dean@alpha.example", f.a, "viewer")
	if err := st.SetOrganisationAdmin(ctx, f.a.OrganisationID, dean.ID); err != nil {
		t.Fatal(err)
	}
	cookie, csrf := f.session(dean)
	ps = append(ps, principal{name: "session/organisation-admin", user: &dean, cookie: cookie, csrf: csrf, role: account.Viewer, orgAdmin: true})
	rector := addMember(t, f.in, "rector@alpha.example", f.a, "admin")
	if err := st.SetOrganisationAdmin(ctx, f.a.OrganisationID, rector.ID); err != nil {
		t.Fatal(err)
	}
	cookie, csrf = f.session(rector)
	ps = append(ps, principal{name: "session/organisation-admin-and-admin", user: &rector, cookie: cookie, csrf: csrf, role: account.Admin, orgAdmin: true})
	return append(ps, principal{name: "nobody"})
}

// snapshotB is what B holds, to check nothing changed it.
func (f *matrixFixture) snapshotB() string {
	t, ctx, st := f.t, context.Background(), f.in.app.store
	var snap struct {
		Workspace vigie.Workspace
		Monitors  []vigie.MonitorRecord
		Sources   []string
		Tokens    []string
		Members   []store.Member
		Feeds     []store.FeedToken
		Mention   vigie.Mention
		Total     int
		Rules     []vigie.AlertRule
		Alerts    []vigie.Alert
		Incident  vigie.Incident
		Delivery  []store.DeliveryStatus
		Accounts  []vigie.Account
		Post      vigie.Publication
		Item      vigie.InboxItem
		Snippets  []vigie.Snippet
	}
	var err error
	if snap.Accounts, err = st.FindAccounts(ctx, f.b.ID); err != nil {
		t.Fatal(err)
	}
	if snap.Post, err = st.FindPublication(ctx, f.b.ID, f.pubB); err != nil {
		t.Fatal(err)
	}
	if snap.Item, err = st.FindInboxItem(ctx, f.b.ID, f.itemB); err != nil {
		t.Fatal(err)
	}
	if snap.Snippets, err = st.FindSnippets(ctx, f.b.ID, ""); err != nil {
		t.Fatal(err)
	}
	if snap.Rules, err = st.AlertRules(ctx, f.b.ID); err != nil {
		t.Fatal(err)
	}
	if snap.Alerts, err = st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: f.b.ID}); err != nil {
		t.Fatal(err)
	}
	if snap.Incident, err = st.FindIncident(ctx, f.b.ID, f.incidentB); err != nil {
		t.Fatal(err)
	}
	if snap.Delivery, err = st.Deliveries(ctx, f.b.ID, f.alertB); err != nil {
		t.Fatal(err)
	}
	if snap.Workspace, err = st.FindWorkspaceByID(ctx, f.b.ID); err != nil {
		t.Fatal(err)
	}
	if snap.Monitors, err = st.FindMonitors(ctx, f.b.ID); err != nil {
		t.Fatal(err)
	}
	srcs, err := st.FindSources(ctx, f.b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		snap.Sources = append(snap.Sources, fmt.Sprintf("%d %s %s shared=%v enabled=%v", s.ID, s.Name, s.URL, s.Shared, s.Enabled))
	}
	toks, err := st.FindTokens(ctx, f.b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		snap.Tokens = append(snap.Tokens, fmt.Sprintf("%d %s %s %v", tk.ID, tk.Name, tk.Role, tk.ExpiresAt))
	}
	if snap.Members, err = st.WorkspaceMembers(ctx, f.b.ID); err != nil {
		t.Fatal(err)
	}
	if snap.Feeds, err = st.FeedTokens(ctx, f.b.ID, f.adminB.ID); err != nil {
		t.Fatal(err)
	}
	if snap.Mention, err = st.FindMention(ctx, f.b.ID, f.postB); err != nil {
		t.Fatal(err)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.b.ID})
	if err != nil {
		t.Fatal(err)
	}
	snap.Total = page.Total
	b, err := json.MarshalIndent(snap, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// send makes one request of the matrix as p and returns its status and body.
func (f *matrixFixture) send(r route, p principal, target string) (int, string) {
	f.t.Helper()
	var body io.Reader
	ctype := ""
	if r.body != nil {
		var b []byte
		ctype, b = r.body(f)
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, f.base+target, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	if p.cookie != "" {
		cookie, csrf := p.cookie, p.csrf
		if r.freshSession {
			cookie, csrf = f.session(*p.user)
		}
		req.AddCookie(&http.Cookie{Name: "vigie_session", Value: cookie})
		req.Header.Set("X-CSRF-Token", csrf)
	}
	if r.sse {
		req.Header.Set("Accept", "text/event-stream")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	if r.sse && resp.StatusCode == http.StatusOK {
		// The stream's first event; what follows comes when posts do.
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, string(b[:n])
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAuthorisationMatrix(t *testing.T) {
	f := newMatrixFixture(t)
	before := f.snapshotB()
	principals := f.principals()
	checked := 0
	for _, r := range matrixRoutes() {
		for _, p := range principals {
			for _, other := range []bool{false, true} {
				pathOf := r.own
				if other {
					pathOf = r.other
				}
				if pathOf == nil {
					continue
				}
				target := pathOf(f, p)
				want := r.expect(p, other)
				code, body := f.send(r, p, target)
				if r.after != nil {
					r.after(f)
				}
				checked++
				what := "own"
				if other {
					what = "B's"
				}
				if code != want {
					t.Errorf("%-34s %s %s as %s (%s): %d, want %d\n\t%.300s", r.pattern, r.method, target, p.name, what, code, want, strings.Join(strings.Fields(body), " "))
				}
				for _, m := range bravoMarkers {
					// (A request naming a marker may see it echoed: its own words.)
					if strings.Contains(body, m) && !strings.Contains(target, url.QueryEscape(m)) {
						t.Errorf("%s %s as %s: the answer (%d) shows B's %q", r.method, target, p.name, code, m)
					}
				}
			}
		}
	}
	if after := f.snapshotB(); after != before {
		t.Errorf("B changed during the matrix:\nbefore %s\nafter  %s", before, after)
	}
	t.Logf("%d requests checked", checked)
}

// tenants is an instance with workspaces A (the default) and B of one
// organisation, an admin token of each, a "valmont" monitor in each and an
// RSS source in each.
type tenants struct {
	in           *instance
	base         string
	a, b         vigie.Workspace
	apiA, apiB   client
	srcA, srcB   vigie.Source
	monA, monB   string
	adminB       vigie.User
	cookieB, csB string // a session of B's admin
}

func newTenants(t *testing.T) *tenants {
	t.Helper()
	in, srv, tokA := testInstance(t, false)
	ctx := context.Background()
	st := in.app.store
	x := &tenants{in: in, base: srv.URL, a: in.app.workspace, apiA: client{t: t, base: srv.URL, token: tokA}}
	var err error
	if x.b, err = st.CreateWorkspace(ctx, vigie.Workspace{OrganisationID: x.a.OrganisationID, Slug: "bravo", Name: "Bravo"}); err != nil {
		t.Fatal(err)
	}
	tokB, _, err := st.CreateToken(ctx, store.TokenSpec{Name: "bravo", WorkspaceID: x.b.ID, Role: account.Admin})
	if err != nil {
		t.Fatal(err)
	}
	x.apiB = client{t: t, base: srv.URL, token: tokB}
	for _, c := range []struct {
		api  client
		ws   vigie.Workspace
		mon  *string
		src  *vigie.Source
		name string
	}{{x.apiA, x.a, &x.monA, &x.srcA, "Alpha private feed"}, {x.apiB, x.b, &x.monB, &x.srcB, "Bravo private feed"}} {
		code, body := c.api.do("POST", "/api/v1/monitors", map[string]any{"name": "Valmont " + c.ws.Slug, "query": "valmont"})
		if code != 201 {
			t.Fatalf("monitor in %s: %d %v", c.ws.Slug, code, body)
		}
		*c.mon = body["id"].(string)
		if *c.src, err = st.CreateSource(ctx, vigie.Source{WorkspaceID: c.ws.ID, Kind: vigie.SourceRSS, Name: c.name,
			URL: "https://" + c.ws.Slug + ".example.org/feed", Interval: time.Hour, Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	x.adminB = addMember(t, in, "ad@bravo.example", x.b, "admin")
	f := &matrixFixture{t: t, in: in}
	x.cookieB, x.csB = f.session(x.adminB)
	return x
}

// feed delivers posts as src's feed would.
func (x *tenants) feed(t *testing.T, src *vigie.Source, posts ...vigie.Post) {
	t.Helper()
	for i := range posts {
		posts[i].Source = "rss"
		if posts[i].PublishedAt.IsZero() {
			posts[i].PublishedAt = time.Now().UTC().Add(-time.Hour)
		}
	}
	if _, err := x.in.app.pipeline.Process(context.Background(), src, posts, nil); err != nil {
		t.Fatal(err)
	}
}

// getB fetches a web page of B as B's admin.
func (x *tenants) getB(t *testing.T, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", x.base+path, nil)
	req.AddCookie(&http.Cookie{Name: "vigie_session", Value: x.cookieB})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func rawGet(t *testing.T, c client, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestPrivateFeedStaysInItsWorkspace: A's feed delivers a post that B's
// monitor matches; B sees it nowhere — not in its mentions, search,
// exports, dashboard, Atom feed, live stream or metrics, nor after a
// backfill of a new monitor — while its own feed's posts reach it.
func TestPrivateFeedStaysInItsWorkspace(t *testing.T) {
	x := newTenants(t)
	ctx := context.Background()
	st := x.in.app.store

	// B's live stream, open before anything is stored.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, "GET", x.base+"/w/bravo/mentions/live?after=0", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.AddCookie(&http.Cookie{Name: "vigie_session", Value: x.cookieB})
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("B's live stream: %v %v", resp, err)
	}
	defer resp.Body.Close()

	x.feed(t, &x.srcA, vigie.Post{ID: "https://alpha.example.org/1", Text: "Valmont: the secret of Alpha", URL: "https://alpha.example.org/1"})
	x.feed(t, &x.srcB, vigie.Post{ID: "https://bravo.example.org/1", Text: "Valmont: news of Bravo", URL: "https://bravo.example.org/1"})
	const secret = "secret of Alpha"

	// The stream: events until B's own post; A's is in none of them.
	stream := bufio.NewReader(resp.Body)
	var events strings.Builder
	for !strings.Contains(events.String(), "news of Bravo") {
		line, err := stream.ReadString('\n')
		if err != nil {
			t.Fatalf("B's stream ended before B's post: %v\n%s", err, events.String())
		}
		events.WriteString(line)
	}
	cancel()
	if strings.Contains(events.String(), secret) {
		t.Errorf("B's live stream shows A's private post:\n%s", events.String())
	}

	pageA, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: x.a.ID})
	if err != nil || pageA.Total != 1 {
		t.Fatalf("A's mentions: %+v %v", pageA, err)
	}
	idA := pageA.Mentions[0].ID
	if code, body := x.apiB.do("GET", "/api/v1/mentions", nil); code != 200 || body["total"] != float64(1) {
		t.Errorf("B's mentions: %d total %v, want B's post only", code, body["total"])
	}
	if code, _ := x.apiB.do("GET", fmt.Sprintf("/api/v1/mentions/%d", idA), nil); code != 404 {
		t.Errorf("A's mention by id with B's token: %d, want 404", code)
	}
	for _, p := range []string{"/api/v1/mentions?q=secret", "/api/v1/mentions?q=alpha", "/api/v1/mentions?monitor=" + x.monB + "&q=valmont",
		"/api/v1/authors", "/api/v1/overview", "/metrics"} {
		if body := rawGet(t, x.apiB, p); strings.Contains(body, secret) || strings.Contains(body, "Alpha private feed") || strings.Contains(body, "alpha.example.org") {
			t.Errorf("B's %s shows A's private post or feed:\n%.400s", p, body)
		}
	}
	if _, body := x.apiB.do("GET", "/api/v1/overview", nil); body["total"] != float64(1) {
		t.Errorf("B's overview counts %v mentions, want 1", body["total"])
	}
	for _, p := range []string{"/w/bravo/mentions?period=all", "/w/bravo/mentions?q=secret&period=all", "/w/bravo/", "/w/bravo/export/csv?period=all",
		"/w/bravo/export/json?period=all&q=valmont", "/w/bravo/monitors/check?q=secret&test=1", "/w/bravo/sources"} {
		code, body := x.getB(t, p)
		if code != 200 || strings.Contains(body, secret) || strings.Contains(body, "Alpha private feed") {
			t.Errorf("B's %s (%d) shows A's private post or feed", p, code)
		}
	}
	// B's private Atom feed of its monitor.
	tok, hash, _ := account.NewToken("vgf_")
	if err := st.CreateFeedToken(ctx, hash, x.b.ID, x.monB, x.adminB.ID); err != nil {
		t.Fatal(err)
	}
	if code, body := x.getB(t, "/feeds/"+tok); code != 200 || strings.Contains(body, secret) || !strings.Contains(body, "news of Bravo") {
		t.Errorf("B's Atom feed (%d):\n%s", code, body)
	}

	// A monitor made later in B, whose query matches A's post: its backfill
	// (the one the server runs for a new monitor) sees only B's posts.
	code, body := x.apiB.do("POST", "/api/v1/monitors", map[string]any{"name": "Secrets", "query": "secret OR alpha OR valmont"})
	if code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	r, err := x.in.app.monitors.Reindex(ctx, x.b.ID, body["id"].(string), time.Time{}, nil)
	if err != nil || r.Scanned != 1 || r.Added != 1 {
		t.Errorf("backfill of B's new monitor: %+v %v; want B's one post scanned and added", r, err)
	}
	if _, body := x.apiB.do("GET", "/api/v1/mentions?q=secret", nil); body["total"] != float64(0) {
		t.Errorf("after the backfill, B finds %v of A's posts", body["total"])
	}
	// The same in A finds its own post.
	code, body = x.apiA.do("POST", "/api/v1/monitors", map[string]any{"name": "Secrets", "query": "secret"})
	if code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	if r, err := x.in.app.monitors.Reindex(ctx, x.a.ID, body["id"].(string), time.Time{}, nil); err != nil || r.Added != 1 {
		t.Errorf("backfill of A's new monitor: %+v %v; want A's post", r, err)
	}

	// A member removed from B loses B's private feeds at once.
	if err := st.RemoveMembership(ctx, x.b.ID, x.adminB.ID); err == nil {
		t.Fatal("the last administrator of B was removed")
	}
	mb := addMember(t, x.in, "mb@bravo.example", x.b, "viewer")
	tok2, hash2, _ := account.NewToken("vgf_")
	if err := st.CreateFeedToken(ctx, hash2, x.b.ID, x.monB, mb.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := x.getB(t, "/feeds/"+tok2); code != 200 {
		t.Fatalf("a member's feed: %d", code)
	}
	if err := st.RemoveMembership(ctx, x.b.ID, mb.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := x.getB(t, "/feeds/"+tok2); code != 404 {
		t.Errorf("a removed member's feed: %d, want 404", code)
	}
}

// TestFeedItemsAreKnownByTheirSource: a feed of B that publishes an item
// under the guid (a URL) of an item A's feed already stored gets its own
// post; A keeps the genuine text, and the other way round.
func TestFeedItemsAreKnownByTheirSource(t *testing.T) {
	x := newTenants(t)
	const guid, guid2 = "https://news.example.org/article-1", "https://news.example.org/article-2"
	// A first, then B's fake.
	x.feed(t, &x.srcA, vigie.Post{ID: guid, URL: guid, Text: "Valmont genuine article one"})
	x.feed(t, &x.srcB, vigie.Post{ID: guid, URL: guid, Text: "Valmont fake article one"})
	// B's fake first, then A.
	x.feed(t, &x.srcB, vigie.Post{ID: guid2, URL: guid2, Text: "Valmont fake article two"})
	x.feed(t, &x.srcA, vigie.Post{ID: guid2, URL: guid2, Text: "Valmont genuine article two"})
	for _, c := range []struct {
		name      string
		api       client
		want, not string
	}{{"A", x.apiA, "genuine", "fake"}, {"B", x.apiB, "fake", "genuine"}} {
		code, body := c.api.do("GET", "/api/v1/mentions", nil)
		ms, _ := body["mentions"].([]any)
		if code != 200 || len(ms) != 2 {
			t.Fatalf("%s's mentions: %d %v", c.name, code, body)
		}
		for _, m := range ms {
			post := m.(map[string]any)["post"].(map[string]any)
			text := post["text"].(string)
			if !strings.Contains(text, c.want) || strings.Contains(text, c.not) {
				t.Errorf("%s sees %q under %v", c.name, text, post["id"])
			}
			if id := post["id"].(string); id != guid && id != guid2 {
				t.Errorf("%s sees the post's id as %q, want the feed's guid", c.name, id)
			}
		}
	}
}

// TestCorrectionsAndTagsStayInTheirWorkspace: a source A shares with the
// organisation feeds both workspaces' monitors; what B corrects, tags or
// marks irrelevant changes nothing A sees or counts.
func TestCorrectionsAndTagsStayInTheirWorkspace(t *testing.T) {
	x := newTenants(t)
	ctx := context.Background()
	if _, err := x.in.app.store.ShareSource(ctx, x.a.ID, x.srcA.ID, true); err != nil {
		t.Fatal(err)
	}
	x.feed(t, &x.srcA, vigie.Post{ID: "https://alpha.example.org/shared", Text: "Valmont is wonderful, a great day", Lang: "en"})
	_, body := x.apiA.do("GET", "/api/v1/mentions", nil)
	ms, _ := body["mentions"].([]any)
	if len(ms) != 1 {
		t.Fatalf("A's mentions of the shared post: %v", body)
	}
	id := int64(ms[0].(map[string]any)["id"].(float64))
	mentionOf := func(c client) map[string]any {
		code, m := c.do("GET", fmt.Sprintf("/api/v1/mentions/%d", id), nil)
		if code != 200 {
			t.Fatalf("mention %d: %d %v", id, code, m)
		}
		return m
	}
	before := mentionOf(x.apiA)
	_, ovBefore := x.apiA.do("GET", "/api/v1/overview", nil)

	if code, m := x.apiB.do("PATCH", fmt.Sprintf("/api/v1/mentions/%d", id), map[string]string{"sentiment": "negative", "lang": "de"}); code != 200 {
		t.Fatalf("B corrects: %d %v", code, m)
	}
	if code, m := x.apiB.do("PUT", fmt.Sprintf("/api/v1/mentions/%d/tags", id), map[string][]string{"tags": {"bravotag", "irrelevant"}}); code != 200 {
		t.Fatalf("B tags: %d %v", code, m)
	}
	b := mentionOf(x.apiB)
	if b["sentiment"].(map[string]any)["label"] != "negative" || b["post"].(map[string]any)["lang"] != "de" || fmt.Sprint(b["tags"]) != "[bravotag irrelevant]" {
		t.Fatalf("B's view of its corrections: %v %v %v", b["sentiment"], b["post"].(map[string]any)["lang"], b["tags"])
	}
	after := mentionOf(x.apiA)
	for _, k := range []string{"sentiment", "tags", "corrections"} {
		if fmt.Sprint(after[k]) != fmt.Sprint(before[k]) {
			t.Errorf("B's change shows in A's %s: %v → %v", k, before[k], after[k])
		}
	}
	if l := after["post"].(map[string]any)["lang"]; l != before["post"].(map[string]any)["lang"] {
		t.Errorf("B's correction changed A's language: %v", l)
	}
	_, ovAfter := x.apiA.do("GET", "/api/v1/overview", nil)
	if fmt.Sprint(ovAfter["total"], ovAfter["by_sentiment"], ovAfter["by_lang"]) != fmt.Sprint(ovBefore["total"], ovBefore["by_sentiment"], ovBefore["by_lang"]) {
		t.Errorf("B's corrections and irrelevant tag changed A's dashboard:\nbefore %v %v %v\nafter  %v %v %v",
			ovBefore["total"], ovBefore["by_sentiment"], ovBefore["by_lang"], ovAfter["total"], ovAfter["by_sentiment"], ovAfter["by_lang"])
	}
	// (The API has no tag filter: A's view of the tags is checked above.)
	for _, q := range []string{"sentiment=negative", "lang=de"} {
		if _, body := x.apiA.do("GET", "/api/v1/mentions?"+q, nil); body["total"] != float64(0) && body["total"] != nil {
			t.Errorf("A's mentions?%s: %v, want none", q, body["total"])
		}
	}
	if _, body := x.apiA.do("GET", "/api/v1/mentions", nil); body["total"] != float64(1) {
		t.Errorf("B's irrelevant tag hid the mention from A: total %v", body["total"])
	}
}

// TestAuthorsAreKnownByTheirSource: a workspace's feed or import cannot
// rewrite the author another workspace's mentions show (name, link,
// followers), as it cannot rewrite their posts.
func TestAuthorsAreKnownByTheirSource(t *testing.T) {
	x := newTenants(t)
	ctx := context.Background()
	x.feed(t, &x.srcB, vigie.Post{ID: "https://bravo.example.org/a1", Text: "Valmont opens a lab",
		Author: vigie.Author{Name: "Le Quotidien", URL: "https://quotidien.example/", Followers: 120}})
	// A's import, with the same author name and its own idea of who that is.
	imp, err := x.in.app.store.FindOrCreateSource(ctx, x.a.ID, vigie.SourceImport, "upload", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.in.app.pipeline.Process(ctx, &imp, []vigie.Post{{ID: "x1", Source: "rss", Text: "Valmont again", PublishedAt: time.Now().UTC().Add(-time.Hour),
		Author: vigie.Author{Name: "Le Quotidien", URL: "https://phish.example/login", Followers: 9_000_000}}}, nil); err != nil {
		t.Fatal(err)
	}
	_, body := x.apiB.do("GET", "/api/v1/mentions", nil)
	ms, _ := body["mentions"].([]any)
	if len(ms) != 1 {
		t.Fatalf("B's mentions: %v", body)
	}
	author := ms[0].(map[string]any)["post"].(map[string]any)["author"].(map[string]any)
	if author["url"] != "https://quotidien.example/" || author["followers"] != float64(120) {
		t.Errorf("A's import rewrote the author of B's mention: %v", author)
	}
	if body := rawGet(t, x.apiB, "/api/v1/authors"); strings.Contains(body, "phish.example") || strings.Contains(body, "9000000") {
		t.Errorf("B's top authors show what A's import said:\n%s", body)
	}
}

// TestSharedSourcesInTheAPI: the API lists the sources another workspace
// shares with this one, as the Sources page does, marked read-only
// ("shared_in"); they stay their workspace's: B can neither read one by
// id nor delete it.
func TestSharedSourcesInTheAPI(t *testing.T) {
	x := newTenants(t)
	ctx := context.Background()
	listed := func(c client) map[string]map[string]any {
		t.Helper()
		code, body := c.do("GET", "/api/v1/sources", nil)
		if code != 200 {
			t.Fatalf("sources: %d %v", code, body)
		}
		out := map[string]map[string]any{}
		for _, s := range body["sources"].([]any) {
			s := s.(map[string]any)
			out[s["name"].(string)] = s
		}
		return out
	}
	if _, err := x.in.app.store.ShareSource(ctx, x.a.ID, x.srcA.ID, true); err != nil {
		t.Fatal(err)
	}
	b := listed(x.apiB)
	if len(b) != 2 || b["Bravo private feed"]["shared_in"] != false || b["Alpha private feed"]["shared_in"] != true ||
		b["Alpha private feed"]["id"] != float64(x.srcA.ID) {
		t.Errorf("B's sources with A's shared with it: %v", b)
	}
	a := listed(x.apiA)
	if len(a) != 1 || a["Alpha private feed"]["shared_in"] != false || a["Alpha private feed"]["shared"] != true {
		t.Errorf("A's sources: %v", a)
	}
	// What only A needs of a shared source stays A's: its settings (a
	// connector's credentials) and its resume state.
	st := x.in.app.store
	keyed, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: x.a.ID, Kind: vigie.SourceRSS, Name: "Alpha keyed feed",
		URL: "https://alpha.example/keyed", Settings: map[string]string{"token": "alpha-secret-token"}, Enabled: true, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateSourceState(ctx, keyed.ID, vigie.SourceState{Cursor: "alpha-cursor", ETag: "alpha-etag", LastModified: "alpha-modified", NextCheckAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, raw := x.apiB.do("GET", "/api/v1/sources", nil)
	for _, secret := range []string{"alpha-secret-token", "alpha-cursor", "alpha-etag", "alpha-modified"} {
		if strings.Contains(fmt.Sprint(raw), secret) {
			t.Errorf("B's source listing shows A's %q: %v", secret, raw)
		}
	}
	// A sees its own token by its last characters only (encrypted at rest).
	if _, raw := x.apiA.do("GET", fmt.Sprintf("/api/v1/sources/%d", keyed.ID), nil); !strings.Contains(fmt.Sprint(raw), "token:…oken") ||
		strings.Contains(fmt.Sprint(raw), "alpha-secret-token") {
		t.Errorf("A's own source's settings: %v", raw)
	}
	if err := st.DeleteSource(ctx, x.a.ID, keyed.ID); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("/api/v1/sources/%d", x.srcA.ID)
	if code, _ := x.apiB.do("GET", id, nil); code != 404 {
		t.Errorf("B reads A's shared source by id: %d, want 404", code)
	}
	if code, _ := x.apiB.do("DELETE", id, nil); code != 404 {
		t.Errorf("B deletes A's shared source: %d, want 404", code)
	}
	if code, body := x.apiA.do("GET", id, nil); code != 200 || body["name"] != "Alpha private feed" {
		t.Errorf("A's shared source after B's delete: %d %v", code, body)
	}
	if _, err := x.in.app.store.ShareSource(ctx, x.a.ID, x.srcA.ID, false); err != nil {
		t.Fatal(err)
	}
	if b := listed(x.apiB); len(b) != 1 || b["Alpha private feed"] != nil {
		t.Errorf("B's sources once A stopped sharing: %v", b)
	}
	// A feed B already follows is a conflict that names its source.
	code, body := x.apiB.do("POST", "/api/v1/sources", map[string]any{"url": "https://BRAVO.example.org/feed#x", "name": "Again"})
	if e, _ := body["error"].(map[string]any); code != 409 || !strings.Contains(fmt.Sprint(e["message"]), `already followed as "Bravo private feed"`) {
		t.Errorf("following B's feed twice: %d %v", code, body)
	}
}

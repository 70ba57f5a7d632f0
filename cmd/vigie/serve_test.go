package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/simulator"
	"github.com/vigie-project/vigie/internal/store"
)

// testInstance builds a whole Vigie on a fresh SQLite database (and on
// PostgreSQL when VIGIE_TEST_POSTGRES_URL is set, via the store's own tests)
// and serves it on a loopback port.
func testInstance(t testing.TB, demo bool) (*instance, *httptest.Server, string) {
	t.Helper()
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "warn"
	in, err := build(context.Background(), cfg, demo, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.app.Close() })
	srv := httptest.NewServer(in.handler)
	t.Cleanup(srv.Close)
	tok := in.token
	if tok == "" {
		tok, _, err = in.app.store.CreateToken(context.Background(), store.TokenSpec{Name: "test", WorkspaceID: in.app.workspace.ID, Role: account.Admin})
		if err != nil {
			t.Fatal(err)
		}
	}
	return in, srv, tok
}

type client struct {
	t     testing.TB
	base  string
	token string
}

func (c client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: invalid JSON %q", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

func TestServerEndToEnd(t *testing.T) {
	in, srv, tok := testInstance(t, false)
	api := client{t: t, base: srv.URL, token: tok}
	anon := client{t: t, base: srv.URL}

	if code, _ := anon.do("GET", "/healthz", nil); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	for _, path := range []string{"/api/v1/monitors", "/api/v1/mentions", "/api/v1/openapi.json", "/metrics", "/api/v1/nope"} {
		if code, _ := anon.do("GET", path, nil); code != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", path, code)
		}
	}
	if code, _ := (client{t: t, base: srv.URL, token: "vgt_wrong"}).do("GET", "/api/v1/monitors", nil); code != 401 {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if code, body := api.do("GET", "/api/v1/openapi.json", nil); code != 200 || body["openapi"] != "3.1.0" {
		t.Errorf("openapi.json: %d %v", code, body["openapi"])
	}

	// Invalid query: 400 with the column.
	code, body := api.do("POST", "/api/v1/monitors", map[string]any{"name": "Bad", "kind": "brand", "query": "epfl AND (ethz"})
	if e, _ := body["error"].(map[string]any); code != 400 || e["column"] != float64(10) {
		t.Fatalf("invalid query: %d %v", code, body)
	}
	code, body = api.do("POST", "/api/v1/monitors", map[string]any{"name": "EPFL", "kind": "brand", "query": "epfl OR \"école polytechnique\""})
	if code != 201 || body["id"] == "" {
		t.Fatalf("create monitor: %d %v", code, body)
	}
	epfl := body["id"].(string)
	if code, _ = api.do("POST", "/api/v1/monitors", map[string]any{"id": epfl, "name": "Again", "query": "x"}); code != 409 {
		t.Errorf("duplicate id: %d, want 409", code)
	}
	code, body = api.do("POST", "/api/v1/monitors", map[string]any{"id": "m-ethz", "name": "ETHZ", "kind": "competitor", "query": "ethz"})
	if code != 201 {
		t.Fatalf("create ethz: %d %v", code, body)
	}

	// Posts through the pipeline, as a source would deliver them.
	src, err := in.app.store.FindOrCreateSource(context.Background(), in.app.workspace.ID, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var posts []vigie.Post
	for i := range 30 {
		text := fmt.Sprintf("Post %d about nothing", i)
		switch i % 3 {
		case 0:
			text = fmt.Sprintf("Fier de l'EPFL ! numéro %d", i)
		case 1:
			text = fmt.Sprintf("ETHZ and EPFL, take %d", i)
		}
		posts = append(posts, vigie.Post{ID: fmt.Sprintf("rss:%d", i), Source: "rss", Text: text, Lang: "fr",
			PublishedAt: day.Add(time.Duration(i) * time.Hour)})
	}
	res, err := in.app.pipeline.Process(context.Background(), &src, posts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Matched != 20 || res.Posts != 20 {
		t.Fatalf("pipeline: %+v", res)
	}

	code, body = api.do("GET", "/api/v1/mentions?monitor="+epfl+"&limit=7", nil)
	if code != 200 || body["total"] != float64(20) || len(body["mentions"].([]any)) != 7 || body["next_cursor"] == "" {
		t.Fatalf("mentions: %d total=%v n=%d cursor=%v", code, body["total"], len(body["mentions"].([]any)), body["next_cursor"])
	}
	// Walk every page: 20 distinct mentions, newest first.
	seen := map[float64]bool{}
	cursor, last := "", ""
	for {
		_, page := api.do("GET", "/api/v1/mentions?monitor="+epfl+"&limit=7&cursor="+cursor, nil)
		for _, m := range page["mentions"].([]any) {
			mm := m.(map[string]any)
			id := mm["id"].(float64)
			if seen[id] {
				t.Fatalf("mention %v on two pages", id)
			}
			seen[id] = true
			pub := mm["post"].(map[string]any)["published_at"].(string)
			if last != "" && pub > last {
				t.Fatalf("not newest first: %s after %s", pub, last)
			}
			last = pub
		}
		cursor, _ = page["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 20 {
		t.Fatalf("paged through %d mentions, want 20", len(seen))
	}
	if _, body = api.do("GET", "/api/v1/mentions?q=ethz%20epfl", nil); body["total"] != float64(10) {
		t.Errorf("search: total %v, want 10", body["total"])
	}
	if code, body = api.do("GET", "/api/v1/mentions?q=(ethz", nil); code != 400 {
		t.Errorf("invalid search: %d %v", code, body)
	}
	if code, _ = api.do("GET", "/api/v1/mentions?from=yesterday", nil); code != 400 {
		t.Errorf("bad from: %d, want 400", code)
	}

	// A changed query applies to the next posts at once.
	if code, body = api.do("PATCH", "/api/v1/monitors/m-ethz", map[string]any{"query": "nothing"}); code != 200 {
		t.Fatalf("patch: %d %v", code, body)
	}
	res, err = in.app.pipeline.Process(context.Background(), &src, []vigie.Post{{ID: "rss:new", Source: "rss", Text: "ETHZ nothing", PublishedAt: day}}, nil)
	if err != nil || res.Matched != 1 {
		t.Fatalf("after patch: %+v %v", res, err)
	}
	if code, _ = api.do("DELETE", "/api/v1/monitors/m-ethz", nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ = api.do("GET", "/api/v1/monitors/m-ethz", nil); code != 404 {
		t.Fatalf("get deleted: %d", code)
	}

	// Sources: an RSS feed on loopback is refused by the SSRF guard unless
	// the admin allowed private addresses.
	code, body = api.do("POST", "/api/v1/sources", map[string]any{"url": "ftp://example.com/feed"})
	if code != 400 {
		t.Errorf("ftp source: %d %v", code, body)
	}
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><guid>g1</guid><title>EPFL news</title><description>About EPFL</description><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>`)
	}))
	defer feed.Close()
	code, body = api.do("POST", "/api/v1/sources", map[string]any{"url": feed.URL + "/rss", "name": "Local feed", "interval": "15m"})
	if e, _ := body["error"].(map[string]any); code != 400 || !strings.Contains(fmt.Sprint(e["message"]), "loopback") {
		t.Fatalf("a feed on a loopback address must be refused when added: %d %v", code, body)
	}
	// One already stored (say, added before the admin changed the policy, or
	// a name that resolves to loopback) is refused when it is fetched.
	s, err := in.app.store.CreateSource(context.Background(), vigie.Source{WorkspaceID: in.app.workspace.ID, Kind: vigie.SourceRSS,
		Name: "Local feed", URL: feed.URL + "/rss", Interval: 15 * time.Minute, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	sid := s.ID
	in.sched.RunSource(context.Background(), &s)
	_, body = api.do("GET", fmt.Sprintf("/api/v1/sources/%d", sid), nil)
	if body["error_count"] != float64(1) || !strings.Contains(body["last_error"].(string), "loopback") {
		t.Fatalf("source on loopback should fail with an SSRF message: %v", body)
	}
	if body["interval"] != "15m" {
		t.Fatalf("interval %v, want \"15m\" (a duration as the API takes it)", body["interval"])
	}

	code, _ = api.do("GET", "/metrics", nil)
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"vigie_posts_in_total 31", "vigie_posts_stored_total 21", "vigie_posts_kept_total 10", fmt.Sprintf(`vigie_source_errors{source_id="%d",kind="rss",name="Local feed"} 1`, sid)} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("metrics lack %q:\n%s", want, raw)
		}
	}
}

// TestDemo builds the demo as `vigie demo` does and runs its simulated
// source once: mentions are there at once through the API.
func TestDemo(t *testing.T) {
	in, srv, tok := testInstance(t, true)
	api := client{t: t, base: srv.URL, token: tok}
	_, body := api.do("GET", "/api/v1/monitors", nil)
	if n := len(body["monitors"].([]any)); n < 5 {
		t.Fatalf("demo has %d monitors", n)
	}
	due, err := in.app.store.FindDueSources(context.Background(), time.Now().Add(time.Second), 10)
	if err != nil || len(due) != 1 || due[0].Kind != vigie.SourceSimulator {
		t.Fatalf("due sources: %v %v", due, err)
	}
	in.sched.RunSource(context.Background(), &due[0])
	_, body = api.do("GET", "/api/v1/mentions?limit=5", nil)
	if total := body["total"].(float64); total < 50 {
		t.Fatalf("demo: %v mentions after the first run, want a backfilled history", total)
	}
	if code, body := api.do("POST", "/api/v1/demo/crisis?kind=nope", nil); code != 400 {
		t.Fatalf("unknown crisis: %d %v", code, body)
	}
	if code, body := api.do("POST", "/api/v1/demo/crisis?kind="+simulatorCrisis(), nil); code != 202 {
		t.Fatalf("crisis: %d %v", code, body)
	}
}

func simulatorCrisis() string { return simulator.Crises()[0] }

// valmontInstance is a test instance with a monitor "valmont" under id and
// an import source to feed the pipeline with.
func valmontInstance(t testing.TB, id string) (*instance, client, vigie.Source) {
	t.Helper()
	in, srv, tok := testInstance(t, false)
	api := client{t: t, base: srv.URL, token: tok}
	if code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": id, "name": id, "query": "valmont"}); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	src, err := in.app.store.FindOrCreateSource(context.Background(), in.app.workspace.ID, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	return in, api, src
}

// TestReindex gives a monitor created after the posts its history.
func TestReindex(t *testing.T) {
	in, api, src := valmontInstance(t, "m-a")
	ctx := context.Background()
	var posts []vigie.Post
	for i := range 10 {
		text := fmt.Sprintf("Valmont news %d", i)
		if i%2 == 0 {
			text += " about robotics"
		}
		posts = append(posts, vigie.Post{ID: fmt.Sprintf("x:%d", i), Source: "rss", Text: text, PublishedAt: time.Date(2026, 11, 20, i, 0, 0, 0, time.UTC)})
	}
	if _, err := in.app.pipeline.Process(ctx, &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	if code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "m-robots", "name": "Robots", "query": "robot*"}); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	if _, body := api.do("GET", "/api/v1/mentions?monitor=m-robots", nil); body["total"] != float64(0) {
		t.Fatalf("before reindex: %v", body["total"])
	}
	code, out, errOut := runCLI(t, "reindex", "--monitor", "m-robots", "--data", in.app.cfg.Data)
	if code != 0 || !strings.Contains(out, "10 stored or kept posts checked, 5 match, 5 new mentions") {
		t.Fatalf("reindex: exit %d\n%s%s", code, out, errOut)
	}
	if _, body := api.do("GET", "/api/v1/mentions?monitor=m-robots", nil); body["total"] != float64(5) {
		t.Fatalf("after reindex: %v", body["total"])
	}
	if code, _, _ := runCLI(t, "reindex", "--monitor", "nope", "--data", in.app.cfg.Data); code != 2 {
		t.Fatalf("unknown monitor: exit %d", code)
	}
}

// TestTokenCreateWhileServing creates a token with the CLI while a server
// holds the same SQLite database open, and uses it at once.
func TestTokenCreateWhileServing(t *testing.T) {
	in, srv, _ := testInstance(t, false)
	code, out, errOut := runCLI(t, "token", "create", "--name", "ops", "--data", in.app.cfg.Data)
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	tok := lines[len(lines)-1]
	if !strings.HasPrefix(tok, "vgt_") {
		t.Fatalf("last line is not a token: %q", tok)
	}
	if code, body := (client{t: t, base: srv.URL, token: tok}).do("GET", "/api/v1/monitors", nil); code != 200 {
		t.Fatalf("new token refused: %d %v", code, body)
	}
	if code, _, _ := runCLI(t, "token", "create", "--data", in.app.cfg.Data); code != 2 {
		t.Fatalf("missing --name: exit %d, want 2", code)
	}
}

// TestNearDuplicatesFold sends a story and its re-publications through the
// pipeline: the copies point at the first post, with their entities.
func TestNearDuplicatesFold(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	ctx := context.Background()
	story := "The University of Valmont opens a new robotics centre for students and researchers from the whole region #robots https://news.uval.example/robotics?utm_source=bsky"
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	posts := []vigie.Post{
		{ID: "n:1", Source: "mastodon", Text: story, PublishedAt: at},
		{ID: "n:2", Source: "bluesky", Text: "RT @uval: " + story, PublishedAt: at.Add(time.Minute)},
		{ID: "n:3", Source: "mastodon", Text: "Valmont wins the regional football cup after a long season of hard work", PublishedAt: at.Add(2 * time.Minute)},
	}
	if _, err := in.app.pipeline.Process(ctx, &src, posts[:1], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.pipeline.Process(ctx, &src, posts[1:], nil); err != nil {
		t.Fatal(err)
	}
	_, body := api.do("GET", "/api/v1/mentions?monitor=m-v", nil)
	got := map[string]map[string]any{}
	for _, m := range body["mentions"].([]any) {
		mm := m.(map[string]any)
		got[mm["post"].(map[string]any)["id"].(string)] = mm
	}
	first := got["n:1"]
	if got["n:2"]["near_duplicate_of"] != first["id"] || got["n:3"]["near_duplicate_of"] != nil || first["near_duplicate_of"] != nil {
		t.Fatalf("near-duplicate links: %v / %v / %v", first["near_duplicate_of"], got["n:2"]["near_duplicate_of"], got["n:3"]["near_duplicate_of"])
	}
	ents := first["entities"].(map[string]any)
	if fmt.Sprint(ents["hashtags"]) != "[robots]" || fmt.Sprint(ents["links"]) != "[https://news.uval.example/robotics]" {
		t.Fatalf("entities: %v", ents)
	}
	if s, _ := first["simhash"].(string); len(s) != 16 {
		t.Fatalf("simhash %q", s)
	}
}

// TestMonitorWarnings: creating or changing a monitor through the API
// returns its query's warnings with their columns (an empty list when
// none): a French "ou" or a lower-case "and" is searched as a word.
func TestMonitorWarnings(t *testing.T) {
	_, srv, tok := testInstance(t, false)
	api := client{t: t, base: srv.URL, token: tok}
	code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "w", "name": "W", "query": "epfl ou ethz and unil"})
	if code != 201 {
		t.Fatalf("POST: %d %v", code, body)
	}
	ws, _ := body["warnings"].([]any)
	if len(ws) != 2 {
		t.Fatalf("warnings %v, want 2", body["warnings"])
	}
	first, second := ws[0].(map[string]any), ws[1].(map[string]any)
	if first["column"] != float64(6) || !strings.Contains(fmt.Sprint(first["message"]), "write OR") ||
		second["column"] != float64(14) || !strings.Contains(fmt.Sprint(second["message"]), "AND in capitals") {
		t.Fatalf("warnings %v", ws)
	}
	code, body = api.do("PATCH", "/api/v1/monitors/w", map[string]any{"query": "epfl OR ethz"})
	if ws, ok := body["warnings"].([]any); code != 200 || !ok || len(ws) != 0 {
		t.Fatalf("PATCH without warnings: %d %v (want \"warnings\": [])", code, body)
	}
	code, body = api.do("PATCH", "/api/v1/monitors/w", map[string]any{"query": "eth UND epfl"})
	if ws, _ := body["warnings"].([]any); code != 200 || len(ws) != 1 || ws[0].(map[string]any)["column"] != float64(5) {
		t.Fatalf("PATCH with a German AND: %d %v", code, body)
	}
}

// TestAPIOneJSONObject: a body with anything after its JSON object is
// refused (it was taken as the first object alone).
func TestAPIOneJSONObject(t *testing.T) {
	_, srv, tok := testInstance(t, false)
	for body, want := range map[string]int{
		`{"name":"A","query":"a"}`:              201,
		`{"name":"B","query":"b"}{"id":"q16"}`:  400,
		`{"name":"C","query":"c"} trailing`:     400,
		"{\"name\":\"D\",\"query\":\"d\"}\n \t": 201,
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/monitors", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%q: %d, want %d", body, resp.StatusCode, want)
		}
	}
}

// TestConnectorsCompiledIn: vigie runs the connectors that register
// themselves (cmd/vigie/connectors.go).
func TestConnectorsCompiledIn(t *testing.T) {
	kinds := connector.Kinds()
	for _, k := range []vigie.SourceKind{vigie.SourceBluesky, vigie.SourceMastodon, vigie.SourceHackerNews, vigie.SourceLemmy, vigie.SourceDiscourse, vigie.SourceRSS, vigie.SourceSimulator, vigie.SourceWebhook, vigie.SourceReddit, vigie.SourceYouTube} {
		if !slices.Contains(kinds, k) {
			t.Errorf("connector %s is not compiled in (%v)", k, kinds)
		}
	}
	in, _, _ := testInstance(t, false)
	if len(in.sched.Runners)+len(in.sched.Streamers) < len(kinds) || in.sim == nil {
		t.Fatalf("the scheduler runs %d + %d connectors of %d kinds", len(in.sched.Runners), len(in.sched.Streamers), len(kinds))
	}
}

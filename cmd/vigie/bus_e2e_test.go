package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
)

// busProcess is a `vigie serve` started as a child for a scale-out test.
type busProcess struct {
	cmd  *exec.Cmd
	addr string
}

// startRole starts `vigie serve --roles roles` on the bus and waits for it to
// say it runs.
func startRole(t testing.TB, roles, dbURL, natsURL, prefix string, extra ...string) *busProcess {
	t.Helper()
	args := append([]string{"serve", "--roles", roles, "--database-url", dbURL, "--nats-url", natsURL, "--nats-prefix", prefix,
		"--addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
	cmd := busCLI(args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &busProcess{cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("vigie serve --roles %s stderr:\n%s", roles, errb.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "http://"); i >= 0 && strings.Contains(line, "is running") {
			p.addr = strings.TrimSuffix(strings.Fields(line[i:])[0], "/healthz")
			break
		}
	}
	if p.addr == "" {
		_ = cmd.Wait()
		t.Fatalf("vigie serve --roles %s did not start:\n%s", roles, errb.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return p
}

// busCLI is a vigie command of a scale-out test: every process shares
// the secret key, given in the environment, as docs/operations.md asks.
func busCLI(args ...string) *exec.Cmd {
	cmd := cliCommand(args...)
	cmd.Env = append(cmd.Env, "VIGIE_SECRET_KEY="+testSecretKey)
	return cmd
}

// testSecretKey is the key every process of a scale-out test shares, as
// docs/operations.md asks (32 bytes, hex).
const testSecretKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// consumerState reads the match workers' consumer on the server.
func consumerState(t testing.TB, natsURL, prefix string) *natsjs.ConsumerInfo {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, prefix+"_posts", prefix+"_match")
	if err != nil {
		t.Fatalf("the consumer: %v", err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatalf("the consumer's state: %v", err)
	}
	return info
}

// monitorTotals counts the stored mentions of each monitor.
func monitorTotals(t testing.TB, dbURL string) map[string]int {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT monitor_id, count(*) FROM mentions GROUP BY monitor_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		_, key, _ := strings.Cut(id, "/") // the store's ids are workspace/key
		got[key] += n
	}
	return got
}

// matchTotals runs `vigie match` on the files and counts each monitor's
// matches: what the store must hold once the bus is drained.
func matchTotals(t *testing.T, monitors, posts string) map[string]int {
	t.Helper()
	out, err := cliCommand("match", "--monitors", monitors, "--posts", posts).Output()
	if err != nil {
		t.Fatalf("vigie match: %v", err)
	}
	want := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var m struct{ Monitor string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("vigie match output %q: %v", sc.Text(), err)
		}
		want[m.Monitor]++
	}
	return want
}

// TestBusDrainSurvivesKill is the scale-out path end to end, on the real
// PostgreSQL and NATS JetStream: 100k posts imported onto the bus, drained
// by two match workers, one of them killed with SIGKILL while it holds
// messages it has not acknowledged and then started again. Every
// monitor's stored total must equal `vigie match` on the same files.
func TestBusDrainSurvivesKill(t *testing.T) {
	natsURL, prefix := apptest.NATS(t)
	dbURL := apptest.DatabaseURL(t, "postgres")
	t.Parallel()
	dir := t.TempDir()
	posts, monitors, _, _ := writeCorpus(t, dir, 100_000)
	want := matchTotals(t, monitors, posts)

	out, err := busCLI("import", "--monitors", monitors, "--database-url", dbURL, "--log-level", "warn").CombinedOutput()
	if err != nil {
		t.Fatalf("vigie import --monitors: %v\n%s", err, out)
	}
	a := startRole(t, "match", dbURL, natsURL, prefix)
	startRole(t, "match", dbURL, natsURL, prefix)

	start := time.Now()
	imp := busCLI("import", "--posts", posts, "--database-url", dbURL, "--nats-url", natsURL, "--nats-prefix", prefix, "--log-level", "warn")
	out, err = imp.CombinedOutput()
	if err != nil {
		t.Fatalf("vigie import --nats-url: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "100000 read and sent to the bus") || !strings.Contains(string(out), "1 bad lines skipped") {
		t.Fatalf("vigie import --nats-url said:\n%s", out)
	}

	t.Logf("100,000 posts on the bus in %.1fs", time.Since(start).Seconds())
	// Kill a worker while the backlog is being drained: it holds messages
	// pulled and not yet acknowledged.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		info := consumerState(t, natsURL, prefix)
		if info.Delivered.Consumer >= 20_000 && info.NumAckPending > 0 {
			t.Logf("killing a worker: %d messages delivered, %d waiting, %d not acknowledged", info.Delivered.Consumer, info.NumPending, info.NumAckPending)
			break
		}
		if time.Now().After(deadline) || info.NumPending == 0 && info.NumAckPending == 0 {
			t.Fatalf("the bus was drained before a worker could be killed: %+v", info)
		}
		time.Sleep(20 * time.Millisecond) // polling the server's state, not waiting for an event
	}
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	startRole(t, "match", dbURL, natsURL, prefix)

	// Drained: nothing waiting, nothing held (the dead worker's messages
	// come back after the consumer's ack wait, 30 s).
	var info *natsjs.ConsumerInfo
	for {
		info = consumerState(t, natsURL, prefix)
		if info.NumPending == 0 && info.NumAckPending == 0 {
			break
		}
		if time.Now().After(deadline.Add(time.Minute)) {
			t.Fatalf("the bus was not drained: %+v", info)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Each delivery takes a consumer sequence number: past the messages
	// sent, those of the killed worker were delivered again.
	if info.Delivered.Consumer <= 100_000 {
		t.Errorf("no message was delivered again: the killed worker held none (%+v)", info)
	}
	got := monitorTotals(t, dbURL)
	for m, n := range want {
		if got[m] != n {
			t.Errorf("monitor %s: %d mentions stored, vigie match finds %d", m, got[m], n)
		}
	}
	for m, n := range got {
		if _, ok := want[m]; !ok {
			t.Errorf("monitor %s: %d mentions stored, vigie match finds none", m, n)
		}
	}
	t.Logf("per-monitor totals equal vigie match's (%v); %d messages delivered for 100,000 sent; drained %.1fs after the import began", want, info.Delivered.Consumer, time.Since(start).Seconds())
}

// TestScaleOutRoles runs Vigie as five processes on one PostgreSQL and one
// NATS JetStream, as docs/operations.md lays out: web; ingest and match;
// a second ingest; two schedulers. A feed is fetched once per interval by
// the two ingest processes. A webhook's post taken by the web process is stored by
// the worker and visible in the API; an alert rule on every mention fires
// once although two schedulers evaluate it; ten scheduled
// posts are each published once. Then the web process loses NATS: it
// still answers, a webhook delivery is refused with 503 (nothing kept), and
// taken again once NATS is back.
func TestScaleOutRoles(t *testing.T) {
	natsURL, prefix := apptest.NATS(t)
	dbURL := apptest.DatabaseURL(t, "postgres")
	t.Parallel()
	env := []string{"VIGIE_SECRET_KEY=" + testSecretKey}
	common := []string{"--database-url", dbURL, "--nats-prefix", prefix}

	out, err := busCLI("token", "create", "--database-url", dbURL, "--name", "admin", "--role", "admin").CombinedOutput()
	if err != nil {
		t.Fatalf("token: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	admin := lines[len(lines)-1]

	// The web process reaches NATS through a proxy the test can cut.
	px := apptest.NewProxy(t, strings.TrimPrefix(natsURL, "nats://"))
	web := startServeWith(t, env, append([]string{"--roles", "web", "--nats-url", "nats://" + px.Addr}, common...)...)
	worker := startServeWith(t, env, append([]string{"--roles", "ingest,match", "--nats-url", natsURL}, common...)...)
	startServeWith(t, env, append([]string{"--roles", "ingest", "--nats-url", natsURL}, common...)...)
	startServeWith(t, env, append([]string{"--roles", "scheduler", "--nats-url", natsURL}, common...)...)
	startServeWith(t, env, append([]string{"--roles", "scheduler", "--nats-url", natsURL}, common...)...)

	// The first-run link the web process printed still works: the other
	// processes' starts did not replace it.
	i := strings.Index(web.out.String(), "/setup?token=")
	if i < 0 {
		t.Fatalf("no setup link printed:\n%s", web.out)
	}
	link := strings.Fields(web.out.String()[i:])[0]
	resp, err := http.Get(web.base + link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(page), "expired") {
		t.Errorf("the setup link after the other processes started: %d\n%.300s", resp.StatusCode, page)
	}
	created := time.Now()
	if code := web.call("POST", "/api/v1/monitors", admin, map[string]string{"id": "m-valmont", "name": "Valmont", "kind": "brand", "query": "valmont"}, nil); code != http.StatusCreated {
		t.Fatalf("monitor: %d", code)
	}
	rule := map[string]any{"name": "Every mention", "monitor": "m-valmont", "kind": "every", "enabled": true, "channels": []map[string]string{{"kind": "inapp"}}}
	if code := web.call("POST", "/api/v1/alerts", admin, rule, nil); code != http.StatusCreated {
		t.Fatalf("alert rule: %d", code)
	}
	var hook struct {
		HookPath string `json:"hook_path"`
	}
	if code := web.call("POST", "/api/v1/sources", admin, map[string]string{"kind": "webhook", "name": "CMS"}, &hook); code != http.StatusCreated || hook.HookPath == "" {
		t.Fatalf("webhook source: %d %+v", code, hook)
	}
	deliver := func(id, text string) int {
		t.Helper()
		body := fmt.Sprintf(`{"id":%q,"text":%q,"published_at":%q}`, id, text, time.Now().UTC().Add(-time.Minute).Format(time.RFC3339))
		resp, err := http.Post(web.base+hook.HookPath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	type sent struct {
		Alerts []struct {
			ID int64 `json:"id"`
		} `json:"alerts"`
	}
	mentions := func() int {
		var page struct {
			Mentions []json.RawMessage `json:"mentions"`
		}
		web.call("GET", "/api/v1/mentions?monitor=m-valmont", admin, nil, &page)
		return len(page.Mentions)
	}
	alerts := func() int {
		var s sent
		web.call("GET", "/api/v1/alerts/sent", admin, nil, &s)
		return len(s.Alerts)
	}
	// The monitor reaches the worker's index within a second (the change
	// log); its /metrics says when.
	web.waitFor("the monitor to reach the worker (its /metrics saying so, and that it is connected to NATS)", func() bool {
		req, _ := http.NewRequest("GET", worker.base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "\nvigie_monitors 1\n") && strings.Contains(string(b), "\nvigie_bus_connected 1\n")
	})
	t.Logf("the monitor created on the web process was in the worker's index %.2fs later", time.Since(created).Seconds())
	// A feed, with two ingest processes: fetched once per interval (5
	// minutes by default), whichever process claims it.
	var fetches atomic.Int32
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Valmont news</title><link>http://example.org/</link>
<item><title>Valmont rector speaks</title><link>http://example.org/1</link><guid>n1</guid><pubDate>%s</pubDate></item></channel></rss>`,
			time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z))
	}))
	t.Cleanup(feed.Close)
	if code := web.call("POST", "/api/v1/sources", admin, map[string]string{"kind": "rss", "url": feed.URL + "/feed.xml"}, nil); code != http.StatusCreated {
		t.Fatalf("feed: %d", code)
	}
	web.waitFor("the feed's item", func() bool { return mentions() == 1 })
	if code := deliver("p-1", "Valmont open day"); code != http.StatusAccepted {
		t.Fatalf("webhook: %d", code)
	}
	web.waitFor("the first mention", func() bool { return mentions() == 2 })
	web.waitFor("the first mention's alert", func() bool { return alerts() > 0 })
	// An "every" rule sends the first mention at once and groups those of
	// the next 5 minutes: one alert, whichever scheduler saw it first. A
	// later mention stored (a signal both schedulers hear after the first)
	// leaves it at one.
	before := mentions()
	if code := deliver("p-2", "Valmont wins a prize"); code != http.StatusAccepted {
		t.Fatalf("webhook: %d", code)
	}
	web.waitFor("the second post's mention", func() bool { return mentions() == before+1 })
	n := before + 1
	if a := alerts(); a != 1 {
		t.Errorf("%d alerts for the first mentions of an every rule, under two schedulers; want 1", a)
	}

	// Publishing: ten posts, each once on the network.
	m := mastodontest.New(t)
	var acc struct {
		ID int64 `json:"id"`
	}
	if code := web.call("POST", "/api/v1/accounts", admin, map[string]string{"network": "mastodon", "instance_url": m.URL, "access_token": mastodontest.DefaultToken}, &acc); code != http.StatusCreated {
		t.Fatalf("account: %d", code)
	}
	var ids []int64
	for i := range 10 {
		var p struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		body := map[string]any{"accounts": []int64{acc.ID}, "text": fmt.Sprintf("Open day, hall %d", i), "scheduled_at": time.Now().Add(2 * time.Second).Format(time.RFC3339)}
		if code := web.call("POST", "/api/v1/posts", admin, body, &p); code != http.StatusCreated || p.Status != "scheduled" {
			t.Fatalf("post: %d %+v", code, p)
		}
		ids = append(ids, p.ID)
	}
	web.waitFor("the ten posts to be published", func() bool {
		for _, id := range ids {
			var p struct {
				Status string `json:"status"`
			}
			web.call("GET", fmt.Sprintf("/api/v1/posts/%d", id), admin, nil, &p)
			if p.Status != "published" {
				return false
			}
		}
		return true
	})
	seen := map[string]int{}
	for _, p := range m.Posts() {
		seen[p.Text]++
	}
	if len(m.Posts()) != 10 || len(seen) != 10 {
		t.Errorf("the network has %d posts (%d texts) for 10 scheduled: %v", len(m.Posts()), len(seen), seen)
	}

	// NATS away from the web process.
	px.Down()
	code := deliver("p-away", "Valmont during the outage")
	if code != http.StatusServiceUnavailable {
		t.Errorf("a delivery while the bus is away: %d, want 503", code)
	}
	if c := web.call("GET", "/api/v1/mentions?monitor=m-valmont", admin, nil, nil); c != http.StatusOK {
		t.Errorf("the API while the bus is away: %d", c)
	}
	px.Up(t)
	web.waitFor("the delivery taken once NATS is back", func() bool { return deliver("p-away", "Valmont during the outage") == http.StatusAccepted })
	web.waitFor("its mention", func() bool { return mentions() == n+1 })
	// Both ingest processes looked for due sources every second since the
	// feed was added: it was fetched by one, once.
	if n := fetches.Load(); n != 1 {
		t.Errorf("the feed was fetched %d times by two ingest processes within its interval; want 1", n)
	}
}

package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-project/vigie/internal/apptest"
)

// busProcess is a `vigie serve` started as a child for a scale-out test.
type busProcess struct {
	cmd  *exec.Cmd
	addr string
}

// startRole starts `vigie serve --roles roles` on the bus and waits for it to
// say it runs.
func startRole(t *testing.T, roles, dbURL, natsURL, prefix string, extra ...string) *busProcess {
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
func consumerState(t *testing.T, natsURL, prefix string) *natsjs.ConsumerInfo {
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
func monitorTotals(t *testing.T, dbURL string) map[string]int {
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
		if time.Now().After(deadline) || info.NumPending == 0 {
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

package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/apptest"
)

// benchCorpus is the corpus of the scale-out benchmarks: the folder
// VIGIE_BENCH_CORPUS names (monitors.jsonl and posts.jsonl, as
// ../shared/bench/benchgen/gen.py writes them), else 100,000 generated
// posts and four monitors.
func benchCorpus(b *testing.B) (monitors, posts string, n int) {
	if dir := os.Getenv("VIGIE_BENCH_CORPUS"); dir != "" {
		monitors, posts = filepath.Join(dir, "monitors.jsonl"), filepath.Join(dir, "posts.jsonl")
		data, err := os.ReadFile(posts)
		if err != nil {
			b.Fatal(err)
		}
		return monitors, posts, strings.Count(string(data), "\n")
	}
	posts, monitors, _, _ = writeCorpus(b, b.TempDir(), 100_000)
	return monitors, posts, 100_001 // with the bad line
}

// BenchmarkBusDrain stores the same posts four ways and reports posts/s
// from the first post read to the last stored: vigie import into the
// embedded SQLite and into PostgreSQL (one process), and vigie import
// --nats-url drained by one and by two match workers (vigie serve --roles
// match) into PostgreSQL. Run with -benchtime 1x:
//
//	VIGIE_BENCH_CORPUS=DIR go test ./cmd/vigie -run '^$' -bench BusDrain -benchtime 1x
func BenchmarkBusDrain(b *testing.B) {
	natsURL, _ := apptest.NATS(b)
	monitors, posts, lines := benchCorpus(b)
	importMonitors := func(b *testing.B, where ...string) {
		out, err := busCLI(append([]string{"import", "--monitors", monitors, "--log-level", "warn"}, where...)...).CombinedOutput()
		if err != nil {
			b.Fatalf("monitors: %v\n%s", err, out)
		}
	}
	report := func(b *testing.B, d time.Duration, mentions int) {
		b.ReportMetric(float64(lines)/d.Seconds(), "posts/s")
		b.ReportMetric(d.Seconds(), "s")
		b.ReportMetric(float64(mentions), "mentions")
	}
	b.Run("embedded-sqlite", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			data := filepath.Join(b.TempDir(), "data")
			importMonitors(b, "--data", data)
			b.StartTimer()
			start := time.Now()
			if out, err := busCLI("import", "--posts", posts, "--data", data, "--log-level", "warn").CombinedOutput(); err != nil {
				b.Fatalf("import: %v\n%s", err, out)
			}
			d := time.Since(start)
			b.StopTimer()
			report(b, d, -1)
		}
	})
	b.Run("embedded-postgres", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db := apptest.DatabaseURL(b, "postgres")
			importMonitors(b, "--database-url", db)
			b.StartTimer()
			start := time.Now()
			if out, err := busCLI("import", "--posts", posts, "--database-url", db, "--log-level", "warn").CombinedOutput(); err != nil {
				b.Fatalf("import: %v\n%s", err, out)
			}
			d := time.Since(start)
			b.StopTimer()
			report(b, d, total(monitorTotals(b, db)))
		}
	})
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("bus-%d-workers", workers), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				_, prefix := apptest.NATS(b)
				db := apptest.DatabaseURL(b, "postgres")
				importMonitors(b, "--database-url", db)
				for range workers {
					startRole(b, "match", db, natsURL, prefix)
				}
				b.StartTimer()
				start := time.Now()
				if out, err := busCLI("import", "--posts", posts, "--database-url", db, "--nats-url", natsURL, "--nats-prefix", prefix, "--log-level", "warn").CombinedOutput(); err != nil {
					b.Fatalf("import: %v\n%s", err, out)
				}
				sent := time.Since(start)
				// Drained: what an operator runs (it polls every 100 ms).
				if out, err := busCLI("bus", "status", "--nats-url", natsURL, "--nats-prefix", prefix, "--wait").CombinedOutput(); err != nil {
					b.Fatalf("bus status --wait: %v\n%s", err, out)
				}
				d := time.Since(start)
				b.StopTimer()
				b.ReportMetric(sent.Seconds(), "s-to-bus")
				report(b, d, total(monitorTotals(b, db)))
			}
		})
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// BenchmarkSourceToAPI measures how long a post a source delivers (a
// webhook) takes to be visible in the API, one post at a time: in one
// process on SQLite (the default), and through the bus with the web role
// and a match worker in two processes on PostgreSQL. A post is sent every
// 110 ms (a webhook source takes 10 a second) and the API polled every
// millisecond. Reports p50 and p99 in ms:
//
//	go test ./cmd/vigie -run '^$' -bench SourceToAPI -benchtime 200x
func BenchmarkSourceToAPI(b *testing.B) {
	natsURL, _ := apptest.NATS(b)
	run := func(b *testing.B, web *vigieServer, token string) {
		if code := web.call("POST", "/api/v1/monitors", token, map[string]string{"id": "m", "name": "Valmont", "kind": "brand", "query": "valmont"}, nil); code != http.StatusCreated {
			b.Fatalf("monitor: %d", code)
		}
		var hook struct {
			HookPath string `json:"hook_path"`
		}
		if code := web.call("POST", "/api/v1/sources", token, map[string]string{"kind": "webhook", "name": "CMS"}, &hook); code != http.StatusCreated {
			b.Fatalf("webhook source: %d", code)
		}
		newest := func() string {
			var page struct {
				Mentions []struct {
					Post struct {
						ID string `json:"id"`
					} `json:"post"`
				} `json:"mentions"`
			}
			web.call("GET", "/api/v1/mentions?monitor=m&limit=1", token, nil, &page)
			if len(page.Mentions) == 0 {
				return ""
			}
			return page.Mentions[0].Post.ID
		}
		send := func(id string) time.Duration {
			start := time.Now()
			body := fmt.Sprintf(`{"id":%q,"text":"Valmont news %s","published_at":%q}`, id, id, time.Now().UTC().Format(time.RFC3339Nano))
			resp, err := http.Post(web.base+hook.HookPath, "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Fatalf("webhook: %d", resp.StatusCode)
			}
			deadline := start.Add(time.Minute)
			for newest() != id {
				if time.Now().After(deadline) {
					b.Fatalf("post %s not visible within a minute", id)
				}
				time.Sleep(time.Millisecond)
			}
			d := time.Since(start)
			// A webhook source takes 10 deliveries a second: a steady
			// trickle, as a source sends between bursts.
			time.Sleep(time.Until(start.Add(110 * time.Millisecond)))
			return d
		}
		// The monitor reaches every process within a second: the first
		// post waits for it.
		for i := 0; newest() == ""; i++ {
			send(fmt.Sprintf("warm-%d", i))
		}
		var lat []time.Duration
		i := 0
		for b.Loop() {
			lat = append(lat, send(fmt.Sprintf("p%d", i)))
			i++
		}
		slices.Sort(lat)
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("embedded-sqlite", func(b *testing.B) {
		data := filepath.Join(b.TempDir(), "data")
		token := cliToken(b, data, "bench", "admin")
		run(b, startServe(b, data), token)
	})
	b.Run("bus-postgres", func(b *testing.B) {
		_, prefix := apptest.NATS(b)
		db := apptest.DatabaseURL(b, "postgres")
		out, err := busCLI("token", "create", "--database-url", db, "--name", "bench", "--role", "admin").CombinedOutput()
		if err != nil {
			b.Fatalf("token: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		env := []string{"VIGIE_SECRET_KEY=" + testSecretKey}
		web := startServeWith(b, env, "--roles", "web,ingest,scheduler", "--database-url", db, "--nats-url", natsURL, "--nats-prefix", prefix)
		startServeWith(b, env, "--roles", "match", "--database-url", db, "--nats-url", natsURL, "--nats-prefix", prefix)
		run(b, web, lines[len(lines)-1])
	})
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runBenchAPI loads a running server's API with concurrent clients, each
// sending its next request as soon as the last one is answered (a closed
// loop, as scrapers and dashboards do), and reports latency (p50, p95, max)
// and requests/s per kind of request. Preset "mentions" asks for first pages
// of /api/v1/mentions with the filters a client uses; "overview" asks for
// /api/v1/overview over periods from an hour to 60 days. Periods end at the
// newest stored mention, so that any archive can be measured.
func runBenchAPI(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench api", stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "the server's base URL")
	token := fs.String("token", "", "an API token (default: $VIGIE_BENCH_TOKEN)")
	preset := fs.String("preset", "mentions", "what to ask for: mentions or overview")
	clients := fs.Int("clients", 50, "concurrent clients")
	requests := fs.Int("requests", 200, "requests of each kind")
	warm := fs.Int("warm", 1, "unmeasured requests of each kind first (to warm the server's caches)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv("VIGIE_BENCH_TOKEN")
	}
	if *token == "" {
		return usageErr("--token (or VIGIE_BENCH_TOKEN) is required; create one with: vigie token create --name bench")
	}
	if *clients < 1 || *requests < 1 {
		return usageErr("--clients and --requests must be at least 1")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients}, Timeout: 5 * time.Minute}
	get := func(ctx context.Context, path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(*base, "/")+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, body)
		}
		return body, err
	}
	ctx := context.Background()

	// The newest mention and a monitor anchor the requests.
	body, err := get(ctx, "/api/v1/mentions?limit=1")
	if err != nil {
		return err
	}
	var newest struct {
		Mentions []struct {
			Post struct {
				PublishedAt time.Time `json:"published_at"`
			} `json:"post"`
			MonitorIDs []string `json:"monitors"`
		} `json:"mentions"`
	}
	if err := json.Unmarshal(body, &newest); err != nil {
		return fmt.Errorf("reading the newest mention: %w", err)
	}
	if len(newest.Mentions) == 0 || len(newest.Mentions[0].MonitorIDs) == 0 {
		return badInput(errors.New("the API lists no mentions: serve a database with mentions (scripts/bench-api.sh builds one)"))
	}
	end := newest.Mentions[0].Post.PublishedAt.UTC().Truncate(time.Hour).Add(time.Hour)
	monitor := newest.Mentions[0].MonitorIDs[0]
	span := func(d time.Duration) string {
		return "from=" + url.QueryEscape(end.Add(-d).Format(time.RFC3339)) + "&to=" + url.QueryEscape(end.Format(time.RFC3339))
	}
	type kind struct{ name, path string }
	var kinds []kind
	switch *preset {
	case "mentions":
		kinds = []kind{
			{"all", "/api/v1/mentions"},
			{"monitor", "/api/v1/mentions?monitor=" + url.QueryEscape(monitor)},
			{"negative", "/api/v1/mentions?sentiment=negative"},
			{"source and language", "/api/v1/mentions?source=rss&lang=en"},
			{"last 7 days", "/api/v1/mentions?" + span(7*24*time.Hour)},
			{"last day, monitor", "/api/v1/mentions?monitor=" + url.QueryEscape(monitor) + "&" + span(24*time.Hour)},
		}
	case "overview":
		for _, p := range []struct {
			name string
			d    time.Duration
		}{{"1 hour", time.Hour}, {"6 hours", 6 * time.Hour}, {"1 day", 24 * time.Hour}, {"7 days", 7 * 24 * time.Hour}, {"30 days", 30 * 24 * time.Hour}, {"60 days", 60 * 24 * time.Hour}} {
			kinds = append(kinds, kind{p.name, "/api/v1/overview?" + span(p.d)})
		}
	default:
		return usageErr("--preset must be mentions or overview, got %q", *preset)
	}
	fmt.Fprintf(stdout, "server: %s, preset %s, %d clients, %d requests of each kind, periods ending %s\n", *base, *preset, *clients, *requests, end.Format(time.RFC3339))
	fmt.Fprintf(stdout, "%-24s %6s %9s %9s %9s %9s %7s\n", "request", "n", "p50_ms", "p95_ms", "max_ms", "req/s", "errors")
	var all []time.Duration
	allStart := time.Now()
	for _, k := range kinds {
		for range *warm {
			if _, err := get(ctx, k.path); err != nil {
				return err
			}
		}
		lat := make([]time.Duration, 0, *requests)
		var (
			mu     sync.Mutex
			next   atomic.Int64
			failed atomic.Int64
			first  error
			wg     sync.WaitGroup
		)
		start := time.Now()
		for range *clients {
			wg.Go(func() {
				for next.Add(1) <= int64(*requests) {
					t := time.Now()
					_, err := get(ctx, k.path)
					d := time.Since(t)
					mu.Lock()
					if err != nil {
						failed.Add(1)
						if first == nil {
							first = err
						}
					} else {
						lat = append(lat, d)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		el := time.Since(start)
		if len(lat) == 0 {
			return fmt.Errorf("%s: every request failed: %w", k.name, first)
		}
		all = append(all, lat...)
		fmt.Fprintf(stdout, "%-24s %6d %9.1f %9.1f %9.1f %9.1f %7d\n", k.name, len(lat), ms(pct(lat, 50)), ms(pct(lat, 95)), ms(pct(lat, 100)), float64(len(lat))/el.Seconds(), failed.Load())
		if first != nil {
			fmt.Fprintf(stderr, "%s: first error: %v\n", k.name, first)
		}
	}
	fmt.Fprintf(stdout, "%-24s %6d %9.1f %9.1f %9.1f %9.1f\n", "all", len(all), ms(pct(all, 50)), ms(pct(all, 95)), ms(pct(all, 100)), float64(len(all))/time.Since(allStart).Seconds())
	return nil
}

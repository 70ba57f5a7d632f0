package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/bluesky"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/netguard"
)

// runBenchJetstream measures the Bluesky path end to end on one core (by
// default): a local Jetstream serves generated events in the shapes of the
// network's (internal/bluesky/testdata, the shared sample), and the
// connector reads them over a WebSocket, skips the noise, decodes the
// posts, matches them against the monitors and stores the mentions (and,
// with the recent window on, keeps the rest) in SQLite, cursor included.
// The replay server's own work runs on the same core.
func runBenchJetstream(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench jetstream", stderr)
	events := fs.Int("events", 1_000_000, "events to replay")
	monitors := fs.Int("monitors", 1000, "monitors to match against")
	mix := fs.String("mix", "posts", "the events' kinds: posts (what Jetstream sends for wantedCollections=app.bsky.feed.post: posts, their deletions, account events) or firehose (the whole network's mix of the shared sample: 11 % posts, the rest likes, reposts, follows)")
	cores := fs.Int("cores", 1, "GOMAXPROCS for the run")
	dataDir := fs.String("data", "", "data folder (default: a temporary one, removed after)")
	window := fs.Bool("recent-window", true, "keep unmatched posts in the recent window, as vigie serve does by default")
	traceFile := fs.String("trace", "", "write an execution trace of the run to this file (go tool trace)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *events < 1 || *monitors < 1 || *cores < 1 || (*mix != "posts" && *mix != "firehose") {
		return usageErr("--events, --monitors and --cores must be at least 1; --mix is posts or firehose")
	}
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "vigie-bench-jetstream-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.Data = dir
	cfg.LogLevel = "warn"
	if !*window {
		cfg.RecentWindow = 0
	}
	a, err := openApp(ctx, cfg, stderr, "", "")
	if err != nil {
		return err
	}
	defer a.Close()

	rng := rand.New(rand.NewPCG(11, 11))
	vocab := benchVocab(rng, 20000)
	brands := benchVocab(rng, *monitors*2)
	var recs []vigie.MonitorRecord
	for i := range *monitors {
		q := brands[2*i]
		switch i % 4 {
		case 1:
			q = `"` + brands[2*i] + " " + brands[2*i+1] + `"`
		case 2:
			q = brands[2*i] + " OR #" + brands[2*i+1]
		case 3:
			q = brands[2*i] + " AND NOT " + vocab[i%100]
		}
		recs = append(recs, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: fmt.Sprintf("m%d", i), Name: fmt.Sprintf("Monitor %d", i), Query: q}, WorkspaceID: a.workspace.ID})
	}
	if _, err := a.monitors.UpsertMany(ctx, a.workspace.ID, recs); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "generating %d events (%s mix)…\n", *events, *mix)
	corpus, last, posts := benchEvents(rng, *events, *mix, vocab, brands)
	var corpusBytes int
	for _, e := range corpus {
		corpusBytes += len(e)
	}
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for _, e := range corpus {
			if err := c.Write(r.Context(), websocket.MessageText, e); err != nil {
				return
			}
			sent.Add(1)
		}
		c.Read(r.Context())
	}))
	defer srv.Close()

	src, err := a.store.CreateSource(ctx, vigie.Source{WorkspaceID: a.workspace.ID, Kind: vigie.SourceBluesky, Name: "bench",
		URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/subscribe", Enabled: true, SourceState: vigie.SourceState{NextCheckAt: time.Now()}})
	if err != nil {
		return err
	}
	policy := netguard.Policy{AllowLoopback: true}
	js := &bluesky.Jetstream{Client: policy.Client(0), Now: time.Now}
	sched := &ingest.Scheduler{Pipeline: a.pipeline, Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}

	runtime.GC()
	prev := runtime.GOMAXPROCS(*cores)
	defer runtime.GOMAXPROCS(prev)
	var peak uint64
	var ms runtime.MemStats
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cpu0, start := cpuTime(), time.Now()
	go func() { sched.RunStream(sctx, js, &src); close(done) }()
	want := strconv.FormatInt(last, 10)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	lastReport := start
	for {
		<-tick.C
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		cur, err := a.store.FindSourceByID(ctx, a.workspace.ID, src.ID)
		if err != nil {
			stop()
			return err
		}
		if cur.LastError != "" {
			stop()
			return fmt.Errorf("the stream failed: %s", cur.LastError)
		}
		if cur.Cursor == want {
			break
		}
		if time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(stderr, "%d events sent, %.0f s\n", sent.Load(), time.Since(start).Seconds())
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	runtime.GC()
	runtime.ReadMemStats(&ms)
	live := ms.HeapAlloc // the stream still connected, the corpus still held
	stop()
	<-done
	st := a.pipeline.Stats()
	fmt.Fprintf(stdout, "machine: %d cores (GOMAXPROCS=%d for the run), %s, %s\n", runtime.NumCPU(), *cores, cpuModel(), runtime.Version())
	fmt.Fprintf(stdout, "%d events (%d posts) in %.1f s: %.0f events/s, %.0f posts/s; CPU %.1f s (%.0f %% of one core)\n",
		*events, posts, elapsed.Seconds(), float64(*events)/elapsed.Seconds(), float64(posts)/elapsed.Seconds(), cpu.Seconds(), 100*cpu.Seconds()/elapsed.Seconds())
	fmt.Fprintf(stdout, "matched %d posts against %d monitors, stored %d mentions, deleted %d, kept %d in the recent window\n",
		st.Matched.Load(), *monitors, st.Mentions.Load(), st.Deleted.Load(), st.Kept.Load())
	fmt.Fprintf(stdout, "memory: live heap at the end %d MB beside the replayed corpus (%d MB); peak heap in use %d MB, garbage included\n",
		(live-min(live, uint64(corpusBytes)))>>20, corpusBytes>>20, peak>>20)
	if fi, err := os.Stat(filepath.Join(dir, "vigie.db")); err == nil {
		fmt.Fprintf(stdout, "database: %d MB\n", fi.Size()>>20)
	}
	return nil
}

// benchVocab makes n distinct pronounceable words.
func benchVocab(rng *rand.Rand, n int) []string {
	const cons, vows = "bcdfghjklmnprstvz", "aeiou"
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteByte(cons[rng.IntN(len(cons))])
			b.WriteByte(vows[rng.IntN(len(vows))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// benchEvents generates Jetstream v1 events in the network's shapes: post
// creates of 8 to 40 words (Zipf-distributed over the vocabulary, a brand
// in one post of 20), a few edits and deletions, account events, and with
// the firehose mix the likes, reposts and follows that are most of the
// network. It returns the events, the last time_us, and the posts.
func benchEvents(rng *rand.Rand, n int, mix string, vocab, brands []string) ([][]byte, int64, int) {
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1))
	langs := []string{"en", "en", "en", "ja", "pt", "de", "fr", "es", "it", "ko"}
	t := time.Now().Add(-time.Hour).UnixMicro()
	out := make([][]byte, 0, n)
	posts := 0
	var recent []string
	for i := 0; len(out) < n; i++ {
		t += 50
		did := fmt.Sprintf("did:plc:%024d", rng.IntN(200000))
		rkey := fmt.Sprintf("3m%011d", i)
		r := rng.IntN(100)
		var ev map[string]any
		switch {
		case mix == "firehose" && r < 89:
			col := "app.bsky.feed.like"
			if r >= 70 {
				col = "app.bsky.feed.repost"
			}
			if r >= 80 {
				col = "app.bsky.graph.follow"
			}
			ev = map[string]any{"did": did, "time_us": t, "kind": "commit", "commit": map[string]any{"rev": rkey, "operation": "create", "collection": col, "rkey": rkey,
				"record": map[string]any{"$type": col, "createdAt": time.UnixMicro(t).UTC().Format(time.RFC3339Nano),
					"subject": map[string]any{"cid": "bafyreiftot7eltsc3f6g4qktykmbv6jcmdmhcx5osscan6jpdxkpqcmcza", "uri": "at://did:plc:r2zybk6op3ymzpz6jhqpkoy5/app.bsky.feed.post/3mpsjbtci2c2o"}},
				"cid": "bafyreiguce4jh7kcbmof3pmcvasifqtw24b6isakj5ve5ga2b4z4alpc4i"}}
		case r == 99 && len(recent) > 0:
			d, k, _ := strings.Cut(recent[rng.IntN(len(recent))], " ")
			ev = map[string]any{"did": d, "time_us": t, "kind": "commit", "commit": map[string]any{"rev": rkey, "operation": "delete", "collection": "app.bsky.feed.post", "rkey": k}}
		case r == 98:
			ev = map[string]any{"did": did, "time_us": t, "kind": "account", "account": map[string]any{"active": true, "did": did, "seq": i, "time": time.UnixMicro(t).UTC().Format(time.RFC3339Nano)}}
		default:
			words := make([]string, 8+rng.IntN(33))
			for j := range words {
				words[j] = vocab[zipf.Uint64()]
			}
			if rng.IntN(20) == 0 {
				words[rng.IntN(len(words))] = brands[rng.IntN(len(brands))]
			}
			rec := map[string]any{"$type": "app.bsky.feed.post", "createdAt": time.UnixMicro(t).UTC().Format(time.RFC3339Nano),
				"langs": []string{langs[rng.IntN(len(langs))]}, "text": strings.Join(words, " ")}
			if rng.IntN(3) == 0 {
				rec["reply"] = map[string]any{"parent": map[string]any{"cid": "bafyreiaaa", "uri": "at://did:plc:abc/app.bsky.feed.post/3mzz"},
					"root": map[string]any{"cid": "bafyreiaaa", "uri": "at://did:plc:abc/app.bsky.feed.post/3mzz"}}
			}
			ev = map[string]any{"did": did, "time_us": t, "kind": "commit", "commit": map[string]any{"rev": rkey, "operation": "create", "collection": "app.bsky.feed.post",
				"rkey": rkey, "record": rec, "cid": "bafyreiapzyf65cmq55jklpnrihiygze2jmmdqvvkwqeiomd72pbp2iazuu"}}
			posts++
			if len(recent) < 1000 {
				recent = append(recent, did+" "+rkey)
			} else {
				recent[rng.IntN(len(recent))] = did + " " + rkey
			}
		}
		b, _ := json.Marshal(ev)
		out = append(out, b)
	}
	return out, t, posts
}

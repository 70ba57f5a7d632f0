package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/store"
)

// runBenchAlerts measures issue 12's two targets: how long after a
// crossing batch is committed its rule's webhook is called (latency), and
// what evaluating 100 rules on every stored batch costs an import's
// throughput (import).
func runBenchAlerts(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "latency":
			return benchAlertLatency(args[1:], stdout, stderr)
		case "import":
			return benchAlertImport(args[1:], stdout, stderr)
		}
	}
	return usageErr("say which part: vigie bench alerts latency [flags] | vigie bench alerts import --monitors M.jsonl --posts P.jsonl [flags] (-h for each part's flags)")
}

// benchAlertLatency runs the alert engine as vigie serve does (woken by
// the pipeline's OnStored after each stored batch, and each minute) on a
// real store, with other spike rules and a steady stream of other batches,
// and times trials: a batch that makes a spike rule fire is stored through
// the pipeline, and the time from its commit (Process returning) to the
// rule's generic webhook reaching a local receiver is measured in wall
// time. Each trial has its own monitor and rule (a new episode), enabled
// just before it and disabled after, so that the engine evaluates the
// other rules plus one throughout.
func benchAlertLatency(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench alerts latency", stderr)
	trials := fs.Int("trials", 100, "trials, each with its own monitor and spike rule")
	rules := fs.Int("rules", 100, "other spike rules evaluated meanwhile, one per monitor")
	rate := fs.Int("rate", 120, "mentions per hour of each other monitor, in its 8-hour history and in the background stream")
	every := fs.Duration("stream-every", 250*time.Millisecond, "the background stream stores a batch this often")
	other := fs.Int("stream-unmatched", 20, "posts matching no monitor in each background batch")
	burst := fs.Int("burst", 30, "mentions in a trial's batch (its monitor's history has 6 an hour)")
	settle := fs.Duration("settle", time.Second, "wait after enabling a trial's rule, before its batch (plus up to --stream-every at random)")
	dbURL := fs.String("database-url", "", "PostgreSQL URL instead of SQLite in a temporary folder (use an empty database: the run's data stays)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *trials < 1 || *rules < 0 || *rate < 1 || *every <= 0 || *burst < 1 || *other < 0 {
		return usageErr("--trials, --rate, --burst and --stream-every must be positive, --rules and --stream-unmatched at least 0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "vigie-bench-alerts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Defaults()
	cfg.Data, cfg.LogLevel, cfg.DatabaseURL = dir, "warn", *dbURL
	a, err := openApp(ctx, cfg, stderr, "", "")
	if err != nil {
		return err
	}
	defer a.Close()
	ws := a.workspace.ID
	fmt.Fprintf(stdout, "machine: %d cores, %s, %s; database %s; load average %s\n", runtime.NumCPU(), cpuModel(), runtime.Version(), a.store.Dialect(), loadAverage())

	// The receiver stands for the webhooks: it notes when each trial's
	// request arrives (its headers read), before reading the body.
	arrived := make([]chan time.Time, *trials)
	for i := range arrived {
		arrived[i] = make(chan time.Time, 4)
	}
	var stray atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		io.Copy(io.Discard, r.Body)
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/t/"))
		if err != nil || i < 0 || i >= len(arrived) {
			stray.Add(1)
		} else {
			select {
			case arrived[i] <- at:
			default:
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	// Monitors: one word each; posts carry their monitors' words and
	// filler words no monitor has.
	rng := rand.New(rand.NewPCG(12, 12))
	words := benchVocab(rng, *rules+*trials+2000)
	bgWords, trialWords, filler := words[:*rules], words[*rules:*rules+*trials], words[*rules+*trials:]
	var recs []vigie.MonitorRecord
	for i, w := range bgWords {
		recs = append(recs, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: fmt.Sprintf("bg%03d", i), Name: "Background " + w, Query: w}, WorkspaceID: ws})
	}
	for i, w := range trialWords {
		recs = append(recs, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: fmt.Sprintf("trial%03d", i), Name: "Trial " + w, Query: w}, WorkspaceID: ws})
	}
	if _, err := a.monitors.UpsertMany(ctx, ws, recs); err != nil {
		return err
	}
	inapp := []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}
	for i := range bgWords {
		if _, err := a.store.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: ws, Name: fmt.Sprintf("Spike bg%03d", i), Monitor: fmt.Sprintf("bg%03d", i),
			Kind: vigie.AlertSpike, Enabled: true, Channels: inapp}); err != nil {
			return err
		}
	}
	trialRules := make([]vigie.AlertRule, *trials)
	for i := range trialWords {
		r, err := a.store.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: ws, Name: fmt.Sprintf("Trial %03d", i), Monitor: fmt.Sprintf("trial%03d", i),
			Kind: vigie.AlertSpike, Channels: []vigie.AlertChannel{{Kind: vigie.ChannelWebhook, URL: fmt.Sprintf("%s/t/%d", recv.URL, i)}}})
		if err != nil {
			return err
		}
		trialRules[i] = r
	}
	src, err := a.store.FindOrCreateSource(ctx, ws, vigie.SourceImport, "Bench alerts", "")
	if err != nil {
		return err
	}
	var seq atomic.Int64
	mkPost := func(rng *rand.Rand, at time.Time, monitorWords ...string) vigie.Post {
		n := seq.Add(1)
		text := make([]string, 0, len(monitorWords)+8)
		text = append(text, monitorWords...)
		for range 8 {
			text = append(text, filler[rng.IntN(len(filler))])
		}
		rng.Shuffle(len(text), func(i, j int) { text[i], text[j] = text[j], text[i] })
		return vigie.Post{ID: "ba" + strconv.FormatInt(n, 10), Source: "mastodon", Text: strings.Join(text, " "), PublishedAt: at,
			Author: vigie.Author{ID: strconv.Itoa(rng.IntN(5000)), Handle: "@a" + strconv.Itoa(rng.IntN(5000)), Followers: int64(rng.IntN(20000))}}
	}

	// History: the 8 hours before now, each background monitor at --rate
	// an hour (four monitors to a post), each trial monitor at 6 an hour
	// (ten to a post), so that the detectors have a baseline.
	setup := time.Now()
	now := setup.Truncate(time.Second)
	var hist []vigie.Post
	stored := 0
	flush := func(force bool) error {
		if len(hist) < 2000 && !(force && len(hist) > 0) {
			return nil
		}
		res, err := a.pipeline.Process(ctx, &src, hist, nil)
		if err != nil {
			return err
		}
		stored += res.Mentions
		hist = hist[:0]
		return nil
	}
	step := time.Hour / time.Duration(*rate)
	for k := 0; k < 8**rate; k++ {
		at := now.Add(-8*time.Hour + time.Duration(k)*step)
		for g := 0; g < len(bgWords); g += 4 {
			hist = append(hist, mkPost(rng, at.Add(time.Duration(g)*time.Second), bgWords[g:min(g+4, len(bgWords))]...))
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	for k := 0; k < 48; k++ {
		at := now.Add(-8*time.Hour + time.Duration(k)*10*time.Minute + 17*time.Second)
		for g := 0; g < len(trialWords); g += 10 {
			hist = append(hist, mkPost(rng, at, trialWords[g:min(g+10, len(trialWords))]...))
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "setup: %d monitors, %d spike rules enabled (in the app) and %d trial rules (webhook), %d mentions of history, %.1f s\n",
		len(recs), *rules, *trials, stored, time.Since(setup).Seconds())

	// The engine, as vigie serve wires it.
	eng := &alert.Engine{Store: a.store, PublicURL: "http://127.0.0.1:8080", Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		HTTP: &alert.HTTPSender{Client: netguard.Policy{AllowLoopback: true, AllowPrivate: true}.Client(20 * time.Second), Now: time.Now}}
	a.pipeline.OnStored = eng.NotifyMonitors
	ectx, stopEngine := context.WithCancel(ctx)
	engineDone := make(chan struct{})
	go func() { eng.Run(ectx); close(engineDone) }()
	defer func() { stopEngine(); <-engineDone }()

	// The background stream: a batch each --stream-every, with the other
	// monitors' mentions at their history's rate and posts matching none.
	var streamBatches, streamMentions, streamErrors atomic.Int64
	var streamLast atomic.Value
	sctx, stopStream := context.WithCancel(ctx)
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		rng := rand.New(rand.NewPCG(13, 13))
		t := time.NewTicker(*every)
		defer t.Stop()
		perBatch := float64(*rate**rules) * every.Hours()
		acc := 0.0
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
			acc += perBatch
			k := int(acc)
			acc -= float64(k)
			at := time.Now().Add(-time.Second)
			posts := make([]vigie.Post, 0, k+*other)
			for range k {
				posts = append(posts, mkPost(rng, at, bgWords[rng.IntN(len(bgWords))]))
			}
			for range *other {
				posts = append(posts, mkPost(rng, at))
			}
			res, err := a.pipeline.Process(sctx, &src, posts, nil)
			if err != nil {
				if sctx.Err() == nil {
					streamErrors.Add(1)
					streamLast.Store(err.Error())
				}
				continue
			}
			streamBatches.Add(1)
			streamMentions.Add(int64(res.Mentions))
		}
	}()
	defer func() { stopStream(); <-streamDone }()
	time.Sleep(3 * time.Second) // the engine reads every rule's history once

	fmt.Fprintf(stdout, "trials: a batch of %d mentions of the trial's monitor, stored through the pipeline, each beside %d enabled rules and the stream (%d batches/s, %.1f mentions/s)\n",
		*burst, *rules+1, int(time.Second / *every), float64(*rate**rules)/3600)
	var fromCommit, fromSubmit []time.Duration
	missed, early := 0, 0
	load0 := loadAverage()
	trialStart := time.Now()
	for i := range *trials {
		r := trialRules[i]
		r.Enabled = true
		if _, err := a.store.UpdateAlertRule(ctx, ws, r.ID, r); err != nil {
			return err
		}
		time.Sleep(*settle + time.Duration(rng.Int64N(int64(*every))))
		at := time.Now()
		batch := make([]vigie.Post, 0, *burst)
		for j := range *burst {
			batch = append(batch, mkPost(rng, at.Add(-time.Duration(j)*time.Second), trialWords[i]))
		}
		t0 := time.Now()
		res, err := a.pipeline.Process(ctx, &src, batch, nil)
		if err != nil {
			return err
		}
		t1 := time.Now()
		if res.Mentions != *burst {
			return fmt.Errorf("trial %d: %d mentions stored of %d", i, res.Mentions, *burst)
		}
		select {
		case got := <-arrived[i]:
			if got.Before(t1) {
				early++
			}
			fromCommit = append(fromCommit, got.Sub(t1))
			fromSubmit = append(fromSubmit, got.Sub(t0))
		case <-time.After(60 * time.Second):
			missed++
			fmt.Fprintf(stderr, "trial %d: no webhook within 60 s\n", i)
		}
		r.Enabled = false
		if _, err := a.store.UpdateAlertRule(ctx, ws, r.ID, r); err != nil {
			return err
		}
		if (i+1)%25 == 0 {
			fmt.Fprintf(stderr, "%d trials, %.0f s\n", i+1, time.Since(trialStart).Seconds())
		}
	}
	load1 := loadAverage()
	stopStream()
	<-streamDone
	// The last delivery is recorded as sent just after its request: let
	// it finish before the engine stops.
	if as, err := a.store.FindAlerts(ctx, store.AlertFilter{WorkspaceID: ws, Limit: 1}); err == nil && len(as) == 1 {
		for range 50 {
			ds, err := a.store.Deliveries(ctx, ws, as[0].ID)
			if err != nil || len(ds) == 0 || ds[0].State != "pending" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(fromCommit) == 0 {
		return errors.New("no trial's webhook arrived")
	}
	fmt.Fprintf(stdout, "latency from the batch's commit to the webhook request (%d trials, %d missed): p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms, mean %.0f ms\n",
		len(fromCommit), missed, ms(pct(fromCommit, 50)), ms(pct(fromCommit, 90)), ms(pct(fromCommit, 99)), ms(pct(fromCommit, 100)), ms(mean(fromCommit)))
	fmt.Fprintf(stdout, "latency from the batch's submission (Process called): p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		ms(pct(fromSubmit, 50)), ms(pct(fromSubmit, 99)), ms(pct(fromSubmit, 100)))
	if early > 0 {
		fmt.Fprintf(stdout, "%d webhooks arrived before Process returned (counted as negative latencies)\n", early)
	}
	fired, err := a.store.FindAlerts(ctx, store.AlertFilter{WorkspaceID: ws, Limit: 500})
	if err != nil {
		return err
	}
	others := 0
	for _, al := range fired {
		if !strings.HasPrefix(al.RuleName, "Trial ") {
			others++
		}
	}
	st := eng.Stats()
	fmt.Fprintf(stdout, "engine: %d evaluations (%s), %d rules evaluated, %d skipped\n", st.Evaluations.Load(), passTimes(st), st.Evaluated.Load(), st.Skipped.Load())
	fmt.Fprintf(stdout, "stream: %d batches stored, %d mentions, %d refused; other rules' alerts: %d; stray webhooks: %d; load average %s → %s over %.0f s of trials\n",
		streamBatches.Load(), streamMentions.Load(), streamErrors.Load(), others, stray.Load(), load0, load1, time.Since(trialStart).Seconds())
	if e, ok := streamLast.Load().(string); ok {
		fmt.Fprintf(stdout, "last stream error: %s\n", e)
	}
	return nil
}

// passTimes says how long the engine's passes took.
func passTimes(st *alert.Stats) string {
	n := max(st.Evaluations.Load(), 1)
	return fmt.Sprintf("mean %.1f ms, longest %.1f ms", ms(time.Duration(st.Busy.Load()/n)), ms(time.Duration(st.Longest.Load())))
}

func mean(d []time.Duration) time.Duration {
	var s time.Duration
	for _, x := range d {
		s += x
	}
	return s / time.Duration(max(len(d), 1))
}

// loadAverage is /proc/loadavg's first three fields ("?" elsewhere).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// benchAlertImport imports the benchmark corpus through the pipeline as
// vigie import does, each run into a fresh database, alternately without
// the alert engine and with it running 100 rules in the same process,
// woken by every stored batch as vigie serve's is — the cost a serve
// process pays for its rules while it ingests.
func benchAlertImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench alerts import", stderr)
	monitorsPath := fs.String("monitors", "", "monitors, JSON Lines (shared/bench/benchgen/gen.py writes them)")
	postsPath := fs.String("posts", "", "posts, JSON Lines")
	limit := fs.Int("limit", 300_000, "posts imported per run: the corpus's first lines (0: all)")
	pairs := fs.Int("pairs", 2, "pairs of runs, each without the rules then with them")
	nRules := fs.Int("rules", 100, "rules, on the monitors that match most: spike, sentiment, every and influencer in turn")
	shift := fs.Bool("shift", true, "shift the posts' dates so that the corpus ends as the bench starts: the detectors' last hour holds its newest posts, as a live stream's would (else they read nothing)")
	workDir := fs.String("work", "", "folder for the prepared corpus and the runs' databases (default: a temporary one, removed after)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *monitorsPath == "" || *postsPath == "" {
		return usageErr("both --monitors and --posts are required")
	}
	if *pairs < 1 || *nRules < 0 || *limit < 0 {
		return usageErr("--pairs must be at least 1, --rules and --limit at least 0")
	}
	dir := *workDir
	if dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	} else {
		tmp, err := os.MkdirTemp("", "vigie-bench-alerts-import-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	fmt.Fprintf(stdout, "machine: %d cores, %s, %s; load average %s\n", runtime.NumCPU(), cpuModel(), runtime.Version(), loadAverage())
	corpus := filepath.Join(dir, "posts.jsonl")
	n, delta, err := prepareCorpus(*postsPath, corpus, *limit, *shift)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "corpus: the first %d posts of %s, dates shifted by %s\n", n, *postsPath, delta.Round(time.Minute))
	busy, err := busiestMonitors(*monitorsPath, corpus, 50_000, *nRules)
	if err != nil {
		return err
	}
	kinds := []vigie.AlertKind{vigie.AlertSpike, vigie.AlertSentiment, vigie.AlertEvery, vigie.AlertInfluencer}
	var rules []vigie.AlertRule
	for i, id := range busy {
		k := kinds[i%len(kinds)]
		rules = append(rules, vigie.AlertRule{Name: fmt.Sprintf("%s %s", k, id), Monitor: id, Kind: k, Enabled: true,
			Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}})
	}
	fmt.Fprintf(stdout, "rules: %d, on the monitors with the most matches in the corpus's first 50,000 posts (%s in turn)\n", len(rules), kinds)

	type result = alertImportResult
	var without, with []result
	for p := range *pairs {
		for _, engine := range []bool{false, true} {
			runtime.GC()
			debug.FreeOSMemory()
			r, err := alertImportRun(dir, *monitorsPath, corpus, engine, rules, stdout, stderr, fmt.Sprintf("pair %d, %s", p+1, map[bool]string{false: "no engine      ", true: "engine, rules  "}[engine]))
			if err != nil {
				return err
			}
			if engine {
				with = append(with, r)
			} else {
				without = append(without, r)
			}
		}
	}
	avg := func(rs []result, f func(result) float64) float64 {
		s := 0.0
		for _, r := range rs {
			s += f(r)
		}
		return s / float64(len(rs))
	}
	rate := func(r result) float64 { return r.rate }
	cpu := func(r result) float64 { return r.cpu }
	a0, a1 := avg(without, rate), avg(with, rate)
	fmt.Fprintf(stdout, "mean: %.0f posts/s without the engine, %.0f with %d rules: %+.1f %% throughput (CPU %.1f → %.1f s, %+.1f %%)\n",
		a0, a1, len(rules), 100*(a1/a0-1), avg(without, cpu), avg(with, cpu), 100*(avg(with, cpu)/avg(without, cpu)-1))
	for i := range without {
		fmt.Fprintf(stdout, "pair %d: %+.1f %% throughput, %+.1f %% CPU\n", i+1, 100*(with[i].rate/without[i].rate-1), 100*(with[i].cpu/without[i].cpu-1))
	}
	return nil
}

type alertImportResult struct {
	rate, cpu float64
}

// alertImportRun imports the corpus into a fresh SQLite database, with the
// engine running the rules when engine is set, and prints one line.
func alertImportRun(work, monitorsPath, corpus string, engine bool, rules []vigie.AlertRule, stdout, stderr io.Writer, label string) (alertImportResult, error) {
	dir, err := os.MkdirTemp(work, "run-")
	if err != nil {
		return alertImportResult{}, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := config.Defaults()
	cfg.Data, cfg.LogLevel = dir, "warn"
	a, err := openApp(ctx, cfg, stderr, "", "")
	if err != nil {
		return alertImportResult{}, err
	}
	defer a.Close()
	if _, err := importMonitors(ctx, a, monitorsPath); err != nil {
		return alertImportResult{}, err
	}
	src, err := a.store.FindOrCreateSource(ctx, a.workspace.ID, vigie.SourceImport, "Import", "")
	if err != nil {
		return alertImportResult{}, err
	}
	var eng *alert.Engine
	engineDone := make(chan struct{})
	ectx, stopEngine := context.WithCancel(ctx)
	defer stopEngine()
	if engine {
		for _, r := range rules {
			r.WorkspaceID = a.workspace.ID
			if _, err := a.store.CreateAlertRule(ctx, r); err != nil {
				return alertImportResult{}, err
			}
		}
		eng = &alert.Engine{Store: a.store, PublicURL: "http://127.0.0.1:8080", Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
			HTTP: &alert.HTTPSender{Client: http.DefaultClient, Now: time.Now}}
		a.pipeline.OnStored = eng.NotifyMonitors
		go func() { eng.Run(ectx); close(engineDone) }()
	} else {
		close(engineDone)
	}
	defer a.followMonitors(ctx)()
	f, err := os.Open(corpus)
	if err != nil {
		return alertImportResult{}, err
	}
	defer f.Close()
	runtime.GC()
	load0 := loadAverage()
	rep := &importReport{path: corpus, stderr: stderr, start: time.Now(), keepOff: !a.pipeline.KeepRecent}
	cpu0, start := cpuTime(), time.Now()
	if err := importPosts(ctx, a, &src, f, rep, false); err != nil {
		return alertImportResult{}, err
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	stopEngine()
	<-engineDone
	extra := ""
	if engine {
		lag, alerts, err := engineBacklog(ctx, a)
		if err != nil {
			return alertImportResult{}, err
		}
		st := eng.Stats()
		extra = fmt.Sprintf("; engine: %d evaluations (%s), %d rules evaluated, %d skipped, %d alerts, %d mentions left unread by every/influencer rules at the end",
			st.Evaluations.Load(), passTimes(st), st.Evaluated.Load(), st.Skipped.Load(), alerts, lag)
	}
	r := alertImportResult{rate: float64(rep.posts) / el.Seconds(), cpu: cpu.Seconds()}
	fmt.Fprintf(stdout, "%s: %d posts, %d stored (%d mentions) in %.1f s: %.0f posts/s, CPU %.1f s; load average %s → %s%s\n",
		label, rep.posts, rep.stored, rep.mentions, el.Seconds(), r.rate, r.cpu, load0, loadAverage(), extra)
	return r, nil
}

// engineBacklog returns how many stored mentions the every and
// influencer rules had not read yet (those of the last batches, when the
// import ended before their evaluation), and the alerts recorded.
func engineBacklog(ctx context.Context, a *app) (int, int, error) {
	runs, err := a.store.EnabledAlertRules(ctx)
	if err != nil {
		return 0, 0, err
	}
	lag := 0
	for _, r := range runs {
		if r.Kind != vigie.AlertEvery && r.Kind != vigie.AlertInfluencer {
			continue
		}
		var st struct {
			After int64 `json:"after"`
		}
		_ = json.Unmarshal([]byte(r.State), &st)
		nm, err := a.store.MentionsAfter(ctx, a.workspace.ID, r.MonitorKey, st.After, 1_000_000, 0, 0)
		if err != nil {
			return 0, 0, err
		}
		lag += nm.Count
	}
	n := 0
	before := int64(0)
	for {
		as, err := a.store.FindAlerts(ctx, store.AlertFilter{WorkspaceID: a.workspace.ID, BeforeID: before, Limit: 500})
		if err != nil {
			return 0, 0, err
		}
		n += len(as)
		if len(as) < 500 {
			break
		}
		before = as[len(as)-1].ID
	}
	return lag, n, nil
}

// prepareCorpus writes the first limit lines of src to dst, with their
// published_at moved by the same amount so that the newest is a minute
// before now when shift is set. It returns the lines written and the
// shift.
func prepareCorpus(src, dst string, limit int, shift bool) (int, time.Duration, error) {
	lines, err := readLines(src, limit)
	if err != nil {
		return 0, 0, err
	}
	// gen.py writes UTC times to the second: the new one has the same
	// length, written in place.
	const key, layout = `"published_at":"`, "2006-01-02T15:04:05Z"
	stamp := func(l []byte) (int, time.Time, bool) {
		i := bytes.Index(l, []byte(key))
		if i < 0 || len(l) < i+len(key)+len(layout) {
			return 0, time.Time{}, false
		}
		i += len(key)
		t, err := time.Parse(layout, string(l[i:i+len(layout)]))
		return i, t, err == nil
	}
	var delta time.Duration
	if shift {
		var newest time.Time
		for _, l := range lines {
			if _, t, ok := stamp(l); ok && t.After(newest) {
				newest = t
			}
		}
		if !newest.IsZero() {
			delta = time.Now().Add(-time.Minute).Truncate(time.Second).Sub(newest)
		}
	}
	f, err := os.Create(dst)
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, l := range lines {
		if i, t, ok := stamp(l); ok && delta != 0 {
			copy(l[i:], t.Add(delta).UTC().Format(layout))
		}
		w.Write(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, 0, err
	}
	return len(lines), delta, f.Close()
}

// busiestMonitors returns the ids of the n monitors that match the most of
// the corpus's first sample posts, most first (then in file order).
func busiestMonitors(monitorsPath, postsPath string, sample, n int) ([]string, error) {
	ix, _, err := loadMonitors(monitorsPath)
	if err != nil {
		return nil, err
	}
	ps, err := readPosts(postsPath, sample)
	if err != nil {
		return nil, err
	}
	m := match.NewMatcher(ix)
	count := map[string]int{}
	for i := range ps {
		for _, id := range m.Match(&ps[i]) {
			count[id]++
		}
	}
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y string) int { return cmp.Or(count[y]-count[x], strings.Compare(x, y)) })
	if len(ids) < n {
		return nil, fmt.Errorf("only %d monitors match the corpus's first %d posts; fewer than the %d rules asked for", len(ids), sample, n)
	}
	return ids[:n], nil
}

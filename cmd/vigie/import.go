package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/bus"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/postjson"
)

// importBatch posts are matched together and stored in one transaction:
// fewer, larger transactions write each touched page (rollups, indexes)
// once rather than once per small batch — 1,000-post batches made the
// 1M-post import 1.8× slower.
const importBatch = 20000

// importBytes also ends a batch: 20,000 long articles would hold gigabytes.
const importBytes = 64 << 20

// runImport loads monitors (upserted by id) and then posts through the
// normal pipeline. Running it again, or after a crash, stores nothing twice.
func runImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	monitorsPath := fs.String("monitors", "", "monitors to create or update first, JSON Lines")
	postsPath := fs.String("posts", "", "posts, JSON Lines (docs/formats.md); - for standard input")
	wsSlug := fs.String("workspace", "", "slug of the workspace to import into (default: the first workspace)")
	progress := fs.Bool("progress", false, "print a progress line per batch even when stderr is not a terminal")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file at the end of the import")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		defer writeHeapProfile(*memProfile, stderr)
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if *postsPath == "" && *monitorsPath == "" {
		return usageErr("give --posts (and optionally --monitors)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := openApp(ctx, cfg, stderr, "", "")
	if err != nil {
		return err
	}
	defer a.Close()
	if *wsSlug != "" {
		if a.workspace, err = findWorkspace(ctx, a.store, *wsSlug); err != nil {
			return err
		}
	}
	// Say where: with several workspaces, the first is not always the one meant.
	fmt.Fprintf(stderr, "importing into workspace %s (%s)\n", a.workspace.Slug, a.workspace.Name)

	if *monitorsPath != "" {
		n, err := importMonitors(ctx, a, *monitorsPath)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "monitors: %d created or updated\n", n)
	}
	if *postsPath == "" {
		return nil
	}
	// A long import matches with the monitors as they change meanwhile.
	defer a.followMonitors(ctx)()
	in, closeIn, err := openInput(*postsPath)
	if err != nil {
		return err
	}
	defer closeIn()
	src, err := a.store.FindOrCreateSource(ctx, a.workspace.ID, vigie.SourceImport, "Import", "")
	if err != nil {
		return err
	}
	rep := &importReport{path: *postsPath, stderr: stderr, start: time.Now(), keepOff: !a.pipeline.KeepRecent}
	if a.cfg.NATSURL != "" {
		// The match workers store the posts: this returns once the bus
		// holds them all.
		js, err := bus.Connect(bus.Config{URL: a.cfg.NATSURL, Prefix: a.cfg.NATSPrefix, Store: a.store, Log: a.log, Name: "vigie import"})
		if err != nil {
			return badInput(err)
		}
		defer js.Close()
		if *monitorsPath != "" {
			// The workers read monitor changes about once a second: posts
			// sent before they have these monitors would not be matched
			// against them (and backfills reach back 30 days only).
			fmt.Fprintf(stderr, "waiting %s for the match workers to load the monitors\n", backfillSettle)
			select {
			case <-time.After(backfillSettle):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		rep.viaBus = true
		if err := sendPosts(ctx, js, &src, in, rep, *progress || isTerminal(stderr)); err != nil {
			return err
		}
		a.recordImport(ctx, &src, rep)
		rep.finish(stdout)
		return nil
	}
	if err := importPosts(ctx, a, &src, in, rep, *progress || isTerminal(stderr)); err != nil {
		return err
	}
	a.recordImport(ctx, &src, rep)
	// No purge here: the window and cap in effect are the server's, which
	// purges at start-up and every 10 minutes. An import run with other
	// settings (--recent-window 0 for a quicker load) purged every
	// workspace's kept posts to them (an outside trial).
	if rep.stored > 10_000 {
		if err := a.store.Optimize(ctx); err != nil {
			a.log.Warn("refreshing planner statistics after the import", "err", err)
		}
	}
	rep.finish(stdout)
	return nil
}

// recordImport counts the posts read on the workspace's Import source and
// stamps its last success, so that its card on the sources page says what
// was imported and when (it showed 0 posts seen after any import).
func (a *app) recordImport(ctx context.Context, src *vigie.Source, rep *importReport) {
	if err := a.store.CountImported(ctx, a.workspace.ID, src.ID, int64(rep.posts), time.Now().UTC()); err != nil {
		a.log.Warn("recording the import on the Import source (the posts are imported)", "err", err)
	}
}

// postBatch is a batch of posts read, with their line numbers.
type postBatch struct {
	posts []vigie.Post
	lines []int
}

// readBatches reads posts from in (JSON Lines) in batches of importBatch
// until its end or ctx's, reporting bad lines to rep; the error channel
// says why it stopped (nil at the end of in). Reading and decoding run
// ahead of matching and storing, by a batch: memory stays bounded
// whatever the file's size.
func readBatches(work context.Context, in io.Reader, rep *importReport) (<-chan postBatch, <-chan error) {
	// Unbuffered hand-offs: one batch read, one matched and one stored at
	// a time keep both cores busy; a batch waiting in each channel as well
	// held two more batches of 20,000 decoded posts (200k-post import: Go
	// heap peak 302 → 245 MB, gctrace).
	batches := make(chan postBatch)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		lr := newLineReader(in)
		// Sized once: appending 20,000 posts of 296 bytes to a
		// growing slice copied each about twice (a fifth of the reading).
		newBatch := func() postBatch {
			return postBatch{posts: make([]vigie.Post, 0, importBatch), lines: make([]int, 0, importBatch)}
		}
		b := newBatch()
		size := 0
		for {
			line, no, err := lr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if errors.Is(err, errLineTooLong) {
					rep.bad(no, err)
					continue
				}
				readErr <- err
				return
			}
			var p vigie.Post
			if err := postjson.Decode(line, &p); err != nil {
				rep.bad(no, fmt.Errorf("not a post: %v", err))
				continue
			}
			b.posts = append(b.posts, p)
			b.lines = append(b.lines, no)
			if size += len(line); len(b.posts) == importBatch || size >= importBytes {
				select {
				case batches <- b:
				case <-work.Done():
					readErr <- work.Err()
					return
				}
				b, size = newBatch(), 0
			}
		}
		if len(b.posts) > 0 {
			select {
			case batches <- b:
			case <-work.Done():
			}
		}
		readErr <- nil
	}()
	return batches, readErr
}

// importPosts reads posts from in (JSON Lines) and stores them through the
// app's pipeline into src, counting them in rep (a progress line per batch
// when tty). vigie import runs it, and so does vigie bench alerts.
func importPosts(ctx context.Context, a *app, src *vigie.Source, in io.Reader, rep *importReport, tty bool) error {
	work, stop := context.WithCancel(ctx) // ends the reading and matching goroutines on a failure
	defer stop()
	batches, readErr := readBatches(work, in, rep)

	// Matching a batch overlaps storing the previous one (the store writes
	// on one core while the matcher uses the others); batches are stored in
	// the order they were matched, as near-duplicates need.
	type prepared struct {
		pr    *ingest.Prepared
		lines []int
	}
	ready := make(chan prepared)
	prepErr := make(chan error, 1)
	go func() {
		defer close(ready)
		for b := range batches {
			pr, err := a.pipeline.Prepare(work, src, b.posts)
			if err != nil {
				prepErr <- err
				return
			}
			select {
			case ready <- prepared{pr, b.lines}:
			case <-work.Done():
				prepErr <- work.Err()
				return
			}
		}
		prepErr <- nil
	}()
	fail := func(err error) error {
		stop()
		for range ready { // let the preparing goroutine end
		}
		for range batches { // and the reader
		}
		return err
	}
	for x := range ready {
		res, err := a.pipeline.Commit(ctx, x.pr, nil)
		if err != nil {
			return fail(err)
		}
		for _, r := range res.Rejected {
			rep.bad(x.lines[r.Index], r.Err)
		}
		rep.add(res.Received-res.Invalid, res.Duplicates, res.Matched, res.Posts, res.Mentions)
		rep.kept, rep.keptBefore = rep.kept+res.Kept, rep.keptBefore+res.KeptBefore
		if tty {
			rep.progress()
		}
	}
	if err := <-prepErr; err != nil {
		return fail(err)
	}
	return <-readErr
}

// sendPosts reads posts from in and sends them onto the bus for the match
// workers, a batch at a time: each batch is acknowledged by the server
// before the next is read further than one ahead.
func sendPosts(ctx context.Context, js *bus.JetStream, src *vigie.Source, in io.Reader, rep *importReport, tty bool) error {
	work, stop := context.WithCancel(ctx)
	defer stop()
	batches, readErr := readBatches(work, in, rep)
	for b := range batches {
		res, _, err := js.Apply(ctx, src, connector.Batch{Posts: b.posts}, nil)
		if err != nil {
			stop()
			for range batches { // let the reader end
			}
			return err
		}
		for _, r := range res.Rejected {
			rep.bad(b.lines[r.Index], r.Err)
		}
		rep.posts += res.Received - res.Invalid
		rep.duplicates += res.Duplicates
		if tty {
			rep.progress()
		}
	}
	return <-readErr
}

func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "heap profile: %v\n", err)
	}
}

// importMonitors checks every monitor of the file, then saves them: an
// invalid line changes nothing, so the file can be fixed and run again.
func importMonitors(ctx context.Context, a *app, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, badInput(err)
	}
	defer f.Close()
	lr := newLineReader(f)
	var ms []vigie.MonitorRecord
	seen := map[string]int{}
	for {
		b, line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, badInput(fmt.Errorf("%s line %d: %w", path, line, err))
		}
		var m vigie.Monitor
		if err := json.Unmarshal(b, &m); err != nil {
			return 0, badInput(fmt.Errorf("%s line %d: not a monitor: %v", path, line, err))
		}
		if err := m.Validate(); err != nil {
			return 0, badInput(fmt.Errorf("%s line %d: %w", path, line, err))
		}
		if prev, dup := seen[m.ID]; dup {
			return 0, badInput(fmt.Errorf("%s line %d: monitor %q already defined on line %d", path, line, m.ID, prev))
		}
		seen[m.ID] = line
		if _, err := monitor.Check(m.ID, m.Query); err != nil {
			var qe *monitor.QueryError
			if errors.As(err, &qe) {
				return 0, badInput(fmt.Errorf("%s line %d: monitor %q: %v\n%s", path, line, m.ID, qe.Err, indent(qe.Err.Caret(m.Query))))
			}
			return 0, err
		}
		ms = append(ms, vigie.MonitorRecord{Monitor: m, WorkspaceID: a.workspace.ID})
	}
	// Together: one transaction per monitor took 7 s for 10,000.
	if _, err := a.monitors.UpsertMany(ctx, a.workspace.ID, ms); err != nil {
		err = fmt.Errorf("%s: %w", path, err)
		if errors.Is(err, vigie.ErrConflict) || errors.Is(err, vigie.ErrInvalid) {
			err = badInput(err)
		}
		return 0, err
	}
	return len(ms), nil
}

// importReport counts an import and reports bad lines.
type importReport struct {
	path   string
	stderr io.Writer
	start  time.Time
	shown  int

	posts, duplicates, matched, stored, mentions, skipped int
	kept                                                  int  // posts that matched no monitor, kept for the recent window
	keptBefore                                            int  // posts that matched no monitor, kept already
	keepOff                                               bool // the recent window is off: unmatched posts are dropped
	viaBus                                                bool // sent to the match workers through NATS
}

const maxBadLinesShown = 100

func (r *importReport) bad(line int, err error) {
	r.skipped++
	if r.shown < maxBadLinesShown {
		r.shown++
		fmt.Fprintf(r.stderr, "%s line %d: skipped: %v\n", filepath.Base(r.path), line, err)
	} else if r.shown == maxBadLinesShown {
		r.shown++
		fmt.Fprintf(r.stderr, "(more bad lines: only the first %d are shown; the count is at the end)\n", maxBadLinesShown)
	}
}

func (r *importReport) add(posts, dup, matched, stored, mentions int) {
	r.posts += posts
	r.duplicates += dup
	r.matched += matched
	r.stored += stored
	r.mentions += mentions
}

func (r *importReport) rate() float64 {
	return float64(r.posts) / max(time.Since(r.start).Seconds(), 1e-9)
}

func (r *importReport) progress() {
	if r.viaBus {
		fmt.Fprintf(r.stderr, "sent %d posts to the bus (%.0f/s): %d were there already, %d bad lines\n", r.posts, r.rate(), r.duplicates, r.skipped)
		return
	}
	fmt.Fprintf(r.stderr, "imported %d posts (%.0f/s): %d matched, %d stored, %d already there, %d bad lines\n",
		r.posts, r.rate(), r.matched, r.stored, r.duplicates, r.skipped)
}

func (r *importReport) finish(stdout io.Writer) {
	if r.viaBus {
		fmt.Fprintf(stdout, "posts: %d read and sent to the bus, %d of them there already (sent within the last 2 minutes), %d bad lines skipped\n", r.posts, r.duplicates, r.skipped)
		fmt.Fprintf(stdout, "the match workers (vigie serve --roles match) store them; time: %.1fs, %.0f posts/s\n", time.Since(r.start).Seconds(), r.rate())
		return
	}
	fmt.Fprintf(stdout, "posts: %d read, %d matched a monitor, %d stored (%d mentions), %d already stored, %d bad lines skipped\n",
		r.posts, r.matched, r.stored, r.mentions, r.duplicates, r.skipped)
	// Every post read is accounted for: those no monitor matched are kept
	// for tests and backfills, were kept before, or dropped (window off).
	switch unmatched := r.posts - r.matched - r.duplicates; {
	case r.keepOff && unmatched > 0:
		fmt.Fprintf(stdout, "recent window off: %s that matched no monitor not kept\n", nPosts(unmatched))
	case r.kept > 0 || r.keptBefore > 0:
		fmt.Fprintf(stdout, "recent window: %s that matched no monitor kept for tests and backfills, %d kept before\n", nPosts(r.kept), r.keptBefore)
	}
	fmt.Fprintf(stdout, "time: %.1fs, %.0f posts/s\n", time.Since(r.start).Seconds(), r.rate())
}

// nPosts is "1 post" or "n posts".
func nPosts(n int) string {
	if n == 1 {
		return "1 post"
	}
	return fmt.Sprintf("%d posts", n)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

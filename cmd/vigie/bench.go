package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/text"
)

// runBenchMatch measures the percolator on a corpus (shared/bench/benchgen/gen.py
// writes one): index build time and memory, then posts/s end to end (read,
// decode, analyse, match, write) and for the engine alone (analyse + match of
// posts already in memory), and candidate statistics.
func runBenchMatch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench match", stderr)
	monitors := fs.String("monitors", "", "monitors, JSON Lines")
	posts := fs.String("posts", "", "posts, JSON Lines")
	limit := fs.Int("limit", 100000, "posts held in memory for the engine-only run (0: all)")
	workers := fs.Int("workers", 1, "workers for the end-to-end run")
	rounds := fs.Int("rounds", 3, "engine-only rounds; the best is reported")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the engine-only rounds to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *monitors == "" || *posts == "" {
		return usageErr("both --monitors and --posts are required")
	}
	fmt.Fprintf(stdout, "machine: %d cores (GOMAXPROCS=%d), %s, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.Version())

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	ix, n, err := loadMonitors(*monitors)
	if err != nil {
		return err
	}
	build := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	st := ix.Stats()
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	fmt.Fprintf(stdout, "index: monitors=%d branches=%d unanchored=%d keys=%d build_seconds=%.3f heap_bytes=%d bytes_per_monitor=%.0f\n",
		n, st.Branches, st.Unanchored, st.Terms, build.Seconds(), heap, float64(heap)/float64(max(n, 1)))

	// End to end, as `vigie match` runs, output discarded.
	f, err := os.Open(*posts)
	if err != nil {
		return badInput(err)
	}
	start = time.Now()
	ss, err := matchStream(ix, f, io.Discard, *workers, func(int, error) {})
	f.Close()
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "end-to-end (read+decode+analyse+match+write, workers=%d): posts=%d matches=%d seconds=%.3f posts_per_s=%.0f\n",
		*workers, ss.Posts, ss.Matches, el.Seconds(), float64(ss.Posts)/el.Seconds())
	fmt.Fprintf(stdout, "candidates: index_hits_per_post=%.3f verified_per_post=%.3f verified_per_match=%.3f\n",
		ratio(ss.Candidates, ss.Posts), ratio(ss.Verified, ss.Posts), ratio(ss.Verified, ss.Matches))

	st = ix.Stats()
	fmt.Fprintf(stdout, "learning: posts_observed=%d replans=%d branches_reanchored=%d\n", st.Observed, st.Replans, st.Reanchored)

	// Engine alone, one goroutine, on posts decoded beforehand.
	ps, err := readPosts(*posts, *limit)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pf.Close()
		defer pprof.StopCPUProfile()
	}
	best := time.Duration(0)
	var m *match.Matcher
	for r := 0; r < *rounds; r++ {
		m = match.NewMatcher(ix)
		start = time.Now()
		for i := range ps {
			m.Match(&ps[i])
		}
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	fmt.Fprintf(stdout, "engine (analyse+match, 1 goroutine, best of %d): posts=%d matches=%d seconds=%.3f posts_per_s=%.0f us_per_post=%.2f\n",
		*rounds, len(ps), m.Matches, best.Seconds(), float64(len(ps))/best.Seconds(), float64(best.Microseconds())/float64(len(ps)))

	// Analysis alone, to show where the time goes.
	var an text.Analyzer
	start = time.Now()
	for i := range ps {
		an.Analyze(&ps[i])
	}
	ael := time.Since(start)
	fmt.Fprintf(stdout, "analysis only: us_per_post=%.2f\n", float64(ael.Microseconds())/float64(len(ps)))
	fmt.Fprintf(stdout, "peak_rss_mb=%.0f\n", float64(peakRSS())/(1<<20))
	return nil
}

func readPosts(path string, limit int) ([]vigie.Post, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, badInput(err)
	}
	defer f.Close()
	lr := newLineReader(f)
	var ps []vigie.Post
	for limit <= 0 || len(ps) < limit {
		b, _, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		var p vigie.Post
		if vigie.DecodePost(b, &p) == nil && p.Validate() == nil {
			ps = append(ps, p)
		}
	}
	debug.FreeOSMemory()
	return ps, nil
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// peakRSS returns the process's peak resident memory (VmHWM), or 0.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

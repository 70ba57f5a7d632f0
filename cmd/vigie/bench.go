package main

import (
	"bufio"
	"bytes"
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
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/text"
)

// runBenchMatch measures the percolator on a corpus (shared/bench/benchgen/gen.py
// writes one): index build time and memory, then posts/s end to end (read,
// decode, analyse, match with languages detected on demand, write), the cost
// of each of those stages on posts held in memory, and candidate statistics.
// Wall time on a shared machine varies with the load; the CPU time of the
// end-to-end run varies much less, so both are printed.
func runBenchMatch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench match", stderr)
	monitors := fs.String("monitors", "", "monitors, JSON Lines")
	posts := fs.String("posts", "", "posts, JSON Lines")
	limit := fs.Int("limit", 100000, "posts held in memory for the per-stage runs (0: all)")
	workers := fs.Int("workers", 1, "workers for the end-to-end run")
	rounds := fs.Int("rounds", 3, "per-stage rounds; the best is reported")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the engine-only rounds to this file")
	e2eProfile := fs.String("e2e-cpuprofile", "", "write a CPU profile of the end-to-end run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *monitors == "" || *posts == "" {
		return usageErr("both --monitors and --posts are required")
	}
	*rounds = max(*rounds, 1)
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

	// The language model loads once per process, on first use; timed apart
	// so that the end-to-end figure is the stream's steady cost.
	lang := ix.UsesLang()
	if lang {
		start = time.Now()
		enrich.Language(&text.Doc{Plain: "warm up"}, "")
		fmt.Fprintf(stdout, "language model: load_seconds=%.3f (monitors test lang:, so languages are detected on demand)\n", time.Since(start).Seconds())
	}

	// End to end, as `vigie match --workers N` runs, output discarded.
	f, err := os.Open(*posts)
	if err != nil {
		return badInput(err)
	}
	var e2eProf *os.File
	if *e2eProfile != "" {
		if e2eProf, err = os.Create(*e2eProfile); err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(e2eProf); err != nil {
			return err
		}
	}
	cpu0 := cpuTime()
	start = time.Now()
	ss, err := matchStream(ix, f, io.Discard, *workers, func(int, error) {})
	f.Close()
	el, cpu := time.Since(start), cpuTime()-cpu0
	if e2eProf != nil {
		pprof.StopCPUProfile()
		e2eProf.Close()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "end-to-end (read+decode+analyse+match+detect+write, workers=%d): posts=%d matches=%d seconds=%.3f posts_per_s=%.0f cpu_seconds=%.3f posts_per_cpu_s=%.0f\n",
		*workers, ss.Posts, ss.Matches, el.Seconds(), float64(ss.Posts)/el.Seconds(), cpu.Seconds(), float64(ss.Posts)/cpu.Seconds())
	fmt.Fprintf(stdout, "candidates: index_hits_per_post=%.3f verified_per_post=%.3f verified_per_match=%.3f lang_detected_per_post=%.3f\n",
		ratio(ss.Candidates, ss.Posts), ratio(ss.Verified, ss.Posts), ratio(ss.Verified, ss.Matches), ratio(ss.Detected, ss.Posts))

	st = ix.Stats()
	fmt.Fprintf(stdout, "learning: posts_observed=%d replans=%d branches_reanchored=%d\n", st.Observed, st.Replans, st.Reanchored)

	// Each stage alone, one goroutine, on lines held in memory: where the
	// end-to-end time goes (the rest is reading and writing).
	lines, err := readLines(*posts, *limit)
	if err != nil {
		return err
	}
	var ps []vigie.Post
	decode, _ := bestOf(*rounds, func() {
		ps = ps[:0]
		for _, b := range lines {
			var p vigie.Post
			// As vigie match decodes (the lines stay in memory).
			if postjson.DecodeShared(b, &p) == nil && p.Validate() == nil {
				ps = append(ps, p)
			}
		}
	})
	lines = nil
	debug.FreeOSMemory()
	var an text.Analyzer
	analyse, analyseCPU := bestOf(*rounds, func() {
		for i := range ps {
			an.Analyze(&ps[i])
		}
	})
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
	var m *match.Matcher
	engine, engineCPU := bestOf(*rounds, func() {
		m = match.NewMatcher(ix)
		for i := range ps {
			m.Match(&ps[i])
		}
	})
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	engineMatches := m.Matches
	var ml *match.Matcher
	withLang := engine
	if lang {
		withLang, _ = bestOf(*rounds, func() {
			ml = match.NewMatcher(ix)
			var hint string
			ml.DetectLang = langDetector(&hint)
			for i := range ps {
				hint = ps[i].Lang
				ml.MatchDoc(an.Analyze(&ps[i]))
			}
		})
	}
	np := float64(max(len(ps), 1))
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / np }
	fmt.Fprintf(stdout, "stages (1 goroutine, %d posts in memory, best of %d, us per post): decode=%.2f analyse=%.2f match=%.2f detect=%.2f\n",
		len(ps), *rounds, us(decode), us(analyse), us(engine-analyse), us(withLang-engine))
	if ml != nil && ml.Detected > 0 {
		fmt.Fprintf(stdout, "detection: lang_detected_per_post=%.3f us_per_detection=%.1f\n",
			float64(ml.Detected)/np, float64((withLang-engine).Nanoseconds())/1e3/float64(ml.Detected))
	}
	fmt.Fprintf(stdout, "engine (analyse+match, 1 goroutine, best of %d): posts=%d matches=%d seconds=%.3f posts_per_s=%.0f us_per_post=%.2f cpu_us_per_post=%.2f (analyse %.2f)\n",
		*rounds, len(ps), engineMatches, engine.Seconds(), np/engine.Seconds(), us(engine), us(engineCPU), us(analyseCPU))
	if lang {
		fmt.Fprintf(stdout, "engine with detection (analyse+match+detect on demand, as end to end): posts=%d matches=%d seconds=%.3f posts_per_s=%.0f us_per_post=%.2f\n",
			len(ps), ml.Matches, withLang.Seconds(), np/withLang.Seconds(), us(withLang))
	}
	fmt.Fprintf(stdout, "peak_rss_mb=%.0f\n", float64(peakRSS())/(1<<20))
	return nil
}

// bestOf runs f rounds times and returns its shortest wall time and,
// apart, its smallest CPU time (the process's: with GOMAXPROCS=1 that is f
// and the garbage collector's work for it), which a loaded machine moves less.
func bestOf(rounds int, f func()) (wall, cpu time.Duration) {
	for range rounds {
		c0, start := cpuTime(), time.Now()
		f()
		d, c := time.Since(start), cpuTime()-c0
		if wall == 0 || d < wall {
			wall = d
		}
		if cpu == 0 || c < cpu {
			cpu = c
		}
	}
	return wall, cpu
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
		if postjson.Decode(b, &p) == nil && p.Validate() == nil {
			ps = append(ps, p)
		}
	}
	debug.FreeOSMemory()
	return ps, nil
}

// readLines returns up to limit non-empty lines of path (0: all).
func readLines(path string, limit int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, badInput(err)
	}
	defer f.Close()
	lr := newLineReader(f)
	var out [][]byte
	for limit <= 0 || len(out) < limit {
		b, _, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		out = append(out, bytes.Clone(b))
	}
	return out, nil
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

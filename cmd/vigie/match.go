package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

func runMatch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("match", stderr)
	monitors := fs.String("monitors", "", "monitors, JSON Lines: {\"id\",\"name\",\"kind\",\"query\"}")
	posts := fs.String("posts", "", "posts, JSON Lines (formats.md); - for standard input")
	stats := fs.Bool("stats", false, "print a summary on stderr: posts, matches, posts/s")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "posts matched in parallel")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *monitors == "" || *posts == "" {
		return usageErr("both --monitors and --posts are required")
	}
	start := time.Now()
	ix, n, err := loadMonitors(*monitors)
	if err != nil {
		return err
	}
	buildTime := time.Since(start)
	in, closeIn, err := openInput(*posts)
	if err != nil {
		return err
	}
	defer closeIn()
	out := bufio.NewWriterSize(stdout, 1<<16)
	start = time.Now()
	st, err := matchStream(ix, in, out, *workers, func(line int, err error) {
		fmt.Fprintf(stderr, "%s line %d: skipped: %v\n", *posts, line, err)
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	elapsed := time.Since(start)
	if st.Skipped > 0 {
		fmt.Fprintf(stderr, "%d bad post lines skipped\n", st.Skipped)
	}
	if *stats {
		fmt.Fprintf(stderr, "monitors=%d build_seconds=%.3f candidates_per_post=%.3f verified_per_post=%.3f verified_per_match=%.2f skipped_lines=%d\n",
			n, buildTime.Seconds(), ratio(st.Candidates, st.Posts), ratio(st.Verified, st.Posts), ratio(st.Verified, st.Matches), st.Skipped)
		fmt.Fprintf(stderr, "posts=%d matches=%d seconds=%.3f posts_per_s=%.1f\n",
			st.Posts, st.Matches, elapsed.Seconds(), float64(st.Posts)/elapsed.Seconds())
	}
	return err
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func openInput(path string) (io.Reader, func(), error) {
	if path == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, badInput(err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, nil, badInput(fmt.Errorf("%s is a folder, not a JSON Lines file", path))
	}
	return f, func() { f.Close() }, nil
}

// loadMonitors reads and compiles a monitors file. Any invalid line is an
// error naming the line, the monitor and the column: no matching starts on a
// partial set.
func loadMonitors(path string) (*match.Index, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, badInput(err)
	}
	defer f.Close()
	ix := match.NewIndex()
	lr := newLineReader(f)
	seen := map[string]int{}
	for {
		b, line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, badInput(fmt.Errorf("%s line %d: %w", path, line, err))
		}
		var m vigie.Monitor
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, 0, badInput(fmt.Errorf("%s line %d: not a monitor: %v", path, line, err))
		}
		switch {
		case m.ID == "":
			return nil, 0, badInput(fmt.Errorf("%s line %d: monitor has no \"id\"", path, line))
		case seen[m.ID] > 0:
			return nil, 0, badInput(fmt.Errorf("%s line %d: monitor %q already defined on line %d", path, line, m.ID, seen[m.ID]))
		case m.Kind != "" && !m.Kind.Valid():
			return nil, 0, badInput(fmt.Errorf("%s line %d: monitor %q: unknown kind %q (one of %v)", path, line, m.ID, m.Kind, vigie.MonitorKinds))
		}
		seen[m.ID] = line
		q, err := query.Parse(m.Query)
		if err != nil {
			var qe *query.Error
			if errors.As(err, &qe) {
				return nil, 0, badInput(fmt.Errorf("%s line %d: monitor %q: %v\n%s", path, line, m.ID, qe, indent(qe.Caret(m.Query))))
			}
			return nil, 0, badInput(err)
		}
		if err := ix.Add(m.ID, q); err != nil {
			return nil, 0, badInput(fmt.Errorf("%s line %d: %w", path, line, err))
		}
	}
	return ix, len(seen), nil
}

// streamStats sums a matching run.
type streamStats struct {
	Posts, Skipped, Matches, Candidates, Verified int64
	Detected                                      int64 // posts whose language was detected to match them
}

type batch struct {
	seq   int
	data  []byte
	lines []lineRef
	out   []byte
	bad   []badLine
	st    streamStats
}

type lineRef struct{ start, end, no int }

type badLine struct {
	no  int
	err error
}

const batchLines = 256

// matchStream matches every post of r and writes the matches to w in input
// order. Memory stays constant in the number of posts: a few batches are in
// flight at a time. Bad lines go to report, in order, and are skipped.
func matchStream(ix *match.Index, r io.Reader, w io.Writer, workers int, report func(line int, err error)) (streamStats, error) {
	if workers < 1 {
		workers = 1
	}
	lr := newLineReader(r)
	detectLang := ix.UsesLang()
	var total streamStats
	emit := func(b *batch) error {
		slices.SortFunc(b.bad, func(x, y badLine) int { return x.no - y.no })
		for _, x := range b.bad {
			report(x.no, x.err)
		}
		total.Posts += b.st.Posts
		total.Skipped += b.st.Skipped
		total.Matches += b.st.Matches
		total.Candidates += b.st.Candidates
		total.Verified += b.st.Verified
		total.Detected += b.st.Detected
		_, err := w.Write(b.out)
		return err
	}
	read := func(b *batch) (bool, error) {
		b.data, b.lines, b.out, b.bad = b.data[:0], b.lines[:0], b.out[:0], b.bad[:0]
		b.st = streamStats{}
		for len(b.lines) < batchLines {
			line, no, err := lr.next()
			if err == io.EOF {
				return len(b.lines) > 0 || len(b.bad) > 0, nil
			}
			if err == errLineTooLong {
				b.bad = append(b.bad, badLine{no, err})
				b.st.Skipped++
				continue
			}
			if err != nil {
				return false, err
			}
			start := len(b.data)
			b.data = append(b.data, line...)
			b.lines = append(b.lines, lineRef{start, len(b.data), no})
		}
		return true, nil
	}

	if workers == 1 {
		m := match.NewMatcher(ix)
		var an text.Analyzer
		b := &batch{}
		for {
			more, err := read(b)
			if err != nil {
				return total, err
			}
			if !more {
				return total, nil
			}
			processBatch(m, &an, detectLang, b)
			if err := emit(b); err != nil {
				return total, err
			}
		}
	}

	todo := make(chan *batch, workers)
	done := make(chan *batch, workers)
	free := make(chan *batch, 2*workers+2)
	for range cap(free) {
		free <- &batch{}
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := match.NewMatcher(ix)
			var an text.Analyzer
			for b := range todo {
				processBatch(m, &an, detectLang, b)
				done <- b
			}
		}()
	}
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		defer close(todo)
		for seq := 0; ; seq++ {
			var b *batch
			select {
			case b = <-free:
			case <-stop:
				readErr <- nil
				return
			}
			more, err := read(b)
			if err != nil || !more {
				readErr <- err
				return
			}
			b.seq = seq
			todo <- b
		}
	}()
	go func() { wg.Wait(); close(done) }()

	pending := map[int]*batch{}
	next := 0
	var werr error
	for b := range done {
		pending[b.seq] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if werr == nil {
				if werr = emit(nb); werr != nil {
					close(stop)
				}
			}
			free <- nb
		}
	}
	if err := <-readErr; err != nil {
		return total, err
	}
	return total, werr
}

// processBatch matches a batch's posts. When a monitor tests lang:, a
// post's language is detected when a candidate monitor tests it, as in the
// live pipeline: lang: means the detected language, the declared one being
// only a hint.
func processBatch(m *match.Matcher, an *text.Analyzer, detectLang bool, b *batch) {
	c0, v0, d0 := m.Candidates, m.Verified, m.Detected
	var p vigie.Post
	// Languages are detected as the matcher needs them (Matcher.DetectLang).
	var hint string
	m.DetectLang = nil
	if detectLang {
		m.DetectLang = langDetector(&hint)
	}
	for _, l := range b.lines {
		p = vigie.Post{}
		// The post lives until its matches are written, within the batch.
		if err := postjson.DecodeShared(b.data[l.start:l.end], &p); err != nil {
			b.bad = append(b.bad, badLine{l.no, fmt.Errorf("not a post: %v", err)})
			b.st.Skipped++
			continue
		}
		if err := p.Validate(); err != nil {
			b.bad = append(b.bad, badLine{l.no, err})
			b.st.Skipped++
			continue
		}
		b.st.Posts++
		hint = p.Lang
		ids := m.MatchDoc(an.Analyze(&p))
		for _, id := range ids {
			b.out = append(b.out, `{"post":`...)
			b.out = appendJSONString(b.out, p.ID)
			b.out = append(b.out, `,"monitor":`...)
			b.out = appendJSONString(b.out, id)
			b.out = append(b.out, "}\n"...)
			b.st.Matches++
		}
	}
	b.st.Candidates = m.Candidates - c0
	b.st.Verified = m.Verified - v0
	b.st.Detected = m.Detected - d0
}

// langDetector detects a post's language, *hint being its declared one.
func langDetector(hint *string) func(*text.Doc) string {
	return func(d *text.Doc) string { return enrich.Language(d, *hint) }
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

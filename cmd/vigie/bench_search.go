package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/text"
)

// runBenchSearch measures archive search latency on an existing database:
// a mix of what the stream page and the search box send (a monitor, a query
// in the monitor language, filters, a date range), each with its total and
// per-day counts, and reports p50/p95/max per kind of search.
func runBenchSearch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench search", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	runs := fs.Int("runs", 50, "searches of each kind")
	seed := fs.Uint64("seed", 1, "seed for choosing monitors and words")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	monitors, err := st.FindMonitors(ctx, 0)
	if err != nil {
		return err
	}
	if len(monitors) == 0 || c.Mentions == 0 {
		return badInput(fmt.Errorf("the database has no mentions to search: import some first (vigie import)"))
	}
	fmt.Fprintf(stdout, "database: %s, %d posts, %d mentions, %d monitors\n", st.Dialect(), c.Posts, c.Mentions, c.Monitors)

	// Words and phrases from stored posts, as a user would type them.
	sample, err := st.FindMentions(ctx, vigie.MentionFilter{Limit: 500})
	if err != nil {
		return err
	}
	var words, phrases []string
	// The word and phrase in the most sampled posts: a search that matches
	// most of the archive, as a brand's name does in a brand's archive.
	inPosts := map[string]int{}
	for _, m := range sample.Mentions {
		d := text.Analyze(&m.Post)
		seen := map[string]bool{}
		for i := range d.Tokens {
			w := d.Word(i)
			if len(w) >= 5 && d.Tokens[i].Kind == text.Word {
				words = append(words, w)
				if !seen[w] {
					seen[w] = true
					inPosts[w]++
				}
				if i+1 < len(d.Tokens) && d.Tokens[i+1].Pos == d.Tokens[i].Pos+1 && len(d.Word(i+1)) >= 3 {
					p := `"` + w + " " + d.Word(i+1) + `"`
					phrases = append(phrases, p)
					if !seen[p] {
						seen[p] = true
						inPosts[p]++
					}
				}
			}
		}
	}
	var common, commonPhrase string
	for w, n := range inPosts {
		best := &common
		if strings.HasPrefix(w, `"`) {
			best = &commonPhrase
		}
		if n > inPosts[*best] || n == inPosts[*best] && w < *best {
			*best = w
		}
	}
	days := sample.PerDay
	if len(words) == 0 || len(days) == 0 {
		return badInput(fmt.Errorf("no words found in the stored posts"))
	}
	last, _ := time.Parse(time.DateOnly, days[len(days)-1].Day)
	r := rand.New(rand.NewPCG(*seed, *seed))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	// A monitor stream names its monitor in its workspace, as the app does.
	mon := func(f vigie.MentionFilter) vigie.MentionFilter {
		m := monitors[r.IntN(len(monitors))]
		f.WorkspaceID, f.MonitorID = m.WorkspaceID, m.ID
		return f
	}
	kinds := []struct {
		name   string
		filter func() vigie.MentionFilter
	}{
		{"monitor stream", func() vigie.MentionFilter { return mon(vigie.MentionFilter{}) }},
		{"monitor + 7 days + lang", func() vigie.MentionFilter {
			return mon(vigie.MentionFilter{Lang: "en", From: last.AddDate(0, 0, -6), To: last.AddDate(0, 0, 1)})
		}},
		{"word search", func() vigie.MentionFilter { return vigie.MentionFilter{Query: pick(words)} }},
		{"words OR + NOT", func() vigie.MentionFilter {
			return vigie.MentionFilter{Query: "(" + pick(words) + " OR " + pick(words) + ") -" + pick(words)}
		}},
		{"phrase search", func() vigie.MentionFilter { return vigie.MentionFilter{Query: pick(phrases)} }},
		{"monitor + phrase + 7 days", func() vigie.MentionFilter {
			return mon(vigie.MentionFilter{Query: pick(phrases), From: last.AddDate(0, 0, -6), To: last.AddDate(0, 0, 1)})
		}},
		{"prefix + lang", func() vigie.MentionFilter { return vigie.MentionFilter{Query: pick(words)[:4] + "*", Lang: "en"} }},
		{"common word", func() vigie.MentionFilter { return vigie.MentionFilter{Query: common} }},
		{"common phrase", func() vigie.MentionFilter { return vigie.MentionFilter{Query: commonPhrase} }},
		{"common prefix + lang", func() vigie.MentionFilter { return vigie.MentionFilter{Query: common[:4] + "*", Lang: "en"} }},
	}
	if commonPhrase == "" {
		commonPhrase = `"` + common + `"`
	}
	fmt.Fprintf(stdout, "common word %s (in %d of %d sampled posts), common phrase %s (%d)\n", common, inPosts[common], len(sample.Mentions), commonPhrase, inPosts[commonPhrase])
	var all []time.Duration
	fmt.Fprintf(stdout, "%-28s %6s %9s %9s %9s %12s %7s\n", "search", "runs", "p50_ms", "p95_ms", "max_ms", "mean_total", "approx")
	for _, k := range kinds {
		var lat []time.Duration
		totals, approx := 0, 0
		for range *runs {
			f := k.filter()
			f.Limit = 50
			start := time.Now()
			page, err := st.FindMentions(ctx, f)
			if err != nil {
				return fmt.Errorf("%s %+v: %w", k.name, f, err)
			}
			lat = append(lat, time.Since(start))
			totals += page.Total
			if page.Approximate {
				approx++
			}
		}
		all = append(all, lat...)
		fmt.Fprintf(stdout, "%-28s %6d %9.1f %9.1f %9.1f %12d %7d\n", k.name, len(lat), ms(pct(lat, 50)), ms(pct(lat, 95)), ms(pct(lat, 100)), totals/len(lat), approx)
	}
	fmt.Fprintf(stdout, "%-28s %6d %9.1f %9.1f %9.1f\n", "all", len(all), ms(pct(all, 50)), ms(pct(all, 95)), ms(pct(all, 100)))
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(i, len(s))-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

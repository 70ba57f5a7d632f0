package enrich

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

// The near-duplicate evaluation set is built from real news sentences (the
// MRPC and STS-B pairs of the shared data): each original re-published the
// ways syndication does it (an "RT" prefix, a "via @x" suffix, a truncation,
// a changed headline, tracking parameters, a change of case), against
// different sentences, including paraphrases on the same topic, which are
// different posts and must not fold.

// EvalPair is a pair of posts and whether the second re-publishes the first.
type EvalPair struct {
	A, B vigie.Post
	Dup  bool
	Kind string // how the pair was made
}

// NearDupReport is the outcome of an evaluation.
type NearDupReport struct {
	Threshold                     int
	TP, FP, FN, TN                int
	Kinds                         []string
	Pairs, Linked                 map[string]int // by kind
	StreamPosts, StreamFalseLinks int            // distinct originals in one stream
	Precision, Recall             float64
}

// LoadNearDupPairs builds the evaluation pairs from the neardup folder of
// the shared data.
func LoadNearDupPairs(dir string) ([]EvalPair, []string, error) {
	var originals, headlines []string
	type sentencePair struct{ a, b, why string }
	var topical []sentencePair
	seen := map[string]bool{}
	err := readTSV(filepath.Join(dir, "mrpc", "msr_paraphrase_test.txt"), func(f []string) {
		if len(f) < 5 || f[0] == "\ufeffQuality" || f[0] == "Quality" {
			return
		}
		if !seen[f[3]] {
			seen[f[3]] = true
			originals = append(originals, f[3])
		}
		if f[0] == "1" {
			topical = append(topical, sentencePair{f[3], f[4], "mrpc paraphrase"})
		}
	})
	if err != nil {
		return nil, nil, err
	}
	for _, name := range []string{"sts-dev.csv", "sts-test.csv"} {
		err := readTSV(filepath.Join(dir, "stsbenchmark", name), func(f []string) {
			if len(f) < 7 || f[0] != "main-news" {
				return
			}
			score, err := strconv.ParseFloat(f[4], 64)
			if err != nil {
				return
			}
			if f[1] == "headlines" {
				headlines = append(headlines, f[5])
			}
			if score >= 4 {
				topical = append(topical, sentencePair{f[5], f[6], "sts " + f[1] + " ≥4"})
			}
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if len(originals) == 0 || len(headlines) == 0 {
		return nil, nil, fmt.Errorf("%s: no sentences found (expected mrpc/msr_paraphrase_test.txt and stsbenchmark/sts-*.csv)", dir)
	}

	r := rand.New(rand.NewPCG(4, 4))
	handles := []string{"newsbot", "le_temps", "Reuters", "ap", "alice@mastodon.social"}
	post := func(title, body string, links ...string) vigie.Post {
		return vigie.Post{Title: title, Text: body, Links: links}
	}
	var ps []EvalPair
	for i, s := range originals {
		link := fmt.Sprintf("https://www.example-news.com/2024/%d/story", i)
		orig := post("", s, link)
		h := handles[i%len(handles)]
		ws := strings.Fields(s)
		cut := max(1, (len(ws)*8+9)/10)
		h1, h2 := headlines[(2*i)%len(headlines)], headlines[(2*i+1)%len(headlines)]
		ps = append(ps,
			EvalPair{orig, post("", "RT @"+h+": "+s, link), true, "rt prefix"},
			EvalPair{orig, post("", s+" via @"+h, link), true, "via suffix"},
			EvalPair{orig, post("", strings.Join(ws[:cut], " ")+"…", link), true, "truncated 80%"},
			EvalPair{post(h1, s, link), post(h2, s, link), true, "changed headline"},
			EvalPair{orig, post("", s, link+"?utm_source=twitter&utm_medium=social&fbclid=IwAR0x"), true, "tracking params"},
			EvalPair{orig, post("", strings.ToUpper(s), link), true, "upper case"},
			EvalPair{orig, post("", strings.ToLower(s), link), true, "lower case"},
		)
		if j := r.IntN(len(originals)); j != i {
			ps = append(ps, EvalPair{orig, post("", originals[j], link), false, "random other"})
		}
	}
	for _, tp := range topical {
		if sameWords(tp.a, tp.b) {
			continue // the same text: a duplicate, not a different post
		}
		ps = append(ps, EvalPair{post("", tp.a), post("", tp.b), false, tp.why})
	}
	return ps, originals, nil
}

// EvaluateNearDup links each pair's second post to its first at the given
// distance, and streams the distinct originals through one window.
func EvaluateNearDup(pairs []EvalPair, originals []string, threshold int) NearDupReport {
	rep := NearDupReport{Threshold: threshold, Pairs: map[string]int{}, Linked: map[string]int{}}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range pairs {
		nd := NewNearDup(time.Hour, threshold)
		nd.Add("a", Simhash(text.Analyze(&p.A)), at)
		linked := nd.Add("b", Simhash(text.Analyze(&p.B)), at.Add(time.Minute)) == "a"
		if rep.Pairs[p.Kind] == 0 {
			rep.Kinds = append(rep.Kinds, p.Kind)
		}
		rep.Pairs[p.Kind]++
		if linked {
			rep.Linked[p.Kind]++
		}
		switch {
		case p.Dup && linked:
			rep.TP++
		case p.Dup:
			rep.FN++
		case linked:
			rep.FP++
		default:
			rep.TN++
		}
	}
	rep.Precision = float64(rep.TP) / float64(max(1, rep.TP+rep.FP))
	rep.Recall = float64(rep.TP) / float64(max(1, rep.TP+rep.FN))
	nd := NewNearDup(24*time.Hour, threshold)
	for i, s := range originals {
		p := vigie.Post{Text: s}
		if nd.Add(strconv.Itoa(i), Simhash(text.Analyze(&p)), at.Add(time.Duration(i)*time.Second)) != "" {
			rep.StreamFalseLinks++
		}
	}
	rep.StreamPosts = len(originals)
	return rep
}

// Markdown renders the report as tables.
func (r NearDupReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| pair kind | pairs | linked |\n|---|---:|---:|\n")
	for _, k := range r.Kinds {
		fmt.Fprintf(&b, "| %s | %d | %.1f%% |\n", k, r.Pairs[k], 100*float64(r.Linked[k])/float64(r.Pairs[k]))
	}
	fmt.Fprintf(&b, "\nDistance ≤ %d bits: **precision %.4f, recall %.4f** (tp %d, fp %d, fn %d, tn %d); "+
		"a stream of %d distinct originals: %d linked to another.\n",
		r.Threshold, r.Precision, r.Recall, r.TP, r.FP, r.FN, r.TN, r.StreamPosts, r.StreamFalseLinks)
	return b.String()
}

func readTSV(path string, row func([]string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		row(strings.Split(sc.Text(), "\t"))
	}
	return sc.Err()
}

func sameWords(a, b string) bool {
	da := text.Analyze(&vigie.Post{Text: a})
	wa := make([]string, len(da.Tokens))
	for i := range da.Tokens {
		wa[i] = da.Word(i)
	}
	db := text.Analyze(&vigie.Post{Text: b})
	if len(db.Tokens) != len(wa) {
		return false
	}
	for i := range db.Tokens {
		if db.Word(i) != wa[i] {
			return false
		}
	}
	return true
}

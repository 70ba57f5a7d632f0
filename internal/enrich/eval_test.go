package enrich

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/text"
)

// evalThreshold is the Hamming distance at which NearDup links posts.
const evalThreshold = 3

// sentencePair is a pair of different sentences from the shared news corpora.
type sentencePair struct{ a, b, why string }

// loadNeardup reads the MRPC test pairs (first sentences as originals,
// paraphrase pairs as distinct posts on one topic) and the STS-B news pairs
// scored ≥ 4 (also distinct posts on one topic), plus headlines for titles.
func loadNeardup(tb testing.TB) (originals, headlines []string, topical []sentencePair) {
	tb.Helper()
	dir := apptest.Shared(tb, "data/neardup")
	seen := map[string]bool{}
	readTSV(tb, filepath.Join(dir, "mrpc", "msr_paraphrase_test.txt"), func(f []string) {
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
	for _, name := range []string{"sts-dev.csv", "sts-test.csv"} {
		readTSV(tb, filepath.Join(dir, "stsbenchmark", name), func(f []string) {
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
	}
	return originals, headlines, topical
}

func readTSV(tb testing.TB, path string, row func([]string)) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		row(strings.Split(sc.Text(), "\t"))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
}

type evalPair struct {
	a, b vigie.Post
	dup  bool
	kind string
}

func post(title, body string, links ...string) vigie.Post {
	return vigie.Post{Title: title, Text: body, Links: links}
}

// evalPairs builds duplicate pairs (re-publications of one post) and distinct
// pairs (different sentences, and different sentences on one topic).
func evalPairs(originals, headlines []string, topical []sentencePair) []evalPair {
	r := rand.New(rand.NewPCG(4, 4))
	handles := []string{"newsbot", "le_temps", "Reuters", "ap", "alice@mastodon.social"}
	var ps []evalPair
	for i, s := range originals {
		link := fmt.Sprintf("https://www.example-news.com/2024/%d/story", i)
		orig := post("", s, link)
		h := handles[i%len(handles)]
		ws := strings.Fields(s)
		cut := max(1, (len(ws)*8+9)/10)
		h1, h2 := headlines[(2*i)%len(headlines)], headlines[(2*i+1)%len(headlines)]
		ps = append(ps,
			evalPair{orig, post("", "RT @"+h+": "+s, link), true, "rt prefix"},
			evalPair{orig, post("", s+" via @"+h, link), true, "via suffix"},
			evalPair{orig, post("", strings.Join(ws[:cut], " ")+"…", link), true, "truncated 80%"},
			evalPair{post(h1, s, link), post(h2, s, link), true, "changed headline"},
			evalPair{orig, post("", s, link+"?utm_source=twitter&utm_medium=social&fbclid=IwAR0x"), true, "tracking params"},
			evalPair{orig, post("", strings.ToUpper(s), link), true, "upper case"},
			evalPair{orig, post("", strings.ToLower(s), link), true, "lower case"},
		)
		// A different sentence, picked at random.
		j := r.IntN(len(originals))
		if j != i {
			ps = append(ps, evalPair{orig, post("", originals[j], link), false, "random other"})
		}
	}
	for _, tp := range topical {
		if sameWords(tp.a, tp.b) {
			continue // the same text: a duplicate, not a different post
		}
		ps = append(ps, evalPair{post("", tp.a), post("", tp.b), false, tp.why})
	}
	return ps
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

func TestNearDupEval(t *testing.T) {
	originals, headlines, topical := loadNeardup(t)
	ps := evalPairs(originals, headlines, topical)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type count struct{ n, linked int }
	byKind := map[string]*count{}
	var kinds []string
	var tp, fp, fn, tn int
	for _, p := range ps {
		nd := NewNearDup(time.Hour, evalThreshold)
		nd.Add("a", Simhash(text.Analyze(&p.a)), at)
		linked := nd.Add("b", Simhash(text.Analyze(&p.b)), at.Add(time.Minute)) == "a"
		c := byKind[p.kind]
		if c == nil {
			c = &count{}
			byKind[p.kind] = c
			kinds = append(kinds, p.kind)
		}
		c.n++
		if linked {
			c.linked++
		}
		switch {
		case p.dup && linked:
			tp++
		case p.dup:
			fn++
		case linked:
			fp++
		default:
			tn++
		}
	}
	for _, k := range kinds {
		c := byKind[k]
		t.Logf("%-22s %5d pairs, %5.1f%% linked", k, c.n, 100*float64(c.linked)/float64(c.n))
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	t.Logf("threshold %d: precision %.4f, recall %.4f (tp %d, fp %d, fn %d, tn %d)", evalThreshold, precision, recall, tp, fp, fn, tn)

	// The originals in one stream: distinct sentences must not link.
	nd := NewNearDup(24*time.Hour, evalThreshold)
	falseLinks := 0
	for i, s := range originals {
		p := post("", s)
		if nd.Add(strconv.Itoa(i), Simhash(text.Analyze(&p)), at.Add(time.Duration(i)*time.Second)) != "" {
			falseLinks++
		}
	}
	t.Logf("stream of %d distinct originals: %d linked to another", len(originals), falseLinks)

	if precision < 0.95 {
		t.Errorf("precision %.4f < 0.95", precision)
	}
	if recall < 0.90 {
		t.Errorf("recall %.4f < 0.90", recall)
	}
}

func BenchmarkSimhash(b *testing.B) {
	p := vigie.Post{
		Title: "Geneva council votes new budget",
		Text:  "RT @le_temps: The city council of #Geneva approved the 2027 budget on Tuesday after a long debate, with the left and the centre united https://www.letemps.ch/geneve/budget?utm_source=twitter via @alice@mastodon.social",
	}
	d := text.Analyze(&p)
	b.ReportAllocs()
	for b.Loop() {
		Simhash(d)
	}
}

// Command langmodel generates the language-detection model embedded in
// Vigie's internal/enrich/lang package (model.bin).
//
// Broad prior: the character 1- to 5-gram probabilities of lingua-go v1.4.0
// (Apache-2.0, © Peter M. Stahl), read from its language-models folder in
// the Go module cache, pruned to the most frequent n-grams of each language
// and quantised to one byte. Tweet domain: n-gram counts of the UMSAB train
// tweets (en fr de it es pt ar) interpolated into those languages' models.
// The output is the same bytes on every run.
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"

	"github.com/vigie-project/vigie/internal/enrich/lang"
	"github.com/vigie-project/vigie/internal/enrich/lang/ngram"
)

// The languages of each modelled script. Languages written in a script of
// their own (el he hi ko ja zh th ka hy) need no model.
var scriptLangs = []struct {
	script ngram.Script
	langs  []string
}{
	{ngram.Latin, strings.Fields("en fr de it es pt nl ca pl sv da nb fi cs sk sl hr hu ro tr lt lv et eu is sq ga cy")},
	{ngram.Cyrillic, strings.Fields("ru uk bg sr mk be")},
	{ngram.Arabic, strings.Fields("ar fa ur")},
}

type config struct {
	topK     [ngram.MaxOrder + 1]int // n-grams kept per language and order
	lambda   float64                 // weight of the tweet model
	tweetMin int                     // min count of a tweet n-gram to be added
	step     float64
	params   map[string]string
	fold     int // UMSAB train fold left out (for cross-validation), -1 = none
	folds    int
}

func main() {
	log.SetFlags(0)
	shared := flag.String("shared", "../../../shared", "the shared folder (holding data/sentiment/umsab)")
	linguaDir := flag.String("lingua", "", "lingua-go v1.4.0 source folder (default: from `go list -m`)")
	out := flag.String("out", "../../internal/enrich/lang/model.bin", "output file")
	fold := flag.Int("fold", -1, "leave out this fold of the UMSAB train tweets (cross-validation)")
	folds := flag.Int("folds", 5, "number of folds")
	tuneFlag := flag.Bool("tune", false, "cross-validate the tuning knobs on the UMSAB train tweets instead of writing the model")
	flag.Parse()

	cfg := defaultConfig()
	cfg.fold, cfg.folds = *fold, *folds
	if *linguaDir == "" {
		b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
		if err != nil {
			log.Fatalf("locating lingua-go: %v", err)
		}
		*linguaDir = strings.TrimSpace(string(b))
	}
	umsab := filepath.Join(*shared, "data/sentiment/umsab")
	if *tuneFlag {
		tune(*linguaDir, umsab, cfg)
		return
	}
	src, err := loadSources(*linguaDir, umsab, cfg)
	if err != nil {
		log.Fatal(err)
	}
	m := build(src, cfg)
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, t := range m.Tables {
		n += len(t.Grams)
		log.Printf("%s: %d n-grams × %d languages", t.Script, len(t.Grams), len(t.Langs))
	}
	log.Printf("wrote %s: %d bytes, %d n-grams", *out, buf.Len(), n)
}

func defaultConfig() config {
	return config{
		topK:     [ngram.MaxOrder + 1]int{0, 1 << 30, 1 << 30, 6000, 6000, 6000},
		lambda:   0.3,
		tweetMin: 2,
		step:     0.06,
		params: map[string]string{
			"w1": "1", "w2": "1", "w3": "1", "w4": "1", "w5": "1",
			"floor1": "9", "floor2": "9", "floor3": "9", "floor4": "9", "floor5": "9",
			"hint": "3", "temp": "5", "minletters": "3",
		},
		fold:  -1,
		folds: 5,
	}
}

// sources are the inputs of build.
type sources struct {
	// lingua[lang][n] maps n-grams to P(last letter | the ones before).
	lingua map[string][ngram.MaxOrder + 1]map[string]float64
	// tweets[lang][n] counts the n-grams of the UMSAB train tweets.
	tweets map[string][ngram.MaxOrder + 1]map[string]int
}

var ngramNames = [...]string{"", "unigrams", "bigrams", "trigrams", "quadrigrams", "fivegrams"}

func loadSources(linguaDir, umsabDir string, cfg config) (*sources, error) {
	s := &sources{
		lingua: map[string][ngram.MaxOrder + 1]map[string]float64{},
		tweets: map[string][ngram.MaxOrder + 1]map[string]int{},
	}
	for _, sl := range scriptLangs {
		for _, l := range sl.langs {
			var models [ngram.MaxOrder + 1]map[string]float64
			for n := 1; n <= ngram.MaxOrder; n++ {
				m, err := readLingua(filepath.Join(linguaDir, "language-models", l, ngramNames[n]+".pb.bin.zip"))
				if err != nil {
					return nil, err
				}
				models[n] = m
			}
			s.lingua[l] = models
		}
	}
	return s, loadTweets(s, umsabDir, cfg)
}

func loadTweets(s *sources, umsabDir string, cfg config) error {
	s.tweets = map[string][ngram.MaxOrder + 1]map[string]int{}
	for _, l := range lang.UMSABLangs {
		samples, err := lang.LoadUMSAB(umsabDir, "train", l)
		if err != nil {
			return err
		}
		var counts [ngram.MaxOrder + 1]map[string]int
		for n := range counts {
			counts[n] = map[string]int{}
		}
		var sc ngram.Scanner
		var w ngram.Word
		for i, smp := range samples {
			if cfg.fold >= 0 && i%cfg.folds == cfg.fold {
				continue
			}
			sc.Reset(smp.Text)
			for sc.Next(&w) {
				if !modelled(w.Script, l) {
					continue
				}
				for i := 0; i < w.N; i++ {
					for n := 1; n <= ngram.MaxOrder && i+n <= w.N; n++ {
						counts[n][string(w.Runes[i:i+n])]++
					}
				}
			}
		}
		s.tweets[l] = counts
	}
	return nil
}

// modelled reports whether lang is modelled in the table of script.
func modelled(script ngram.Script, l string) bool {
	for _, sl := range scriptLangs {
		if sl.script == script {
			for _, x := range sl.langs {
				if x == l {
					return true
				}
			}
		}
	}
	return false
}

func readLingua(path string) (map[string]float64, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("%s: %d files", path, len(zr.File))
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	var m serialization.SerializableLanguageModel
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]float64, m.TotalNgrams)
	for _, set := range m.NgramSets {
		for _, g := range set.Ngrams {
			out[g] = set.Probability
		}
	}
	return out, nil
}

// prob returns the interpolated conditional probability of g in l.
func (s *sources) prob(l, g string, n int, lambda float64) float64 {
	p := s.lingua[l][n][g]
	tw, ok := s.tweets[l]
	if !ok {
		return p
	}
	c := tw[n][g]
	var pt float64
	if n == 1 {
		total := 0
		for _, v := range tw[1] {
			total += v
		}
		if total > 0 {
			pt = float64(c) / float64(total)
		}
	} else if c > 0 {
		prefix := string([]rune(g)[:n-1])
		pc := tw[n-1][prefix]
		if pc > 0 {
			pt = float64(c) / float64(pc)
		}
	}
	if p == 0 && pt == 0 {
		return 0
	}
	return (1-lambda)*p + lambda*pt
}

func build(s *sources, cfg config) *ngram.Model {
	m := &ngram.Model{Params: map[string]string{}}
	for k, v := range cfg.params {
		m.Params[k] = v
	}
	m.Params["step"] = strconv.FormatFloat(cfg.step, 'g', -1, 64)
	for _, sl := range scriptLangs {
		keep := map[string]bool{}
		for _, l := range sl.langs {
			models := s.lingua[l]
			// joint probabilities, by the chain rule
			joint := [ngram.MaxOrder + 1]map[string]float64{}
			for n := 1; n <= ngram.MaxOrder; n++ {
				joint[n] = make(map[string]float64, len(models[n]))
				for g, p := range models[n] {
					if n == 1 {
						joint[n][g] = p
						continue
					}
					prefix := string([]rune(g)[:n-1])
					if jp, ok := joint[n-1][prefix]; ok {
						joint[n][g] = jp * p
					}
				}
				type gp struct {
					g string
					p float64
				}
				all := make([]gp, 0, len(joint[n]))
				for g, p := range joint[n] {
					if inScript(g, sl.script) {
						all = append(all, gp{g, p})
					}
				}
				sort.Slice(all, func(i, j int) bool {
					if all[i].p != all[j].p {
						return all[i].p > all[j].p
					}
					return all[i].g < all[j].g
				})
				if len(all) > cfg.topK[n] {
					all = all[:cfg.topK[n]]
				}
				for _, x := range all {
					keep[x.g] = true
				}
			}
			if tw, ok := s.tweets[l]; ok {
				for n := 1; n <= ngram.MaxOrder; n++ {
					for g, c := range tw[n] {
						if c >= cfg.tweetMin && inScript(g, sl.script) {
							keep[g] = true
						}
					}
				}
			}
		}
		// prefix closure: the detector stops at the first absent n-gram
		for g := range keep {
			r := []rune(g)
			for k := 1; k < len(r); k++ {
				keep[string(r[:k])] = true
			}
		}
		grams := make([]string, 0, len(keep))
		for g := range keep {
			grams = append(grams, g)
		}
		sort.Slice(grams, func(i, j int) bool {
			ni, nj := utf8.RuneCountInString(grams[i]), utf8.RuneCountInString(grams[j])
			if ni != nj {
				return ni < nj
			}
			return grams[i] < grams[j]
		})
		t := ngram.Table{Script: sl.script, Langs: sl.langs, Grams: grams, Codes: make([]uint8, len(grams)*len(sl.langs))}
		nl := len(sl.langs)
		for i, g := range grams {
			n := utf8.RuneCountInString(g)
			for li, l := range sl.langs {
				p := s.prob(l, g, n, cfg.lambda)
				if p <= 0 {
					continue
				}
				c := math.Round(-math.Log(p) / cfg.step)
				t.Codes[i*nl+li] = uint8(max(1, min(255, c)))
			}
		}
		m.Tables = append(m.Tables, t)
	}
	return m
}

func inScript(g string, sc ngram.Script) bool {
	for _, r := range g {
		if s, _ := ngram.Classify(r); s != sc {
			return false
		}
	}
	return true
}

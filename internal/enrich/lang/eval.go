package lang

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Sample is a text whose language is known.
type Sample struct{ Text, Lang string }

// umsabFolders maps ISO 639-1 codes to UMSAB's folder names.
var umsabFolders = map[string]string{
	"en": "english", "fr": "french", "de": "german", "it": "italian",
	"es": "spanish", "pt": "portuguese", "ar": "arabic", "hi": "hindi",
}

// UMSABLangs are the languages of UMSAB other than Hindi, whose tweets are
// mostly romanised and therefore not labelled "hi" by a script-aware
// detector.
var UMSABLangs = []string{"ar", "de", "en", "es", "fr", "it", "pt"}

// LoadUMSAB reads the tweets of split ("train" or "val") of the UMSAB
// folder umsabDir (…/sentiment/umsab) for the given languages (ISO codes;
// UMSABLangs when none).
func LoadUMSAB(umsabDir, split string, langs ...string) ([]Sample, error) {
	if split != "train" && split != "val" && split != "test" {
		return nil, fmt.Errorf("lang: unknown UMSAB split %q", split)
	}
	if len(langs) == 0 {
		langs = UMSABLangs
	}
	var out []Sample
	for _, l := range langs {
		folder, ok := umsabFolders[l]
		if !ok {
			return nil, fmt.Errorf("lang: UMSAB has no language %q", l)
		}
		lines, err := readLines(filepath.Join(umsabDir, folder, split+"_text.txt"))
		if err != nil {
			return nil, err
		}
		for _, t := range lines {
			out = append(out, Sample{Text: t, Lang: l})
		}
	}
	return out, nil
}

// LoadLinguaSentences reads lingua's test sentences (dir holds <iso>.txt)
// for the given languages (all supported ones found in dir when none).
func LoadLinguaSentences(dir string, langs ...string) ([]Sample, error) {
	if len(langs) == 0 {
		for _, l := range Supported() {
			if _, err := os.Stat(filepath.Join(dir, l+".txt")); err == nil {
				langs = append(langs, l)
			}
		}
	}
	var out []Sample
	for _, l := range langs {
		lines, err := readLines(filepath.Join(dir, l+".txt"))
		if err != nil {
			return nil, err
		}
		for _, t := range lines {
			out = append(out, Sample{Text: t, Lang: l})
		}
	}
	return out, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			out = append(out, t)
		}
	}
	return out, sc.Err()
}

// LangScore counts the samples of one language and how many were right.
type LangScore struct{ N, Correct int }

// Accuracy is Correct/N (0 when N is 0).
func (s LangScore) Accuracy() float64 {
	if s.N == 0 {
		return 0
	}
	return float64(s.Correct) / float64(s.N)
}

// Report is the outcome of Evaluate.
type Report struct {
	N, Correct int
	PerLang    map[string]LangScore
	// Confusions[truth][detected] counts the errors ("" = no answer).
	Confusions map[string]map[string]int
}

// Accuracy is the overall share of correct answers.
func (r Report) Accuracy() float64 { return LangScore{r.N, r.Correct}.Accuracy() }

// MeanAccuracy is the unweighted mean of the per-language accuracies.
func (r Report) MeanAccuracy() float64 {
	if len(r.PerLang) == 0 {
		return 0
	}
	s := 0.0
	for _, v := range r.PerLang {
		s += v.Accuracy()
	}
	return s / float64(len(r.PerLang))
}

// Evaluate runs Detect over samples with the default model.
func Evaluate(samples []Sample) Report { return EvaluateFunc(samples, Detect) }

// EvaluateFunc scores any detector over samples.
func EvaluateFunc(samples []Sample, detect func(string) string) Report {
	r := Report{PerLang: map[string]LangScore{}, Confusions: map[string]map[string]int{}}
	for _, s := range samples {
		got := detect(s.Text)
		ls := r.PerLang[s.Lang]
		ls.N++
		r.N++
		if got == s.Lang {
			ls.Correct++
			r.Correct++
		} else {
			c := r.Confusions[s.Lang]
			if c == nil {
				c = map[string]int{}
				r.Confusions[s.Lang] = c
			}
			c[got]++
		}
		r.PerLang[s.Lang] = ls
	}
	return r
}

// Markdown renders the report as a table: one row per language with its
// accuracy and its three most frequent wrong answers, then the totals.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("| lang | n | accuracy | top confusions |\n|---|---:|---:|---|\n")
	langs := make([]string, 0, len(r.PerLang))
	for l := range r.PerLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		s := r.PerLang[l]
		type kv struct {
			k string
			v int
		}
		var conf []kv
		for k, v := range r.Confusions[l] {
			conf = append(conf, kv{k, v})
		}
		sort.Slice(conf, func(i, j int) bool {
			if conf[i].v != conf[j].v {
				return conf[i].v > conf[j].v
			}
			return conf[i].k < conf[j].k
		})
		var cs []string
		for i, c := range conf {
			if i == 3 {
				break
			}
			k := c.k
			if k == "" {
				k = `""`
			}
			cs = append(cs, fmt.Sprintf("%s %d", k, c.v))
		}
		fmt.Fprintf(&b, "| %s | %d | %.4f | %s |\n", l, s.N, s.Accuracy(), strings.Join(cs, ", "))
	}
	fmt.Fprintf(&b, "| **all** | %d | **%.4f** | mean per language %.4f |\n", r.N, r.Accuracy(), r.MeanAccuracy())
	return b.String()
}

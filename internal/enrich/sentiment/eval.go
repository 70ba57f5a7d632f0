package sentiment

import (
	"bufio"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Sample is a labelled post.
type Sample struct {
	Text, Lang string
	Label      string // Positive, Neutral or Negative
}

// umsabFolders maps ISO 639-1 codes to UMSAB folder names.
var umsabFolders = map[string]string{
	"en": "english", "fr": "french", "de": "german", "it": "italian",
	"es": "spanish", "pt": "portuguese", "ar": "arabic", "hi": "hindi",
}

// UMSABLanguages are the languages LoadUMSAB knows.
var UMSABLanguages = []string{"en", "fr", "de", "it", "es", "pt", "ar", "hi"}

// LoadUMSAB reads split ("train" or "val") of the UMSAB tweets in umsabDir
// for langs (ISO codes; all of UMSABLanguages when none is given).
func LoadUMSAB(umsabDir, split string, langs ...string) ([]Sample, error) {
	if len(langs) == 0 {
		langs = UMSABLanguages
	}
	var out []Sample
	for _, l := range langs {
		folder, ok := umsabFolders[l]
		if !ok {
			return nil, fmt.Errorf("sentiment: UMSAB has no language %q", l)
		}
		s, err := loadPair(filepath.Join(umsabDir, folder), split, l)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// LoadTweetEval reads split ("val") of the TweetEval English sentiment task
// in dir (the folder holding sentiment/, or sentiment/ itself).
func LoadTweetEval(dir, split string) ([]Sample, error) {
	if _, err := os.Stat(filepath.Join(dir, "sentiment")); err == nil {
		dir = filepath.Join(dir, "sentiment")
	}
	return loadPair(dir, split, "en")
}

func loadPair(dir, split, lang string) ([]Sample, error) {
	texts, err := readLines(filepath.Join(dir, split+"_text.txt"))
	if err != nil {
		return nil, err
	}
	labels, err := readLines(filepath.Join(dir, split+"_labels.txt"))
	if err != nil {
		return nil, err
	}
	if len(texts) != len(labels) {
		return nil, fmt.Errorf("sentiment: %s: %d texts but %d labels", dir, len(texts), len(labels))
	}
	out := make([]Sample, 0, len(texts))
	for i, t := range texts {
		n, err := strconv.Atoi(strings.TrimSpace(labels[i]))
		if err != nil || n < 0 || n > 2 {
			return nil, fmt.Errorf("sentiment: %s: line %d: bad label %q", dir, i+1, labels[i])
		}
		out = append(out, Sample{Text: cleanTweet(t), Lang: lang, Label: Labels[n]})
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
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}

// cleanTweet undoes the encodings of the dumps: CSV quoting, literal \uXXXX
// escapes and HTML entities.
func cleanTweet(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	if strings.Contains(s, `\u`) {
		s = unescapeU(s)
	}
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	return s
}

func unescapeU(s string) string {
	var b strings.Builder
	var pending []uint16
	flush := func() {
		if len(pending) > 0 {
			b.WriteString(string(utf16.Decode(pending)))
			pending = pending[:0]
		}
	}
	for i := 0; i < len(s); {
		if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				pending = append(pending, uint16(v))
				i += 6
				continue
			}
		}
		flush()
		b.WriteByte(s[i])
		i++
	}
	flush()
	return b.String()
}

// ClassScore is the precision, recall and F1 of one class.
type ClassScore struct {
	Precision, Recall, F1 float64
	Support               int
}

// LangReport is the evaluation of one language (or of all, Lang "all").
type LangReport struct {
	Lang     string
	N        int
	MacroF1  float64
	Accuracy float64
	Classes  [3]ClassScore // negative, neutral, positive
	// Confusion[gold][predicted], classes in the order negative, neutral, positive.
	Confusion [3][3]int
}

// Report is an evaluation per language, languages in first-seen order, then "all".
type Report struct {
	Langs []LangReport
}

// Evaluate analyses every sample with Analyze and scores the labels.
func Evaluate(samples []Sample) Report { return EvaluateFunc(samples, Analyze) }

// EvaluateFunc is Evaluate with another analyser (e.g. AnalyzeLexicon).
func EvaluateFunc(samples []Sample, analyze func(text, lang string) Result) Report {
	pred := make([]Sample, len(samples))
	for i, s := range samples {
		pred[i] = Sample{Text: s.Text, Lang: s.Lang, Label: analyze(s.Text, s.Lang).Label}
	}
	return scoreLabels(samples, pred)
}

func scoreLabels(gold, pred []Sample) Report {
	var rep Report
	idx := map[string]int{}
	all := &LangReport{Lang: "all"}
	for i, g := range gold {
		k, ok := idx[g.Lang]
		if !ok {
			k = len(rep.Langs)
			idx[g.Lang] = k
			rep.Langs = append(rep.Langs, LangReport{Lang: g.Lang})
		}
		a, b := labelIndex(g.Label), labelIndex(pred[i].Label)
		rep.Langs[k].Confusion[a][b]++
		rep.Langs[k].N++
		all.Confusion[a][b]++
		all.N++
	}
	if len(rep.Langs) > 1 {
		rep.Langs = append(rep.Langs, *all)
	}
	for i := range rep.Langs {
		rep.Langs[i].finish()
	}
	return rep
}

func (r *LangReport) finish() {
	sum, correct := 0.0, 0
	for c := 0; c < 3; c++ {
		tp := r.Confusion[c][c]
		correct += tp
		gold, pred := 0, 0
		for k := 0; k < 3; k++ {
			gold += r.Confusion[c][k]
			pred += r.Confusion[k][c]
		}
		cs := ClassScore{Support: gold}
		if pred > 0 {
			cs.Precision = float64(tp) / float64(pred)
		}
		if gold > 0 {
			cs.Recall = float64(tp) / float64(gold)
		}
		if cs.Precision+cs.Recall > 0 {
			cs.F1 = 2 * cs.Precision * cs.Recall / (cs.Precision + cs.Recall)
		}
		r.Classes[c] = cs
		sum += cs.F1
	}
	r.MacroF1 = sum / 3
	if r.N > 0 {
		r.Accuracy = float64(correct) / float64(r.N)
	}
}

func (r Report) byLang(lang string) LangReport {
	for _, l := range r.Langs {
		if l.Lang == lang {
			return l
		}
	}
	return LangReport{Lang: lang}
}

// Lang returns the report of one language ("all" for the whole set).
func (r Report) Lang(lang string) (LangReport, bool) {
	i := slices.IndexFunc(r.Langs, func(l LangReport) bool { return l.Lang == lang })
	if i < 0 {
		return LangReport{}, false
	}
	return r.Langs[i], true
}

// Markdown renders the report as a markdown table, then the confusion matrices.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("| lang | n | macro-F1 | accuracy | F1 neg | F1 neu | F1 pos | P/R neg | P/R neu | P/R pos |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, l := range r.Langs {
		fmt.Fprintf(&b, "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f |", l.Lang, l.N, l.MacroF1, l.Accuracy, l.Classes[0].F1, l.Classes[1].F1, l.Classes[2].F1)
		for _, c := range l.Classes {
			fmt.Fprintf(&b, " %.2f/%.2f |", c.Precision, c.Recall)
		}
		b.WriteByte('\n')
	}
	b.WriteString("\nConfusion (rows gold, columns predicted: neg neu pos)\n\n")
	for _, l := range r.Langs {
		fmt.Fprintf(&b, "- %s: %v %v %v\n", l.Lang, l.Confusion[0], l.Confusion[1], l.Confusion[2])
	}
	return b.String()
}

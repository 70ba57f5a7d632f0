package sentiment

import (
	"math"
)

// Config is what decides the features; it is stored in the model so that the
// runtime extracts exactly the features the weights were trained on.
type Config struct {
	HashBits      uint8   // the weight table has 2^HashBits rows of 3 classes
	Bigrams       bool    // word bigrams
	CharMin       uint8   // character n-grams of folded words, CharMin..CharMax bytes (0: none)
	CharMax       uint8   //
	NegScope      uint8   // words after a negator that are negated
	ContrastScale bool    // scale word features by the clause weight (0.5 before "but", 1.5 after)
	SharedInLang  bool    // language models also see the generic (language-free) features
	Lambda        float64 // L2 penalty
	Iters         int     // AdaGrad SGD epochs
	LR            float64 // AdaGrad step
}

// DefaultConfig is the configuration model.bin is trained with (chosen by
// 5-fold cross-validation on the UMSAB train splits, see README.md).
var DefaultConfig = Config{
	HashBits:      18,
	Bigrams:       true,
	CharMin:       0, // character n-grams lowered CV macro-F1 (README.md)
	CharMax:       0,
	NegScope:      3,
	ContrastScale: true,
	SharedInLang:  true,
	Lambda:        1e-3,
	Iters:         5,
	LR:            0.01,
}

// Feature kinds, hashed with the namespace (0 generic, else a language).
const (
	kUni byte = iota + 1
	kBi
	kChar
	kEmoji
	kEmoticon
	kTag
	kDense
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hstart(ns, kind, flag byte) uint64 {
	h := uint64(fnvOffset)
	h = (h ^ uint64(ns)) * fnvPrime
	h = (h ^ uint64(kind)) * fnvPrime
	h = (h ^ uint64(flag)) * fnvPrime
	return h
}

func hstr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func hbyte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

type feat struct {
	idx uint32
	val float32
}

// langInfo is what feature extraction needs about one language.
type langInfo struct {
	ns       byte               // namespace of the language's features; 0 = generic only
	lex      map[string]float32 // folded word → polarity in [-1, 1]
	fw       map[string]uint8   // function words
	suffixes []string
	stemApp  string
	cur      map[string]bool    // words of the curated lexicon (curated.go)
	phr      map[string]float32 // curated phrases: "w1 w2[ w3]" → polarity
	phrLast  map[string]bool    // the last words of the curated phrases
}

// tables are the lexicons and weights shared by training and the runtime.
type tables struct {
	cfg       Config
	emoji     map[rune]float32
	emoticons emoticonSet
	langs     map[string]*langInfo // trained and lexicon-only languages, "" generic
}

// Dense features.
const (
	dBias = iota
	dPos
	dNeg
	dNPos
	dNNeg
	dMax
	dMin
	dLast
	dEPos
	dENeg
	dCompound
	dBin0 // 7 bins of the compound: 11..17
	dExcl = dBin0 + 7 + iota - 12
	dQuest
	dCaps
	dElong
	dURL
	dMention
	dLen
	dNegator
	dContrast
	dEmoji
	dCPos // curated lexicon: positive and negative sums (words, phrases, emoji)
	dCNeg
	nDense
)

// stats are the lexicon and surface statistics of a post.
type stats struct {
	pos, neg, max, min, last float64
	npos, nneg               int
	epos, eneg               float64
	sum                      float64
	excl, quest, caps, elong int
	url, mention, words      int
	negators, emoji          int
	contrast                 bool
	cpos, cneg               float64 // the curated part of pos+epos and neg+eneg
}

// compound is the lexicon-only score in [-1, 1], VADER style.
func (s *stats) compound() float64 {
	x := s.sum
	if x != 0 && s.excl > 0 {
		amp := 0.07 * float64(min(s.excl, 4))
		if x > 0 {
			x += amp
		} else {
			x -= amp
		}
	}
	return x / math.Sqrt(x*x+1)
}

// isCurated reports whether the folded word w (or the form lookup found for
// it) is in the curated lexicon.
func (li *langInfo) isCurated(w string) bool {
	if len(li.cur) == 0 {
		return false
	}
	if li.cur[w] {
		return true
	}
	if _, ok := li.lex[w]; ok {
		return false
	}
	for _, suf := range li.suffixes {
		if len(w)-len(suf) >= 3 && w[len(w)-len(suf):] == suf {
			stem := w[:len(w)-len(suf)]
			if _, ok := li.lex[stem]; ok {
				return li.cur[stem]
			}
			if li.stemApp != "" {
				var tmp [64]byte
				if len(stem)+len(li.stemApp) <= len(tmp) {
					n := copy(tmp[:], stem)
					n += copy(tmp[n:], li.stemApp)
					if _, ok := li.lex[unsafeString(tmp[:n])]; ok {
						return li.cur[unsafeString(tmp[:n])]
					}
				}
			}
		}
	}
	return false
}

// phrase returns the polarity of the curated phrase that ends with the word
// w, given the two words before it (p2 p1, "" when absent).
func (li *langInfo) phrase(sc *scratch, p2, p1, w string) (float32, bool) {
	if p1 == "" || !li.phrLast[w] {
		return 0, false
	}
	k := sc.key[:0]
	if p2 != "" {
		k = append(append(append(append(append(k, p2...), ' '), p1...), ' '), w...)
		if p, ok := li.phr[string(k)]; ok {
			sc.key = k
			return p, true
		}
		k = k[:0]
	}
	k = append(append(append(k, p1...), ' '), w...)
	sc.key = k
	p, ok := li.phr[string(k)]
	return p, ok
}

// lookup returns the polarity of the folded word w, trying inflection suffixes.
func (li *langInfo) lookup(w string) (float32, bool) {
	if p, ok := li.lex[w]; ok {
		return p, true
	}
	var tmp [64]byte
	for _, suf := range li.suffixes {
		if len(w)-len(suf) >= 3 && w[len(w)-len(suf):] == suf {
			stem := w[:len(w)-len(suf)]
			if p, ok := li.lex[stem]; ok {
				return p, true
			}
			if li.stemApp != "" && len(stem)+len(li.stemApp) <= len(tmp) {
				n := copy(tmp[:], stem)
				n += copy(tmp[n:], li.stemApp)
				if p, ok := li.lex[unsafeString(tmp[:n])]; ok {
					return p, true
				}
			}
		}
	}
	return 0, false
}

// extract fills sc.feats with the hashed features of the tokens in sc and
// returns the post's statistics. nss are the namespaces the hashed features
// are emitted in (a language, the generic one, or both).
func (t *tables) extract(sc *scratch, li *langInfo, nss []byte) stats {
	cfg := &t.cfg
	sc.feats = sc.feats[:0]
	var st stats
	st.max, st.min = 0, 0
	sc.mask = uint64(1)<<cfg.HashBits - 1
	emit := sc.emit

	// The last contrast word splits the post into a lighter and a heavier part.
	lastContrast := -1
	for i := range sc.toks {
		tk := &sc.toks[i]
		if tk.kind == tkWord && li.fw[sc.str(tk)]&fwContrast != 0 && i > 0 {
			lastContrast = i
		}
	}
	st.contrast = lastContrast >= 0

	negLeft := 0
	boost := 1.0
	prev := "<s>"
	shouting := false
	{
		caps, words := 0, 0
		for i := range sc.toks {
			if sc.toks[i].kind == tkWord {
				words++
				if sc.toks[i].caps {
					caps++
				}
			}
		}
		shouting = words > 0 && caps*2 > words
	}
	pw1, pw2 := "", "" // the words before this one, for curated phrases
	for i := range sc.toks {
		tk := &sc.toks[i]
		if tk.kind != tkWord && (tk.kind != tkPunct || !tk.hyph) {
			pw1, pw2 = "", ""
		}
		cw := 1.0
		if lastContrast >= 0 {
			if i < lastContrast {
				cw = 0.5
			} else if i > lastContrast {
				cw = 1.5
			}
		}
		fv := float32(1)
		if cfg.ContrastScale {
			fv = float32(cw)
		}
		switch tk.kind {
		case tkWord:
			w := sc.str(tk)
			st.words++
			if tk.caps {
				st.caps++
			}
			if tk.elong {
				st.elong++
			}
			fl := li.fw[w]
			neg := negLeft > 0
			var nf byte
			if neg {
				nf = 1
			}
			// Intensifiers get no unigram of their own: they scale the next
			// word's unigram and lexicon polarity instead, so that "très bien"
			// is never less positive than "bien".
			uv := fv * float32(boost)
			for _, ns := range nss {
				if fl&(fwBoost|fwDimin) == 0 {
					emit(hstr(hstart(ns, kUni, nf), w), uv)
				}
				if cfg.Bigrams {
					emit(hstr(hbyte(hstr(hstart(ns, kBi, 0), prev), ' '), w), fv)
				}
				if cfg.CharMin > 0 && len(w) >= 2 {
					t.charNgrams(sc, ns, w, fv)
				}
			}
			if fl&(fwBoost|fwDimin) == 0 {
				prev = w // intensifiers are transparent to bigrams
			}
			if negLeft > 0 {
				negLeft--
			}
			if fl&fwContrast != 0 {
				negLeft = 0
			}
			php, isPhrase := li.phrase(sc, pw2, pw1, w)
			pw2, pw1 = pw1, w
			// A negator that is also a curated word ("nul") is read as the
			// adjective when no word follows it in its clause ("c'est nul.").
			if fl&fwNeg != 0 && !isPhrase && !(li.cur[w] && (i+1 == len(sc.toks) || sc.toks[i+1].kind != tkWord)) {
				negLeft = int(cfg.NegScope)
				st.negators++
				boost = 1
				continue
			}
			p, ok, cur := php, isPhrase, isPhrase
			if !isPhrase {
				p, ok = li.lookup(w)
				cur = ok && li.isCurated(w)
			}
			if ok && p != 0 {
				v := float64(p) * boost
				if tk.caps && !shouting {
					v *= 1.3
				}
				if neg {
					v *= -0.74
				}
				v *= cw
				st.sum += v
				if v > 0 {
					st.pos += v
					st.npos++
				} else {
					st.neg -= v
					st.nneg++
				}
				st.max = max(st.max, v)
				st.min = min(st.min, v)
				st.last = v
				if cur {
					if v > 0 {
						st.cpos += v
					} else {
						st.cneg -= v
					}
				}
			}
			boost = 1
			if fl&fwBoost != 0 {
				boost = 1.4
			} else if fl&fwDimin != 0 {
				boost = 0.6
			}
		case tkHashtag:
			w := sc.str(tk)
			for _, ns := range nss {
				emit(hstr(hstart(ns, kTag, 0), w), fv)
			}
		case tkEmoji, tkEmoticon:
			var p float32
			var ok bool
			var h uint64
			st.emoji++
			if tk.kind == tkEmoji {
				p, ok = t.emoji[tk.r]
				h = uint64(tk.r)
				for _, ns := range nss {
					hh := hstart(ns, kEmoji, 0)
					hh = hbyte(hbyte(hbyte(hh, byte(h)), byte(h>>8)), byte(h>>16))
					emit(hh, fv)
				}
			} else {
				e := sc.str(tk)
				p, ok = t.emoticons.set[e]
				for _, ns := range nss {
					emit(hstr(hstart(ns, kEmoticon, 0), e), fv)
				}
			}
			if ok {
				v := float64(p) * cw
				if negLeft > 0 {
					v *= 0.5 // "not bad 😂": an emoji after a negation still mostly keeps its sign
				}
				st.sum += v
				if v > 0 {
					st.epos += v
				} else {
					st.eneg -= v
				}
				if tk.kind == tkEmoji && isCuratedEmoji(tk.r) {
					if v > 0 {
						st.cpos += v
					} else {
						st.cneg -= v
					}
				}
			}
			prev = "<e>"
		case tkPunct, tkExcl, tkQuest:
			negLeft = 0
			boost = 1
			prev = "<p>"
			if tk.kind == tkExcl {
				st.excl++
			} else if tk.kind == tkQuest {
				st.quest++
			}
		case tkMention:
			st.mention++
		case tkURL:
			st.url++
		}
	}

	// Dense features.
	var d [nDense]float32
	d[dBias] = 1
	d[dPos] = float32(st.pos)
	d[dNeg] = float32(st.neg)
	d[dNPos] = float32(math.Log1p(float64(st.npos)))
	d[dNNeg] = float32(math.Log1p(float64(st.nneg)))
	d[dMax] = float32(st.max)
	d[dMin] = float32(st.min)
	d[dLast] = float32(st.last)
	d[dEPos] = float32(st.epos)
	d[dENeg] = float32(st.eneg)
	c := st.compound()
	d[dCompound] = float32(c)
	d[dBin0+compoundBin(c)] = 1
	d[dExcl] = float32(min(st.excl, 3)) / 3
	d[dQuest] = float32(min(st.quest, 3)) / 3
	if st.words > 0 {
		d[dCaps] = float32(st.caps) / float32(st.words)
	}
	if st.elong > 0 {
		d[dElong] = 1
	}
	if st.url > 0 {
		d[dURL] = 1
	}
	if st.mention > 0 {
		d[dMention] = 1
	}
	d[dLen] = float32(math.Log1p(float64(st.words))) / 3
	if st.negators > 0 {
		d[dNegator] = 1
	}
	if st.contrast {
		d[dContrast] = 1
	}
	if st.emoji > 0 {
		d[dEmoji] = 1
	}
	d[dCPos] = float32(st.cpos)
	d[dCNeg] = float32(st.cneg)
	for _, ns := range nss {
		h0 := hstart(ns, kDense, 0)
		for j, v := range d {
			if v != 0 {
				emit(hbyte(h0, byte(j)), v)
			}
		}
	}
	return st
}

func compoundBin(c float64) int {
	switch {
	case c <= -0.5:
		return 0
	case c <= -0.2:
		return 1
	case c < -0.05:
		return 2
	case c <= 0.05:
		return 3
	case c < 0.2:
		return 4
	case c < 0.5:
		return 5
	}
	return 6
}

func (t *tables) charNgrams(sc *scratch, ns byte, w string, v float32) {
	lo, hi := int(t.cfg.CharMin), int(t.cfg.CharMax)
	n := len(w) + 2
	at := func(i int) byte {
		if i == 0 || i == n-1 {
			return ' '
		}
		return w[i-1]
	}
	h0 := hstart(ns, kChar, 0)
	for i := 0; i < n; i++ {
		h := h0
		for k := 0; k < hi && i+k < n; k++ {
			h = hbyte(h, at(i+k))
			if k+1 >= lo {
				sc.emit(h, v*0.5)
			}
		}
	}
}

func (sc *scratch) emit(h uint64, v float32) {
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	sc.feats = append(sc.feats, feat{uint32(h & sc.mask), v})
}

package text

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// How a source rune takes part in words once folded.
const (
	classSep    uint8 = iota // separates words (punctuation, space, emoji, symbols)
	classWord                // letters/digits that extend the current word
	classSingle              // a word by itself (Han, Hiragana, Katakana, Thai)
	classIgnore              // contributes nothing and does not separate (combining marks, joiners)
	classMixed               // folds to several runes of different classes (e.g. ½ → 1⁄2)
)

// foldEntry is the precomputed analysis of one source rune.
type foldEntry struct {
	fold  string // NFKC, case-folded, diacritics removed
	kept  string // NFKC, diacritics removed, case kept (for {Case} words)
	class uint8
}

type foldPage [256]foldEntry

// Pages are computed on first use so that start-up stays instant and only the
// scripts a deployment sees cost memory.
var (
	foldPages [unicode.MaxRune>>8 + 1]atomic.Pointer[foldPage]
	pageMu    sync.Mutex
	folder    = cases.Fold()
)

// lookup returns the analysis of r.
func lookup(r rune) *foldEntry {
	if r < 0 || r > unicode.MaxRune {
		r = unicode.ReplacementChar
	}
	p := foldPages[r>>8].Load()
	if p == nil {
		p = buildPage(r >> 8)
	}
	return &p[r&0xff]
}

func buildPage(n rune) *foldPage {
	pageMu.Lock()
	defer pageMu.Unlock()
	if p := foldPages[n].Load(); p != nil {
		return p
	}
	p := new(foldPage)
	for i := range p {
		p[i] = computeEntry(n<<8 | rune(i))
	}
	foldPages[n].Store(p)
	return p
}

// Letters that Unicode does not decompose but that people write without their
// stroke or ligature (shared/design/query-language.md §2).
var extraFolds = map[rune]string{
	'ß': "ss", 'ẞ': "SS", 'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE",
	'ø': "o", 'Ø': "O", 'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D",
	'ı': "i", 'ħ': "h", 'Ħ': "H", 'ŧ': "t", 'Ŧ': "T", 'ŀ': "l", 'Ŀ': "L",
}

func computeEntry(r rune) foldEntry {
	if r >= 0xD800 && r <= 0xDFFF {
		return foldEntry{class: classSep}
	}
	if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
		// Joiners, soft hyphens and combining marks never split a word.
		return foldEntry{class: classIgnore}
	}
	var kept strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) || unicode.Is(unicode.Me, d) || unicode.Is(unicode.Cf, d) {
			continue
		}
		if x, ok := extraFolds[d]; ok {
			kept.WriteString(x)
			continue
		}
		kept.WriteRune(d)
	}
	k := norm.NFC.String(kept.String())
	f := stableFold(k)
	// Case folding can reintroduce letters with marks (rare); strip again.
	f = stripMarks(f)
	e := foldEntry{fold: f, kept: k}
	e.class = classOf(f)
	if e.class == classSep {
		e.fold, e.kept = "", ""
	}
	return e
}

// stableFold case-folds s so that folding again changes nothing. x/text folds
// some scripts (Cherokee) back and forth between two letters; the smaller one
// is taken for both.
func stableFold(s string) string {
	for range 4 {
		t := folder.String(s)
		if t == s {
			return s
		}
		if folder.String(t) == s {
			return min(s, t)
		}
		s = t
	}
	return s
}

func stripMarks(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Mn, r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// classOf classifies a folded string: all word runes, a single no-space-script
// rune, no word rune at all, or a mixture that must be re-tokenised.
func classOf(s string) uint8 {
	if s == "" {
		return classIgnore
	}
	words, singles, seps, n := 0, 0, 0, 0
	for _, r := range s {
		n++
		switch {
		case isSingleScript(r):
			singles++
		case isWordRune(r):
			words++
		default:
			seps++
		}
	}
	switch {
	case words == n:
		return classWord
	case singles == 1 && n == 1:
		return classSingle
	case seps == n:
		return classSep
	}
	return classMixed
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r)
}

// isSingleScript reports scripts written without spaces, where each character
// is its own word (§2.4).
func isSingleScript(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai)
}

// Fold returns s normalised as query words and post words are: NFKC, case
// folded, diacritics removed. Separators are kept as they are.
func Fold(s string) string {
	ascii, lower := true, true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 {
			ascii = false
			break
		} else if 'A' <= c && c <= 'Z' {
			lower = false
		}
	}
	if ascii {
		if lower {
			return s
		}
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
			continue
		}
		e := lookup(r)
		if e.class == classSep {
			b.WriteRune(r)
			continue
		}
		b.WriteString(e.fold)
	}
	return b.String()
}

// FoldKeepCase is Fold without case folding, for case-sensitive words.
func FoldKeepCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		e := lookup(r)
		if e.class == classSep {
			b.WriteRune(r)
			continue
		}
		b.WriteString(e.kept)
	}
	return b.String()
}

package sentiment

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/text"
)

// tokKind says what a token is.
type tokKind uint8

const (
	tkWord     tokKind = iota // a folded word (also each part of a hashtag)
	tkHashtag                 // the folded body of a hashtag, before its parts
	tkEmoji                   // one emoji (modifiers and joiners dropped)
	tkEmoticon                // an ASCII emoticon such as :-) or <3
	tkPunct                   // a clause boundary: . , ; : ( ) " …
	tkExcl                    // !
	tkQuest                   // ?
	tkMention                 // @user
	tkURL                     // http… or www.…
)

// token is one token of a post; its folded form is buf[s0:s1].
type token struct {
	s0, s1 int32
	r      rune // emoji
	kind   tokKind
	caps   bool // a word of two or more letters, all upper case
	elong  bool // a letter was repeated three times or more (collapsed to two)
	inTag  bool // part of a hashtag
	hyph   bool // a punctuation token that is a hyphen between two words (shout-out)
}

// scratch is the per-call working memory, pooled so that Analyze allocates
// (almost) nothing.
type scratch struct {
	buf   []byte
	toks  []token
	feats []feat
	parts []int32
	key   []byte // curated phrase lookups
	mask  uint64
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{buf: make([]byte, 0, 512), toks: make([]token, 0, 64), feats: make([]feat, 0, 512)}
}}

func (sc *scratch) str(t *token) string { return unsafeString(sc.buf[t.s0:t.s1]) }

// Folding of single runes: Latin, Greek and Cyrillic runes are folded once
// through text.Fold (NFKC, case fold, diacritics removed) into a table; rarer
// runes go through text.Fold each time.
const foldTableSize = 0x530

var (
	foldOnce  sync.Once
	foldTable [foldTableSize]string
)

func foldRune(r rune) string {
	if r < foldTableSize {
		foldOnce.Do(func() {
			for i := rune(0x80); i < foldTableSize; i++ {
				foldTable[i] = text.Fold(string(i))
			}
		})
		return foldTable[r]
	}
	return text.Fold(string(r))
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' || r == '`' || r == '´' }

func isLetterish(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// isEmoji reports pictographs and symbols that carry meaning in posts.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF,
		r >= 0x2600 && r <= 0x27BF,
		r >= 0x2B00 && r <= 0x2BFF,
		r >= 0x2190 && r <= 0x21FF,
		r >= 0x2300 && r <= 0x23FF,
		r == 0x00A9 || r == 0x00AE || r == 0x203C || r == 0x2049 || r == 0x2122 || r == 0x2139,
		r == 0x3030 || r == 0x303D || r == 0x3297 || r == 0x3299:
		return true
	}
	return false
}

// isEmojiModifier reports runes that only modify the emoji before them.
func isEmojiModifier(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r == 0x200D || r == 0x20E3 || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// appendFoldedWord appends the folded form of the word raw to dst, collapsing
// runs of three or more identical letters to two. It reports whether raw was
// all upper case (two letters or more) and whether letters were collapsed.
func appendFoldedWord(dst []byte, raw string) (out []byte, caps, elong bool) {
	start := len(dst)
	upper, lower := 0, 0
	for _, r := range raw {
		if r < 0x80 {
			c := byte(r)
			if 'A' <= c && c <= 'Z' {
				upper++
				c += 'a' - 'A'
			} else if 'a' <= c && c <= 'z' {
				lower++
			}
			if n := len(dst); n-start >= 2 && dst[n-1] == c && dst[n-2] == c && c >= 'a' && c <= 'z' {
				elong = true
				continue
			}
			dst = append(dst, c)
			continue
		}
		if unicode.IsUpper(r) {
			upper++
		} else if unicode.IsLower(r) {
			lower++
		}
		f := foldRune(r)
		if len(f) == 1 {
			c := f[0]
			if n := len(dst); n-start >= 2 && dst[n-1] == c && dst[n-2] == c && c >= 'a' && c <= 'z' {
				elong = true
				continue
			}
		}
		dst = append(dst, f...)
	}
	return dst, upper >= 2 && lower == 0, elong
}

// tokenize splits s into sc.toks.
func tokenize(s string, sc *scratch, emo *emoticonSet) {
	sc.buf = sc.buf[:0]
	sc.toks = sc.toks[:0]
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '@' && i+1 < len(s) && nextIsWord(s, i+1):
			j := i + 1
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !isLetterish(r2) && r2 != '.' && r2 != '@' {
					break
				}
				j += n
			}
			sc.toks = append(sc.toks, token{kind: tkMention})
			i = j
		case r == '#' && i+1 < len(s) && nextIsWord(s, i+1):
			j := i + 1
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !isLetterish(r2) {
					break
				}
				j += n
			}
			sc.hashtag(s[i+1 : j])
			i = j
		case isLetterish(r):
			j := i + size
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if isLetterish(r2) {
					j += n
					continue
				}
				if isApostrophe(r2) && j+n < len(s) {
					if r3, _ := utf8.DecodeRuneInString(s[j+n:]); isLetterish(r3) {
						j += n
						continue
					}
				}
				break
			}
			w := s[i:j]
			if (w == "http" || w == "https") && (j == len(s) || s[j] == ':' || s[j] == ' ') || w == "www" && j < len(s) && s[j] == '.' {
				for j < len(s) && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' {
					j++
				}
				sc.toks = append(sc.toks, token{kind: tkURL})
			} else {
				sc.word(w, false)
			}
			i = j
		case isEmoji(r):
			sc.toks = append(sc.toks, token{kind: tkEmoji, r: r})
			i += size
			for i < len(s) {
				r2, n := utf8.DecodeRuneInString(s[i:])
				if !isEmojiModifier(r2) {
					break
				}
				i += n
			}
		case r < 0x80 && r > ' ':
			if n := emo.match(s[i:]); n > 0 {
				b0 := int32(len(sc.buf))
				sc.buf = append(sc.buf, s[i:i+n]...)
				sc.toks = append(sc.toks, token{kind: tkEmoticon, s0: b0, s1: int32(len(sc.buf))})
				// Swallow repeats of the last character: :))) or :(((.
				last := s[i+n-1]
				i += n
				for i < len(s) && s[i] == last {
					i++
				}
				continue
			}
			switch r {
			case '!':
				sc.toks = append(sc.toks, token{kind: tkExcl})
			case '?':
				sc.toks = append(sc.toks, token{kind: tkQuest})
			case '-':
				sc.punct()
				// A hyphen between two words still closes the clause, but
				// curated phrases may span it ("shout-out", "ras-le-bol").
				if n := len(sc.toks); n >= 2 && sc.toks[n-2].kind == tkWord && i+1 < len(s) && nextIsWord(s, i+1) && prevIsWord(s, i) {
					sc.toks[n-1].hyph = true
				}
			case '.', ',', ';', ':', '(', ')', '"', '[', ']', '|':
				sc.punct()
			}
			i += size
		default:
			if unicode.IsPunct(r) {
				if r == '¡' || r == '‼' {
					sc.toks = append(sc.toks, token{kind: tkExcl})
				} else if r == '¿' {
					sc.toks = append(sc.toks, token{kind: tkQuest})
				} else {
					sc.punct()
				}
			}
			i += size
		}
	}
}

func prevIsWord(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isLetterish(r)
}

func nextIsWord(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isLetterish(r)
}

func (sc *scratch) punct() {
	if n := len(sc.toks); n > 0 && sc.toks[n-1].kind == tkPunct {
		return
	}
	sc.toks = append(sc.toks, token{kind: tkPunct})
}

// word appends the tokens of one word, which may hold apostrophes: "l'amour"
// gives "l" "amour"; "don't" and "isn't" give "do" "not" and "is" "not".
func (sc *scratch) word(w string, inTag bool) {
	for len(w) > 0 {
		k, n := -1, 0
		for j, r := range w {
			if isApostrophe(r) {
				k, n = j, utf8.RuneLen(r)
				break
			}
		}
		if k < 0 {
			sc.piece(w, inTag)
			return
		}
		head, tail := w[:k], w[k+n:]
		if (tail == "t" || tail == "T") && len(head) > 1 && (head[len(head)-1] == 'n' || head[len(head)-1] == 'N') {
			sc.piece(head[:len(head)-1], inTag)
			sc.piece("not", inTag)
			return
		}
		sc.piece(head, inTag)
		w = tail
	}
}

func (sc *scratch) piece(w string, inTag bool) {
	if w == "" {
		return
	}
	b0 := int32(len(sc.buf))
	var caps, elong bool
	sc.buf, caps, elong = appendFoldedWord(sc.buf, w)
	if int32(len(sc.buf)) == b0 {
		return
	}
	sc.toks = append(sc.toks, token{kind: tkWord, s0: b0, s1: int32(len(sc.buf)), caps: caps, elong: elong, inTag: inTag})
}

// hashtag appends a hashtag token for body and then its parts as words:
// camel case, digits and underscores separate parts (#JeSuisFurieux → je suis furieux).
func (sc *scratch) hashtag(body string) {
	b0 := int32(len(sc.buf))
	sc.buf, _, _ = appendFoldedWord(sc.buf, body)
	sc.toks = append(sc.toks, token{kind: tkHashtag, s0: b0, s1: int32(len(sc.buf))})
	// Find part boundaries.
	sc.parts = sc.parts[:0]
	start := 0
	var prev rune
	prevClass := 0 // 1 lower, 2 upper, 3 digit, 4 other letter
	for j, r := range body {
		class := 4
		switch {
		case r == '_':
			class = 0
		case unicode.IsDigit(r):
			class = 3
		case unicode.IsUpper(r):
			class = 2
		case unicode.IsLower(r):
			class = 1
		}
		cut := false
		switch {
		case class == 0:
			if j > start {
				sc.parts = append(sc.parts, int32(start), int32(j))
			}
			start = j + 1
		case class == 2 && prevClass == 1,
			class == 3 && prevClass != 3 && prevClass != 0,
			class != 3 && prevClass == 3:
			cut = true
		case class == 1 && prevClass == 2 && j-utf8.RuneLen(prev) > start:
			// "JSONParser": the upper case letter before a lower one starts a part.
			k := j - utf8.RuneLen(prev)
			sc.parts = append(sc.parts, int32(start), int32(k))
			start = k
		}
		if cut && j > start {
			sc.parts = append(sc.parts, int32(start), int32(j))
			start = j
		}
		prev, prevClass = r, class
	}
	if start < len(body) {
		sc.parts = append(sc.parts, int32(start), int32(len(body)))
	}
	for k := 0; k+1 < len(sc.parts); k += 2 {
		sc.piece(body[sc.parts[k]:sc.parts[k+1]], true)
	}
}

// emoticonSet holds the known emoticons; they are matched at ASCII
// punctuation (longest first).
type emoticonSet struct {
	set    map[string]float32
	maxLen int
}

func (m *emoticonSet) match(s string) int {
	if m == nil {
		return 0
	}
	for n := min(len(s), m.maxLen); n >= 2; n-- {
		if _, ok := m.set[s[:n]]; ok {
			// An emoticon must not run into a word: ":p" in ":path" is not one.
			if n < len(s) {
				r, _ := utf8.DecodeRuneInString(s[n:])
				if isLetterish(r) && isLetterish(rune(s[n-1])) {
					continue
				}
			}
			return n
		}
	}
	return 0
}

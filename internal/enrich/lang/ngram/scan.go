// Package ngram holds what Vigie's language detector and its model generator
// (tools/langmodel) must agree on: how text is cut into words, the writing
// system of each word, how character n-grams are hashed, and the model file
// format.
package ngram

import (
	"unicode"
	"unicode/utf8"
)

// Script is the writing system of a word.
type Script uint8

// Scripts told apart by the detector. Scripts that belong to one supported
// language (Greek, Hebrew, Hangul…) need no n-gram model.
const (
	None Script = iota
	Latin
	Cyrillic
	Greek
	Arabic
	Hebrew
	Devanagari
	Han
	Kana
	Hangul
	Thai
	Georgian
	Armenian
	Other
	NumScripts
)

var scriptNames = [NumScripts]string{"none", "latin", "cyrillic", "greek", "arabic", "hebrew", "devanagari", "han", "kana", "hangul", "thai", "georgian", "armenian", "other"}

func (s Script) String() string {
	if s < NumScripts {
		return scriptNames[s]
	}
	return "invalid"
}

// ParseScript is the inverse of Script.String.
func ParseScript(name string) (Script, bool) {
	for i, n := range scriptNames {
		if n == name {
			return Script(i), true
		}
	}
	return None, false
}

// MaxOrder is the longest n-gram used.
const MaxOrder = 5

// MaxWord is the longest word handed out by the Scanner; longer letter runs
// are cut into pieces of this length.
const MaxWord = 40

// Word is one lower-cased run of letters of a single script.
type Word struct {
	Runes  [MaxWord]rune
	N      int
	Script Script
}

// Scanner cuts a text into words without allocating. It drops @handles,
// URLs (and the placeholder "http" UMSAB leaves for them), e-mail addresses,
// HTML entities, digits, punctuation and emoji; it keeps hashtag bodies.
type Scanner struct {
	text     string
	pos      int
	tokStart bool // pos is at the start of a whitespace-separated token
}

// Reset starts scanning text.
func (s *Scanner) Reset(text string) {
	s.text = text
	s.pos = 0
	s.tokStart = true
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v'
	}
	return unicode.IsSpace(r)
}

// skipToken reports whether the token starting at s.pos is a handle, URL or
// e-mail address that must be ignored as a whole.
func (s *Scanner) skipToken() bool {
	t := s.text[s.pos:]
	if t == "" {
		return false
	}
	if t[0] == '@' {
		return true
	}
	// Find the token end.
	end := len(t)
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
				end = i
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(t[i:])
		if unicode.IsSpace(r) {
			end = i
			break
		}
		i += n
	}
	tok := t[:end]
	if hasPrefixFold(tok, "http") || hasPrefixFold(tok, "www.") || hasPrefixFold(tok, "pic.twitter") {
		return true
	}
	for i := 0; i+1 < len(tok); i++ {
		switch tok[i] {
		case '@':
			if i > 0 {
				return true // e-mail or user@instance handle
			}
		case ':':
			if i+2 < len(tok) && tok[i+1] == '/' && tok[i+2] == '/' {
				return true
			}
		case '.':
			// domain-like tokens: example.com, t.co/xyz
			if i > 0 && i+3 <= len(tok) && (hasPrefixFold(tok[i+1:], "com") || hasPrefixFold(tok[i+1:], "org") || hasPrefixFold(tok[i+1:], "net") || hasPrefixFold(tok[i+1:], "co/")) {
				return true
			}
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// Next stores the next word in w and reports whether there was one.
func (s *Scanner) Next(w *Word) bool {
	w.N = 0
	w.Script = None
	t := s.text
	for s.pos < len(t) {
		if s.tokStart {
			s.tokStart = false
			if s.skipToken() {
				// skip to the next whitespace
				for s.pos < len(t) {
					r, n := rune(t[s.pos]), 1
					if r >= utf8.RuneSelf {
						r, n = utf8.DecodeRuneInString(t[s.pos:])
					}
					if isSpace(r) {
						break
					}
					s.pos += n
				}
				continue
			}
		}
		r, n := rune(t[s.pos]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(t[s.pos:])
		}
		if isSpace(r) {
			s.pos += n
			s.tokStart = true
			if w.N > 0 {
				return true
			}
			continue
		}
		if r == '&' && w.N == 0 {
			// HTML entity such as &amp; or &#39;
			j := s.pos + 1
			for j < len(t) && j-s.pos < 10 && (isASCIILetter(t[j]) || t[j] == '#' || ('0' <= t[j] && t[j] <= '9')) {
				j++
			}
			if j < len(t) && t[j] == ';' && j > s.pos+1 {
				s.pos = j + 1
				continue
			}
		}
		sc, lr := Classify(r)
		if sc == None {
			s.pos += n
			if w.N > 0 {
				return true
			}
			continue
		}
		if w.N > 0 && sc != w.Script {
			// a change of script ends the word; r is read again next time
			return true
		}
		if w.N == MaxWord {
			return true
		}
		w.Script = sc
		w.Runes[w.N] = lr
		w.N++
		s.pos += n
	}
	return w.N > 0
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// Classify returns the script of a letter (None for anything else) and its
// lower-case form.
func Classify(r rune) (Script, rune) {
	if r < 0x80 {
		switch {
		case 'a' <= r && r <= 'z':
			return Latin, r
		case 'A' <= r && r <= 'Z':
			return Latin, r + 'a' - 'A'
		}
		return None, r
	}
	if !unicode.IsLetter(r) && !unicode.In(r, unicode.Mn, unicode.Mc) {
		return None, r
	}
	lr := unicode.ToLower(r)
	switch {
	case r < 0x250:
		if r == 0xAA || r == 0xBA || r == 0xB5 { // ª º µ
			return None, r
		}
		return Latin, lr
	case r < 0x300:
		return Other, lr // IPA, modifier letters
	case r < 0x370:
		return None, r // combining diacritics attach nowhere useful
	case r < 0x400:
		return Greek, lr
	case r < 0x530:
		return Cyrillic, lr
	case r < 0x590:
		return Armenian, lr
	case r < 0x600:
		return Hebrew, lr
	case r < 0x700, 0x750 <= r && r < 0x780, 0x8A0 <= r && r < 0x900, 0xFB50 <= r && r < 0xFE00, 0xFE70 <= r && r < 0xFF00:
		return Arabic, lr
	case 0x900 <= r && r < 0x980:
		return Devanagari, lr
	case 0xE00 <= r && r < 0xE80:
		return Thai, lr
	case 0x10A0 <= r && r < 0x1100, 0x1C90 <= r && r < 0x1CC0, 0x2D00 <= r && r < 0x2D30:
		return Georgian, lr
	case 0x1100 <= r && r < 0x1200, 0x3130 <= r && r < 0x3190, 0xAC00 <= r && r < 0xD7B0, 0xA960 <= r && r < 0xA980, 0xD7B0 <= r && r < 0xD800:
		return Hangul, lr
	case 0x1E00 <= r && r < 0x1F00, 0x2C60 <= r && r < 0x2C80, 0xA720 <= r && r < 0xA800, 0xFF21 <= r && r < 0xFF5B:
		if 0xFF21 <= r { // full-width Latin
			lr = unicode.ToLower(r - 0xFF21 + 'A')
		}
		return Latin, lr
	case 0x1F00 <= r && r < 0x2000:
		return Greek, lr
	case 0x3040 <= r && r < 0x3100, 0x31F0 <= r && r < 0x3200, 0xFF66 <= r && r < 0xFFA0:
		return Kana, lr
	case 0x3400 <= r && r < 0x4DC0, 0x4E00 <= r && r < 0xA000, 0xF900 <= r && r < 0xFB00, 0x20000 <= r && r < 0x32000, r == 0x3005 || r == 0x3007:
		return Han, lr
	}
	switch {
	case unicode.Is(unicode.Latin, r):
		return Latin, lr
	case unicode.Is(unicode.Cyrillic, r):
		return Cyrillic, lr
	}
	return Other, lr
}

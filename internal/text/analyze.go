// Package text turns posts and query words into the normalised tokens that
// monitors match against (shared/design/query-language.md §1–2). Queries and
// posts go through the same code so that they always agree.
package text

import (
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/vigie-project/vigie"
)

// MaxDistance is the largest NEAR/n or "…"~n distance a query may use. Title,
// text and the pieces of text between removed URLs are placed further apart
// than that, so that no phrase or NEAR spans them.
const MaxDistance = 1000

// segmentGap separates segments by more than any window a query can ask for
// (a NEAR distance plus the words of a long phrase).
const segmentGap = 1 << 16

// gap moves the position past a segment boundary. Beyond a billion positions
// (hostile input) segments are no longer separated rather than overflow.
func (a *Analyzer) gap() {
	if a.pos < 1<<30 {
		a.pos += segmentGap
	}
}

// Kind says what a token is in the text.
type Kind uint8

// Token kinds. Every token also counts as a word at its position.
const (
	Word Kind = iota
	Hashtag
	Mention
)

// Token is one word of a post, with its position and where it came from.
type Token struct {
	Pos        int32 // word position; title words first, segments far apart
	Start, End int32 // byte span of the source in Doc.Plain
	w0, w1     int32 // folded word form in the doc's buffer
	t1         int32 // end of the folded tag (hashtag body, full mention handle)
	h0, h1     int32 // folded host of a mention @user@host
	Kind       Kind
	Hash       uint64 // Hash of the folded word form
}

// Doc is an analysed post: what it offers to queries. A Doc returned by an
// Analyzer is valid until the Analyzer's next call.
type Doc struct {
	Plain    string   // title and text as plain text (HTML converted, separated by a newline)
	Tokens   []Token  // in order of position
	TitleEnd int32    // positions below this are in the title
	Links    []string // the post's URL, its links and the URLs in its text
	URL      string   // the post's own URL (also in Links, for site: and url:)
	Hosts    []string // lower-case host of every link, without port
	Author   string   // folded handle without a leading '@'
	Source   string
	Lang     string
	Country  string

	buf  []byte
	bits wordBits
}

// Word returns the folded word form of token i.
func (d *Doc) Word(i int) string {
	t := &d.Tokens[i]
	return d.str(t.w0, t.w1)
}

// Tag returns the folded hashtag body or mention handle of token i, without '#', '@' or host.
func (d *Doc) Tag(i int) string {
	t := &d.Tokens[i]
	return d.str(t.w0, t.t1)
}

// Host returns the folded host of a mention @user@host, or "".
func (d *Doc) Host(i int) string {
	t := &d.Tokens[i]
	return d.str(t.h0, t.h1)
}

// Span returns the source text of token i's word, as written: for a mention
// @user.example@host, only "@user" (the rest is not part of the word).
func (d *Doc) Span(i int) string {
	t := &d.Tokens[i]
	s := d.Plain[t.Start:t.End]
	if t.Kind == Mention {
		if k := strings.IndexAny(s[1:], ".@"); k >= 0 {
			s = s[:1+k]
		}
	}
	return s
}

func (d *Doc) str(a, b int32) string {
	if a >= b {
		return ""
	}
	return unsafe.String(&d.buf[a], int(b-a))
}

// Analyzer analyses posts, reusing its memory from one post to the next. It is
// not safe for concurrent use; use one per goroutine.
type Analyzer struct {
	doc   Doc
	pos   int32
	plain strings.Builder
}

// Analyze returns a new Doc for p.
func Analyze(p *vigie.Post) *Doc {
	var a Analyzer
	d := a.Analyze(p)
	// Detach from the analyzer so the Doc stays valid.
	return d
}

// Analyze analyses p. The result is valid until the next call.
func (a *Analyzer) Analyze(p *vigie.Post) *Doc {
	d := &a.doc
	d.Tokens = d.Tokens[:0]
	d.Links = d.Links[:0]
	d.Hosts = d.Hosts[:0]
	d.buf = d.buf[:0]
	d.bits = wordBits{}
	a.pos = 0

	title, text := p.Title, p.Text
	if needsHTML(title) {
		title = htmlToText(title, &d.Links)
	}
	if needsHTML(text) {
		text = htmlToText(text, &d.Links)
	}
	switch {
	case title == "":
		d.Plain = text
	case text == "":
		d.Plain = title
	default:
		a.plain.Reset()
		a.plain.Grow(len(title) + 1 + len(text))
		a.plain.WriteString(title)
		a.plain.WriteByte('\n')
		a.plain.WriteString(text)
		d.Plain = a.plain.String()
		a.plain = strings.Builder{}
	}
	if title != "" {
		a.tokenize(d.Plain[:len(title)], 0)
		a.gap()
	}
	d.TitleEnd = a.pos
	if text != "" {
		a.tokenize(d.Plain[len(d.Plain)-len(text):], int32(len(d.Plain)-len(text)))
	}
	for i := range d.Tokens {
		t := &d.Tokens[i]
		if t.Hash == 0 { // not hashed by tokenize (a zero hash is hashed again: the same result)
			t.Hash = hashBytes(d.buf[t.w0:t.w1])
		}
		d.bits.add(t.Hash)
	}
	d.URL = p.URL
	if p.URL != "" {
		d.Links = append(d.Links, p.URL)
	}
	d.Links = append(d.Links, p.Links...)
	for _, l := range d.Links {
		if h := Host(l); h != "" {
			d.Hosts = append(d.Hosts, h)
		}
	}
	d.Author = strings.TrimPrefix(Fold(trimSpace(p.Author.Handle)), "@")
	d.Source = asciiLower(p.Source)
	d.Lang = asciiLower(p.Lang)
	d.Country = asciiLower(p.Country)
	return d
}

// trimSpace is strings.TrimSpace without its cost when there is nothing to trim.
func trimSpace(s string) string {
	if s == "" || s[0] > ' ' && s[len(s)-1] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimSpace(s)
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 || c == ' ' {
			return strings.TrimSpace(Fold(s))
		}
	}
	return s
}

// tokenize appends the tokens of s, whose first byte is at offset base of Doc.Plain.
func (a *Analyzer) tokenize(s string, base int32) {
	d := &a.doc
	inWord := false       // a word is open
	prevTagBlock := false // the previous rune forbids a '#'/'@' tag from starting here
	var cur Token
	// runHash is the hash of the open word if one ASCII run made it all
	// (the common case): the run hashed its bytes as it copied them.
	var runHash uint64
	closeWord := func(end int) {
		if inWord {
			cur.End = base + int32(end)
			cur.w1 = int32(len(d.buf))
			cur.t1 = cur.w1
			cur.Hash = runHash
			d.Tokens = append(d.Tokens, cur)
			inWord = false
		}
	}
	openWord := func(start int) {
		if !inWord {
			cur = Token{Pos: a.pos, Start: base + int32(start), w0: int32(len(d.buf))}
			a.pos++
			inWord = true
		}
		runHash = 0 // hashed after tokenize, unless an ASCII run makes the whole word
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !inWord && (c|0x20 == 'h' || c|0x20 == 'w') {
				if n := urlLen(s[i:]); n > 0 {
					d.Links = append(d.Links, s[i:i+n])
					a.gap()
					i += n
					prevTagBlock = false
					continue
				}
			}
			switch {
			case asciiWord[c] != 0:
				// The common case: a run of ASCII letters and digits, folded,
				// copied and hashed in one pass.
				whole := !inWord
				openWord(i)
				if cap(d.buf)-len(d.buf) < len(s)-i {
					d.buf = slices.Grow(d.buf, len(s)-i)
				}
				buf, n := d.buf[:cap(d.buf)], len(d.buf)
				j, h := i, uint64(fnvOffset)
				for ; j < len(s); j++ {
					f := asciiWord[s[j]]
					if f == 0 {
						break
					}
					buf[n] = f
					n++
					h = (h ^ uint64(f)) * fnvPrime
				}
				d.buf = buf[:n]
				if whole {
					runHash = h // stays the word's hash unless more is added to it
				}
				prevTagBlock = true
				i = j
				continue
			case (c == '#' || c == '@') && !prevTagBlock && !inWord:
				if n := a.tag(s, i, base); n > 0 {
					i += n
					prevTagBlock = true
					continue
				}
			}
			closeWord(i)
			prevTagBlock = c == '_' || c == '&' || c == '#' || c == '@'
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		e := lookup(r)
		switch e.class {
		case classWord:
			openWord(i)
			d.buf = append(d.buf, e.fold...)
			prevTagBlock = true
		case classIgnore:
			// marks and joiners neither add to nor end the open word
		case classSingle:
			closeWord(i)
			openWord(i)
			d.buf = append(d.buf, e.fold...)
			closeWord(i + size)
			prevTagBlock = true
		case classSep:
			closeWord(i)
			prevTagBlock = false
		case classMixed:
			for _, fr := range e.fold {
				switch {
				case isSingleScript(fr):
					closeWord(i)
					openWord(i)
					d.buf = utf8.AppendRune(d.buf, fr)
					closeWord(i + size)
				case isWordRune(fr):
					openWord(i)
					d.buf = utf8.AppendRune(d.buf, fr)
				default:
					closeWord(i + size)
				}
			}
			prevTagBlock = inWord
		}
		i += size
	}
	closeWord(len(s))
}

// asciiWord maps an ASCII letter or digit to its folded form (lower case)
// and every other byte to 0.
var asciiWord = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = byte(c), byte(c)
	}
	return t
}()

// tag reads a hashtag or mention starting at s[i] ('#' or '@') and returns the
// bytes consumed, or 0 if there is none.
func (a *Analyzer) tag(s string, i int, base int32) int {
	d := &a.doc
	kind := Hashtag
	if s[i] == '@' {
		kind = Mention
	}
	t := Token{Pos: a.pos, Start: base + int32(i), w0: int32(len(d.buf)), Kind: kind}
	j, alnum := a.tagBody(s, i+1)
	if !alnum {
		d.buf = d.buf[:t.w0]
		return 0
	}
	t.w1 = int32(len(d.buf))
	if kind == Mention {
		// Dotted handles (Bluesky: @alice.bsky.social); the word is the first label.
		for j+1 < len(s) && s[j] == '.' && isTagByte(s, j+1) {
			mark := len(d.buf)
			d.buf = append(d.buf, '.')
			k, ok := a.tagBody(s, j+1)
			if !ok {
				d.buf = d.buf[:mark]
				break
			}
			j = k
		}
		t.t1 = int32(len(d.buf))
		if j+1 < len(s) && s[j] == '@' && isTagByte(s, j+1) {
			t.h0 = int32(len(d.buf))
			k := j + 1
			for k < len(s) && (isASCIIAlnum(s[k]) || s[k] == '-' || s[k] == '.' && k+1 < len(s) && isASCIIAlnum(s[k+1])) {
				c := s[k]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				d.buf = append(d.buf, c)
				k++
			}
			t.h1 = int32(len(d.buf))
			j = k
		}
	} else {
		t.t1 = t.w1
	}
	t.End = base + int32(j)
	d.Tokens = append(d.Tokens, t)
	a.pos++
	return j - i
}

// tagBody appends the folded body of a tag starting at s[i] and returns where it
// ends and whether it had a letter or digit.
func (a *Analyzer) tagBody(s string, i int) (int, bool) {
	d := &a.doc
	alnum := false
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				d.buf = append(d.buf, c)
				alnum = true
			case 'A' <= c && c <= 'Z':
				d.buf = append(d.buf, c+'a'-'A')
				alnum = true
			case c == '_':
				d.buf = append(d.buf, c)
			default:
				return i, alnum
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		e := lookup(r)
		switch e.class {
		case classWord, classSingle:
			d.buf = append(d.buf, e.fold...)
			alnum = true
		case classIgnore:
		default:
			return i, alnum
		}
		i += size
	}
	return i, alnum
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isTagByte reports whether a tag body can start at s[i].
func isTagByte(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return isASCIIAlnum(c) || c == '_'
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	cl := lookup(r).class
	return cl == classWord || cl == classSingle
}

// EqualKeepCase reports whether the source span, folded without case folding
// and with separators dropped, equals want. It backs case-sensitive {Words}.
func EqualKeepCase(span, want string) bool {
	for _, r := range span {
		var piece string
		if r < utf8.RuneSelf {
			if !isASCIIAlnum(byte(r)) {
				continue
			}
			if len(want) == 0 || want[0] != byte(r) {
				return false
			}
			want = want[1:]
			continue
		}
		e := lookup(r)
		switch e.class {
		case classWord, classSingle:
			piece = e.kept
		case classMixed:
			for _, kr := range e.kept {
				if isWordRune(kr) {
					piece += string(kr)
				}
			}
		default:
			continue
		}
		if !strings.HasPrefix(want, piece) {
			return false
		}
		want = want[len(piece):]
	}
	return want == ""
}

// Package postjson decodes posts in Vigie's post format (JSON Lines, the
// format of imports and webhooks) quickly: it is on the hot path of every
// import and of vigie match.
package postjson

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/vigie-project/vigie"
)

// Decode decodes one JSON object in the post format into p, which should
// be zero. It accepts what encoding/json accepts for vigie.Post and gives the same
// result (keys matched case-insensitively, unknown keys skipped, null leaves a
// field alone, invalid UTF-8 replaced), several times faster: posts are
// decoded on the hot path of every source and of `vigie match`.
func Decode(data []byte, p *vigie.Post) error {
	// One copy of the line; string fields without escapes are slices of it.
	return decode(data, string(data), p)
}

// DecodeShared is Decode without the copy: p's string fields may share
// data's memory, so data must not change while p, or any string taken
// from it, is in use. vigie match decodes a batch of lines this way, each
// post living only until its matches are written.
func DecodeShared(data []byte, p *vigie.Post) error {
	return decode(data, unsafe.String(unsafe.SliceData(data), len(data)), p)
}

func decode(data []byte, src string, p *vigie.Post) error {
	d := decoder{data: data, src: src}
	d.space()
	if err := d.object(func(key []byte) error { return d.postField(key, p) }); err != nil {
		return err
	}
	d.space()
	if d.i < len(d.data) {
		return d.syntax("after the object")
	}
	return nil
}

type decoder struct {
	data             []byte
	src              string // data as a string, for fields that need no unescaping
	i                int
	buf              []byte
	raw              bool // the last str result is data[rawStart:rawEnd], valid UTF-8
	rawStart, rawEnd int
}

// SyntaxError is a JSON syntax error at a byte offset of the line.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset+1, e.Msg)
}

func (d *decoder) syntax(where string) error {
	if d.i >= len(d.data) {
		return &SyntaxError{d.i, "unexpected end " + where}
	}
	return &SyntaxError{d.i, fmt.Sprintf("unexpected %q %s", d.data[d.i], where)}
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// object reads {"key": value, …}, calling field with the unescaped key; field
// must consume the value.
func (d *decoder) object(field func(key []byte) error) error {
	if d.i >= len(d.data) || d.data[d.i] != '{' {
		return d.syntax("where an object was expected")
	}
	d.i++
	d.space()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return nil
	}
	for {
		d.space()
		k, err := d.str()
		if err != nil {
			return err
		}
		if len(k) > 0 && len(d.buf) > 0 && &k[0] == &d.buf[0] {
			k = append([]byte(nil), k...) // the value will reuse the buffer
		}
		d.space()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return d.syntax("after an object key")
		}
		d.i++
		d.space()
		if err := field(k); err != nil {
			return err
		}
		d.space()
		if d.i >= len(d.data) {
			return d.syntax("in an object")
		}
		switch d.data[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.syntax("in an object")
		}
	}
}

// typeError says a value has the wrong JSON type for a field.
func typeError(field, want string) error {
	return fmt.Errorf("field %q must be %s", field, want)
}

func (d *decoder) isNull() bool {
	if len(d.data)-d.i >= 4 && string(d.data[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// strField decodes a string value into *dst; null leaves it alone.
func (d *decoder) strField(name string, dst *string) error {
	if d.isNull() {
		return nil
	}
	if d.i < len(d.data) && d.data[d.i] != '"' {
		if err := d.skip(); err != nil {
			return err
		}
		return typeError(name, "a string")
	}
	s, err := d.str()
	if err != nil {
		return err
	}
	if d.raw {
		*dst = d.src[d.rawStart:d.rawEnd]
	} else {
		*dst = string(s)
	}
	return nil
}

func (d *decoder) intField(name string, dst *int64) error {
	if d.isNull() {
		return nil
	}
	start := d.i
	// The common case: a few digits, then a comma or a brace.
	if n, end := digits(d.data, d.i); end > d.i && end < len(d.data) && (d.data[end] == ',' || d.data[end] == '}') {
		d.i = end
		*dst = n
		return nil
	}
	if d.i < len(d.data) && (d.data[d.i] == '-' || '0' <= d.data[d.i] && d.data[d.i] <= '9') {
		if err := d.number(); err != nil {
			return err
		}
		n, err := strconv.ParseInt(string(d.data[start:d.i]), 10, 64)
		if err != nil {
			return typeError(name, "a whole number")
		}
		*dst = n
		return nil
	}
	if err := d.skip(); err != nil {
		return err
	}
	return typeError(name, "a number")
}

// digits reads a whole number of 1 to 18 digits, without a leading zero
// unless it is 0, from data[i:]: its value and where it ends; end == i when
// there is none (another form of number is left to the general path).
func digits(data []byte, i int) (n int64, end int) {
	j := i
	for j < len(data) && j-i < 18 && '0' <= data[j] && data[j] <= '9' {
		n = n*10 + int64(data[j]-'0')
		j++
	}
	if j == i || data[i] == '0' && j-i > 1 || j < len(data) && ('0' <= data[j] && data[j] <= '9' || data[j] == '.' || data[j] == 'e' || data[j] == 'E') {
		return 0, i
	}
	return n, j
}

var (
	postKeys    = []string{"id", "source", "url", "title", "text", "lang", "country", "reply_to", "repost_of", "published_at", "links", "author", "metrics"}
	authorKeys  = []string{"id", "handle", "name", "url", "followers"}
	metricsKeys = []string{"likes", "reposts", "replies", "views"}
)

// objectStart checks that a nested object follows: false with a nil error for
// null (the field is left alone), false with an error for another type.
func (d *decoder) objectStart(name string) (bool, error) {
	if d.isNull() {
		return false, nil
	}
	if d.i >= len(d.data) || d.data[d.i] != '{' {
		if err := d.skip(); err != nil {
			return false, err
		}
		return false, typeError(name, "an object")
	}
	return true, nil
}

// canon returns the field name a JSON key selects, as encoding/json matches
// them: exactly, or else ignoring case (with the Unicode folds of K and S).
func canon(key []byte, names []string) string {
	// Keys are almost always written exactly: a switch, which the compiler
	// turns into a search by length and bytes, finds them without a loop of
	// comparisons. It knows the names of every object of a post: a key
	// exactly named as a field of another object selects nothing here
	// either, as the caller has no case for it.
	switch string(key) {
	case "id":
		return "id"
	case "source":
		return "source"
	case "url":
		return "url"
	case "title":
		return "title"
	case "text":
		return "text"
	case "lang":
		return "lang"
	case "country":
		return "country"
	case "reply_to":
		return "reply_to"
	case "repost_of":
		return "repost_of"
	case "published_at":
		return "published_at"
	case "links":
		return "links"
	case "author":
		return "author"
	case "metrics":
		return "metrics"
	case "handle":
		return "handle"
	case "name":
		return "name"
	case "followers":
		return "followers"
	case "likes":
		return "likes"
	case "reposts":
		return "reposts"
	case "replies":
		return "replies"
	case "views":
		return "views"
	}
	for _, n := range names {
		if strings.EqualFold(string(key), n) {
			return n
		}
	}
	return ""
}

func (d *decoder) postField(key []byte, p *vigie.Post) error {
	k := canon(key, postKeys)
	switch {
	case k == "id":
		return d.strField("id", &p.ID)
	case k == "source":
		return d.strField("source", &p.Source)
	case k == "url":
		return d.strField("url", &p.URL)
	case k == "title":
		return d.strField("title", &p.Title)
	case k == "text":
		return d.strField("text", &p.Text)
	case k == "lang":
		return d.strField("lang", &p.Lang)
	case k == "country":
		return d.strField("country", &p.Country)
	case k == "reply_to":
		return d.strField("reply_to", &p.ReplyTo)
	case k == "repost_of":
		return d.strField("repost_of", &p.RepostOf)
	case k == "published_at":
		if d.isNull() {
			return nil
		}
		start := d.i
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			if err := d.skip(); err != nil {
				return err
			}
			return typeError("published_at", "a date-time string such as \"2026-11-20T10:04:05Z\"")
		}
		if _, err := d.str(); err != nil {
			return err
		}
		if err := p.PublishedAt.UnmarshalJSON(d.data[start:d.i]); err != nil {
			return fmt.Errorf("field \"published_at\": %w (expected RFC 3339, e.g. 2026-11-20T10:04:05Z)", err)
		}
		return nil
	case k == "links":
		if d.isNull() {
			p.Links = nil
			return nil
		}
		if d.i >= len(d.data) || d.data[d.i] != '[' {
			if err := d.skip(); err != nil {
				return err
			}
			return typeError("links", "an array of strings")
		}
		d.i++
		p.Links = p.Links[:0]
		if p.Links == nil {
			p.Links = []string{}
		}
		d.space()
		if d.i < len(d.data) && d.data[d.i] == ']' {
			d.i++
			return nil
		}
		for {
			d.space()
			var s string
			if err := d.strField("links", &s); err != nil {
				return err
			}
			p.Links = append(p.Links, s)
			d.space()
			if d.i >= len(d.data) {
				return d.syntax("in an array")
			}
			if d.data[d.i] == ']' {
				d.i++
				return nil
			}
			if d.data[d.i] != ',' {
				return d.syntax("in an array")
			}
			d.i++
		}
	case k == "author":
		if ok, err := d.objectStart("author"); !ok {
			return err
		}
		a := &p.Author
		return d.object(func(key []byte) error {
			switch k := canon(key, authorKeys); {
			case k == "id":
				return d.strField("author.id", &a.ID)
			case k == "handle":
				return d.strField("author.handle", &a.Handle)
			case k == "name":
				return d.strField("author.name", &a.Name)
			case k == "url":
				return d.strField("author.url", &a.URL)
			case k == "followers":
				return d.intField("author.followers", &a.Followers)
			}
			return d.skip()
		})
	case k == "metrics":
		if ok, err := d.objectStart("metrics"); !ok {
			return err
		}
		m := &p.Metrics
		return d.object(func(key []byte) error {
			switch k := canon(key, metricsKeys); {
			case k == "likes":
				return d.intField("metrics.likes", &m.Likes)
			case k == "reposts":
				return d.intField("metrics.reposts", &m.Reposts)
			case k == "replies":
				return d.intField("metrics.replies", &m.Replies)
			case k == "views":
				return d.intField("metrics.views", &m.Views)
			}
			return d.skip()
		})
	}
	return d.skip()
}

// str reads a JSON string and returns its unescaped bytes (valid until the
// next call), with invalid UTF-8 replaced by U+FFFD as encoding/json does.
func (d *decoder) str() ([]byte, error) {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return nil, d.syntax("where a string was expected")
	}
	d.i++
	start := d.i
	d.raw = false
	// Fast path: no escapes. Eight bytes at a time while they are plain
	// ASCII; UTF-8 is validated only if a byte is not.
	data, i, ascii := d.data, d.i, true
	for i < len(data) {
		for i+8 <= len(data) {
			if m := special(binary.LittleEndian.Uint64(data[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		if c == '"' {
			s := data[start:i]
			d.i = i + 1
			if ascii || utf8.Valid(s) {
				d.raw, d.rawStart, d.rawEnd = d.src != "", start, i
				return s, nil
			}
			return d.fixUTF8(s), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		ascii = ascii && c < utf8.RuneSelf
		i++
	}
	d.i = i
	d.buf = append(d.buf[:0], d.data[start:d.i]...)
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
			if utf8.Valid(d.buf) {
				return d.buf, nil
			}
			return d.fixUTF8(append([]byte(nil), d.buf...)), nil
		case c < 0x20:
			return nil, d.syntax("in a string (control characters must be escaped)")
		case c == '\\':
			if d.i+1 >= len(d.data) {
				d.i++
				return nil, d.syntax("in a string")
			}
			e := d.data[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				d.buf = append(d.buf, e)
			case 'b':
				d.buf = append(d.buf, '\b')
			case 'f':
				d.buf = append(d.buf, '\f')
			case 'n':
				d.buf = append(d.buf, '\n')
			case 'r':
				d.buf = append(d.buf, '\r')
			case 't':
				d.buf = append(d.buf, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return nil, d.syntax("in a \\u escape")
				}
				if utf16.IsSurrogate(r) {
					// A pair is two escapes; a lone half becomes U+FFFD.
					if len(d.data)-d.i >= 6 && d.data[d.i] == '\\' && d.data[d.i+1] == 'u' {
						save := d.i
						d.i += 2
						r2, ok := d.hex4()
						if !ok {
							return nil, d.syntax("in a \\u escape")
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							d.buf = utf8.AppendRune(d.buf, dec)
							continue
						}
						d.i = save
					}
					r = utf8.RuneError
				}
				d.buf = utf8.AppendRune(d.buf, r)
			default:
				d.i--
				return nil, d.syntax("in a string escape")
			}
		default:
			d.buf = append(d.buf, c)
			d.i++
		}
	}
	return nil, d.syntax("in a string")
}

// Repeated bytes for the SWAR tests of special.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special returns, for the eight bytes of v (the first in its low byte), a
// mask whose lowest set bit is the high bit of the first byte that a string
// scan must look at: '"', '\\', a control character or a non-ASCII byte (0
// if none). Bits above the lowest may be false positives (borrows of the
// subtractions); the lowest is exact.
func special(v uint64) uint64 {
	quote := v ^ (ones * '"')
	backslash := v ^ (ones * '\\')
	return ((quote-ones)&^quote | (backslash-ones)&^backslash | (v-ones*0x20)&^v | v) & highs
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

func (d *decoder) fixUTF8(s []byte) []byte {
	out := make([]byte, 0, len(s)+8)
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		out = utf8.AppendRune(out, r)
		s = s[size:]
	}
	return out
}

// number reads a JSON number.
func (d *decoder) number() error {
	start := d.i
	if d.i < len(d.data) && d.data[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.data) && '0' <= d.data[d.i] && d.data[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.data) && d.data[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return d.syntax("in a number")
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return d.syntax("in a number")
		}
	}
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return d.syntax("in a number")
		}
	}
	if d.i == start {
		return d.syntax("in a number")
	}
	return nil
}

// skip reads and discards any JSON value.
func (d *decoder) skip() error {
	if d.i >= len(d.data) {
		return d.syntax("where a value was expected")
	}
	switch c := d.data[d.i]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{':
		return d.object(func([]byte) error { return d.skip() })
	case c == '[':
		d.i++
		d.space()
		if d.i < len(d.data) && d.data[d.i] == ']' {
			d.i++
			return nil
		}
		for {
			d.space()
			if err := d.skip(); err != nil {
				return err
			}
			d.space()
			if d.i >= len(d.data) {
				return d.syntax("in an array")
			}
			if d.data[d.i] == ']' {
				d.i++
				return nil
			}
			if d.data[d.i] != ',' {
				return d.syntax("in an array")
			}
			d.i++
		}
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	}
	return d.syntax("where a value was expected")
}

func (d *decoder) literal(s string) error {
	if len(d.data)-d.i >= len(s) && string(d.data[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return nil
	}
	return d.syntax("in a literal")
}

package bluesky

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Rich text (lexicons/app/bsky/richtext/facet.json): a facet marks a span
// of a post's text, in UTF-8 byte offsets, as a link, a mention (of a DID)
// or a hashtag.

// Facet feature types.
const (
	FacetLink    = "app.bsky.richtext.facet#link"
	FacetMention = "app.bsky.richtext.facet#mention"
	FacetTag     = "app.bsky.richtext.facet#tag"
)

// Facet is an app.bsky.richtext.facet.
type Facet struct {
	Index    ByteSlice `json:"index"`
	Features []Feature `json:"features"`
}

// ByteSlice is a facet's span: [ByteStart, ByteEnd) in the UTF-8 bytes of
// the text.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// Feature is what a facet marks: a link (URI), a mention (DID) or a tag
// (Tag, without '#').
type Feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	DID  string `json:"did,omitempty"`
	Tag  string `json:"tag,omitempty"`
	// Handle is the mentioned handle, for resolving it to DID; not sent.
	Handle string `json:"-"`
}

// maxTagGraphemes bounds a hashtag (facet.json: tag maxGraphemes 64).
const maxTagGraphemes = 64

// Length counts text as Bluesky does against its 300: in graphemes
// (user-perceived characters: "é" written as e and a combining accent is
// one, a family emoji is one).
func Length(text string) int {
	return uniseg.GraphemeClusterCount(text)
}

// Facets finds the links (http and https URLs), mentions (@handle, a
// domain name) and hashtags (#tag, not digits alone) of text, in order,
// with their UTF-8 byte offsets. A mention's DID is empty: Publish
// resolves its Handle. A URL's trailing punctuation is left out, as
// Bluesky's own apps do.
func Facets(text string) []Facet {
	var out []Facet
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		start := i == 0 || boundary(text[:i])
		switch {
		case start && (r == '@'):
			if end, handle := mentionAt(text, i); end > i {
				out = append(out, Facet{Index: ByteSlice{i, end}, Features: []Feature{{Type: FacetMention, Handle: handle}}})
				i = end
				continue
			}
		case start && (r == '#' || r == '＃'):
			if end, tag := tagAt(text, i+size); end > i+size {
				out = append(out, Facet{Index: ByteSlice{i, end}, Features: []Feature{{Type: FacetTag, Tag: tag}}})
				i = end
				continue
			}
		case start && (r == 'h' || r == 'H'):
			if end := urlAt(text, i); end > i {
				out = append(out, Facet{Index: ByteSlice{i, end}, Features: []Feature{{Type: FacetLink, URI: text[i:end]}}})
				i = end
				continue
			}
		}
		i += size
	}
	return out
}

// boundary reports whether a facet may start after before: at a space or
// an opening parenthesis.
func boundary(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return unicode.IsSpace(r) || r == '('
}

// wordEnd is where the run of non-space characters from i ends.
func wordEnd(text string, i int) int {
	for j, r := range text[i:] {
		if unicode.IsSpace(r) {
			return i + j
		}
	}
	return len(text)
}

func urlAt(text string, i int) int {
	lower := strings.ToLower(text[i:min(len(text), i+8)])
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		return i
	}
	end := wordEnd(text, i)
	u := strings.TrimRight(text[i:end], ".,;:!?\"'")
	if strings.HasSuffix(u, ")") && !strings.Contains(u, "(") {
		u = u[:len(u)-1]
	}
	rest, _ := strings.CutPrefix(strings.ToLower(u), "https://")
	rest, _ = strings.CutPrefix(rest, "http://")
	if rest == "" || !strings.Contains(strings.SplitN(rest, "/", 2)[0], ".") {
		return i
	}
	return i + len(u)
}

func mentionAt(text string, i int) (int, string) {
	j := i + 1
	for j < len(text) {
		c := text[j]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' {
			j++
			continue
		}
		break
	}
	handle := strings.TrimRight(text[i+1:j], ".")
	if !validHandle(handle) {
		return i, ""
	}
	return i + 1 + len(handle), strings.ToLower(handle)
}

// validHandle checks a handle's syntax (atproto.com/specs/handle): domain
// labels of letters, digits and hyphens, at least two, the last not
// starting with a digit.
func validHandle(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	last := labels[len(labels)-1]
	return !('0' <= last[0] && last[0] <= '9')
}

func tagAt(text string, i int) (int, string) {
	end := wordEnd(text, i)
	tag := strings.TrimRightFunc(text[i:end], unicode.IsPunct)
	if tag == "" || strings.IndexFunc(tag, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 ||
		uniseg.GraphemeClusterCount(tag) > maxTagGraphemes || len(tag) > 640 {
		return i, ""
	}
	return i + len(tag), tag
}

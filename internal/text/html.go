package text

import (
	"html"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// needsHTML reports whether s looks like HTML or holds character references.
func needsHTML(s string) bool {
	return hasMarkup(s) || strings.IndexByte(s, '&') >= 0 && strings.IndexByte(s, ';') >= 0
}

// hasMarkup reports whether s holds an HTML tag, comment or doctype. A '<' in
// plain text ("EPFL<ETHZ", "a<b then") is not one: a start tag must be a known
// element followed by attributes or its '>'.
func hasMarkup(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+1 < len(s); {
		rest := s[i+1:]
		switch c := rest[0]; {
		case c == '!', c == '/' && len(rest) > 1 && isASCIILetter(rest[1]):
			return true
		case isASCIILetter(c):
			n := 1
			for n < len(rest) && isASCIIAlnum(rest[n]) {
				n++
			}
			end := n == len(rest) || strings.IndexByte(" \t\n\r\f/>", rest[n]) >= 0
			if end && atom.Lookup([]byte(strings.ToLower(rest[:n]))) != 0 && strings.IndexByte(rest[n:], '>') >= 0 {
				return true
			}
		}
		j := strings.IndexByte(rest, '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// FromHTML is PlainText without the links: the visible text of an HTML
// fragment (a post's body from a network that sends HTML).
func FromHTML(s string) string {
	t, _ := PlainText(s)
	return t
}

// htmlToText returns the visible text of an HTML fragment, with block elements
// and line breaks turned into newlines, and appends the targets of its links.
// Scripts, styles and other invisible content are dropped.
func htmlToText(s string, links *[]string) string {
	if !hasMarkup(s) {
		return html.UnescapeString(s)
	}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Iframe, atom.Object, atom.Svg, atom.Head:
				if tt == xhtml.StartTagToken {
					skip++
				}
				continue
			case atom.A:
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" && len(v) > 0 {
						href := string(v)
						if hasPrefixFold(href, "http://") || hasPrefixFold(href, "https://") {
							*links = append(*links, href)
						}
					}
				}
			}
			if isBlock(a) {
				b.WriteByte('\n')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Iframe, atom.Object, atom.Svg, atom.Head:
				if skip > 0 {
					skip--
				}
				continue
			}
			if isBlock(a) {
				b.WriteByte('\n')
			}
		}
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Br, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.Td, atom.Th, atom.Table,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Hr,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Figure, atom.Figcaption, atom.Dd, atom.Dt:
		return true
	}
	return false
}

// PlainText returns what a reader sees of s, an HTML fragment from a
// network (a Hacker News comment, a Discourse post): its text with
// paragraphs, line breaks and other blocks as line breaks (one blank line
// at most between them), character references decoded, scripts, styles
// and other invisible content dropped; and the http(s) targets of its
// links, in order. Text without markup comes back with its character
// references decoded. Connectors that store plain text use it; the result
// is text, never markup, whatever s holds.
func PlainText(s string) (string, []string) {
	var links []string
	if needsHTML(s) {
		s = htmlToText(s, &links)
	}
	return tidyLines(s), links
}

// tidyLines trims the spaces ending each line and the blank lines around
// s, and keeps at most one blank line in a row.
func tidyLines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRight(line, " \t\r\f\v\u00a0")
		if strings.TrimSpace(line) == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank > 0 {
				b.WriteByte('\n')
			}
		}
		blank = 0
		b.WriteString(line)
	}
	return b.String()
}

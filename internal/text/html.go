package text

import (
	"html"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// needsHTML reports whether s looks like HTML or holds character references.
func needsHTML(s string) bool {
	i := strings.IndexByte(s, '<')
	for i >= 0 && i+1 < len(s) {
		c := s[i+1]
		if c == '/' || c == '!' || isASCIIAlnum(c) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return strings.IndexByte(s, '&') >= 0 && strings.IndexByte(s, ';') >= 0
}

// htmlToText returns the visible text of an HTML fragment, with block elements
// and line breaks turned into newlines, and appends the targets of its links.
// Scripts, styles and other invisible content are dropped.
func htmlToText(s string, links *[]string) string {
	if strings.IndexByte(s, '<') < 0 {
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

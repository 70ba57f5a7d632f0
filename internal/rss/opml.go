package rss

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// Outline is one feed of an OPML subscription list.
type Outline struct {
	Title   string
	XMLURL  string // the feed's address
	HTMLURL string // the site's address
}

// ErrNotOPML is returned by ParseOPML for a document that is not OPML.
var ErrNotOPML = errors.New("not an OPML list of feeds")

// maxOPMLDepth bounds outline nesting: real lists have two or three levels.
const maxOPMLDepth = 100

type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Body    opmlBody `xml:"body"`
}

type opmlBody struct {
	Outlines []opmlOutline `xml:"outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr"`
	XMLURL   string        `xml:"xmlUrl,attr"`
	XMLURL2  string        `xml:"xmlURL,attr"`
	XMLURL3  string        `xml:"xmlurl,attr"`
	URL      string        `xml:"url,attr"`
	Type     string        `xml:"type,attr"`
	HTMLURL  string        `xml:"htmlUrl,attr"`
	HTMLURL2 string        `xml:"htmlURL,attr"`
	HTMLURL3 string        `xml:"htmlurl,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

// ParseOPML reads an OPML subscription list (as exported by feed readers)
// and returns its feeds in document order, from outlines at any depth
// (folders are flattened). Outlines without a feed address are skipped, and
// a feed listed twice is returned once.
func ParseOPML(r io.Reader) ([]Outline, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = charset.NewReaderLabel

	var doc opmlDoc
	if err := dec.Decode(&doc); err != nil {
		var se *xml.SyntaxError
		var ue xml.UnmarshalError
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%w: the file has no <opml> element", ErrNotOPML)
		case errors.As(err, &ue):
			return nil, fmt.Errorf("%w: the file is XML but does not start with <opml>", ErrNotOPML)
		case errors.As(err, &se):
			return nil, fmt.Errorf("%w: the file is not valid XML (line %d: %s)", ErrNotOPML, se.Line, se.Msg)
		}
		return nil, fmt.Errorf("%w: %v", ErrNotOPML, err)
	}

	var out []Outline
	seen := make(map[string]bool)
	var walk func([]opmlOutline, int)
	walk = func(os []opmlOutline, depth int) {
		if depth > maxOPMLDepth {
			return
		}
		for _, o := range os {
			xmlURL := strings.TrimSpace(first(o.XMLURL, o.XMLURL2, o.XMLURL3))
			if xmlURL == "" && strings.EqualFold(o.Type, "rss") {
				xmlURL = strings.TrimSpace(o.URL)
			}
			if xmlURL != "" && !seen[xmlURL] {
				seen[xmlURL] = true
				out = append(out, Outline{
					Title:   clean(first(o.Title, o.Text)),
					XMLURL:  xmlURL,
					HTMLURL: strings.TrimSpace(first(o.HTMLURL, o.HTMLURL2, o.HTMLURL3)),
				})
			}
			walk(o.Outlines, depth+1)
		}
	}
	walk(doc.Body.Outlines, 0)
	return out, nil
}

func first(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

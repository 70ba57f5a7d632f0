package rss

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
	rssfeed "github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"

	"github.com/vigie-project/vigie"
)

// Source is the vigie.Post source of every post from a feed.
const Source = "rss"

// maxIDLen is the longest item identifier kept as is; longer ones are hashed.
const maxIDLen = 512

// Parse reads a feed document (RSS 0.9x/1.0/2.0, RDF, Atom or JSON Feed)
// and maps its items to posts. fetchedAt stands in for an item's missing
// date. Relative links are resolved against the feed's own site link. An
// error says in plain words why the document is not a feed.
func Parse(data []byte, fetchedAt time.Time) (Result, error) {
	return parse(data, nil, fetchedAt)
}

// parse is Parse with the address the document came from, if known, as the
// last resort for resolving relative links.
func parse(data []byte, docURL *url.URL, fetchedAt time.Time) (res Result, err error) {
	// gofeed is well fuzzed, but a panic in a third-party parser must not
	// take the ingest worker down: it is a feed we cannot read.
	defer func() {
		if r := recover(); r != nil {
			res, err = Result{}, &fetchError{
				msg:   ErrNotFeed.Error() + ": the document could not be read (the feed parser failed on it)",
				kinds: []error{ErrNotFeed, fmt.Errorf("panic in the feed parser: %v", r)},
			}
		}
	}()

	feed, err := parseFeed(data)
	if err != nil {
		return Result{}, notFeed(data, err)
	}
	if feed.FeedType == "json" {
		if jf, ok := feed.OriginalFeed().(*jsonfeed.Feed); ok && !strings.Contains(jf.Version, "jsonfeed.org") && len(feed.Items) == 0 {
			return Result{}, fmt.Errorf("%w: this JSON document is not a JSON Feed (no \"version\": \"https://jsonfeed.org/…\" and no items)", ErrNotFeed)
		}
	}

	base := docURL
	if l, err := url.Parse(strings.TrimSpace(feed.Link)); err == nil && l.IsAbs() {
		base = l
	} else if err == nil && docURL != nil {
		base = docURL.ResolveReference(l)
	}
	if base != nil && base.Scheme != "http" && base.Scheme != "https" {
		base = nil
	}

	m := mapper{feed: feed, base: base, fetchedAt: fetchedAt.UTC(), lang: feedLang(feed.Language)}
	m.authorURLs(feed)

	res.FeedTitle = clean(feed.Title)
	seen := make(map[string]bool, len(feed.Items))
	for i, it := range feed.Items {
		if it == nil {
			continue
		}
		post, ok := m.post(i, it)
		if !ok || seen[post.ID] {
			continue
		}
		seen[post.ID] = true
		res.Posts = append(res.Posts, post)
	}
	return res, nil
}

// parseFeed runs gofeed on data, repairing what real feeds commonly get
// wrong: JSON Feed fields of the wrong type, and stray bytes that are not
// UTF-8 in a UTF-8 document (replaced by U+FFFD rather than losing the feed).
func parseFeed(data []byte) (*gofeed.Feed, error) {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	if trimmed := bytes.TrimLeft(data, "\xef\xbb\xbf \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		if fixed, ok := repairJSONFeed(trimmed); ok {
			data = fixed
		}
	}
	feed, err := p.Parse(bytes.NewReader(data))
	if err != nil && strings.Contains(err.Error(), "invalid UTF-8") {
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
		if retry, err2 := p.Parse(bytes.NewReader(data)); err2 == nil {
			return retry, nil
		} else {
			err = err2
		}
	}
	if err != nil && strings.Contains(err.Error(), "unexpected EOF") {
		if closed, ok := closeTruncated(data); ok {
			if retry, err2 := p.Parse(bytes.NewReader(closed)); err2 == nil {
				return retry, nil
			}
		}
	}
	return feed, err
}

// closeTruncated appends the end tags an XML document cut short is missing
// (a feed whose last "</channel></rss>" never came), so that the items
// before the cut can be read. It gives up on anything but a clean cut
// between elements.
func closeTruncated(data []byte) ([]byte, bool) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.CharsetReader = charset.NewReaderLabel
	var open []xml.Name
	for {
		tok, err := dec.RawToken()
		if err != nil {
			if !errors.Is(err, io.EOF) || len(open) == 0 || len(open) > 64 {
				return nil, false
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name)
		case xml.EndElement:
			if len(open) == 0 {
				return nil, false
			}
			open = open[:len(open)-1]
		}
	}
	out := bytes.Clone(data)
	for i := len(open) - 1; i >= 0; i-- {
		out = append(out, "</"...)
		if open[i].Space != "" {
			out = append(out, open[i].Space...)
			out = append(out, ':')
		}
		out = append(out, open[i].Local...)
		out = append(out, '>')
	}
	return out, true
}

// notFeed explains why data is not a feed.
func notFeed(data []byte, err error) error {
	trimmed := bytes.TrimLeft(data, "\xef\xbb\xbf \t\r\n")
	lower := bytes.ToLower(trimmed[:min(len(trimmed), 1024)])
	switch {
	case len(trimmed) == 0:
		return fmt.Errorf("%w: the server sent an empty answer", ErrNotFeed)
	case bytes.Contains(lower, []byte("<html")) || bytes.HasPrefix(lower, []byte("<!doctype html")):
		return fmt.Errorf("%w: the address gives a web page, not a feed; look on that page for the feed's own address (it often ends in /feed, /rss or .xml)", ErrNotFeed)
	case bytes.Contains(lower, []byte("<opml")):
		return fmt.Errorf("%w: this is an OPML list of feeds; import it as a list instead", ErrNotFeed)
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		return fmt.Errorf("%w: the answer starts with %s", ErrNotFeed, preview(trimmed))
	}
	return fmt.Errorf("%w: the document is broken (%v)", ErrNotFeed, err)
}

// preview quotes the start of data for an error message.
func preview(data []byte) string {
	const n = 40
	s := data[:min(len(data), n)]
	if !utf8.Valid(s) {
		// Cut at a rune boundary or give up on text.
		for len(s) > 0 && !utf8.Valid(s) {
			s = s[:len(s)-1]
		}
		if len(s) == 0 {
			return "unreadable bytes"
		}
	}
	q := fmt.Sprintf("%q", s)
	if len(data) > len(s) {
		q += "…"
	}
	return q
}

type mapper struct {
	feed      *gofeed.Feed
	base      *url.URL
	fetchedAt time.Time
	lang      string
	// itemAuthorURL[i] is the web address of item i's author, when the
	// format has one (Atom <uri>, JSON Feed "url"); feedAuthorURL the feed's.
	itemAuthorURL []string
	feedAuthorURL string
	// itemSource[i] is item i's RSS <source>: the publisher of an item an
	// aggregator (Google News) relays.
	itemSource []*rssfeed.Source
}

// authorURLs fills the author addresses gofeed's universal model drops,
// from the original Atom or JSON feed (whose items map one to one).
func (m *mapper) authorURLs(feed *gofeed.Feed) {
	switch orig := feed.OriginalFeed().(type) {
	case *atom.Feed:
		if len(orig.Entries) != len(feed.Items) {
			return
		}
		if len(orig.Authors) > 0 && orig.Authors[0] != nil {
			m.feedAuthorURL = orig.Authors[0].URI
		}
		m.itemAuthorURL = make([]string, len(orig.Entries))
		for i, e := range orig.Entries {
			if e != nil && len(e.Authors) > 0 && e.Authors[0] != nil {
				m.itemAuthorURL[i] = e.Authors[0].URI
			}
		}
	case *rssfeed.Feed:
		if len(orig.Items) != len(feed.Items) {
			return
		}
		m.itemSource = make([]*rssfeed.Source, len(orig.Items))
		for i, it := range orig.Items {
			if it != nil {
				m.itemSource[i] = it.Source
			}
		}
	case *jsonfeed.Feed:
		if len(orig.Items) != len(feed.Items) {
			return
		}
		m.feedAuthorURL = jsonAuthorURL(orig.Author, orig.Authors)
		m.itemAuthorURL = make([]string, len(orig.Items))
		for i, it := range orig.Items {
			if it != nil {
				m.itemAuthorURL[i] = jsonAuthorURL(it.Author, it.Authors)
			}
		}
	}
}

func jsonAuthorURL(a *jsonfeed.Author, as []*jsonfeed.Author) string {
	if len(as) > 0 && as[0] != nil {
		return as[0].URL
	}
	if a != nil {
		return a.URL
	}
	return ""
}

// post maps item i; ok is false for an item with neither title nor text.
func (m *mapper) post(i int, it *gofeed.Item) (vigie.Post, bool) {
	p := vigie.Post{
		Source: Source,
		URL:    m.resolve(it.Link),
		Title:  clean(it.Title),
		Text:   strings.TrimSpace(it.Content),
		Lang:   m.lang,
	}
	if p.Text == "" {
		p.Text = strings.TrimSpace(it.Description)
	}
	if p.Text == "" {
		p.Text = mediaDescription(it)
	}
	p.Metrics.Views = mediaViews(it)
	if p.Title == "" && p.Text == "" {
		return vigie.Post{}, false
	}

	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		p.PublishedAt = it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		p.PublishedAt = it.UpdatedParsed.UTC()
	default:
		p.PublishedAt = m.fetchedAt
	}

	p.ID = Source + ":" + itemID(it, p.URL)
	p.Author = m.author(i, it)
	p.Links = m.links(p.URL, it)
	m.publisher(i, it, &p)
	return p, true
}

// itemID is the item's identity, stable across fetches: its GUID (or Atom
// id, JSON Feed id), else its link, else a hash of its title and date
// as written in the feed.
func itemID(it *gofeed.Item, link string) string {
	id := strings.TrimSpace(it.GUID)
	if id == "" {
		id = link
	}
	if id == "" {
		seed := clean(it.Title) + "\x00" + strings.TrimSpace(it.Published)
		if clean(it.Title) == "" {
			seed += "\x00" + strings.TrimSpace(it.Content) + "\x00" + strings.TrimSpace(it.Description)
		}
		return hash(seed)
	}
	if len(id) > maxIDLen || !utf8.ValidString(id) {
		return hash(id)
	}
	return id
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// author is the item's first author, else the feed's, else the feed itself.
func (m *mapper) author(i int, it *gofeed.Item) vigie.Author {
	person, u := firstPerson(it.Authors, it.Author), ""
	if i < len(m.itemAuthorURL) {
		u = m.itemAuthorURL[i]
	}
	if person == nil && u == "" {
		person, u = firstPerson(m.feed.Authors, m.feed.Author), m.feedAuthorURL
	}
	var a vigie.Author
	if person != nil {
		name, email := clean(person.Name), strings.TrimSpace(person.Email)
		a.Name, a.Handle = name, email
		if a.Name == "" {
			a.Name = email
		}
		if a.Handle == "" {
			a.Handle = name
		}
	}
	a.URL = m.resolve(u)
	if a.Name == "" && a.URL == "" {
		// No author anywhere: the feed is its own author.
		a.Name = clean(m.feed.Title)
		a.URL = m.resolve(m.feed.Link)
	}
	return a
}

func firstPerson(ps []*gofeed.Person, p *gofeed.Person) *gofeed.Person {
	for _, q := range ps {
		if q != nil && (q.Name != "" || q.Email != "") {
			return q
		}
	}
	if p != nil && (p.Name != "" || p.Email != "") {
		return p
	}
	return nil
}

// links are the item's link then its enclosures, resolved, without repeats.
func (m *mapper) links(link string, it *gofeed.Item) []string {
	var out []string
	seen := make(map[string]bool, 1+len(it.Enclosures))
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(link)
	for _, e := range it.Enclosures {
		if e != nil {
			add(m.resolve(e.URL))
		}
	}
	return out
}

// resolve makes a link absolute against the feed's base; a link that is
// not a web address (javascript:, mailto:, garbage) is dropped.
func (m *mapper) resolve(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		if m.base == nil {
			return ""
		}
		u = m.base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// feedLang is the language of a feed as its first two letters in lower case:
// "en" for "en-us", "fr" for "fr_FR", "de" for "DE"; "" when it does not
// start with two letters.
func feedLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) < 2 || !isLower(s[0]) || !isLower(s[1]) {
		return ""
	}
	return s[:2]
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// clean trims a one-line field and folds its inner runs of white space.
func clean(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

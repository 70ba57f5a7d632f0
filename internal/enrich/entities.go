package enrich

import (
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

// Entities are what a post names (vigie.Entities).
type Entities = vigie.Entities

// Extract returns the entities of d, each list de-duplicated and in order
// of first appearance.
func Extract(d *text.Doc) Entities {
	var e Entities
	var seen map[string]bool
	add := func(list []string, kind byte, s string) []string {
		if s == "" {
			return list
		}
		if seen == nil {
			seen = make(map[string]bool)
		}
		k := string(kind) + s
		if seen[k] {
			return list
		}
		seen[k] = true
		// A Doc's words live in its analyser's buffer, which the next post
		// overwrites: keep copies.
		return append(list, strings.Clone(s))
	}
	for i := range d.Tokens {
		switch d.Tokens[i].Kind {
		case text.Hashtag:
			e.Hashtags = add(e.Hashtags, '#', d.Tag(i))
		case text.Mention:
			m := d.Tag(i)
			if h := d.Host(i); h != "" {
				m += "@" + h
			}
			e.Mentions = add(e.Mentions, '@', m)
		}
	}
	for _, l := range d.Links {
		if l == d.URL {
			continue // where the post is, not a link its author shared
		}
		c, err := canonicalLink(l)
		if err != nil {
			continue
		}
		e.Links = add(e.Links, 'l', c)
		e.Domains = add(e.Domains, 'd', Domain(c))
	}
	return e
}

// canonicalLink is CanonicalURL for links as found in text, where a link may
// start with "www." and no scheme.
func canonicalLink(l string) (string, error) {
	if len(l) >= 4 && strings.EqualFold(l[:4], "www.") {
		l = "http://" + l
	}
	return CanonicalURL(l)
}

// Domain returns the registrable domain of a link's host ("news.bbc.co.uk" →
// "bbc.co.uk", by the public suffix list, so "alice.github.io" stays whole);
// for hosts without one (IP addresses, "localhost") the host without "www.".
func Domain(link string) string {
	h := text.Host(link)
	if h == "" {
		return ""
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
		return d
	}
	return strings.TrimPrefix(h, "www.")
}

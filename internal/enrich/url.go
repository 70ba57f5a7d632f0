// Package enrich adds what Vigie knows about a post beyond its words: the
// entities it names, its canonical links and a fingerprint that links
// re-publications of the same text (issue 4).
package enrich

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ErrURL is wrapped by every error of CanonicalURL.
var ErrURL = errors.New("not a canonicalisable http(s) url")

// trackingParams are query keys that only tell the publisher where a click came
// from; the page is the same without them. Keys are compared lower-cased.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "mc_cid": true, "mc_eid": true, "igshid": true, "igsh": true,
	"ref_src": true, "ref_url": true, "_hsenc": true, "_hsmi": true, "__hstc": true,
	"__hssc": true, "__hsfp": true, "hsctatracking": true, "yclid": true, "spm": true,
	"scm": true, "_ga": true, "_gl": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"mkt_tok": true, "oly_anon_id": true, "oly_enc_id": true, "vero_conv": true,
	"vero_id": true, "wickedid": true, "rb_clickid": true, "s_cid": true, "epik": true,
	"ncid": true, "sr_share": true, "at_medium": true, "at_campaign": true,
}

// trackingPrefixes are families of tracking keys: Google Analytics (utm_),
// Matomo/Piwik (pk_, mtm_), HubSpot ads (hsa_).
var trackingPrefixes = []string{"utm_", "pk_", "mtm_", "hsa_"}

func isTracking(key string) bool {
	k := strings.ToLower(key)
	if trackingParams[k] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// CanonicalURL returns the form of an http(s) link under which copies shared
// on several networks compare equal: scheme and host lower-cased (IDN hosts
// too, kept in the form they were written: Unicode and punycode are not
// unified), default port dropped, fragment dropped, tracking parameters
// removed, the remaining query parameters sorted by key (values of a repeated
// key keep their order), a trailing slash removed from a non-root path and an
// empty path written "/".
//
// "www." is kept: www.example.com and example.com are different hosts that may
// serve different pages, and a canonical link must still lead to the page.
// Entities.Domains drops it, for aggregation by site.
func CanonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrURL, raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%w: %q: scheme %q", ErrURL, raw, u.Scheme)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", fmt.Errorf("%w: %q: no host", ErrURL, raw)
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("%w: %q: opaque url", ErrURL, raw)
	}
	port := u.Port()
	if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		port = ""
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if u.User != nil {
		b.WriteString(u.User.String())
		b.WriteByte('@')
	}
	if strings.Contains(host, ":") { // IPv6 literal
		b.WriteString("[" + host + "]")
	} else {
		b.WriteString(host)
	}
	if port != "" {
		b.WriteString(":" + port)
	}
	p := u.EscapedPath()
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		p = "/"
	}
	b.WriteString(p)
	if q := canonicalQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String(), nil
}

// canonicalQuery drops tracking parameters and sorts the others by their
// decoded key, re-encoding keys and values the same way every time.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ key, enc string }
	var ps []param
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, hasValue := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if key == "" || isTracking(key) {
			continue
		}
		enc := url.QueryEscape(key)
		if hasValue {
			val, err := url.QueryUnescape(v)
			if err != nil {
				enc += "=" + v
			} else {
				enc += "=" + url.QueryEscape(val)
			}
		}
		ps = append(ps, param{key, enc})
	}
	slices.SortStableFunc(ps, func(a, b param) int { return strings.Compare(a.key, b.key) })
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.enc)
	}
	return b.String()
}

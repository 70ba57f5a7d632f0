package rss

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"github.com/vigie-project/vigie"
)

// Google News has no API; its search is offered as an RSS 2.0 feed, at an
// address this file builds. Each item is one article: its <title> is
// "Headline - Publisher", its <link> a news.google.com address that sends
// the reader on to the publisher, and <source url="https://publisher">
// Publisher</source> names who published it. The feed is undocumented and
// carries no licence: poll it gently (the rss kind's default interval).

// GoogleNewsBase is the address of Google News' RSS search.
const GoogleNewsBase = "https://news.google.com/rss/search"

// MaxGoogleNewsQuery bounds a Google News query, in characters: a search
// box's worth, far beyond what a search needs.
const MaxGoogleNewsQuery = 500

// GoogleNewsURL returns the feed of Google News' articles of the last day
// matching query, in the edition of lang (an ISO 639 language code, with a
// region or script if wanted: "fr", "de", "pt-BR", "es-419") and country
// (an ISO 3166 two-letter code: "CH"):
//
//	https://news.google.com/rss/search?q=<query>+when:1d&hl=fr&gl=CH&ceid=CH:fr
//
// hl, gl and ceid must agree or Google answers with another edition than
// asked; they are built from the same two codes. A query that says its own
// period ("when:7d") keeps it. Errors wrap vigie.ErrInvalid and say what to
// fix.
func GoogleNewsURL(query, lang, country string) (string, error) {
	q := strings.Join(strings.Fields(query), " ")
	switch {
	case q == "":
		return "", fmt.Errorf("%w: Google News: the search has no words; give the query to search for, e.g. \"EPFL\" or \"université de Genève\"", vigie.ErrInvalid)
	case !utf8.ValidString(q):
		return "", fmt.Errorf("%w: Google News: the query is not valid UTF-8 text", vigie.ErrInvalid)
	case utf8.RuneCountInString(q) > MaxGoogleNewsQuery:
		return "", fmt.Errorf("%w: Google News: the query is %d characters long; at most %d", vigie.ErrInvalid, utf8.RuneCountInString(q), MaxGoogleNewsQuery)
	case strings.IndexFunc(q, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%w: Google News: the query holds a control character; use plain text", vigie.ErrInvalid)
	}
	hl, err := newsLang(lang)
	if err != nil {
		return "", err
	}
	gl, err := newsCountry(country)
	if err != nil {
		return "", err
	}
	qs := url.QueryEscape(q)
	if !strings.Contains(strings.ToLower(q), "when:") {
		qs += "+when:1d"
	}
	return GoogleNewsBase + "?q=" + qs + "&hl=" + url.QueryEscape(hl) + "&gl=" + gl + "&ceid=" + gl + ":" + url.QueryEscape(hl), nil
}

// newsLang checks and normalises a Google News language: an ISO 639 code
// in lower case (two letters: a known one; three: any), with an optional
// region (a known country in upper case, or three digits) or script (title
// case): "fr", "pt-BR", "es-419", "zh-Hant".
func newsLang(s string) (string, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	bad := func() error {
		return fmt.Errorf("%w: Google News: language %q: give an ISO 639 language code such as \"fr\", \"de\", \"en\", or with its region \"pt-BR\"", vigie.ErrInvalid, s)
	}
	if s == "" {
		return "", fmt.Errorf("%w: Google News: no language; give the edition's language code, e.g. \"fr\"", vigie.ErrInvalid)
	}
	base, sub, hasSub := strings.Cut(s, "-")
	base = strings.ToLower(base)
	if n := len(base); n < 2 || n > 3 || !isLetters(base) {
		return "", bad()
	}
	if len(base) == 2 && !inTable(iso639, base) {
		return "", bad()
	}
	if !hasSub {
		return base, nil
	}
	switch {
	case len(sub) == 2 && isLetters(sub):
		sub = strings.ToUpper(sub)
		if !inTable(iso3166, sub) {
			return "", bad()
		}
	case len(sub) == 3 && isDigits(sub):
	case len(sub) == 4 && isLetters(sub):
		sub = strings.ToUpper(sub[:1]) + strings.ToLower(sub[1:])
	default:
		return "", bad()
	}
	return base + "-" + sub, nil
}

// newsCountry checks and normalises a Google News country: an ISO 3166
// two-letter code in upper case.
func newsCountry(s string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if c == "" {
		return "", fmt.Errorf("%w: Google News: no country; give the edition's two-letter country code, e.g. \"CH\"", vigie.ErrInvalid)
	}
	if len(c) != 2 || !isLetters(c) {
		return "", fmt.Errorf("%w: Google News: country %q: give an ISO 3166 two-letter code such as \"CH\", \"FR\" or \"US\"", vigie.ErrInvalid, s)
	}
	if c == "UK" {
		c = "GB" // what people write; ISO's (and Google's) code is GB
	}
	if !inTable(iso3166, c) {
		return "", fmt.Errorf("%w: Google News: %q is not a country code; give an ISO 3166 two-letter code such as \"CH\", \"FR\" or \"US\"", vigie.ErrInvalid, s)
	}
	return c, nil
}

// The ISO 639-1 language codes and ISO 3166-1 country codes, two letters
// each, in order. (golang.org/x/text/language knows them too, but its
// tables make this package's fuzzing crawl.)
const (
	iso639 = "aaabaeafakamanarasavayazbabebgbhbibmbnbobrbscacechcocrcscucvcydadedvdzeeeleneoeseteufafffifjfofrfygagdglgngugvhahehihohrhthuhyhziaidieigiiikioisitiujajvkakgkikjkkklkmknkokrkskukvkwkylalblglilnloltlulvmgmhmimkmlmnmrmsmtmynanbndnengnlnnnonrnvnyocojomorospapiplpsptqurmrnrorurwsascsdsesgsiskslsmsnsosqsrssstsusvswtatetgthtitktltntotrtstttwtyugukuruzvevivowawoxhyiyozazhzu" +
		"iniwji" // Google's older codes for Indonesian, Hebrew, Yiddish
	iso3166 = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW" +
		"XK" // Kosovo, by common use
)

// inTable reports whether the two-letter code is one of table's.
func inTable(table, code string) bool {
	for i := 0; i+2 <= len(table); i += 2 {
		if table[i:i+2] == code {
			return true
		}
	}
	return false
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// publisher applies item i's RSS <source>, the publisher an aggregator
// relays, to p: the author when the item names none of its own, and for
// Google News the publisher's address among the links (the item's own link
// is a news.google.com redirect, which says nothing of where the article
// is) and the title without its " - Publisher" suffix. Items without a
// <source> are left as they are.
func (m *mapper) publisher(i int, it *gofeed.Item, p *vigie.Post) {
	if i >= len(m.itemSource) || m.itemSource[i] == nil {
		return
	}
	src := m.itemSource[i]
	name, home := clean(src.Title), m.resolve(src.URL)
	if name == "" && home == "" {
		return
	}
	if name != "" {
		if t, ok := strings.CutSuffix(p.Title, " - "+name); ok && strings.TrimSpace(t) != "" {
			p.Title = strings.TrimSpace(t)
		}
	}
	ownAuthor := firstPerson(it.Authors, it.Author) != nil || i < len(m.itemAuthorURL) && m.itemAuthorURL[i] != ""
	if !ownAuthor {
		p.Author = vigie.Author{Name: name, Handle: name, URL: home}
		if name == "" {
			p.Author.Name = home
		}
	}
	if home != "" && isGoogleNews(p.URL) && !containsString(p.Links, home) {
		p.Links = append(p.Links, home)
	}
}

func isGoogleNews(link string) bool {
	u, err := url.Parse(link)
	return err == nil && strings.EqualFold(u.Hostname(), "news.google.com")
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Preset is a ready-made feed offered as a kind of its own: the API and
// the web take a preset's settings and save an rss source with the
// address it builds. The source stays of the rss kind (its posts are
// feed items); it keeps the preset's settings, and "preset" naming it, so
// that it can be shown and edited as one.
type Preset struct {
	// Kind is what the API calls the preset: {"kind": "googlenews", …}.
	Kind string
	// Name is what people call it.
	Name string
	// Settings are the settings it takes, in the order a form shows them.
	Settings []string
	// URL builds the feed's address from the settings; its errors wrap
	// vigie.ErrInvalid and say what to fix.
	URL func(settings map[string]string) (string, error)
	// Interval is how often its sources are polled by default.
	Interval time.Duration
}

// PresetSetting is the setting that names the preset an rss source was
// made from.
const PresetSetting = "preset"

var presets = []Preset{{
	Kind:     "googlenews",
	Name:     "Google News search",
	Settings: []string{"query", "lang", "country"},
	URL: func(s map[string]string) (string, error) {
		return GoogleNewsURL(s["query"], s["lang"], s["country"])
	},
	Interval: 15 * time.Minute,
}}

// Presets lists the presets.
func Presets() []Preset { return append([]Preset(nil), presets...) }

// LookupPreset returns the preset of that kind.
func LookupPreset(kind string) (Preset, bool) {
	for _, p := range presets {
		if p.Kind == kind {
			return p, true
		}
	}
	return Preset{}, false
}

// ApplyPreset turns a source of a preset's kind ({"kind": "googlenews",
// "settings": {"query": "EPFL", "lang": "fr", "country": "CH"}}), or an rss
// source made from one (settings["preset"]), into the rss source it stands
// for: kind rss, the address built from its settings (in their normal
// form), "preset" set, the preset's interval if it has none. It reports
// false, leaving src alone, for any other source. Errors wrap
// vigie.ErrInvalid.
func ApplyPreset(src *vigie.Source) (bool, error) {
	kind := string(src.Kind)
	if src.Kind == vigie.SourceRSS {
		kind = src.Settings[PresetSetting]
		if kind == "" {
			return false, nil
		}
	}
	p, ok := LookupPreset(kind)
	if !ok {
		if src.Kind == vigie.SourceRSS {
			return false, fmt.Errorf("%w: unknown feed preset %q (known: %s)", vigie.ErrInvalid, kind, presetKinds())
		}
		return false, nil
	}
	u, err := p.URL(src.Settings)
	if err != nil {
		return true, err
	}
	settings := make(map[string]string, len(p.Settings)+1)
	for _, k := range p.Settings {
		if v := strings.TrimSpace(src.Settings[k]); v != "" {
			settings[k] = v
		}
	}
	if p.Kind == "googlenews" { // their normal form, as the address has them
		settings["lang"], _ = newsLang(settings["lang"])
		settings["country"], _ = newsCountry(settings["country"])
		settings["query"] = strings.Join(strings.Fields(settings["query"]), " ")
	}
	settings[PresetSetting] = p.Kind
	src.Kind, src.URL, src.Settings = vigie.SourceRSS, u, settings
	if src.Interval == 0 {
		src.Interval = p.Interval
	}
	return true, nil
}

func presetKinds() string {
	ks := make([]string, len(presets))
	for i, p := range presets {
		ks[i] = p.Kind
	}
	return strings.Join(ks, ", ")
}

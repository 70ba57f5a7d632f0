package rss

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestGoogleNewsURL(t *testing.T) {
	tests := []struct {
		query, lang, country string
		want                 string
	}{
		{"EPFL", "fr", "CH", "https://news.google.com/rss/search?q=EPFL+when:1d&hl=fr&gl=CH&ceid=CH:fr"},
		{"  université  de Genève ", "FR", "ch", "https://news.google.com/rss/search?q=universit%C3%A9+de+Gen%C3%A8ve+when:1d&hl=fr&gl=CH&ceid=CH:fr"},
		{`"ETH Zürich" OR EPFL`, "de", "CH", "https://news.google.com/rss/search?q=%22ETH+Z%C3%BCrich%22+OR+EPFL+when:1d&hl=de&gl=CH&ceid=CH:de"},
		{"EPFL when:7d", "en", "US", "https://news.google.com/rss/search?q=EPFL+when%3A7d&hl=en&gl=US&ceid=US:en"},
		{"a&b=c#d", "pt_br", "BR", "https://news.google.com/rss/search?q=a%26b%3Dc%23d+when:1d&hl=pt-BR&gl=BR&ceid=BR:pt-BR"},
		{"x", "es-419", "US", "https://news.google.com/rss/search?q=x+when:1d&hl=es-419&gl=US&ceid=US:es-419"},
		{"x", "zh-hant", "TW", "https://news.google.com/rss/search?q=x+when:1d&hl=zh-Hant&gl=TW&ceid=TW:zh-Hant"},
		{"x", "en", "uk", "https://news.google.com/rss/search?q=x+when:1d&hl=en&gl=GB&ceid=GB:en"},
		{"x", "iw", "IL", "https://news.google.com/rss/search?q=x+when:1d&hl=iw&gl=IL&ceid=IL:iw"},
		{"x", "fil", "PH", "https://news.google.com/rss/search?q=x+when:1d&hl=fil&gl=PH&ceid=PH:fil"},
	}
	for _, tt := range tests {
		got, err := GoogleNewsURL(tt.query, tt.lang, tt.country)
		if err != nil || got != tt.want {
			t.Errorf("GoogleNewsURL(%q, %q, %q) = %q, %v; want %q", tt.query, tt.lang, tt.country, got, err, tt.want)
		}
	}
	bad := []struct{ query, lang, country, says string }{
		{"", "fr", "CH", "no words"},
		{"   ", "fr", "CH", "no words"},
		{"x\x01y", "fr", "CH", "control character"},
		{strings.Repeat("é", MaxGoogleNewsQuery+1), "fr", "CH", "at most"},
		{"\xff", "fr", "CH", "UTF-8"},
		{"x", "", "CH", "no language"},
		{"x", "french", "CH", "ISO 639"},
		{"x", "xx", "CH", "ISO 639"},
		{"x", "fr-XX", "CH", "ISO 639"},
		{"x", "fr-CH-1996", "CH", "ISO 639"},
		{"x", "f1", "CH", "ISO 639"},
		{"x", "fr", "", "no country"},
		{"x", "fr", "CHE", "ISO 3166"},
		{"x", "fr", "ZZ", "not a country"},
		{"x", "fr", "EU", "not a country"},
		{"x", "fr", "C1", "ISO 3166"},
	}
	for _, tt := range bad {
		_, err := GoogleNewsURL(tt.query, tt.lang, tt.country)
		if !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("GoogleNewsURL(%.20q, %q, %q) = %v; want ErrInvalid saying %q", tt.query, tt.lang, tt.country, err, tt.says)
		}
	}
}

func TestParseGoogleNews(t *testing.T) {
	res, err := Parse(readTestdata(t, "googlenews.xml"), fetchTime)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		title, author, home string
	}{
		{"L'EPFL inaugure un nouveau centre de recherche sur le climat", "Le Temps", "https://www.letemps.ch"},
		// Only the publisher's suffix goes; a " - " of the headline stays.
		{"Des étudiants de l'EPFL remportent un concours international", "RTS.ch - Info", "https://www.rts.ch"},
		{"Lausanne - Une start-up issue de l'EPFL lève 20 millions", "24 heures", "https://www.24heures.ch"},
	}
	if len(res.Posts) != len(want) {
		t.Fatalf("%d posts, want %d", len(res.Posts), len(want))
	}
	for i, w := range want {
		p := res.Posts[i]
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		if p.Title != w.title {
			t.Errorf("post %d: title %q, want %q", i, p.Title, w.title)
		}
		if p.Author != (vigie.Author{Name: w.author, Handle: w.author, URL: w.home}) {
			t.Errorf("post %d: author %+v, want the publisher %q at %s", i, p.Author, w.author, w.home)
		}
		if len(p.Links) != 2 || !strings.HasPrefix(p.Links[0], "https://news.google.com/rss/articles/") || p.Links[1] != w.home {
			t.Errorf("post %d: links %v, want the Google link then the publisher's", i, p.Links)
		}
		if p.Lang != "fr" || !strings.HasPrefix(p.ID, "rss:CBMi") {
			t.Errorf("post %d: lang %q id %q", i, p.Lang, p.ID)
		}
	}
	if got := res.Posts[0].PublishedAt; !got.Equal(date("2026-12-03T07:45:00Z")) {
		t.Errorf("published %v", got)
	}
}

// An ordinary feed's <source> (RSS 2.0: the channel an item came from)
// names the author only when the item has none, and the title keeps a
// suffix that is not the source's.
func TestParseRSSSource(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>Planet</title><link>https://planet.example/</link>
<item><title>Release notes - Project</title><link>https://a.example/1</link><author>alice@a.example (Alice)</author><source url="https://a.example/feed.xml">Project</source></item>
<item><title>Release notes - Other</title><link>https://b.example/2</link><source url="https://b.example/feed.xml">Project B</source></item>
<item><title>Only - Project C</title><link>https://c.example/3</link><source>Project C</source></item>
<item><title>Project D</title><link>https://d.example/4</link><source url="https://d.example/feed.xml">Project D</source></item>
</channel></rss>`
	res, err := Parse([]byte(doc), fetchTime)
	if err != nil {
		t.Fatal(err)
	}
	type got struct{ Title, Author string }
	var all []got
	for _, p := range res.Posts {
		all = append(all, got{p.Title, p.Author.Name})
		if len(p.Links) != 1 {
			t.Errorf("%q: links %v (a feed's <source> is no link of the post)", p.Title, p.Links)
		}
	}
	want := []got{{"Release notes", "Alice"}, {"Release notes - Other", "Project B"}, {"Only", "Project C"}, {"Project D", "Project D"}}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("got %+v\nwant %+v", all, want)
	}
}

// A YouTube channel feed's text and views are Media RSS elements.
func TestParseMediaRSS(t *testing.T) {
	res, err := Parse(readTestdata(t, "youtube.xml"), fetchTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 2 {
		t.Fatalf("%d posts", len(res.Posts))
	}
	p := res.Posts[0]
	if !strings.HasPrefix(p.Text, "Researchers at the EPFL Biorobotics Laboratory") || !strings.HasSuffix(p.Text, "https://actu.epfl.ch") {
		t.Errorf("text %q, want the media:description", p.Text)
	}
	if p.Metrics.Views != 15234 || p.URL != "https://www.youtube.com/watch?v=Xk3bG7pQ2aE" || p.ID != "rss:yt:video:Xk3bG7pQ2aE" {
		t.Errorf("post %+v", p)
	}
	if p.Author.URL != "https://www.youtube.com/channel/UCEbMkj4pP0yTcOqVp5b0fFw" {
		t.Errorf("author %+v", p.Author)
	}
	if q := res.Posts[1]; q.Text != "" || q.Title != "Magistrale 2026 – la cérémonie" || q.Metrics.Views != 2210 {
		t.Errorf("second post %+v", q)
	}
	// Views that are not a count are left out.
	doc := `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><entry><id>x</id><title>t</title>
<media:community><media:statistics views="-3"/></media:community><media:description> flat </media:description></entry></feed>`
	res, err = Parse([]byte(doc), fetchTime)
	if err != nil || len(res.Posts) != 1 || res.Posts[0].Metrics.Views != 0 || res.Posts[0].Text != "flat" {
		t.Errorf("%+v %v", res.Posts, err)
	}
}

func TestApplyPreset(t *testing.T) {
	src := vigie.Source{Kind: "googlenews", Name: "EPFL news", Settings: map[string]string{"query": " EPFL ", "lang": "FR", "country": "ch", "other": "x"}}
	ok, err := ApplyPreset(&src)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if src.Kind != vigie.SourceRSS || src.URL != "https://news.google.com/rss/search?q=EPFL+when:1d&hl=fr&gl=CH&ceid=CH:fr" || src.Interval != 15*time.Minute {
		t.Errorf("source %+v", src)
	}
	if want := map[string]string{"query": "EPFL", "lang": "fr", "country": "CH", "preset": "googlenews"}; !reflect.DeepEqual(src.Settings, want) {
		t.Errorf("settings %v, want %v", src.Settings, want)
	}
	// Edited later as an rss source made from the preset: built again.
	src.Settings["query"] = "EPFL Lausanne"
	src.Interval = time.Hour
	if ok, err := ApplyPreset(&src); !ok || err != nil || !strings.Contains(src.URL, "q=EPFL+Lausanne+when:1d") || src.Interval != time.Hour {
		t.Errorf("%v %v %+v", ok, err, src)
	}
	src.Settings["country"] = "XX"
	if ok, err := ApplyPreset(&src); !ok || !errors.Is(err, vigie.ErrInvalid) {
		t.Errorf("bad country: %v %v", ok, err)
	}
	plain := vigie.Source{Kind: vigie.SourceRSS, URL: "https://example.org/feed"}
	if ok, err := ApplyPreset(&plain); ok || err != nil || plain.URL != "https://example.org/feed" {
		t.Errorf("a plain feed: %v %v %+v", ok, err, plain)
	}
	other := vigie.Source{Kind: vigie.SourceMastodon}
	if ok, err := ApplyPreset(&other); ok || err != nil {
		t.Errorf("another kind: %v %v", ok, err)
	}
	unknown := vigie.Source{Kind: vigie.SourceRSS, Settings: map[string]string{"preset": "bingnews"}}
	if _, err := ApplyPreset(&unknown); !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), "googlenews") {
		t.Errorf("unknown preset: %v", err)
	}
	if p, ok := LookupPreset("googlenews"); !ok || len(Presets()) == 0 || p.Name == "" {
		t.Error("the googlenews preset is not listed")
	}
}

// The preset's source runs as any feed: here against a local server
// replaying Google News' answer.
func TestGoogleNewsSourceRuns(t *testing.T) {
	body := readTestdata(t, "googlenews.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("q") != "EPFL when:1d" || r.URL.Query().Get("ceid") != "CH:fr" {
			http.Error(w, "bad query", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Write(body)
	}))
	defer srv.Close()
	src := vigie.Source{Kind: "googlenews", Settings: map[string]string{"query": "EPFL", "lang": "fr", "country": "CH"}}
	if _, err := ApplyPreset(&src); err != nil {
		t.Fatal(err)
	}
	src.URL = srv.URL + strings.TrimPrefix(src.URL, "https://news.google.com")
	r := &Runner{Fetcher: NewFetcher(Options{Client: srv.Client()})}
	b, err := r.Run(context.Background(), &src)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 3 || b.Posts[0].Author.Name != "Le Temps" {
		t.Errorf("posts %+v", b.Posts)
	}
}

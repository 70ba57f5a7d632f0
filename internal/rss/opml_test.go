package rss

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/apptest"
)

func TestParseOPML(t *testing.T) {
	got, err := ParseOPML(bytes.NewReader(readTestdata(t, "subscriptions.opml")))
	if err != nil {
		t.Fatal(err)
	}
	want := []Outline{
		{Title: "University news", XMLURL: "https://news.example.org/feed.xml", HTMLURL: "https://news.example.org/"},
		{Title: "Regional paper", XMLURL: "https://paper.example.com/rss", HTMLURL: "https://paper.example.com/"},
		{Title: "Science desk", XMLURL: "https://paper.example.com/science/rss"},
		{Title: "Competitor & co", XMLURL: "https://rival.example.net/atom.xml", HTMLURL: "https://rival.example.net/"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseOPMLQuirks(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []Outline
	}{
		{
			"latin-1 and html entities",
			"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml version=\"1.0\"><body><outline text=\"Caf\xe9&nbsp;news\" xmlUrl=\"http://caf.example/rss\"/></body></opml>",
			[]Outline{{Title: "Café news", XMLURL: "http://caf.example/rss"}},
		},
		{
			"other attribute spellings",
			`<opml><body><outline title="A" xmlURL="http://a.example/feed" htmlURL="http://a.example/"/><outline text="B" type="rss" url="http://b.example/feed"/></body></opml>`,
			[]Outline{{Title: "A", XMLURL: "http://a.example/feed", HTMLURL: "http://a.example/"}, {Title: "B", XMLURL: "http://b.example/feed"}},
		},
		{
			"unclosed outline and no head",
			`<opml version="2.0"><body><outline text="Folder"><outline text="X" xmlUrl="http://x.example/rss"></body></opml>`,
			[]Outline{{Title: "X", XMLURL: "http://x.example/rss"}},
		},
		{
			"empty body",
			`<opml version="2.0"><head><title>none</title></head><body/></opml>`,
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOPML(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i].Title = strings.ReplaceAll(got[i].Title, "\u00a0", " ")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseOPMLNotOPML(t *testing.T) {
	tests := map[string]string{
		"empty":  "",
		"text":   "just some words",
		"rss":    string(readTestdata(t, "rss2.xml")),
		"html":   string(readTestdata(t, "page.html")),
		"json":   string(readTestdata(t, "feed.json")),
		"binary": "\x00\x01\x02\x03",
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseOPML(strings.NewReader(doc))
			if !errors.Is(err, ErrNotOPML) || !strings.HasPrefix(err.Error(), "not an OPML list of feeds: ") {
				t.Fatalf("error %v, want ErrNotOPML", err)
			}
		})
	}
}

// TestParseOPMLShared reads the real OPML files of the shared data.
func TestParseOPMLShared(t *testing.T) {
	dir := apptest.Shared(t, "data/feeds")
	files := []string{
		"feeds-real-rsparser/feeds/Subs.opml",
		"feeds-real-rsparser/feeds/SubsNoTitleAttributes.opml",
		"feeds-real-feedjira/legacy-2009/google-reader-subscriptions.xml",
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Skipf("%s is not in the shared data: %v", name, err)
			}
			defer f.Close()
			outlines, err := ParseOPML(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(outlines) < 10 {
				t.Errorf("%d outlines, want a real subscription list", len(outlines))
			}
			for _, o := range outlines {
				if o.Title == "" || !strings.HasPrefix(o.XMLURL, "http") {
					t.Errorf("outline %+v: want a title and a feed address", o)
				}
			}
			t.Logf("%s: %d feeds", name, len(outlines))
		})
	}
}

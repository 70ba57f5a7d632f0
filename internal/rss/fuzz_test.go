package rss

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func addTestdata(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

// FuzzParse: any bytes give posts that validate, or an error; never a panic.
func FuzzParse(f *testing.F) {
	addTestdata(f)
	f.Add([]byte(`<rss version="2.0"><channel><item><title>x</title><guid></guid></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x</title><link href="::"/></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1","content_text":"x","authors":[null]}]}`))
	f.Add([]byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><item><title>x</title></item></rdf:RDF>`))
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(data, at)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range res.Posts {
			if err := p.Validate(); err != nil {
				t.Fatalf("invalid post %+v: %v", p, err)
			}
			if seen[p.ID] {
				t.Fatalf("id %q twice", p.ID)
			}
			seen[p.ID] = true
		}
	})
}

// FuzzOPML: any bytes give outlines with a feed address, or an error.
func FuzzOPML(f *testing.F) {
	addTestdata(f)
	f.Add([]byte(`<opml><body><outline xmlUrl="x"><outline xmlUrl="y"/></outline></body></opml>`))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1252"?><opml><body><outline text="\x93" xmlUrl="z"/></body></opml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		outlines, err := ParseOPML(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, o := range outlines {
			if o.XMLURL == "" {
				t.Fatalf("outline %+v without a feed address", o)
			}
		}
	})
}

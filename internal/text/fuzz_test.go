package text

import (
	"testing"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// FuzzAnalyze checks that any title and text analyse without panicking and
// that the tokens keep their invariants.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"Fier de l'EPFL ! #EPFLnews @EPFL_en @epfl@mastodon.social", "see https://example.com/x more (www.epfl.ch).",
		"私は東に京 Straße Œuvre ½ é", "<p>Hello <b>wo</b>rld</p><script>x</script>&amp;", "@alice.bsky.social foo@bar.com #_ #",
		"e\u0301\u200d\u00ad", "http://", "www.", "https://www.epfl.ch/x?y", "http://a.b.", "https://a-b.ch#x", "HTTPS://WWW.EPFL.CH", "https://x.ch:8080/", "https://u@x.ch/", "<a href='https://x.ch'>", "&#x1F600;", "\xff\xfe"} {
		f.Add("", s)
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		d := Analyze(&vigie.Post{Title: title, Text: text, URL: text, Author: vigie.Author{Handle: title}})
		last := int32(-1)
		for i, tok := range d.Tokens {
			if tok.Pos <= last {
				t.Fatalf("token %d: position %d after %d", i, tok.Pos, last)
			}
			last = tok.Pos
			if tok.Start < 0 || tok.End < tok.Start || int(tok.End) > len(d.Plain) {
				t.Fatalf("token %d: span %d..%d outside %d bytes", i, tok.Start, tok.End, len(d.Plain))
			}
			w := d.Word(i)
			if w == "" {
				t.Fatalf("token %d: empty word", i)
			}
			if !utf8.ValidString(w) {
				t.Fatalf("token %d: word %q is not UTF-8", i, w)
			}
			if tok.Hash != Hash(w) || !d.MayHaveWord(tok.Hash) {
				t.Fatalf("token %d: hash of %q not recorded", i, w)
			}
			if (tok.Pos < d.TitleEnd) != (int(tok.Start) < len(title)+1 && title != "") && d.Plain != text {
				// a title token must come from the title part of Plain
				if tok.Pos < d.TitleEnd {
					t.Fatalf("token %d (%q) at %d counted in the title but comes from the text", i, w, tok.Pos)
				}
			}
		}
		for _, p := range SplitQuery(text, true) {
			if p.Fold == "" {
				t.Fatal("SplitQuery gave an empty piece")
			}
		}
		_ = Fold(text)
		for _, u := range []string{text, "https://" + text, "http://" + title + "/" + text} {
			if got, want := Host(u), hostOf(u); got != want {
				t.Fatalf("Host(%q) = %q, the general path gives %q", u, got, want)
			}
		}
		if n := urlLen(text); n > 0 && !hasPrefixFold(text, "http://") && !hasPrefixFold(text, "https://") && !hasPrefixFold(text, "www.") {
			t.Fatalf("urlLen(%q) = %d: no http://, https:// or www.", text, n)
		}
	})
}

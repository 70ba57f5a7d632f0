package text

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
)

// render lists the tokens of d, space separated: a word as itself, a hashtag as
// #tag/word, a mention as @handle/word or @handle@host/word.
func render(d *Doc) string {
	var out []string
	for i, t := range d.Tokens {
		switch t.Kind {
		case Hashtag:
			out = append(out, "#"+d.Tag(i)+"/"+d.Word(i))
		case Mention:
			s := "@" + d.Tag(i)
			if h := d.Host(i); h != "" {
				s += "@" + h
			}
			out = append(out, s+"/"+d.Word(i))
		default:
			out = append(out, d.Word(i))
		}
	}
	return strings.Join(out, " ")
}

// TestAnalyzeWords covers normalisation and word splitting
// (shared/design/query-language.md §2).
func TestAnalyzeWords(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		// §2.1: NFKC, then case folding.
		{"case folding", "EPFL epfl Epfl ePfL", "epfl epfl epfl epfl"},
		{"full-width letters", "ＥＰＦＬ ｅｐｆｌ Ｅｐｆｌ", "epfl epfl epfl"},
		{"compatibility forms", "ﬁnance ㎏ x² Ⅻ", "finance kg x2 xii"},
		{"greek", "Αθήνα ΣΟΦΊΑ", "αθηνα σοφια"},
		// §2.2: diacritics removed.
		{"umlaut", "Zürich Zurich ZÜRICH", "zurich zurich zurich"},
		{"decomposed umlaut", "Zu\u0308rich", "zurich"},
		{"acute", "école ÉCOLE École", "ecole ecole ecole"},
		{"sharp s", "Straße ß ẞ", "strasse ss ss"},
		{"ae ligature", "Æsir æ", "aesir ae"},
		{"oe ligature", "cœur Œuvre", "coeur oeuvre"},
		{"o with stroke", "Øresund ø", "oresund o"},
		{"l with stroke", "Łódź ł", "lodz l"},
		{"d with stroke", "Đakovo đ", "dakovo d"},
		{"cyrillic short i", "Йошкар й", "иошкар и"},
		{"dotless and dotted i", "ı İ", "i i"},
		// §2.3: words are runs of letters and digits.
		{"ascii apostrophe", "l'EPFL", "l epfl"},
		{"typographic apostrophe", "d’EPFL", "d epfl"},
		{"possessive", "EPFL's lab", "epfl s lab"},
		{"hyphen", "ETH-Zürich", "eth zurich"},
		{"en dash", "EPFL–ETHZ", "epfl ethz"},
		{"cyrillic hyphen", "Йошкар-Ола", "иошкар ола"},
		{"dot", "node.js", "node js"},
		{"slash", "a/b and/or", "a b and or"},
		{"underscore outside tags", "foo_bar", "foo bar"},
		{"emoji between words", "EPFL😀rocks 🎉EPFL🎉", "epfl rocks epfl"},
		{"emoji zwj sequence", "👩‍🔬science", "science"},
		{"digits", "2026-11-20 10:30 v1.2", "2026 11 20 10 30 v1 2"},
		{"punctuation", "«EPFL» “EPFL” (EPFL) [EPFL] EPFL!!! ¿EPFL?", "epfl epfl epfl epfl epfl epfl"},
		{"soft hyphen joins", "in\u00adnovation", "innovation"},
		{"no letters", "!!! ... --- 😀", ""},
		{"empty", "", ""},
		// §2.4: scripts without spaces.
		{"han", "東京大学", "東 京 大 学"},
		{"hiragana", "さくら", "さ く ら"},
		{"katakana", "カメラ", "カ メ ラ"},
		{"thai", "ประเทศไทย", "ป ร ะ เ ท ศ ไ ท ย"},
		{"latin then han", "EPFLの研究", "epfl の 研 究"},
		{"hangul keeps words", "한국어 연구", "한국어 연구"},
		// §2.5: hashtags.
		{"hashtag", "#EPFLnews", "#epflnews/epflnews"},
		{"hashtag keeps underscore", "#EPFL_news", "#epfl_news/epfl_news"},
		{"hashtag folded", "#École", "#ecole/ecole"},
		{"hashtag digits", "#2026", "#2026/2026"},
		{"hashtag in parentheses", "(#tag)", "#tag/tag"},
		{"hashtag then possessive", "#EPFL's", "#epfl/epfl s"},
		{"hashtag after emoji", "🚀#EPFL", "#epfl/epfl"},
		{"sharp after a letter", "C# a#b", "c a b"},
		{"lone sharp", "# _ #", ""},
		// §2.5: mentions.
		{"mention keeps underscore", "@EPFL_en", "@epfl_en/epfl_en"},
		{"mention", "@EPFL", "@epfl/epfl"},
		{"mention with host", "@epfl@mastodon.social", "@epfl@mastodon.social/epfl"},
		{"mention host folded", "@EPFL@Mastodon.Social", "@epfl@mastodon.social/epfl"},
		{"dotted handle", "@alice.bsky.social", "@alice.bsky.social/alice"},
		{"mention at sentence end", "Thanks @EPFL.", "thanks @epfl/epfl"},
		{"mentions with punctuation", "@EPFL, @ETHZ: hi", "@epfl/epfl @ethz/ethz hi"},
		{"email is not a mention", "write to info@epfl.ch", "write to info epfl ch"},
		{"at between words", "x@y", "x y"},
		{"lone at", "@ @_", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Analyze(&vigie.Post{Text: tt.text})
			if got := render(d); got != tt.want {
				t.Errorf("Analyze(%q) = %q, want %q", tt.text, got, tt.want)
			}
			if tt.want == "" {
				return
			}
			// Title and text are analysed alike.
			d = Analyze(&vigie.Post{Title: tt.text})
			if got := render(d); got != tt.want {
				t.Errorf("Analyze(title %q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// segments splits the tokens of d where positions are not consecutive, and
// fails if two segments are not further apart than any query distance.
func segments(tb testing.TB, d *Doc) [][]string {
	tb.Helper()
	var out [][]string
	for i, t := range d.Tokens {
		if i == 0 || t.Pos != d.Tokens[i-1].Pos+1 {
			if i > 0 && t.Pos-d.Tokens[i-1].Pos <= MaxDistance+1 {
				tb.Errorf("tokens %d and %d are %d positions apart: neither consecutive nor separated", i-1, i, t.Pos-d.Tokens[i-1].Pos)
			}
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], d.Word(i))
	}
	return out
}

// TestAnalyzePositions checks §2.6: positions count words in order, title
// first, with title/text and removed URLs far apart.
func TestAnalyzePositions(t *testing.T) {
	tests := []struct {
		name        string
		post        vigie.Post
		want        [][]string
		titleSegs   int // how many of want are in the title
		wantNoTitle bool
	}{
		{"title and text", vigie.Post{Title: "EPFL News", Text: "today at EPFL"},
			[][]string{{"epfl", "news"}, {"today", "at", "epfl"}}, 1, false},
		{"text only", vigie.Post{Text: "a b c"}, [][]string{{"a", "b", "c"}}, 0, true},
		{"title only", vigie.Post{Title: "EPFL"}, [][]string{{"epfl"}}, 1, false},
		{"newlines do not separate", vigie.Post{Text: "line one\nline two"},
			[][]string{{"line", "one", "line", "two"}}, 0, true},
		{"paragraphs do not separate", vigie.Post{Text: "<p>a</p><p>b</p>"},
			[][]string{{"a", "b"}}, 0, true},
		{"url in text", vigie.Post{Text: "see https://example.com/x more"},
			[][]string{{"see"}, {"more"}}, 0, true},
		{"www url with punctuation", vigie.Post{Text: "see (www.epfl.ch). and more"},
			[][]string{{"see"}, {"and", "more"}}, 0, true},
		{"urls at both ends", vigie.Post{Text: "https://a.ch first https://b.ch"},
			[][]string{{"first"}}, 0, true},
		{"url in title", vigie.Post{Title: "EPFL https://x.ch news", Text: "more"},
			[][]string{{"epfl"}, {"news"}, {"more"}}, 2, false},
		{"title is only a url", vigie.Post{Title: "https://x.ch", Text: "epfl"},
			[][]string{{"epfl"}}, 0, false},
		{"tags count as words", vigie.Post{Text: "#EPFL at @ETHZ now"},
			[][]string{{"epfl", "at", "ethz", "now"}}, 0, true},
		{"single-script characters count one each", vigie.Post{Text: "東京 EPFL"},
			[][]string{{"東", "京", "epfl"}}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Analyze(&tt.post)
			got := segments(t, d)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Fatalf("segments = %q, want %q", got, tt.want)
			}
			if tt.wantNoTitle && d.TitleEnd != 0 {
				t.Errorf("TitleEnd = %d, want 0 without a title", d.TitleEnd)
			}
			n := 0
			for i, tok := range d.Tokens {
				if i > 0 && tok.Pos <= d.Tokens[i-1].Pos {
					t.Errorf("token %d at %d is not after token %d at %d", i, tok.Pos, i-1, d.Tokens[i-1].Pos)
				}
				if tok.Pos < d.TitleEnd && (i == 0 || d.Tokens[i-1].Pos+1 != tok.Pos) {
					n++
				}
			}
			if n != tt.titleSegs {
				t.Errorf("%d segments before TitleEnd %d, want %d", n, d.TitleEnd, tt.titleSegs)
			}
			// The first text word is never within a query distance of the title.
			for i, tok := range d.Tokens {
				if tok.Pos >= d.TitleEnd && i > 0 && d.Tokens[i-1].Pos < d.TitleEnd {
					if tok.Pos-d.Tokens[i-1].Pos <= MaxDistance+1 {
						t.Errorf("text starts %d positions after the title", tok.Pos-d.Tokens[i-1].Pos)
					}
				}
			}
		})
	}
}

// TestAnalyzeLinks checks that URLs are taken out of the text into Links and
// Hosts (§1), with the post's own URL and links after those of the text.
func TestAnalyzeLinks(t *testing.T) {
	tests := []struct {
		name      string
		post      vigie.Post
		wantWords string
		wantLinks []string
		wantHosts []string
	}{
		{"https", vigie.Post{Text: "see https://example.com/x, more"}, "see more",
			[]string{"https://example.com/x"}, []string{"example.com"}},
		{"http upper case", vigie.Post{Text: "HTTP://EPFL.CH/X"}, "",
			[]string{"HTTP://EPFL.CH/X"}, []string{"epfl.ch"}},
		{"www", vigie.Post{Text: "(www.epfl.ch)."}, "",
			[]string{"www.epfl.ch"}, []string{"www.epfl.ch"}},
		{"balanced parenthesis kept", vigie.Post{Text: "(see https://en.wikipedia.org/wiki/EPFL_(school))"}, "see",
			[]string{"https://en.wikipedia.org/wiki/EPFL_(school)"}, []string{"en.wikipedia.org"}},
		{"query and fragment", vigie.Post{Text: "https://a.ch/x?y=1&z=2#frag!"}, "",
			[]string{"https://a.ch/x?y=1&z=2#frag"}, []string{"a.ch"}},
		{"ellipsis trimmed", vigie.Post{Text: "read https://a.ch/x…"}, "read",
			[]string{"https://a.ch/x"}, []string{"a.ch"}},
		{"hashtag in fragment stays in the link", vigie.Post{Text: "EPFL https://x.ch/#EPFL @foo"}, "epfl @foo/foo",
			[]string{"https://x.ch/#EPFL"}, []string{"x.ch"}},
		{"two links", vigie.Post{Text: "https://a.ch first https://b.ch"}, "first",
			[]string{"https://a.ch", "https://b.ch"}, []string{"a.ch", "b.ch"}},
		{"not links", vigie.Post{Text: "http is fine; https:// alone, wwwx.ch www."}, "http is fine https alone wwwx ch www",
			nil, nil},
		{"post url and links", vigie.Post{Text: "x https://t.co/1", URL: "https://WWW.EPFL.CH/en/", Links: []string{"https://go.epfl.ch/x"}}, "x",
			[]string{"https://t.co/1", "https://WWW.EPFL.CH/en/", "https://go.epfl.ch/x"}, []string{"t.co", "www.epfl.ch", "go.epfl.ch"}},
		{"html href", vigie.Post{Text: `<a href="https://news.epfl.ch/a">read</a> <a href="/rel">rel</a> <a href="mailto:x@y.ch">m</a>`}, "read rel m",
			[]string{"https://news.epfl.ch/a"}, []string{"news.epfl.ch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Analyze(&tt.post)
			if got := render(d); got != tt.wantWords {
				t.Errorf("words = %q, want %q", got, tt.wantWords)
			}
			if !slices.Equal(d.Links, tt.wantLinks) {
				t.Errorf("Links = %q, want %q", d.Links, tt.wantLinks)
			}
			if !slices.Equal(d.Hosts, tt.wantHosts) {
				t.Errorf("Hosts = %q, want %q", d.Hosts, tt.wantHosts)
			}
		})
	}
}

// TestAnalyzeHTML checks that HTML from a source is matched as its visible text.
func TestAnalyzeHTML(t *testing.T) {
	tests := []struct {
		name      string
		post      vigie.Post
		want      string
		wantLinks []string
	}{
		{"tags dropped", vigie.Post{Text: "<p>Hello <b>wo</b>rld</p>"}, "hello world", nil},
		{"entities decoded", vigie.Post{Text: "<p>caf&eacute; &amp; &#233;cole &lt;tag&gt;</p>"}, "cafe ecole tag", nil},
		{"entities without tags", vigie.Post{Text: "caf&eacute; EPFL&nbsp;news"}, "cafe epfl news", nil},
		{"script and style dropped", vigie.Post{Text: "<p>visible</p><script>var epfl = 1</script><style>.epfl{}</style>"}, "visible", nil},
		{"comment dropped", vigie.Post{Text: "<!-- epfl -->visible"}, "visible", nil},
		{"block elements separate words", vigie.Post{Text: "line1<br>line2<div>blk</div>x"}, "line1 line2 blk x", nil},
		{"links", vigie.Post{Text: `<p>see <a href="https://news.epfl.ch/a">this</a></p>`}, "see this", []string{"https://news.epfl.ch/a"}},
		{"html title", vigie.Post{Title: "<b>EPFL</b> News"}, "epfl news", nil},
		{"mastodon mention and hashtag",
			vigie.Post{Text: `<p><span class="h-card"><a href="https://mastodon.social/@EPFL" class="u-url mention">@<span>EPFL</span></a></span> <a href="https://mastodon.social/tags/EPFLnews" class="mention hashtag" rel="tag">#<span>EPFLnews</span></a></p>`},
			"@epfl/epfl #epflnews/epflnews", []string{"https://mastodon.social/@EPFL", "https://mastodon.social/tags/EPFLnews"}},
		// A '<' in plain text is not markup: the words after it are kept.
		{"less-than between words", vigie.Post{Text: "EPFL<ETHZ in the ranking"}, "epfl ethz in the ranking", nil},
		{"less-than before a tag name", vigie.Post{Text: "if a<b then c"}, "if a b then c", nil},
		{"heart", vigie.Post{Text: "I <3 EPFL"}, "i 3 epfl", nil},
		{"less-than and an entity", vigie.Post{Text: "a<b &amp; c"}, "a b c", nil},
		{"ampersand", vigie.Post{Text: "AT&T; rocks"}, "at t rocks", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Analyze(&tt.post)
			if got := render(d); got != tt.want {
				t.Errorf("words = %q, want %q (plain %q)", got, tt.want, d.Plain)
			}
			if !slices.Equal(d.Links, tt.wantLinks) {
				t.Errorf("Links = %q, want %q", d.Links, tt.wantLinks)
			}
		})
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"plain", "https://epfl.ch/x", "epfl.ch"},
		{"port", "https://epfl.ch:8443/x", "epfl.ch"},
		{"userinfo", "https://user:pw@Example.COM:8080/p?q#f", "example.com"},
		{"www kept", "https://www.epfl.ch/", "www.epfl.ch"},
		{"upper case", "HTTP://WWW.EPFL.CH", "www.epfl.ch"},
		{"trailing dot", "https://epfl.ch./x", "epfl.ch"},
		{"trailing dot and port", "https://epfl.ch.:443", "epfl.ch"},
		{"no scheme", "www.epfl.ch/research", "www.epfl.ch"},
		{"no scheme with port", "epfl.ch:443", "epfl.ch"},
		{"scheme-relative", "//cdn.epfl.ch/a.js", "cdn.epfl.ch"},
		{"query without path", "https://epfl.ch?x=1", "epfl.ch"},
		{"fragment without path", "https://epfl.ch#top", "epfl.ch"},
		{"other scheme", "ftp://files.epfl.ch/", "files.epfl.ch"},
		{"ipv6", "https://[2001:db8::1]:443/x", "[2001:db8::1]"},
		{"idn folded", "https://Zürich.ch", "zurich.ch"},
		{"spaces trimmed", "  https://epfl.ch  ", "epfl.ch"},
		{"link inside path", "www.x.ch/http://evil.com", "www.x.ch"},
		{"link inside query", "a.ch/?u=http://b.com", "a.ch"},
		{"empty", "", ""},
		{"scheme only", "https://", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Host(tt.url); got != tt.want {
				t.Errorf("Host(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

func TestAnalyzeAttributes(t *testing.T) {
	tests := []struct {
		name                                 string
		post                                 vigie.Post
		author, source, lang, country, plain string
	}{
		{"upper case", vigie.Post{Text: "x", Author: vigie.Author{Handle: "EPFL"}, Source: "Mastodon", Lang: "FR", Country: "CH"},
			"epfl", "mastodon", "fr", "ch", "x"},
		{"handle with @ and host", vigie.Post{Text: "x", Author: vigie.Author{Handle: " @EPFL@Mastodon.Social ", Name: "École"}},
			"epfl@mastodon.social", "", "", "", "x"},
		{"folded handle", vigie.Post{Text: "x", Author: vigie.Author{Handle: "@Zürich"}},
			"zurich", "", "", "", "x"},
		{"title before text", vigie.Post{Title: "T", Text: "x"}, "", "", "", "", "T\nx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Analyze(&tt.post)
			if d.Author != tt.author || d.Source != tt.source || d.Lang != tt.lang || d.Country != tt.country || d.Plain != tt.plain {
				t.Errorf("got author %q source %q lang %q country %q plain %q, want %q %q %q %q %q",
					d.Author, d.Source, d.Lang, d.Country, d.Plain, tt.author, tt.source, tt.lang, tt.country, tt.plain)
			}
		})
	}
}

var hashTexts = []string{
	"Fier de l'EPFL ! #EPFLnews @EPFL_en @epfl@mastodon.social ETH-Zürich",
	"see https://example.com/x more (www.epfl.ch).",
	"私は東に京 Straße Œuvre ½ é ประเทศไทย",
	"<p>Hello <b>wo</b>rld</p><script>x</script>&amp; <a href='https://x.ch/y'>l</a>",
	"@alice.bsky.social hi. mail foo@bar.com C# #1 ＥＰＦＬ",
}

// TestTokenHash checks that every token carries the Hash of its word and that
// the doc's word filter never rules out a word it has.
func TestTokenHash(t *testing.T) {
	for _, s := range hashTexts {
		d := Analyze(&vigie.Post{Title: "Title " + s, Text: s})
		if len(d.Tokens) == 0 {
			t.Fatalf("%q: no tokens", s)
		}
		for i, tok := range d.Tokens {
			w := d.Word(i)
			if tok.Hash != Hash(w) {
				t.Errorf("%q: token %d %q: Hash %x, want Hash(word) %x", s, i, w, tok.Hash, Hash(w))
			}
			if !d.MayHaveWord(Hash(w)) {
				t.Errorf("%q: MayHaveWord(%q) = false", s, w)
			}
		}
	}
	empty := Analyze(&vigie.Post{Text: "!!!"})
	for _, w := range []string{"epfl", "a", "東"} {
		if empty.MayHaveWord(Hash(w)) {
			t.Errorf("doc without words: MayHaveWord(%q) = true", w)
		}
	}
}

// TestAnalyzerReuse checks that an Analyzer gives the same result for a post
// whatever it analysed before.
func TestAnalyzerReuse(t *testing.T) {
	var a Analyzer
	posts := []vigie.Post{
		{Title: "A long title with #tags and @mentions@host.example", Text: "text https://a.ch/x <b>bold</b>", Links: []string{"https://b.ch"}},
		{Text: "short"},
		{Title: "<i>EPFL</i>", URL: "https://www.epfl.ch", Author: vigie.Author{Handle: "@x"}},
		{Text: "東京 Zürich &amp; more"},
	}
	for round := 0; round < 2; round++ {
		for i, p := range posts {
			want := Analyze(&p)
			got := a.Analyze(&p)
			if render(got) != render(want) || got.TitleEnd != want.TitleEnd || got.Plain != want.Plain ||
				!slices.Equal(got.Links, want.Links) || !slices.Equal(got.Hosts, want.Hosts) || got.Author != want.Author {
				t.Errorf("round %d post %d: reused analyzer gives %q %d %q, fresh %q %d %q",
					round, i, render(got), got.TitleEnd, got.Links, render(want), want.TitleEnd, want.Links)
			}
			for j := range got.Tokens {
				if got.Tokens[j].Pos != want.Tokens[j].Pos {
					t.Errorf("round %d post %d token %d: position %d, want %d", round, i, j, got.Tokens[j].Pos, want.Tokens[j].Pos)
				}
			}
		}
	}
}

// TestDocSpan checks the source text behind a token's word, which backs
// case-sensitive {Words}.
func TestDocSpan(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"word", "a Zürich b", "Zürich"},
		{"hashtag", "a #Apple b", "#Apple"},
		{"mention", "a @Apple b", "@Apple"},
		{"mention with host", "a @Apple@mastodon.social b", "@Apple"},
		{"dotted handle", "a @Apple.bsky.social b", "@Apple"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Analyze(&vigie.Post{Text: tt.text})
			if len(d.Tokens) != 3 {
				t.Fatalf("tokens = %q", render(d))
			}
			if got := d.Span(1); got != tt.want {
				t.Errorf("Span = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEqualKeepCase(t *testing.T) {
	tests := []struct {
		span, want string
		ok         bool
	}{
		{"Apple", "Apple", true},
		{"apple", "Apple", false},
		{"APPLE", "Apple", false},
		{"#Apple", "Apple", true},
		{"@Apple", "Apple", true},
		{"Nestlé", "Nestle", true},
		{"NESTLÉ", "Nestle", false},
		{"Ａｐｐｌｅ", "Apple", true},
		{"Straße", "Strasse", true},
		{"Apples", "Apple", false},
		{"Appl", "Apple", false},
	}
	for _, tt := range tests {
		t.Run(tt.span+"/"+tt.want, func(t *testing.T) {
			if got := EqualKeepCase(tt.span, tt.want); got != tt.ok {
				t.Errorf("EqualKeepCase(%q, %q) = %v, want %v", tt.span, tt.want, got, tt.ok)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		in, fold, keep string
	}{
		{"epfl", "epfl", "epfl"},
		{"EPFL", "epfl", "EPFL"},
		{"Zürich", "zurich", "Zurich"},
		{"ÉCOLE polytechnique", "ecole polytechnique", "ECOLE polytechnique"},
		{"Straße", "strasse", "Strasse"},
		{"ＥＰＦＬ", "epfl", "EPFL"},
		{"l’EPFL", "l’epfl", "l’EPFL"}, // separators are kept
		{"Łódź", "lodz", "Lodz"},
		{"Nestlé", "nestle", "Nestle"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.fold {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.fold)
			}
			if got := FoldKeepCase(tt.in); got != tt.keep {
				t.Errorf("FoldKeepCase(%q) = %q, want %q", tt.in, got, tt.keep)
			}
		})
	}
}

// TestSplitQueryAgrees checks that a query word is split into exactly the
// words that the same text gives in a post (§2: "applied identically").
func TestSplitQueryAgrees(t *testing.T) {
	for _, s := range []string{
		"l'EPFL", "d’EPFL", "EPFL's", "ETH-Zürich", "node.js", "foo_bar", "ＥＰＦＬ", "Straße", "Œuvre",
		"東京大学", "EPFLの研究", "ประเทศไทย", "½", "x²", "in\u00adnovation", "Йошкар-Ола", "10:30", "한국어",
	} {
		t.Run(s, func(t *testing.T) {
			var got []string
			for _, p := range SplitQuery(s, false) {
				got = append(got, p.Fold)
			}
			want := strings.Fields(render(Analyze(&vigie.Post{Text: s})))
			if !slices.Equal(got, want) {
				t.Errorf("SplitQuery(%q) = %q, post words %q", s, got, want)
			}
		})
	}
}

func TestSplitQuery(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wildcards bool
		fold      string
		kept      string
	}{
		{"case kept", "Nestlé", false, "nestle", "Nestle"},
		{"parts", "ETH-Zürich", false, "eth zurich", "ETH Zurich"},
		{"wildcards kept", "innov* wom?n", true, "innov* wom?n", "innov* wom?n"},
		{"wildcards dropped", "innov* wom?n", false, "innov wom n", "innov wom n"},
		{"single-script", "東京", false, "東 京", "東 京"},
		{"nothing", "-- !", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fold, kept []string
			for _, p := range SplitQuery(tt.in, tt.wildcards) {
				fold = append(fold, p.Fold)
				kept = append(kept, p.Kept)
			}
			if f, k := strings.Join(fold, " "), strings.Join(kept, " "); f != tt.fold || k != tt.kept {
				t.Errorf("SplitQuery(%q, %v) = %q / %q, want %q / %q", tt.in, tt.wildcards, f, k, tt.fold, tt.kept)
			}
		})
	}
}

func TestFoldTag(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"EPFLnews", "epflnews", true},
		{"EPFL_en", "epfl_en", true},
		{"École", "ecole", true},
		{"東京", "東京", true},
		{"_", "", false},
		{"", "", false},
		{"epfl*", "", false},
		{"epfl-news", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := FoldTag(tt.in)
			if ok != tt.ok || ok && got != tt.want {
				t.Errorf("FoldTag(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestFromHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>one</p><p>two <b>bold</b></p>", "one\n\ntwo bold"},
		{"line breaks", "<p>a<br>b<br />c</p>", "a\nb\nc"},
		{"entities", "<p>caf&eacute; &amp; &lt;tag&gt; &#39;x&#39;</p>", "café & <tag> 'x'"},
		{"plain text unescaped", "AT&amp;T", "AT&T"},
		{"script dropped", "<p>seen</p><script>alert(1)</script>", "seen"},
		{"mastodon link spans", `<p><a href="https://x.org/abc"><span class="invisible">https://</span><span class="ellipsis">x.org/a</span><span class="invisible">bc</span></a></p>`, "https://x.org/abc"},
		{"blank runs folded", "<p>a</p><p></p><p></p><div>b</div>", "a\n\nb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromHTML(tt.in); got != tt.want {
				t.Errorf("FromHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// A post to match, and whether the group's query matches it.
type semPost struct {
	name string
	post vigie.Post
	want bool
}

// The semantics of shared/design/query-language.md, one query at a time.
type semGroup struct {
	query string
	posts []semPost
}

func txt(s string) vigie.Post { return vigie.Post{ID: "p", Source: "rss", Text: s} }

func titled(title, s string) vigie.Post {
	return vigie.Post{ID: "p", Source: "rss", Title: title, Text: s}
}

func inLang(lang, s string) vigie.Post {
	return vigie.Post{ID: "p", Source: "rss", Text: s, Lang: lang}
}

func byAuthor(handle string) vigie.Post {
	return vigie.Post{ID: "p", Source: "mastodon", Text: "hello", Author: vigie.Author{Handle: handle}}
}

func atURL(url, s string) vigie.Post { return vigie.Post{ID: "p", Source: "web", URL: url, Text: s} }

var semantics = []semGroup{
	// §6 examples.
	{"epfl", []semPost{
		{"elided article", txt("Fier de l'EPFL !"), true},
		{"hashtag", txt("#EPFL rocks"), true},
		{"possessive", txt("EPFL's new lab"), true},
		{"mention", txt("Thanks @EPFL for hosting"), true},
		{"mention with host", txt("Thanks @epfl@mastodon.social"), true},
		{"full-width", txt("ＥＰＦＬ"), true},
		{"typographic apostrophe", txt("d’EPFL"), true},
		{"in title", titled("EPFL", "news"), true},
		{"mention with underscore", txt("@epfl_news a dit"), false},
		{"longer word", txt("epflnews"), false},
		{"hashtag with underscore", txt("#EPFL_news"), false},
		{"only in a link", txt("see https://epfl.ch/epfl"), false},
		{"only in markup", txt(`<a href="https://x.ch/epfl" title="epfl">here</a>`), false},
		{"email address", txt("write to epfl@example.com"), true}, // the local part is a word
	}},
	{`"eth zurich" OR ethz`, []semPost{
		{"hyphenated", txt("ETH-Zürich annonce"), true},
		{"other alternative", txt("at ETHZ today"), true},
		{"words apart", txt("ETH and Zurich"), false},
		{"reversed", txt("Zurich ETH"), false},
	}},
	{"(epfl OR ethz) NEAR/3 (ranking OR classement)", []semPost{
		{"within 3", txt("Le classement QS place l'EPFL en tête"), true},
		{"other alternatives", txt("ETHZ tops the ranking"), true},
		{"10 words apart", txt("EPFL a b c d e f g h i j ranking"), false},
		{"4 words apart", txt("EPFL a publié hier soir son classement"), false},
	}},
	{"innov* -spam", []semPost{
		{"prefix", txt("Innovation day"), true},
		{"excluded", txt("innovative spam"), false},
	}},
	{"{Nestlé} NOT lang:en", []semPost{
		{"french", inLang("fr", "Nestlé annonce"), true},
		{"no language", txt("Nestlé annonce"), true},
		{"lower case", inLang("fr", "nestlé annonce"), false},
		{"english", inLang("en", "Nestlé announces"), false},
	}},
	{"#epfl site:epfl.ch", []semPost{
		{"subdomain", txt("#EPFL https://news.epfl.ch/x"), true},
		{"other domain", txt("#EPFL https://epfl.com"), false},
		{"word not hashtag", txt("EPFL https://news.epfl.ch/x"), false},
	}},

	// Normalisation (§2) through matching.
	{"café", []semPost{
		{"without accent", txt("Un cafe svp"), true},
		{"upper case", txt("CAFÉ"), true},
	}},
	{"zurich", []semPost{
		{"umlaut upper case", txt("ZÜRICH"), true},
		{"decomposed", txt("Zu\u0308rich"), true},
	}},
	{"strasse", []semPost{{"sharp s", txt("Straße"), true}}},
	{"Łódź", []semPost{{"folded both sides", txt("lodz"), true}}},
	{"l'epfl", []semPost{
		{"same", txt("à l'EPFL"), true},
		{"typographic apostrophe", txt("à l’EPFL"), true},
		{"separated", txt("l EPFL"), true},
		{"without article", txt("EPFL"), false},
	}},
	{"eth-zurich", []semPost{
		{"space", txt("ETH Zürich"), true},
		{"reversed", txt("Zurich ETH"), false},
	}},
	{"node.js", []semPost{
		{"same", txt("node.js rocks"), true},
		{"words", txt("Node JS"), true},
		{"joined", txt("nodejs"), false},
	}},
	{"a OR b c", []semPost{
		{"and branch", txt("b and c here"), true},
		{"or branch", txt("a"), true},
		{"half of and", txt("b"), false},
	}},
	{"epfl or ethz", []semPost{ // lower-case "or" is a word
		{"all three words", txt("EPFL or ETHZ"), true},
		{"no or", txt("EPFL and ETHZ"), false},
	}},
	{"the", []semPost{{"function word", txt("The end"), true}}},
	{`"the who"`, []semPost{
		{"function words phrase", txt("The Who live"), true},
		{"apart", txt("the band who"), false},
	}},
	{"script", []semPost{{"script content dropped", txt("<p>hello</p><script>script()</script>"), false}}},
	{"ranking", []semPost{{"after a less-than", txt("EPFL<ETHZ in the ranking"), true}}},

	// Phrases never span title/text or a removed URL (§4).
	{`"epfl news"`, []semPost{
		{"in text", txt("EPFL news"), true},
		{"in title", titled("EPFL news", "today"), true},
		{"punctuation between", txt("EPFL, news!"), true},
		{"line break between", txt("EPFL\nnews"), true},
		{"across title and text", titled("About EPFL", "news today"), false},
		{"across a url", txt("EPFL https://x.ch news"), false},
		{"across a www url", txt("EPFL www.x.ch news"), false},
		{"reversed", txt("news EPFL"), false},
		{"word between", txt("EPFL daily news"), false},
	}},
	{`"see more"`, []semPost{{"across a url", txt("see https://example.com/x more"), false}}},

	// NEAR/n: at most n other words between, any order.
	{"epfl NEAR/3 ranking", []semPost{
		{"adjacent", txt("EPFL ranking"), true},
		{"exactly 3 between", txt("EPFL a b c ranking"), true},
		{"4 between", txt("EPFL a b c d ranking"), false},
		{"reversed exactly 3", txt("ranking a b c EPFL"), true},
		{"reversed 4", txt("ranking a b c d EPFL"), false},
		{"one of several pairs", txt("EPFL a b c d ranking x EPFL"), true},
		{"only one side", txt("EPFL EPFL"), false},
		{"across title and text", titled("EPFL", "ranking"), false},
		{"across a url", txt("EPFL https://x.ch ranking"), false},
	}},
	{"epfl NEAR/1 lab", []semPost{
		{"adjacent", txt("EPFL lab"), true},
		{"1 between", txt("EPFL new lab"), true},
		{"2 between", txt("EPFL new big lab"), false},
	}},
	{"epfl NEAR/1000 news", []semPost{
		{"across a url", txt("EPFL https://x.ch news"), false},
		{"across title and text", titled("EPFL", "news"), false},
	}},
	{"epfl NEAR/2 epfl", []semPost{
		{"one occurrence", txt("EPFL"), false},
		{"two occurrences", txt("EPFL and EPFL"), true},
		{"too far", txt("EPFL a b c EPFL"), false},
	}},
	// NEAR/nf: the same, left operand first.
	{"epfl NEAR/3f ranking", []semPost{
		{"in order", txt("EPFL a b c ranking"), true},
		{"in order too far", txt("EPFL a b c d ranking"), false},
		{"reversed", txt("ranking puts EPFL first"), false},
		{"reversed adjacent", txt("ranking EPFL"), false},
		{"a later pair in order", txt("ranking EPFL top ranking"), true},
	}},
	// NEAR operands: phrases and OR-groups.
	{`"eth zurich" NEAR/2 ranking`, []semPost{
		{"after phrase 1 between", txt("ETH Zurich top ranking"), true},
		{"after phrase 2 between", txt("ETH Zurich a b ranking"), true},
		{"after phrase 3 between", txt("ETH Zurich a b c ranking"), false},
		{"before phrase 2 between", txt("ranking a b ETH Zurich"), true},
		{"before phrase 3 between", txt("ranking a b c ETH Zurich"), false},
		{"phrase broken", txt("ETH and Zurich ranking"), false},
	}},
	{`(epfl OR ethz) NEAR/2 (ranking OR "top list")`, []semPost{
		{"phrase alternative", txt("ETHZ on the top list"), true},
		{"phrase first", txt("top list a b EPFL"), true},
		{"phrase broken", txt("top a list EPFL"), false},
		{"word alternatives", txt("ranking EPFL"), true},
		{"too far", txt("EPFL a b c ranking"), false},
	}},
	{"(epfl NEAR/1 lab) NEAR/2 robot", []semPost{
		{"nested within", txt("EPFL lab a b robot"), true},
		{"nested before", txt("robot a b lab EPFL"), true},
		{"nested too far", txt("EPFL lab a b c robot"), false},
		{"inner too far", txt("EPFL a b lab robot"), false},
	}},
	{"東京 NEAR/1 epfl", []semPost{
		{"han then latin", txt("東京のEPFL"), true},
		{"too far", txt("東京の大EPFL"), false},
	}},
	// "a b"~n.
	{`"epfl ranking"~2`, []semPost{
		{"adjacent", txt("EPFL ranking"), true},
		{"2 between", txt("EPFL a b ranking"), true},
		{"3 between", txt("EPFL a b c ranking"), false},
		{"reversed 2 between", txt("ranking a b EPFL"), true},
		{"reversed 3 between", txt("ranking a b c EPFL"), false},
		{"across title and text", titled("EPFL", "ranking"), false},
	}},
	{`"epfl lab robot"~1`, []semPost{
		{"1 other word", txt("EPFL lab x robot"), true},
		{"any order", txt("robot lab EPFL"), true},
		{"2 other words", txt("EPFL x lab x robot"), false},
		{"missing word", txt("EPFL lab lab"), false},
	}},
	{`"a b"~2`, []semPost{{"conformance example", txt("a x y b"), true}}},

	// Prefix and ? never span words (§4).
	{"innov*", []semPost{
		{"longer word", txt("Innovation"), true},
		{"empty rest", txt("innov"), true},
		{"plural upper case", txt("INNOVATIONS"), true},
		{"diacritics", txt("Innovación"), true},
		{"not a prefix", txt("reinnovate"), false},
		{"across words", txt("inno vation"), false},
		{"across a hyphen", txt("in-novation"), false},
		{"shorter word", txt("inno"), false},
	}},
	{"robot*", []semPost{{"upper case", txt("ROBOTIQUE suisse"), true}}},
	{"wom?n", []semPost{
		{"a", txt("woman in science"), true},
		{"e", txt("WOMEN"), true},
		{"none", txt("womn"), false},
		{"two", txt("wooman"), false},
		{"longer", txt("womens"), false},
		{"across a space", txt("wom n"), false},
		{"across a hyphen", txt("wom-n"), false},
	}},
	{"ca?e", []semPost{{"folded letter", txt("café"), true}}},
	{"internationalisationsprojekt*", []semPost{ // a prefix longer than the index keys
		{"longer word", txt("Internationalisationsprojekte"), true},
		{"shares the first 24 letters only", txt("internationalisationspro"), false},
	}},
	{"innov* NEAR/2 (epfl OR ethz)", []semPost{
		{"pattern near", txt("innovative work at EPFL"), true},
		{"pattern too far", txt("innovative work done at EPFL"), false},
	}},
	{"title:innov*", []semPost{
		{"pattern in title", titled("Innovation day", "x"), true},
		{"pattern in text", titled("Day", "innovation"), false},
	}},
	{`"innov* day"`, []semPost{
		{"in a phrase", txt("Innovation day"), true},
		{"reversed", txt("day innovation"), false},
	}},

	// Case-sensitive words.
	{"{Apple}", []semPost{
		{"same case", txt("Apple launches"), true},
		{"lower case", txt("apple pie"), false},
		{"upper case", txt("APPLE"), false},
		{"longer word", txt("Apples"), false},
		{"hashtag", txt("#Apple"), true},
		{"mention", txt("thanks @Apple"), true},
		{"mention with host", txt("thanks @Apple@mastodon.social"), true},
		{"dotted handle", txt("thanks @Apple.bsky.social"), true},
		{"full-width", txt("Ａｐｐｌｅ"), true},
	}},
	{"apple", []semPost{
		{"any case", txt("APPLE!!!"), true},
		{"capitalised", txt("Apple"), true},
	}},
	{"{Nestlé}", []semPost{
		{"without diacritics", txt("Nestle"), true},
		{"upper case", txt("NESTLÉ"), false},
	}},
	{"{Apple Pay}", []semPost{
		{"same case", txt("Apple Pay"), true},
		{"lower case", txt("apple pay"), false},
		{"half", txt("Apple pay"), false},
	}},

	// Hashtags.
	{"#epfl", []semPost{
		{"hashtag", txt("#EPFL rocks"), true},
		{"word", txt("EPFL rocks"), false},
		{"longer hashtag", txt("#EPFLnews"), false},
		{"mention", txt("@epfl"), false},
		{"in a url", txt("https://x.ch/#epfl"), false},
		{"after a letter", txt("C#epfl"), false},
	}},
	{"#epfl_news", []semPost{
		{"with underscore", txt("#EPFL_news"), true},
		{"without", txt("#EPFLnews"), false},
	}},
	{"epflnews", []semPost{{"word of a hashtag", txt("#EPFLnews"), true}}},
	{"#東京", []semPost{
		{"han hashtag", txt("#東京 2026"), true},
		{"han words", txt("東京"), false},
	}},

	// Mentions.
	{"@epfl", []semPost{
		{"mention", txt("Thanks @EPFL"), true},
		{"any host", txt("Thanks @epfl@mastodon.social"), true},
		{"underscore", txt("Thanks @epfl_en"), false},
		{"word", txt("EPFL"), false},
		{"hashtag", txt("#epfl"), false},
		{"email", txt("mail epfl@epfl.ch"), false},
	}},
	{"@epfl@mastodon.social", []semPost{
		{"same host", txt("@epfl@mastodon.social"), true},
		{"host upper case", txt("@EPFL@Mastodon.Social"), true},
		{"other host", txt("@epfl@sigmoid.social"), false},
		{"no host", txt("@epfl"), false},
	}},
	{"@alice.bsky.social", []semPost{
		{"dotted handle", txt("hi @alice.bsky.social"), true},
		{"first label only", txt("hi @alice"), false},
	}},
	{"alice", []semPost{{"first label of a dotted handle", txt("hi @alice.bsky.social"), true}}},
	{"epfl_en", []semPost{ // a query word splits at '_': the phrase "epfl en"
		{"words", txt("EPFL en direct"), true},
		{"mention", txt("@EPFL_en"), false},
	}},

	// title:
	{"title:epfl", []semPost{
		{"in title", titled("EPFL News", "today"), true},
		{"in text", titled("News", "EPFL"), false},
		{"no title", txt("EPFL"), false},
	}},
	{`title:"annual report"`, []semPost{
		{"in title", titled("EPFL annual report", ""), true},
		{"split across title and text", titled("EPFL annual", "report"), false},
	}},
	{"title:(epfl OR ethz) ranking", []semPost{
		{"title and text", titled("ETHZ", "new ranking"), true},
		{"both in text", txt("ETHZ ranking"), false},
	}},

	// author:
	{"author:epfl", []semPost{
		{"plain", byAuthor("epfl"), true},
		{"leading at", byAuthor("@EPFL"), true},
		{"upper case", byAuthor("EPFL"), true},
		{"with host", byAuthor("@epfl@mastodon.social"), true},
		{"with host, no at", byAuthor("epfl@mastodon.social"), true},
		{"other handle", byAuthor("epfl_en"), false},
		{"bluesky handle", byAuthor("epfl.bsky.social"), false},
		{"no author", byAuthor(""), false},
		{"name only", vigie.Post{ID: "p", Source: "rss", Text: "x", Author: vigie.Author{Name: "epfl"}}, false},
	}},
	{"author:@EPFL", []semPost{{"leading at in query", byAuthor("epfl"), true}}},
	{"author:epfl@mastodon.social", []semPost{
		{"same", byAuthor("@epfl@mastodon.social"), true},
		{"other host", byAuthor("@epfl@sigmoid.social"), false},
		{"no host", byAuthor("@epfl"), false},
	}},
	{"author:epfl news", []semPost{
		{"author and word", byAuthorText("epfl", "news"), true},
		{"word only", byAuthorText("ethz", "news"), false},
	}},

	// site:
	{"site:epfl.ch", []semPost{
		{"host", txt("see https://epfl.ch/x"), true},
		{"subdomain", txt("see https://news.epfl.ch/x"), true},
		{"www", txt("see www.epfl.ch"), true},
		{"upper case", txt("HTTPS://NEWS.EPFL.CH/X"), true},
		{"port and userinfo", txt("https://me@epfl.ch:8443/x"), true},
		{"post url", atURL("https://www.epfl.ch/en/", "x"), true},
		{"post links", vigie.Post{ID: "p", Source: "rss", Text: "x", Links: []string{"https://go.epfl.ch/a"}}, true},
		{"html link", txt(`<a href="https://actu.epfl.ch/n">news</a>`), true},
		{"other tld", txt("see https://epfl.com/x"), false},
		{"longer name", txt("see https://notepfl.ch/b"), false},
		{"as subdomain", txt("see https://epfl.ch.evil.com/"), false},
		{"in the path", txt("see https://x.com/epfl.ch"), false},
		{"written without scheme or www", txt("see epfl.ch"), false},
	}},
	{"site:news.epfl.ch", []semPost{
		{"parent domain", txt("https://epfl.ch"), false},
		{"sub-subdomain", txt("https://a.news.epfl.ch"), true},
	}},
	{"site:https://www.epfl.ch/research", []semPost{
		{"host of a url", atURL("https://www.epfl.ch/", "x"), true},
		{"parent domain", atURL("https://epfl.ch/", "x"), false},
	}},

	// url:
	{"url:/RESEARCH/", []semPost{
		{"post url", atURL("https://www.epfl.ch/research/labs", "x"), true},
		{"link in text", txt("see https://epfl.ch/Research/x"), true},
		{"other path", atURL("https://www.epfl.ch/labs", "x"), false},
		{"text only", txt("/research/"), false},
	}},
	{"url:utm_source=x", []semPost{
		{"query string", atURL("http://ETHZ.ch/News?utm_source=x", "x"), true},
	}},

	// Filters.
	{"epfl lang:fr", []semPost{
		{"fr", inLang("fr", "EPFL"), true},
		{"upper case", inLang("FR", "EPFL"), true},
		{"en", inLang("en", "EPFL announces"), false},
		{"unknown", txt("EPFL"), false},
	}},
	{"epfl lang:(fr OR de)", []semPost{
		{"de", inLang("de", "EPFL"), true},
		{"fr", inLang("fr", "EPFL"), true},
		{"en", inLang("en", "EPFL"), false},
	}},
	{"epfl country:ch", []semPost{
		{"ch", vigie.Post{ID: "p", Source: "rss", Text: "EPFL", Country: "CH"}, true},
		{"fr", vigie.Post{ID: "p", Source: "rss", Text: "EPFL", Country: "fr"}, false},
		{"unknown", txt("EPFL"), false},
	}},
	{"epfl source:mastodon", []semPost{
		{"mastodon", vigie.Post{ID: "p", Source: "mastodon", Text: "EPFL"}, true},
		{"upper case", vigie.Post{ID: "p", Source: "Mastodon", Text: "EPFL"}, true},
		{"rss", txt("EPFL"), false},
	}},
	{"epfl -lang:en", []semPost{
		{"unknown language", txt("EPFL"), true},
		{"en", inLang("en", "EPFL"), false},
	}},

	// NOT and -.
	{"epfl NOT ethz", []semPost{
		{"excluded", txt("EPFL vs ETHZ"), false},
		{"kept", txt("EPFL"), true},
	}},
	{`epfl -"eth zurich"`, []semPost{
		{"phrase excluded", txt("EPFL and ETH Zurich"), false},
		{"words apart kept", txt("EPFL, ETH and Zurich"), true},
	}},
	{"epfl -(spam OR promo)", []semPost{
		{"kept", txt("EPFL news"), true},
		{"excluded", txt("EPFL promo"), false},
	}},
	{"NOT spam epfl", []semPost{{"excluded", txt("EPFL spam"), false}}},
	{"epfl -#spam", []semPost{
		{"hashtag excluded", txt("EPFL #spam"), false},
		{"word kept", txt("EPFL spam"), true},
	}},
	{"epfl -site:epfl.ch", []semPost{
		{"own site excluded", txt("EPFL https://news.epfl.ch"), false},
		{"other site kept", txt("EPFL https://x.ch"), true},
	}},
	{"(epfl OR unil) NOT (job OR jobs)", []semPost{
		{"kept", txt("UNIL conference"), true},
		{"excluded", txt("EPFL jobs"), false},
	}},
	{"epfl -title:ad", []semPost{
		{"word in text kept", titled("News", "EPFL ad"), true},
		{"word in title excluded", titled("Ad", "EPFL"), false},
	}},

	// Scripts without spaces.
	{"東京", []semPost{
		{"contiguous", txt("東京大学"), true},
		{"separated by a space", txt("東 京"), true},
		{"not contiguous", txt("私は東に京"), false},
		{"reversed", txt("京東"), false},
	}},
	{"大学", []semPost{{"inside a sentence", txt("東京大学で"), true}}},
	{"ประเทศ", []semPost{{"thai", txt("ประเทศไทย"), true}}},
}

func byAuthorText(handle, s string) vigie.Post {
	p := byAuthor(handle)
	p.Text = s
	return p
}

// background are monitors unrelated to the cases, many sharing their keys, so
// that a case's monitor is found among others.
var background = []string{
	"epfl jobs", "ethz NOT epfl", "ranking lang:de", `"epfl news" -spam`, "innovate*", "innovation* lang:en",
	"inno* day", "wom?n* science", "#epflnews", "#EPFL_news OR #ethz", "@epfl_en", "@ethz@sigmoid.social",
	"author:ethz", "author:epfl news", "site:epfl.com", "site:news.epfl.ch ranking", "url:/labs", "url:utm_",
	"{APPLE}", "apple -pie", `"apple pay" OR applepay`, "nestle lang:fr", "cafe OR coffee", "zurich NEAR/2 eth",
	"(unil OR epfl) NEAR/5f conference", `"the end"`, "the who", "title:news", "title:(epfl ranking)", "東 OR 京",
	"東京大", "robotique", "robot* -toy", "lab NEAR/1 epfl", "classement NOT ethz", "source:reddit epfl",
	"country:fr epfl", "epfl lang:(it OR es)", "node NEAR/1 js", "alice OR bob", "@alice", "script",
	"see NEAR/3 more", "spam OR promo", "job*", "ca?e*", "ecole polytechnique", "l'ecole", "www", "https",
}

func parseQuery(tb testing.TB, q string) *query.Query {
	tb.Helper()
	p, err := query.Parse(q)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", q, err)
	}
	return p
}

// TestSemantics checks each case through the exact verifier and through the
// percolator, alone and among unrelated monitors.
func TestSemantics(t *testing.T) {
	bg := make([]*query.Query, len(background))
	for i, q := range background {
		bg[i] = parseQuery(t, q)
	}
	for _, g := range semantics {
		q := parseQuery(t, g.query)
		for _, c := range g.posts {
			t.Run(g.query+"/"+c.name, func(t *testing.T) {
				p := c.post
				d := text.Analyze(&p)
				if got := Eval(q.Root, d); got != c.want {
					t.Fatalf("Eval(%s) on %+v = %v, want %v", q.Root, p, got, c.want)
				}

				alone := NewIndex()
				if err := alone.Add("target", q); err != nil {
					t.Fatal(err)
				}
				if got := slices.Contains(NewMatcher(alone).Match(&p), "target"); got != c.want {
					t.Errorf("percolator with this monitor alone: match = %v, want %v", got, c.want)
				}

				// Among the background, half added before and half after.
				ix := NewIndex()
				var want []string
				for i, bq := range bg {
					if i == len(bg)/2 {
						if err := ix.Add("target", q); err != nil {
							t.Fatal(err)
						}
						if c.want {
							want = append(want, "target")
						}
					}
					id := fmt.Sprintf("bg%02d", i)
					if err := ix.Add(id, bq); err != nil {
						t.Fatal(err)
					}
					if Eval(bq.Root, d) {
						want = append(want, id)
					}
				}
				if got := NewMatcher(ix).Match(&p); !slices.Equal(got, want) {
					t.Errorf("percolator among %d monitors = %v, want %v", ix.Len(), got, want)
				}
			})
		}
	}
}

// TestOrderIndependence adds every monitor of the tests in several orders and
// checks that each post matches the same monitors, reported in the order they
// were added.
func TestOrderIndependence(t *testing.T) {
	var queries []string
	var posts []vigie.Post
	for _, g := range semantics {
		queries = append(queries, g.query)
		for _, c := range g.posts {
			posts = append(posts, c.post)
		}
	}
	queries = append(queries, background...)
	parsed := make([]*query.Query, len(queries))
	for i, q := range queries {
		parsed[i] = parseQuery(t, q)
	}
	// The naive answer: every monitor evaluated on every post.
	want := make([][]int, len(posts))
	for j := range posts {
		d := text.Analyze(&posts[j])
		for i, q := range parsed {
			if Eval(q.Root, d) {
				want[j] = append(want[j], i)
			}
		}
	}

	forward := make([]int, len(queries))
	for i := range forward {
		forward[i] = i
	}
	reverse := slices.Clone(forward)
	slices.Reverse(reverse)
	orders := map[string][]int{"forward": forward, "reverse": reverse}
	for s := uint64(1); s <= 3; s++ {
		o := slices.Clone(forward)
		r := rand.New(rand.NewPCG(s, 2026))
		r.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		orders[fmt.Sprintf("shuffle%d", s)] = o
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			ix := NewIndex()
			rank := make(map[string]int) // id → place in the order of addition
			for k, i := range order {
				id := fmt.Sprintf("q%03d", i)
				if err := ix.Add(id, parsed[i]); err != nil {
					t.Fatal(err)
				}
				rank[id] = k
			}
			m := NewMatcher(ix)
			for j := range posts {
				got := m.Match(&posts[j])
				if !slices.IsSortedFunc(got, func(a, b string) int { return rank[a] - rank[b] }) {
					t.Errorf("post %q: %v not in the order monitors were added", posts[j].Text, got)
				}
				var ids []int
				for _, id := range got {
					var i int
					fmt.Sscanf(id, "q%03d", &i)
					ids = append(ids, i)
				}
				slices.Sort(ids)
				if !slices.Equal(ids, want[j]) {
					t.Errorf("post %q (title %q): matched %v, want %v", posts[j].Text, posts[j].Title, ids, want[j])
				}
			}
		})
	}
}

// TestReplaceAndRemove checks that changes to the index take effect at once,
// including for a Matcher created before them, and that monitors sharing keys
// are not disturbed by each other's removal.
func TestReplaceAndRemove(t *testing.T) {
	ix := NewIndex()
	m := NewMatcher(ix) // created before any monitor
	epfl := txt("EPFL innovation #news https://news.epfl.ch/x")
	ethz := txt("ETHZ innovative robotics")
	match := func(p vigie.Post) []string {
		return slices.Clone(m.Match(&p))
	}
	steps := []struct {
		name     string
		do       func(t *testing.T)
		epfl     []string
		ethz     []string
		monitors int
	}{
		{"empty", func(t *testing.T) {}, nil, nil, 0},
		{"add", func(t *testing.T) {
			mustAdd(t, ix, "a", "epfl")
			mustAdd(t, ix, "b", "innov*")
			mustAdd(t, ix, "c", "innov* NOT robotics")
		}, []string{"a", "b", "c"}, []string{"b"}, 3},
		{"replace keeps the place", func(t *testing.T) { mustAdd(t, ix, "a", "ethz") },
			[]string{"b", "c"}, []string{"a", "b"}, 3},
		{"remove one of two sharing a prefix", func(t *testing.T) {
			if !ix.Remove("c") {
				t.Fatal("Remove(c) = false")
			}
		}, []string{"b"}, []string{"a", "b"}, 2},
		{"remove missing", func(t *testing.T) {
			if ix.Remove("c") {
				t.Fatal("Remove(c) twice = true")
			}
		}, []string{"b"}, []string{"a", "b"}, 2},
		{"add back goes last", func(t *testing.T) { mustAdd(t, ix, "c", "innov* NOT robotics") },
			[]string{"b", "c"}, []string{"a", "b"}, 3},
		{"replace with other kinds of keys", func(t *testing.T) { mustAdd(t, ix, "b", "#news site:epfl.ch") },
			[]string{"b", "c"}, []string{"a"}, 3},
		{"replace with an unanchored query", func(t *testing.T) { mustAdd(t, ix, "a", `url:"/x"`) },
			[]string{"a", "b", "c"}, nil, 3},
		{"remove all", func(t *testing.T) {
			for _, id := range []string{"a", "b", "c"} {
				if !ix.Remove(id) {
					t.Fatalf("Remove(%s) = false", id)
				}
			}
		}, nil, nil, 0},
		{"add again after removal", func(t *testing.T) {
			mustAdd(t, ix, "c", "innov*")
			mustAdd(t, ix, "a", "epfl OR ethz")
		}, []string{"c", "a"}, []string{"c", "a"}, 2},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do(t)
			if got := match(epfl); !slices.Equal(got, s.epfl) {
				t.Errorf("epfl post matches %v, want %v", got, s.epfl)
			}
			if got := match(ethz); !slices.Equal(got, s.ethz) {
				t.Errorf("ethz post matches %v, want %v", got, s.ethz)
			}
			if got := ix.Len(); got != s.monitors {
				t.Errorf("Len() = %d, want %d", got, s.monitors)
			}
		})
	}
}

func mustAdd(tb testing.TB, ix *Index, id, q string) {
	tb.Helper()
	if err := ix.Add(id, parseQuery(tb, q)); err != nil {
		tb.Fatal(err)
	}
}

// TestPrefixAddedAfterWordSeen: a matcher remembers the words that start
// no prefix key; a prefix key added later, or a pattern replaced, must
// still be found in them.
func TestPrefixAddedAfterWordSeen(t *testing.T) {
	ix := NewIndex()
	m := NewMatcher(ix)
	mustAdd(t, ix, "robots", "robot*")
	post := txt("innovation in Lausanne")
	match := func() []string {
		p := post
		return slices.Clone(m.Match(&p))
	}
	if got := match(); len(got) != 0 {
		t.Fatalf("matches %v before any monitor could", got)
	}
	mustAdd(t, ix, "innov", "innov*")
	if got := match(); !slices.Equal(got, []string{"innov"}) {
		t.Fatalf("after innov* was added: %v", got)
	}
	mustAdd(t, ix, "innov", "inno*ion")
	mustAdd(t, ix, "lau", "laus*")
	if got := match(); !slices.Equal(got, []string{"innov", "lau"}) {
		t.Fatalf("after the patterns changed: %v", got)
	}
	if !ix.Remove("lau") {
		t.Fatal("Remove(lau) = false")
	}
	mustAdd(t, ix, "innov", "innox*")
	if got := match(); len(got) != 0 {
		t.Fatalf("after the patterns were removed or changed: %v", got)
	}
}

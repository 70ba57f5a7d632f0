package rss

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

var fetchTime = time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		file  string
		title string
		posts []vigie.Post
	}{
		{
			file:  "rss2.xml",
			title: "Actualités du Campus",
			posts: []vigie.Post{
				{
					ID: "rss:https://news.example.org/?p=1234", Source: "rss",
					URL:         "https://news.example.org/2026/11/labo-robotique/",
					PublishedAt: date("2026-11-20T09:04:05Z"),
					Author:      vigie.Author{Handle: "Marie Dupont", Name: "Marie Dupont"},
					Title:       "Nouveau laboratoire & robotique",
					Text:        "<p>L'université inaugure un <strong>laboratoire</strong> de robotique.</p>",
					Lang:        "fr",
					Links:       []string{"https://news.example.org/2026/11/labo-robotique/"},
				},
				{
					// A relative link, resolved against the channel's link;
					// an RSS author "email (Name)"; an enclosure.
					ID: "rss:https://news.example.org/2026/11/podcast-rentree/", Source: "rss",
					URL:         "https://news.example.org/2026/11/podcast-rentree/",
					PublishedAt: date("2026-11-19T08:00:00Z"),
					Author:      vigie.Author{Handle: "podcast@example.org", Name: "Jean Martin"},
					Title:       "Podcast : la rentrée",
					Text:        "Écoutez l'épisode de la rentrée.",
					Lang:        "fr",
					Links:       []string{"https://news.example.org/2026/11/podcast-rentree/", "https://cdn.example.org/podcast/rentree.mp3"},
				},
				{
					// No guid, no link, no date: a hash id, the fetch time,
					// the feed as author.
					ID: "rss:" + hash("Un article sans lien ni date\x00"), Source: "rss",
					PublishedAt: fetchTime,
					Author:      vigie.Author{Name: "Actualités du Campus", URL: "https://news.example.org/"},
					Title:       "Un article sans lien ni date",
					Text:        "Texte seul.",
					Lang:        "fr",
				},
				{
					ID: "rss:brève-42", Source: "rss",
					PublishedAt: fetchTime,
					Author:      vigie.Author{Name: "Actualités du Campus", URL: "https://news.example.org/"},
					Text:        "Une brève sans titre.",
					Lang:        "fr",
				},
				// The last item has neither title nor text: skipped.
			},
		},
		{
			file:  "atom.xml",
			title: "Example Research Blog",
			posts: []vigie.Post{
				{
					ID: "rss:tag:blog.example.com,2026:post-7", Source: "rss",
					URL:         "https://blog.example.com/2026/11/glaciers",
					PublishedAt: date("2026-11-19T13:30:00Z"),
					Author:      vigie.Author{Handle: "ada@example.com", Name: "Ada Researcher", URL: "https://blog.example.com/people/ada"},
					Title:       "Measuring glaciers from space",
					Text:        "<p>Satellites now measure <em>glaciers</em> to the centimetre.</p>",
					Lang:        "en",
					Links:       []string{"https://blog.example.com/2026/11/glaciers", "https://blog.example.com/img/glacier.jpg"},
				},
				{
					// Updated only; summary only; the feed's author.
					ID: "rss:tag:blog.example.com,2026:post-6", Source: "rss",
					URL:         "https://blog.example.com/2026/11/updated",
					PublishedAt: date("2026-11-18T12:00:00Z"),
					Author:      vigie.Author{Handle: "The Lab", Name: "The Lab", URL: "https://blog.example.com/about"},
					Title:       "Only updated",
					Text:        "Summary only, no content.",
					Lang:        "en",
					Links:       []string{"https://blog.example.com/2026/11/updated"},
				},
			},
		},
		{
			file:  "rdf.xml", // RSS 1.0, in ISO-8859-1
			title: "Preprints in Ecology",
			posts: []vigie.Post{
				{
					ID: "rss:https://preprints.example.net/content/1", Source: "rss",
					URL:         "https://preprints.example.net/content/1",
					PublishedAt: date("2026-11-18T08:00:00Z"),
					Author:      vigie.Author{Handle: "Müller, K.; Schmidt, L.", Name: "Müller, K.; Schmidt, L."},
					Title:       "Bäume in der Stadt",
					Text:        "Eine Studie über Stadtbäume.",
					Lang:        "de",
					Links:       []string{"https://preprints.example.net/content/1"},
				},
				{
					ID: "rss:https://preprints.example.net/content/2", Source: "rss",
					URL:         "https://preprints.example.net/content/2",
					PublishedAt: date("2026-11-17T00:00:00Z"),
					Author:      vigie.Author{Name: "Preprints in Ecology", URL: "https://preprints.example.net/"},
					Title:       "Bienen und Blumen",
					Text:        "Bestäubung im Wandel.",
					Lang:        "de",
					Links:       []string{"https://preprints.example.net/content/2"},
				},
			},
		},
		{
			file:  "feed.json",
			title: "Microblog of the Library",
			posts: []vigie.Post{
				{
					ID: "rss:2026-11-20-open-late", Source: "rss",
					URL:         "https://library.example.edu/posts/open-late",
					PublishedAt: date("2026-11-20T09:04:05Z"),
					Author:      vigie.Author{Handle: "Lucía", Name: "Lucía", URL: "https://library.example.edu/people/lucia"},
					Title:       "Abierto hasta tarde",
					Text:        "<p>La biblioteca abre hasta las 23h durante los exámenes.</p>",
					Lang:        "es",
					Links:       []string{"https://library.example.edu/posts/open-late", "https://library.example.edu/horario.pdf"},
				},
				{
					ID: "rss:2026-11-19-note", Source: "rss",
					PublishedAt: date("2026-11-19T09:00:00Z"),
					Author:      vigie.Author{Handle: "Library Team", Name: "Library Team", URL: "https://library.example.edu/team"},
					Text:        "Una nota sin título.",
					Lang:        "es",
				},
			},
		},
		{
			file:  "rss091.xml",
			title: "Old School Weblog",
			posts: []vigie.Post{
				{
					ID: "rss:http://oldschool.example.com/1999/hello.html", Source: "rss",
					URL:         "http://oldschool.example.com/1999/hello.html",
					PublishedAt: fetchTime,
					Author:      vigie.Author{Name: "Old School Weblog", URL: "http://oldschool.example.com/"},
					Title:       "Hello, world",
					Text:        "My first post.",
					Lang:        "en",
					Links:       []string{"http://oldschool.example.com/1999/hello.html"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := Parse(readTestdata(t, tt.file), fetchTime)
			if err != nil {
				t.Fatal(err)
			}
			if res.FeedTitle != tt.title {
				t.Errorf("FeedTitle = %q, want %q", res.FeedTitle, tt.title)
			}
			if len(res.Posts) != len(tt.posts) {
				t.Fatalf("%d posts, want %d: %+v", len(res.Posts), len(tt.posts), res.Posts)
			}
			for i, got := range res.Posts {
				if !reflect.DeepEqual(got, tt.posts[i]) {
					t.Errorf("post %d:\n got %+v\nwant %+v", i, got, tt.posts[i])
				}
				if err := got.Validate(); err != nil {
					t.Errorf("post %d: %v", i, err)
				}
			}
		})
	}
}

// TestParseIDsStable: the ids of a feed do not depend on when it is fetched.
func TestParseIDsStable(t *testing.T) {
	for _, file := range []string{"rss2.xml", "atom.xml", "rdf.xml", "feed.json", "rss091.xml"} {
		data := readTestdata(t, file)
		a, err := Parse(data, fetchTime)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Parse(data, fetchTime.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.Posts {
			if a.Posts[i].ID != b.Posts[i].ID {
				t.Errorf("%s: post %d id %q then %q", file, i, a.Posts[i].ID, b.Posts[i].ID)
			}
		}
	}
}

func TestParseItemIDs(t *testing.T) {
	const head = `<rss version="2.0"><channel><title>T</title><link>https://example.com/</link>`
	tests := []struct {
		name, item, want string
	}{
		{"guid", `<guid>abc-1</guid><link>https://example.com/1</link><title>x</title>`, "rss:abc-1"},
		{"guid trimmed", `<guid>  abc-1 </guid><title>x</title>`, "rss:abc-1"},
		{"link", `<link>https://example.com/1</link><title>x</title>`, "rss:https://example.com/1"},
		{"hash of title and date", `<title>x</title><pubDate>Fri, 20 Nov 2026 10:04:05 GMT</pubDate>`, "rss:" + hash("x\x00Fri, 20 Nov 2026 10:04:05 GMT")},
		{"long guid hashed", `<guid>` + strings.Repeat("g", 600) + `</guid><title>x</title>`, "rss:" + hash(strings.Repeat("g", 600))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(head+"<item>"+tt.item+"</item></channel></rss>"), fetchTime)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) != 1 || res.Posts[0].ID != tt.want {
				t.Fatalf("posts %+v, want one with id %q", res.Posts, tt.want)
			}
		})
	}
}

func TestParseDuplicateItems(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>T</title>
<item><guid>same</guid><title>first</title></item>
<item><guid>same</guid><title>second</title></item>
</channel></rss>`
	res, err := Parse([]byte(doc), fetchTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 1 || res.Posts[0].Title != "first" {
		t.Fatalf("posts %+v, want the first of the two items with one guid", res.Posts)
	}
}

func TestParseDropsNonWebLinks(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>T</title>
<item><title>x</title><link>javascript:alert(1)</link><enclosure url="file:///etc/passwd" type="text/plain"/></item>
</channel></rss>`
	res, err := Parse([]byte(doc), fetchTime)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Posts[0]; p.URL != "" || len(p.Links) != 0 {
		t.Fatalf("post %+v kept a non-web link", p)
	}
}

func TestParseNotFeed(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "empty answer"},
		{"blank", " \n\t ", "empty answer"},
		{"html page", string(readTestdata(t, "page.html")), "web page"},
		{"html without doctype", "<html><body>hi</body></html>", "web page"},
		{"opml", string(readTestdata(t, "subscriptions.opml")), "OPML"},
		{"plain text", "Service Unavailable", `starts with "Service Unavailable"`},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "starts with"},
		{"other xml", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`, "starts with"},
		{"json not a feed", `{"hello": "world"}`, "not a JSON Feed"},
		{"json array", `[1, 2, 3]`, "starts with"},
		{"broken json", `{"version": "https://jsonfeed.org/version/1", "items": [`, "broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), fetchTime)
			if !errors.Is(err, ErrNotFeed) {
				t.Fatalf("error %v, want ErrNotFeed", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "not an RSS, Atom or JSON feed: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q, want it to say %q", msg, tt.want)
			}
		})
	}
}

func TestFeedLang(t *testing.T) {
	tests := map[string]string{
		"en-us": "en", "fr-CH": "fr", "fr_FR": "fr", "DE": "de", "it": "it",
		" es ": "es", "": "", "x": "", "1a": "", "-en": "",
	}
	for in, want := range tests {
		if got := feedLang(in); got != want {
			t.Errorf("feedLang(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseRepairs: what real feeds get wrong and the parser reads anyway.
func TestParseRepairs(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want vigie.Post
	}{
		{
			"json feed: number id, string tags, string author, null item",
			`{"version":"https://jsonfeed.org/version/1","title":"J","items":[null,
			  {"id":42,"content_text":"hi","tags":"a,b","author":"Jane","date_published":"2026-11-20T10:00:00Z",
			   "attachments":{"url":"https://x.example/a.mp3","size_in_bytes":"12"}}]}`,
			vigie.Post{ID: "rss:42", Source: "rss", PublishedAt: date("2026-11-20T10:00:00Z"),
				Author: vigie.Author{Handle: "Jane", Name: "Jane"}, Text: "hi", Links: []string{"https://x.example/a.mp3"}},
		},
		{
			"rss with bytes that are not UTF-8",
			"<rss version=\"2.0\"><channel><title>T</title><item><guid>1</guid><title>caf\xe9</title></item></channel></rss>",
			vigie.Post{ID: "rss:1", Source: "rss", PublishedAt: fetchTime, Title: "caf\uFFFD", Author: vigie.Author{Name: "T"}},
		},
		{
			"rss cut before its end tags",
			"<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>T</title>\n<item><guid>1</guid><title>first</title><dc:creator>Ann</dc:creator></item>\n",
			vigie.Post{ID: "rss:1", Source: "rss", PublishedAt: fetchTime, Title: "first", Author: vigie.Author{Handle: "Ann", Name: "Ann"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.doc), fetchTime)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) != 1 || !reflect.DeepEqual(res.Posts[0], tt.want) {
				t.Fatalf("posts %+v\nwant [%+v]", res.Posts, tt.want)
			}
		})
	}
}

func TestQualifyIDs(t *testing.T) {
	posts := []vigie.Post{{ID: "rss:42"}, {ID: "rss:https://a.example/x"}, {ID: "rss:" + hash("t")}}
	qualifyIDs(posts, "News.Example:8080")
	want := []string{"rss:news.example:8080/42", "rss:https://a.example/x", "rss:news.example:8080/" + hash("t")}
	for i, p := range posts {
		if p.ID != want[i] {
			t.Errorf("post %d: id %q, want %q", i, p.ID, want[i])
		}
	}
}

package mastodon

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

func TestRegistered(t *testing.T) {
	k, ok := connector.Lookup(vigie.SourceMastodon)
	if !ok || k.Poll == nil || k.Stream == nil || k.Streams == nil || k.Check == nil || k.Interval != 2*time.Minute {
		t.Fatalf("mastodon kind: %+v, %v", k, ok)
	}
	polled := &vigie.Source{Settings: map[string]string{"tags": "epfl"}}
	streamed := &vigie.Source{Settings: map[string]string{"token": "t0k", "stream": "public"}}
	if k.Streams(polled) || !k.Streams(streamed) {
		t.Error("Streams: a source streams when it has a token and a stream")
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		settings map[string]string
		wantURL  string
		want     map[string]string
		wantErr  string
	}{
		{"tags normalised", "https://Mastodon.Social/", map[string]string{"tags": "#EPFL, ethz  #epfl,,"},
			"https://mastodon.social", map[string]string{"tags": "epfl,ethz"}, ""},
		{"bare host", "mastodon.social", map[string]string{"tags": "épfl"}, "https://mastodon.social", map[string]string{"tags": "épfl"}, ""},
		{"stream public", "https://social.example", map[string]string{"token": " abc ", "stream": " Public "},
			"https://social.example", map[string]string{"token": "abc", "stream": "public"}, ""},
		{"stream hashtag", "https://social.example", map[string]string{"token": "abc", "stream": "hashtag", "tags": "a b"},
			"https://social.example", map[string]string{"token": "abc", "stream": "hashtag", "tags": "a,b"}, ""},
		{"loopback http", "http://127.0.0.1:8080", map[string]string{"tags": "x"}, "http://127.0.0.1:8080", map[string]string{"tags": "x"}, ""},
		{"no address", "", map[string]string{"tags": "x"}, "", nil, "needs its instance's address"},
		{"http elsewhere", "http://mastodon.social", map[string]string{"tags": "x"}, "", nil, "over https"},
		{"a page", "https://mastodon.social/tags/epfl", map[string]string{"tags": "x"}, "", nil, "give its address only"},
		{"a query", "https://mastodon.social/?x=1", nil, "", nil, "give its address only"},
		{"user in address", "https://me:pw@mastodon.social", nil, "", nil, "user name or password"},
		{"bad stream", "https://mastodon.social", map[string]string{"token": "s3cr3t-t0k", "stream": "user"}, "", nil, "public:local"},
		{"token without stream", "https://mastodon.social", map[string]string{"token": "s3cr3t-t0k", "tags": "x"}, "", nil, "set stream"},
		{"stream without token", "https://mastodon.social", map[string]string{"stream": "public"}, "", nil, "needs a user access token"},
		{"hashtag without tags", "https://mastodon.social", map[string]string{"token": "s3cr3t-t0k", "stream": "hashtag"}, "", nil, "needs the tags"},
		{"bad tag", "https://mastodon.social", map[string]string{"tags": "epfl, c++"}, "", nil, `"c++" is not a hashtag`},
		{"digits tag", "https://mastodon.social", map[string]string{"tags": "2026"}, "", nil, "only digits"},
		{"too many tags", "https://mastodon.social", map[string]string{"tags": "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20 a21"}, "", nil, "at most 20"},
		{"token with a space", "https://mastodon.social", map[string]string{"token": "s3cr3t t0k", "stream": "public"}, "", nil, "spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &vigie.Source{Kind: vigie.SourceMastodon, URL: tt.url, Settings: tt.settings}
			err := Check(src)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Check = %v, want an invalid error saying %q", err, tt.wantErr)
				}
				if tok := tt.settings["token"]; tok != "" && strings.Contains(err.Error(), tok) {
					t.Errorf("the error quotes the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.URL != tt.wantURL {
				t.Errorf("URL = %q, want %q", src.URL, tt.wantURL)
			}
			for k, v := range tt.want {
				if src.Settings[k] != v {
					t.Errorf("settings[%s] = %q, want %q", k, src.Settings[k], v)
				}
			}
		})
	}
}

// readStatuses reads testdata/statuses.json: a local status, a remote
// edited reply with a content warning, a reblog, a private status.
func readStatuses(t testing.TB) []*status {
	t.Helper()
	data, err := os.ReadFile("testdata/statuses.json")
	if err != nil {
		t.Fatal(err)
	}
	sts, _, bad, err := decodeStatuses(data)
	if err != nil || bad != 0 || len(sts) != 4 {
		t.Fatalf("decoding the fixture: %d statuses, %d bad, %v", len(sts), bad, err)
	}
	return sts
}

func TestPostMapping(t *testing.T) {
	sts := readStatuses(t)
	m := &mapper{host: "social.example", replyURI: func(id string) string {
		if id == "113500000000000001" {
			return "https://social.example/users/labo_climat/statuses/113500000000000001"
		}
		return ""
	}}

	p, ok := m.post(sts[0])
	if !ok {
		t.Fatal("the public status was skipped")
	}
	want := vigie.Post{
		ID:          "https://social.example/users/labo_climat/statuses/113500000000000001",
		Source:      "mastodon",
		URL:         "https://social.example/@labo_climat/113500000000000001",
		PublishedAt: time.Date(2026, 11, 20, 10, 4, 5, 123e6, time.UTC),
		Author: vigie.Author{ID: "https://social.example/@labo_climat", Handle: "@labo_climat@social.example",
			Name: "Laboratoire du climat", Followers: 1234, URL: "https://social.example/@labo_climat"},
		Text:    "Nouvelle étude du @epfl sur les glaciers & le climat : https://actu.uni.example/news/glaciers-2026\n\n#epfl #climat",
		Lang:    "fr",
		Links:   []string{"https://actu.uni.example/news/glaciers-2026"},
		Metrics: vigie.Metrics{Replies: 3, Reposts: 7, Likes: 12},
	}
	if !equalPost(p, want) {
		t.Errorf("post:\n got %+v\nwant %+v", p, want)
	}

	p, ok = m.post(sts[1])
	if !ok {
		t.Fatal("the unlisted status was skipped")
	}
	if p.ID != "https://wisskomm.example/users/hanna/statuses/113499999999000777" || p.Author.Handle != "@hanna@wisskomm.example" ||
		p.Author.ID != "https://wisskomm.example/@hanna" || p.Lang != "de" {
		t.Errorf("remote status: %+v", p)
	}
	if p.Text != "Hochschulpolitik\n\nBefristete Verträge an der #ETHZ: wer bleibt, wer geht?" {
		t.Errorf("content warning then text: %q", p.Text)
	}
	if p.ReplyTo != "https://social.example/users/labo_climat/statuses/113500000000000001" {
		t.Errorf("ReplyTo = %q: the local id of the status replied to maps to its URI", p.ReplyTo)
	}

	p, ok = m.post(sts[2])
	if !ok || p.ID != "https://uni.example/users/epfl/statuses/113499000000000123" || p.Author.Handle != "@epfl@uni.example" ||
		!strings.HasPrefix(p.Text, "Open day on 5 December") || p.Metrics.Reposts != 25 || p.Lang != "en" {
		t.Errorf("a reblog is the reblogged status: %+v %v", p, ok)
	}
	if _, ok := m.post(sts[3]); ok {
		t.Error("a private status was kept")
	}

	// A picture without text: its description is the text.
	s := *sts[1]
	s.Content, s.SpoilerText = "", ""
	if p, ok := m.post(&s); !ok || p.Text != "Ein Diagramm der Vertragslaufzeiten" {
		t.Errorf("media only: %q %v", p.Text, ok)
	}
	s.MediaAttachments = nil
	if _, ok := m.post(&s); ok {
		t.Error("a status with nothing to read was kept")
	}
	// No uri: the url is the id; neither: skipped.
	s = *sts[0]
	s.URI = ""
	if p, ok := m.post(&s); !ok || p.ID != s.URL {
		t.Errorf("no uri: %q", p.ID)
	}
	s.URL = ""
	if _, ok := m.post(&s); ok {
		t.Error("a status without uri or url was kept")
	}
}

func equalPost(a, b vigie.Post) bool {
	return a.ID == b.ID && a.Source == b.Source && a.URL == b.URL && a.PublishedAt.Equal(b.PublishedAt) &&
		a.Author == b.Author && a.Title == b.Title && a.Text == b.Text && a.Lang == b.Lang &&
		slices.Equal(a.Links, b.Links) && a.ReplyTo == b.ReplyTo && a.RepostOf == b.RepostOf && a.Metrics == b.Metrics
}

func TestCountTolerant(t *testing.T) {
	var v struct {
		A, B, C, D, E count
	}
	if err := json.Unmarshal([]byte(`{"A":5,"B":"7","C":null,"D":-1,"E":2.0}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 5 || v.B != 7 || v.C != 0 || v.D != 0 || v.E != 2 {
		t.Errorf("counts: %+v", v)
	}
}

func TestCompareIDs(t *testing.T) {
	if compareIDs("99", "100") >= 0 || compareIDs("113500000000000002", "113500000000000001") <= 0 ||
		compareIDs("01HZX", "01HZY") >= 0 || compareIDs("5", "5") != 0 {
		t.Error("ids compare as numbers (Mastodon) or as written (ULIDs, flake ids)")
	}
	link := `<https://social.example/api/v1/timelines/tag/epfl?limit=40&max_id=113500000000000041>; rel="next", <https://social.example/api/v1/timelines/tag/epfl?limit=40&min_id=113500000000000080>; rel="prev"`
	if got := nextMaxID(link); got != "113500000000000041" {
		t.Errorf("nextMaxID = %q", got)
	}
	if got := nextMaxID(`<https://x/?min_id=5>; rel="prev"`); got != "" {
		t.Errorf("no next: %q", got)
	}
}

package bluesky

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestFacets(t *testing.T) {
	text := "Été 👩‍🎓 https://epfl.ch/a?b=1. avec @alice.bsky.social, (https://x.example/p) #Rentrée #2026 #ok! @notahandle mail@b.example"
	got := Facets(text)
	type f struct {
		span, kind, value string
	}
	var spans []f
	for _, fc := range got {
		ft := fc.Features[0]
		spans = append(spans, f{text[fc.Index.ByteStart:fc.Index.ByteEnd], ft.Type, ft.URI + ft.Handle + ft.Tag})
	}
	want := []f{
		{"https://epfl.ch/a?b=1", FacetLink, "https://epfl.ch/a?b=1"},
		{"@alice.bsky.social", FacetMention, "alice.bsky.social"},
		{"https://x.example/p", FacetLink, "https://x.example/p"},
		{"#Rentrée", FacetTag, "Rentrée"},
		{"#ok", FacetTag, "ok"},
	}
	if !reflect.DeepEqual(spans, want) {
		t.Errorf("facets\n got %q\nwant %q", spans, want)
	}
	// Byte offsets: "Été 👩‍🎓 " is 2+1+2+1 + 4+3+4 + 1 = 18 bytes (6
	// characters, 4 graphemes).
	if got[0].Index.ByteStart != 18 {
		t.Errorf("link starts at byte %d", got[0].Index.ByteStart)
	}
	b, _ := json.Marshal(got[1])
	if string(b) != `{"index":{"byteStart":46,"byteEnd":64},"features":[{"$type":"app.bsky.richtext.facet#mention"}]}` {
		t.Errorf("JSON %s", b)
	}
}

func TestLength(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"été", 3}, {"e\u0301te\u0301", 3}, {"👩‍🎓", 1}, {"🇨🇭🇫🇷", 2}, {"👍🏽 ok", 4},
	} {
		if got := Length(c.s); got != c.want {
			t.Errorf("Length(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

func TestRecordKey(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 30, 15, 123456789, time.UTC)
	a, err := RecordKey("draft-1:acct-2", at)
	if err != nil || !validTID(a) {
		t.Fatalf("%q %v", a, err)
	}
	b, _ := RecordKey("draft-1:acct-2", at.Truncate(time.Second))
	c, _ := RecordKey("draft-2:acct-2", at)
	if a != b || a == c {
		t.Errorf("keys %s %s %s", a, b, c)
	}
	later, _ := RecordKey("draft-1:acct-2", at.Add(time.Hour))
	if later <= a {
		t.Errorf("TIDs sort by time: %s then %s", a, later)
	}
	if _, err := RecordKey("", at); err == nil {
		t.Error("no key")
	}
	if _, err := RecordKey("k", time.Time{}); err == nil {
		t.Error("no time")
	}
	if tid(0) != "2222222222222" || tid(1<<63-1) != "bzzzzzzzzzzzz" {
		t.Errorf("tid bounds %s %s", tid(0), tid(1<<63-1))
	}
}

// A listNotifications item as the lexicon gives it
// (app/bsky/notification/listNotifications.json).
const replyItem = `{"uri":"at://did:plc:abc/app.bsky.feed.post/3lbcd2efg3h2k","cid":"bafyreib2",
 "author":{"did":"did:plc:abc","handle":"ana.example.org","displayName":"Ana","labels":[]},
 "reason":"reply","reasonSubject":"at://did:plc:me/app.bsky.feed.post/3lbc",
 "record":{"$type":"app.bsky.feed.post","text":"oui 🙂","langs":["fr","en"],"createdAt":"2026-11-30T08:00:00.000Z",
  "reply":{"root":{"uri":"at://did:plc:me/app.bsky.feed.post/3lba","cid":"bafyroot"},"parent":{"uri":"at://did:plc:me/app.bsky.feed.post/3lbc","cid":"bafyparent"}}},
 "isRead":false,"indexedAt":"2026-11-30T08:00:01.500Z","labels":[]}`

func TestDecodeNotification(t *testing.T) {
	n, indexed, ok := decodeNotification([]byte(replyItem))
	want := vigie.Notification{
		RemoteID: "at://did:plc:abc/app.bsky.feed.post/3lbcd2efg3h2k", Kind: vigie.NotifyReply,
		Post: vigie.RemoteRef{URI: "at://did:plc:abc/app.bsky.feed.post/3lbcd2efg3h2k", CID: "bafyreib2",
			RootURI: "at://did:plc:me/app.bsky.feed.post/3lba", RootCID: "bafyroot"},
		URL:      "https://bsky.app/profile/ana.example.org/post/3lbcd2efg3h2k",
		AuthorID: "did:plc:abc", AuthorName: "Ana", AuthorHandle: "ana.example.org", AuthorURL: "https://bsky.app/profile/ana.example.org",
		Text: "oui 🙂", Language: "fr", CreatedAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
		InReplyTo: "at://did:plc:me/app.bsky.feed.post/3lbc",
	}
	if !ok || n != want || !indexed.Equal(time.Date(2026, 11, 30, 8, 0, 1, 5e8, time.UTC)) {
		t.Errorf("got %+v %v %v", n, indexed, ok)
	}
	like := strings.Replace(replyItem, `"reason":"reply"`, `"reason":"like"`, 1)
	if _, indexed, ok := decodeNotification([]byte(like)); ok || indexed.IsZero() {
		t.Error("a like is not for the inbox, but its time counts")
	}
	forged := strings.Replace(replyItem, `"did":"did:plc:abc"`, `"did":"did:plc:other"`, 1)
	if _, _, ok := decodeNotification([]byte(forged)); ok {
		t.Error("a post of another repository than its author's")
	}
}

func FuzzDecodeNotification(f *testing.F) {
	f.Add([]byte(replyItem))
	f.Add([]byte(`{"uri":"at://did:x/app.bsky.feed.post/a","cid":"c","author":{"did":"did:x"},"reason":"mention","record":{"text":1},"indexedAt":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"reason":"quote","record":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, indexed, ok := decodeNotification(data)
		if !ok {
			return
		}
		if indexed.IsZero() || n.CreatedAt.IsZero() || n.Post.URI == "" || n.Post.CID == "" || n.Post.RootURI == "" || n.Post.RootCID == "" {
			t.Fatalf("incomplete %+v", n)
		}
		if !strings.HasPrefix(n.URL, "https://bsky.app/profile/") || !strings.HasPrefix(n.AuthorID, "did:") {
			t.Fatalf("addresses %+v", n)
		}
		if len(n.Text) > vigie.MaxTextBytes {
			t.Fatalf("text of %d bytes", len(n.Text))
		}
	})
}

func FuzzFacets(f *testing.F) {
	f.Add("Été 👩‍🎓 https://epfl.ch/a?b=1. avec @alice.bsky.social #Rentrée")
	f.Add("#\u00ad @ http:// (https://a.b)")
	f.Fuzz(func(t *testing.T, text string) {
		last := 0
		for _, fc := range Facets(text) {
			s, e := fc.Index.ByteStart, fc.Index.ByteEnd
			if s < last || e <= s || e > len(text) {
				t.Fatalf("facet [%d,%d) after %d in %d bytes", s, e, last, len(text))
			}
			last = e
		}
	})
}

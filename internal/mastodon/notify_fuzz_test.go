package mastodon

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// A page of notifications in the shape of methods/notifications.md: a
// mention, a reply to the account, a follow (skipped), one without status.
const notificationPage = `[
 {"id":"34975861","type":"mention","created_at":"2019-11-23T07:49:02.064Z","group_key":"ungrouped-34975861",
  "account":{"id":"971724","username":"zsc","acct":"zsc@example.social","display_name":"Zsc","url":"https://example.social/@zsc"},
  "status":{"id":"103186126728896492","created_at":"2019-11-23T07:49:01.940Z","in_reply_to_id":"103186038209478512","in_reply_to_account_id":"14715",
   "sensitive":false,"spoiler_text":"","visibility":"public","language":"en","uri":"https://example.social/users/zsc/statuses/103186126728896492",
   "url":"https://example.social/@zsc/103186126728896492","content":"<p><span class=\"h-card\"><a href=\"https://mastodon.social/@trwnh\" class=\"u-url mention\">@<span>trwnh</span></a></span> sup!</p>",
   "account":{"id":"971724","username":"zsc","acct":"zsc@example.social","display_name":"Zsc","url":"https://example.social/@zsc"}}},
 {"id":"34975535","type":"mention","created_at":"2019-11-23T07:29:18.903Z",
  "account":{"id":"5","username":"amy","acct":"amy","display_name":"","url":"https://mastodon.social/@amy"},
  "status":{"id":"103186046267791694","created_at":"2019-11-23T07:29:18.628Z","in_reply_to_id":null,"in_reply_to_account_id":null,
   "spoiler_text":"cw","language":null,"uri":"https://mastodon.social/users/amy/statuses/103186046267791694","url":null,"content":"<p>hi</p>",
   "account":{"id":"5","username":"amy","acct":"amy","display_name":"","url":"https://mastodon.social/@amy"}}},
 {"id":"34975400","type":"follow","created_at":"2019-11-23T07:20:00.000Z","account":{"id":"6","acct":"x"}},
 {"id":"34975300","type":"mention","created_at":"2019-11-23T07:10:00.000Z","account":{"id":"6","acct":"x"},"status":null}
]`

func TestDecodeNotifications(t *testing.T) {
	got, ids, err := decodeNotifications([]byte(notificationPage), "mastodon.social", "14715")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "34975861,34975535,34975400,34975300" || len(got) != 2 {
		t.Fatalf("ids %v, %d notifications", ids, len(got))
	}
	want := vigie.Notification{
		RemoteID: "34975861", Kind: vigie.NotifyReply,
		Post: vigie.RemoteRef{ID: "103186126728896492", URI: "https://example.social/users/zsc/statuses/103186126728896492"},
		URL:  "https://example.social/@zsc/103186126728896492", AuthorID: "971724", AuthorName: "Zsc",
		AuthorHandle: "@zsc@example.social", AuthorURL: "https://example.social/@zsc", Text: "@trwnh sup!", Language: "en",
		CreatedAt: time.Date(2019, 11, 23, 7, 49, 1, 940e6, time.UTC), InReplyTo: "103186038209478512",
	}
	if got[0] != want {
		t.Errorf("reply\n got %+v\nwant %+v", got[0], want)
	}
	if n := got[1]; n.Kind != vigie.NotifyMention || n.AuthorHandle != "@amy@mastodon.social" || n.AuthorName != "amy" ||
		n.Text != "cw\n\nhi" || n.URL != "https://mastodon.social/users/amy/statuses/103186046267791694" || n.InReplyTo != "" {
		t.Errorf("mention %+v", n)
	}
	if _, _, err := decodeNotifications([]byte(`{"error":"x"}`), "h", ""); err == nil {
		t.Error("an object is not a page")
	}
}

func FuzzDecodeNotifications(f *testing.F) {
	f.Add([]byte(notificationPage))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"id":1,"type":"mention","status":{"id":2,"created_at":"x","content":"<p>"}}]`))
	f.Add([]byte(`[{"id":"1","type":"mention","status":{"id":"2","created_at":"2019-11-23T07:49:01Z","in_reply_to_account_id":3,"account":{"acct":"@"}}}]`))
	if b, err := os.ReadFile("testdata/statuses.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ids, err := decodeNotifications(data, "example.social", "3")
		if err != nil {
			return
		}
		if len(got) > len(ids) {
			t.Fatalf("%d notifications of %d ids", len(got), len(ids))
		}
		for _, n := range got {
			if n.RemoteID == "" || n.Post.ID == "" || n.CreatedAt.IsZero() || !validID(n.RemoteID) {
				t.Fatalf("notification without identity or date: %+v", n)
			}
			if n.Kind != vigie.NotifyMention && n.Kind != vigie.NotifyReply {
				t.Fatalf("kind %q", n.Kind)
			}
			if !utf8.ValidString(n.Text) && utf8.ValidString(string(data)) {
				t.Fatalf("text %q is not UTF-8", n.Text)
			}
			if len(n.Text) > vigie.MaxTextBytes {
				t.Fatalf("text of %d bytes", len(n.Text))
			}
		}
	})
}

// The recorded instance descriptions (testdata) give the limits.
func TestInstanceLimits(t *testing.T) {
	for _, c := range []struct {
		file string
		want vigie.AccountLimits
	}{
		{"testdata/instance_v2.json", vigie.AccountLimits{MaxChars: 500, MaxMedia: 4, URLChars: 23, MaxImageBytes: 16777216}},
		{"testdata/instance_v1.json", vigie.AccountLimits{MaxChars: 500, MaxMedia: 4, URLChars: 23}},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		var in instanceInfo
		if err := json.Unmarshal(b, &in); err != nil {
			t.Fatal(err)
		}
		if got := in.limits(); got != c.want || in.domain() != "social.example" {
			t.Errorf("%s: %+v, domain %q", c.file, got, in.domain())
		}
	}
	var pleroma instanceInfo
	json.Unmarshal([]byte(`{"uri":"https://pleroma.example","max_toot_chars":5000}`), &pleroma)
	if pleroma.limits().MaxChars != 5000 || pleroma.domain() != "pleroma.example" {
		t.Errorf("max_toot_chars: %+v %q", pleroma.limits(), pleroma.domain())
	}
}

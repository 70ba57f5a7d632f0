package mastodon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
)

// statusSeeds are testdata's statuses, alone and as a page, and the
// payloads of its stream.
func statusSeeds(f *testing.F) {
	data, err := os.ReadFile("testdata/statuses.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	var all []json.RawMessage
	json.Unmarshal(data, &all)
	for _, s := range all {
		f.Add([]byte(s))
	}
	for _, l := range wsLines(f) {
		var m struct{ Payload string }
		json.Unmarshal([]byte(l), &m)
		f.Add([]byte(m.Payload))
	}
	f.Add([]byte(`{"id":"1","uri":"x","created_at":"2026-01-01T00:00:00Z","content":"<p>&amp;</p>","replies_count":"-3","account":{"acct":"@"}}`))
	f.Add([]byte(`{"id":"1","url":"https://a/1","created_at":"2026-01-01T00:00:00","reblog":{"uri":"u","visibility":"direct"}}`))
}

// checkPost: whatever the mapper keeps is a valid post of this source.
func checkPost(t *testing.T, p vigie.Post) {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatalf("invalid post %+v: %v", p, err)
	}
	if p.Source != "mastodon" || strings.IndexByte(p.ID, 0) >= 0 {
		t.Fatalf("post %+v", p)
	}
}

// FuzzDecodeStatus: any bytes give a status or an error, and a status
// gives a valid post or none; never a panic.
func FuzzDecodeStatus(f *testing.F) {
	statusSeeds(f)
	m := &mapper{host: "social.example", replyURI: func(id string) string { return "https://social.example/statuses/" + id }}
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := decodeStatus(data); err == nil {
			if p, ok := m.post(s); ok {
				checkPost(t, p)
			}
		}
		sts, ids, bad, err := decodeStatuses(data)
		if err != nil {
			return
		}
		if len(ids) > len(sts)+bad {
			t.Fatalf("%d ids for %d statuses and %d bad", len(ids), len(sts), bad)
		}
		for _, s := range sts {
			if p, ok := m.post(s); ok {
				checkPost(t, p)
			}
		}
		advance(&tagCursor{}, sts, ids)
	})
}

// FuzzDecodeWSMessage: a WebSocket message is an event, a refusal or an
// error; its event decodes or errs; never a panic.
func FuzzDecodeWSMessage(f *testing.F) {
	for _, l := range wsLines(f) {
		f.Add([]byte(l))
	}
	f.Add([]byte(`{"error":"Unknown stream type","status":400}`))
	f.Add([]byte(`{"stream":["public"],"event":"delete","payload":"106692867363994015"}`))
	f.Add([]byte(`{"stream":["public"],"event":"update","payload":{"id":"1"}}`))
	f.Add([]byte(`{"stream":["user"],"event":"filters_changed"}`))
	m := &mapper{host: "social.example"}
	f.Fuzz(func(t *testing.T, data []byte) {
		event, payload, refused, err := decodeWSMessage(data)
		if refused != nil {
			if refused.err(&config{host: "social.example"}) == nil {
				t.Fatal("a refusal without an error")
			}
			return
		}
		if err != nil {
			return
		}
		ev, err := decodeEvent(event, payload)
		if err != nil {
			return
		}
		switch ev.kind {
		case eventUpdate, eventEdit:
			if p, ok := m.post(ev.status); ok {
				checkPost(t, p)
			}
		case eventDelete:
			if !validID(ev.id) {
				t.Fatalf("delete of %q", ev.id)
			}
		}
	})
}

// FuzzSSE: any event stream gives events (each decoding or erring) until
// its end; never a panic, never a line over the limit.
func FuzzSSE(f *testing.F) {
	data, err := os.ReadFile("testdata/stream.sse")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(":thump\n\nevent: delete\ndata: 1\n\n"))
	f.Add([]byte("event: update\r\ndata: {\"id\":\"1\"}\r\ndata: more\r\n\r\n"))
	f.Add([]byte("data\nevent\n:\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 16)
		var p sseParser
		for {
			line, err := readLine(br, 1<<10)
			if err != nil {
				if !errors.Is(err, errLineTooLong) && !errors.Is(err, io.EOF) {
					t.Fatalf("readLine: %v", err)
				}
				return
			}
			if len(line) > 1<<10 || bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("line %q", line)
			}
			if event, payload, ok := p.feed(line); ok {
				decodeEvent(event, payload)
			}
		}
	})
}

// FuzzCheck: Check never panics, and what it accepts it accepts again
// unchanged (its normal form is stable).
func FuzzCheck(f *testing.F) {
	f.Add("https://mastodon.social/", "#EPFL, ethz", "", "")
	f.Add("social.example", "épfl café_2", "tok", "hashtag")
	f.Add("http://127.0.0.1:9/", "a b", "tok", "public:local")
	f.Add("https://x/tags/y", "#", "", "user")
	f.Fuzz(func(t *testing.T, u, tags, token, stream string) {
		src := &vigie.Source{URL: u, Settings: map[string]string{"tags": tags, "token": token, "stream": stream}}
		if Check(src) != nil {
			return
		}
		again := &vigie.Source{URL: src.URL, Settings: map[string]string{}}
		for k, v := range src.Settings {
			again.Settings[k] = v
		}
		if err := Check(again); err != nil {
			t.Fatalf("normal form %q %v refused: %v", src.URL, src.Settings, err)
		}
		if again.URL != src.URL || again.Settings["tags"] != src.Settings["tags"] || again.Settings["stream"] != src.Settings["stream"] {
			t.Fatalf("normal form not stable: %q %v → %q %v", src.URL, src.Settings, again.URL, again.Settings)
		}
	})
}

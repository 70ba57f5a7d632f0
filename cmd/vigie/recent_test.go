package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/store"
)

type testedQuery struct {
	Total    int    `json:"total"`
	Stored   int    `json:"stored"`
	Kept     int    `json:"kept"`
	Received int    `json:"received"`
	Partial  bool   `json:"partial"`
	Summary  string `json:"summary"`
	Samples  []struct {
		Text string `json:"text"`
	} `json:"samples"`
}

// TestQueryTestSeesUnmatchedPosts: a post that matched no monitor when it
// came is found by a later test of a query (the issue: a new topic always
// tested empty) and by the backfill of a monitor saved with that query,
// which makes it a mention; tested again, it counts once. Another
// workspace's posts are never counted nor backfilled.
func TestQueryTestSeesUnmatchedPosts(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ed@uval.example", "editor")
	ctx := context.Background()
	st := in.app.store
	now := time.Now().UTC()
	post := func(id, text string) vigie.Post {
		return vigie.Post{ID: id, Source: "rss", Text: text, PublishedAt: now.Add(-time.Hour)}
	}
	if _, err := in.app.pipeline.Process(ctx, &src, []vigie.Post{post("1", "Valmont news"), post("2", "A robotics lab opens in Lausanne"),
		post("3", "Robots everywhere"), post("4", "Football tonight")}, nil); err != nil {
		t.Fatal(err)
	}
	// Another workspace of the organisation, with a source of its own.
	other, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "Other", Slug: "other"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: other.ID, Kind: vigie.SourceImport, Name: "theirs", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.pipeline.Process(ctx, &theirs, []vigie.Post{post("5", "Secret robotics plans")}, nil); err != nil {
		t.Fatal(err)
	}

	c := webClient(t, api.base, "ed@uval.example")
	test := func(q string) testedQuery {
		t.Helper()
		resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/monitors/check?test=1&q=" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res testedQuery
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Samples {
			if strings.Contains(s.Text, "Secret") {
				t.Fatalf("another workspace's post shown: %+v", res)
			}
		}
		return res
	}
	res := test("robot*")
	if res.Total != 2 || res.Kept != 2 || res.Stored != 0 || res.Received != 4 || res.Partial || len(res.Samples) != 2 {
		t.Fatalf("tested before saving: %+v (want the 2 kept posts of the 3 unmatched and 1 stored)", res)
	}
	if !strings.Contains(res.Summary, "2 posts of the last") || !strings.Contains(res.Summary, "among 4 received") {
		t.Fatalf("summary %q", res.Summary)
	}

	// Saved, the monitor's backfill stores them as its mentions.
	done := make(chan string, 4)
	bctx, stop := context.WithCancel(ctx)
	in.app.monitors.Backfilled = func(id string, added int, err error) {
		if err == nil {
			done <- fmt.Sprint(id, " ", added)
		}
	}
	stopped := in.app.monitors.StartBackfills(bctx, monitor.BackfillConfig{Window: backfillWindow, Poll: 10 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer func() { stop(); <-stopped }()
	if code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "m-robots", "name": "Robots", "query": "robot*"}); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	for got := ""; got != "m-robots 2"; {
		select {
		case got = <-done:
			if strings.HasPrefix(got, "m-robots") && got != "m-robots 2" {
				t.Fatalf("backfill: %s, want 2 mentions added", got)
			}
		case <-time.After(time.Minute):
			t.Fatal("the backfill never ran")
		}
	}
	if _, body := api.do("GET", "/api/v1/mentions?monitor=m-robots", nil); body["total"] != float64(2) {
		t.Fatalf("mentions after the backfill: %v", body["total"])
	}
	// Tested again: the same two posts, now stored, counted once.
	if res := test("robot*"); res.Total != 2 || res.Stored != 2 || res.Kept != 0 {
		t.Fatalf("tested after the backfill: %+v", res)
	}
	if res := test("secret"); res.Total != 0 {
		t.Fatalf("another workspace's post counted: %+v", res)
	}
}

// TestImportKeepsUnmatchedPosts: vigie import keeps the posts that match
// no monitor (however old: the window is by reception) and says so;
// with the window at 0 it keeps none and purges those kept.
func TestImportKeepsUnmatchedPosts(t *testing.T) {
	dir := t.TempDir()
	posts := filepath.Join(dir, "posts.jsonl")
	var b strings.Builder
	for i := range 50 {
		text := "Valmont news"
		if i%5 != 0 {
			text = fmt.Sprint("nothing to see ", i)
		}
		fmt.Fprintf(&b, `{"id":"p%d","source":"rss","text":%q,"published_at":"2020-01-01T00:00:00Z"}`+"\n", i, text)
	}
	if err := os.WriteFile(posts, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	monitors := filepath.Join(dir, "monitors.jsonl")
	if err := os.WriteFile(monitors, []byte(`{"id":"m-v","name":"V","query":"valmont"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	kept := func() int {
		t.Helper()
		st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "vigie.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		tot, err := st.RecentTotals(context.Background(), 0, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return tot.Posts
	}
	code, out, errOut := runCLI(t, "import", "--data", data, "--monitors", monitors, "--posts", posts)
	if code != 0 || !strings.Contains(out, "recent window: 40 posts that matched no monitor kept") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if n := kept(); n != 40 {
		t.Fatalf("%d posts kept, want 40", n)
	}
	// Again: nothing kept twice.
	if code, out, errOut := runCLI(t, "import", "--data", data, "--posts", posts); code != 0 || !strings.Contains(out, "recent window: 0 posts that matched no monitor kept for tests and backfills, 40 kept before") {
		t.Fatalf("import again: exit %d\n%s%s", code, out, errOut)
	}
	if n := kept(); n != 40 {
		t.Fatalf("%d posts kept after importing again, want 40", n)
	}
	// An import with the window off keeps none of its posts and leaves
	// those the server keeps: purging is the server's, with its settings.
	other := filepath.Join(dir, "other.jsonl")
	if err := os.WriteFile(other, []byte(`{"id":"q1","source":"rss","text":"nothing to see","published_at":"2020-01-01T00:00:00Z"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "import", "--data", data, "--posts", other, "--recent-window", "0"); code != 0 || !strings.Contains(out, "recent window off: 1 post that matched no monitor not kept") {
		t.Fatalf("import with the window off: exit %d\n%s%s", code, out, errOut)
	}
	if n := kept(); n != 40 {
		t.Fatalf("%d posts kept after an import with the window off, want the 40 kept before", n)
	}
}

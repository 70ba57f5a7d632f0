package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/store"
)

// TestImportMonitorsWhileServing: `vigie import --monitors` while vigie
// serve runs on the same database. The running pipeline matches the
// imported monitor from the next post, without a restart; the monitor gets
// the stored posts' mentions from the running process's backfill worker;
// deleting it from another process stops its matching too.
// get returns a page's body, failing the test unless it is a 200.
func getPage(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

func TestImportMonitorsWhileServing(t *testing.T) {
	in, api, src := valmontInstance(t, "base")
	a := in.app
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan store.MonitorChange, 64)
	done := make(chan string, 16)
	a.monitors.Changed = func(c store.MonitorChange) { changes <- c }
	a.monitors.Backfilled = func(id string, _ int, err error) {
		if err == nil {
			done <- id
		}
	}
	stopFollowing := a.followMonitors(ctx)
	defer func() { cancel(); stopFollowing() }()

	mentionsOf := func(id string) float64 {
		t.Helper()
		_, body := api.do("GET", "/api/v1/mentions?monitor="+id, nil)
		return body["total"].(float64)
	}
	process := func(id, text string) {
		t.Helper()
		p := vigie.Post{ID: id, Source: "rss", Text: text, PublishedAt: time.Now().UTC().Add(-time.Minute)}
		if _, err := a.pipeline.Process(context.Background(), &src, []vigie.Post{p}, nil); err != nil {
			t.Fatal(err)
		}
	}
	process("old", "Valmont robotics lab opens")

	path := writeFile(t, "monitors.jsonl", `{"id":"robots","name":"Robots","query":"robot*"}`+"\n")
	if code, out, errOut := runCLI(t, "import", "--monitors", path, "--data", a.cfg.Data); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	applied := func(present bool) {
		t.Helper()
		guard := time.After(time.Minute)
		for {
			select {
			case c := <-changes:
				if strings.HasSuffix(c.MonitorKey, "/robots") && (c.Monitor != nil) == present {
					return
				}
			case <-guard:
				t.Fatalf("the running process never applied robots (present %v)", present)
			}
		}
	}
	applied(true)
	process("new", "A robot at Valmont")

	// Until a worker has run it, the API and the monitors page say the
	// past mentions are on their way.
	if _, body := api.do("GET", "/api/v1/monitors/robots", nil); body["backfill"].(map[string]any)["state"] != "pending" {
		t.Fatalf("before the backfill: %v", body)
	}
	addUser(t, in, "ed@uval.example", "editor")
	page := getPage(t, webClient(t, api.base, "ed@uval.example"), api.base+"/w/"+a.workspace.Slug+"/monitors")
	if !strings.Contains(page, "bringing in past mentions…") {
		t.Fatalf("the monitors page does not say robots is being backfilled:\n%s", page)
	}
	backfills := a.monitors.StartBackfills(ctx, monitor.BackfillConfig{Window: backfillWindow, Poll: 10 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer func() { cancel(); <-backfills }()
	// The worker brings in the post stored before the import.
	guard := time.After(time.Minute)
	for id := ""; id != "robots"; {
		select {
		case id = <-done:
		case <-guard:
			t.Fatal("robots was never backfilled")
		}
	}
	if got := mentionsOf("robots"); got != 2 {
		t.Fatalf("robots: %v mentions, want the new post's and the backfilled one's", got)
	}
	_, body := api.do("GET", "/api/v1/monitors", nil)
	if b := body["monitors"].([]any)[1].(map[string]any)["backfill"].(map[string]any); b["state"] != "done" || b["added"] != float64(1) {
		t.Fatalf("after the backfill: %v", b)
	}

	// Deleted by another process: no longer matched here.
	other, err := openStore(context.Background(), a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := (&monitor.Service{Store: other, Index: match.NewIndex()}).Delete(context.Background(), a.workspace.ID, "robots"); err != nil {
		t.Fatal(err)
	}
	applied(false)
	if a.index.Len() != 1 {
		t.Fatalf("%d monitors in the running index, want base alone", a.index.Len())
	}
	process("later", "Another robot at Valmont")
	if got := mentionsOf("base"); got != 3 {
		t.Fatalf("base: %v mentions, want 3", got)
	}
}

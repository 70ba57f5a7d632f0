package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

// TestImportAbsurdCounts: counts near the int64 limit are clamped and a
// negative one is refused with its line and field; the rest of the file is
// imported and the import succeeds.
func TestImportAbsurdCounts(t *testing.T) {
	mons := writeFile(t, "m.jsonl", `{"id":"m1","kind":"brand","query":"valmont"}`+"\n")
	huge := func(id string) string {
		return `{"id":"` + id + `","source":"import","published_at":"2026-11-20T10:04:05Z","text":"valmont",` +
			`"author":{"id":"a1","handle":"@a1","followers":9223372036854775807},` +
			`"metrics":{"likes":9223372036854775807,"reposts":9223372036854775807,"replies":9223372036854775807,"views":9223372036854775807}}` + "\n"
	}
	posts := writeFile(t, "p.jsonl", huge("h1")+huge("h2")+huge("h3")+
		`{"id":"neg","source":"import","published_at":"2026-11-20T10:04:05Z","text":"valmont","metrics":{"likes":-3}}`+"\n"+
		`{"id":"ok","source":"import","published_at":"2026-11-20T10:04:05Z","text":"valmont"}`+"\n")
	data := filepath.Join(t.TempDir(), "data")
	code, out, errOut := runCLI(t, "import", "--monitors", mons, "--posts", posts, "--data", data)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "line 4") || !strings.Contains(errOut, `"metrics.likes" is -3`) {
		t.Errorf("the negative count is not reported with its line and field:\n%s", errOut)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	ws, err := st.FindWorkspaceBySlug(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID})
	if err != nil || len(page.Mentions) != 4 {
		t.Fatalf("%d mentions stored (%v), want 4", len(page.Mentions), err)
	}
	top, err := st.TopAuthors(ctx, vigie.MentionFilter{WorkspaceID: ws.ID})
	if err != nil || len(top) != 1 || top[0].Inputs.Engagement != 9*vigie.MaxCount {
		t.Fatalf("top authors: %+v, %v", top, err)
	}
	// The Import source's card counts the posts imported (the line refused
	// is not one) and says when.
	src, err := st.FindOrCreateSource(ctx, ws.ID, vigie.SourceImport, "Import", "")
	if err != nil || src.PostsSeen != 4 || src.LastSuccessAt.IsZero() {
		t.Fatalf("Import source after importing 4 posts: posts seen %d, last success %v (%v)", src.PostsSeen, src.LastSuccessAt, err)
	}
}

// TestServedBadInput: through the running server, absurd counts leave the
// dashboard and /api/v1/authors answering, a refused monitor id says why,
// and a conflict answers without the database's words.
func TestServedBadInput(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ed@uval.example", "editor")
	ctx := context.Background()
	var posts []vigie.Post
	for i := range 3 {
		posts = append(posts, vigie.Post{ID: fmt.Sprintf("x:%d", i), Source: "rss", Text: "Valmont", PublishedAt: time.Now().Add(-time.Hour),
			Author:  vigie.Author{ID: "big", Handle: "@big", Followers: math.MaxInt64},
			Metrics: vigie.Metrics{Likes: math.MaxInt64, Reposts: math.MaxInt64, Replies: math.MaxInt64, Views: math.MaxInt64}})
	}
	if _, err := in.app.pipeline.Process(ctx, &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	if code, body := api.do("GET", "/api/v1/authors", nil); code != 200 {
		t.Errorf("/api/v1/authors: %d %v", code, body)
	}
	ed := webClient(t, api.base, "ed@uval.example")
	resp, err := ed.Get(api.base + "/w/" + in.app.workspace.Slug + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("dashboard: %d", resp.StatusCode)
	}

	code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "a/b", "name": "A", "query": "x"})
	if msg := fmt.Sprint(body["error"]); code != 400 || !strings.Contains(msg, "not allowed") {
		t.Errorf("monitor id a/b: %d %v", code, body)
	}
	code, body = api.do("POST", "/api/v1/monitors", map[string]any{"id": "m-v", "name": "Again", "query": "x"})
	msg := fmt.Sprint(body["error"])
	if code != 409 || !strings.Contains(msg, "already exists") {
		t.Errorf("duplicate monitor: %d %v", code, body)
	}
	for _, driver := range []string{"UNIQUE", "constraint", "monitors.id", "SQLSTATE", "duplicate key"} {
		if strings.Contains(msg, driver) {
			t.Errorf("the answer to a duplicate monitor shows the driver's text %q: %s", driver, msg)
		}
	}
}

// TestLongPostShownClipped: the mentions page shows the start of a 1 MB
// post with an ellipsis, the API's list its first 3,000 characters (and
// 300 of its title) saying it cut them, the API's mention all of it; a
// longer post is refused.
func TestLongPostShownClipped(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ed@uval.example", "editor")
	ctx := context.Background()
	long := "Valmont " + strings.Repeat("word ", (vigie.MaxTextBytes-8)/5)
	longTitle := strings.Repeat("Valmönt ", 100)
	posts := []vigie.Post{
		{ID: "x:long", Source: "rss", Title: longTitle, Text: long, PublishedAt: time.Now().Add(-time.Hour)},
		{ID: "x:short", Source: "rss", Text: "Valmont in short", PublishedAt: time.Now().Add(-2 * time.Hour)},
		{ID: "x:huge", Source: "rss", Text: long + strings.Repeat("x", vigie.MaxTextBytes), PublishedAt: time.Now().Add(-time.Hour)},
	}
	res, err := in.app.pipeline.Process(ctx, &src, posts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Posts != 2 || len(res.Rejected) != 1 || res.Rejected[0].ID != "x:huge" || !strings.Contains(res.Rejected[0].Err.Error(), "at most 1048576 (1 MB)") {
		t.Fatalf("pipeline: %+v", res)
	}
	ed := webClient(t, api.base, "ed@uval.example")
	resp, err := ed.Get(api.base + "/w/" + in.app.workspace.Slug + "/mentions")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	shown := strings.Contains(string(page), strings.Repeat("word ", 100))
	whole := strings.Contains(string(page), strings.Repeat("word ", 1000))
	if resp.StatusCode != 200 || len(page) > 100<<10 || !shown || whole || !strings.Contains(string(page), "…") {
		t.Fatalf("mentions page: %d, %d bytes, start shown %v, all shown %v", resp.StatusCode, len(page), shown, whole)
	}
	req, _ := http.NewRequest("GET", api.base+"/api/v1/mentions", nil)
	req.Header.Set("Authorization", "Bearer "+api.token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(raw) > 100<<10 {
		t.Errorf("GET /api/v1/mentions: %d bytes for two posts", len(raw))
	}
	code, body := api.do("GET", "/api/v1/mentions", nil)
	ms, _ := body["mentions"].([]any)
	if code != 200 || len(ms) != 2 {
		t.Fatalf("mentions: %d %v", code, len(ms))
	}
	listed, short := ms[0].(map[string]any), ms[1].(map[string]any)
	lp, sp := listed["post"].(map[string]any), short["post"].(map[string]any)
	if lp["text"] != long[:vigie.ListTextChars] || listed["text_clipped"] != true ||
		lp["title"] != strings.Repeat("Valmönt ", vigie.ListTitleChars/8)+"Valm" || listed["title_clipped"] != true {
		t.Errorf("the long post in the list: %d characters of text (clipped %v), title %q (clipped %v)",
			len(fmt.Sprint(lp["text"])), listed["text_clipped"], lp["title"], listed["title_clipped"])
	}
	if sp["text"] != "Valmont in short" || short["text_clipped"] != nil || short["title_clipped"] != nil {
		t.Errorf("the short post in the list: %v", short)
	}
	id := listed["id"].(float64)
	code, body = api.do("GET", fmt.Sprintf("/api/v1/mentions/%d", int64(id)), nil)
	if p, _ := body["post"].(map[string]any); code != 200 || p["text"] != long || p["title"] != longTitle || body["text_clipped"] != nil {
		t.Fatalf("GET the mention: %d, the whole text: %v, the whole title: %v", code, p["text"] == long, p["title"] == longTitle)
	}
}

// TestImportIntoAWorkspace: --workspace puts the monitors and posts in the
// workspace named, not the first; an unknown one is a clear error.
func TestImportIntoAWorkspace(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := runCLI(t, "workspace", "create", "--slug", "law", "--name", "Law", "--data", data); code != 0 {
		t.Fatalf("workspace create: %d %s", code, errOut)
	}
	mons := writeFile(t, "m.jsonl", `{"id":"m-law","kind":"brand","query":"valmont"}`+"\n")
	posts := writeFile(t, "p.jsonl", `{"id":"p1","source":"import","published_at":"2026-11-20T10:04:05Z","text":"valmont"}`+"\n")
	code, _, errOut := runCLI(t, "import", "--workspace", "law", "--monitors", mons, "--posts", posts, "--data", data)
	if code != 0 || !strings.Contains(errOut, "importing into workspace law") {
		t.Fatalf("import: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "import", "--workspace", "nope", "--posts", posts, "--data", data); code != 2 || !strings.Contains(errOut, `no workspace "nope"`) {
		t.Fatalf("import into an unknown workspace: %d %s", code, errOut)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	law, err := st.FindWorkspaceBySlug(ctx, "law")
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: law.ID})
	if err != nil || len(page.Mentions) != 1 || page.Mentions[0].MonitorIDs[0] != "m-law" {
		t.Fatalf("law's mentions: %+v, %v", page.Mentions, err)
	}
}

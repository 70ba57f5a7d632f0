package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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
}

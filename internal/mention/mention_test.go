package mention

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

func setup(t *testing.T) (*Service, int64, int64) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.EnsureWorkspace(ctx, "w", "W")
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m", Query: "valmont"}, WorkspaceID: ws.ID})
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.FindOrCreateSource(ctx, ws.ID, vigie.SourceImport, "i", "")
	if err != nil {
		t.Fatal(err)
	}
	p := vigie.Post{ID: "p", Source: "rss", PublishedAt: time.Now().UTC().Add(-time.Hour),
		Text: "Valmont's new library is wonderful, I love studying there, great place!"}
	// Stored as if read in the wrong language: Italian, no tone.
	e := store.Enrichment{Lang: "it", Sentiment: vigie.Sentiment{Label: vigie.Neutral}}
	if _, err := st.SaveBatch(ctx, src.ID, []store.Item{{Post: p, MonitorKeys: []string{m.Key}, Enrichment: e}}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID})
	if err != nil || len(page.Mentions) != 1 {
		t.Fatalf("%v %v", page, err)
	}
	return &Service{Store: st}, ws.ID, page.Mentions[0].ID
}

func strp(s string) *string { return &s }

// TestCorrectLanguageRereadsTone: a language corrected alone has its tone
// read anew in it, recorded in the same step and said so; a person's tone
// is kept as given.
func TestCorrectLanguageRereadsTone(t *testing.T) {
	svc, ws, id := setup(t)
	ctx := context.Background()
	m, err := svc.Correct(ctx, ws, id, Correction{Lang: strp("EN ")}, "user:ana")
	if err != nil {
		t.Fatal(err)
	}
	if m.Post.Lang != "en" {
		t.Fatalf("language %q", m.Post.Lang)
	}
	// English praise, read in English at last.
	if m.Sentiment.Label != vigie.Positive {
		t.Fatalf("the tone was not read anew in English: %+v", m.Sentiment)
	}
	byField := map[string]string{}
	for _, c := range m.Corrections {
		byField[c.Field] = c.CorrectedBy
	}
	if byField["lang"] != "user:ana" || byField["sentiment"] != "user:ana (tone re-read in en)" {
		t.Fatalf("corrections %+v", m.Corrections)
	}
	m, err = svc.Correct(ctx, ws, id, Correction{Lang: strp("fr"), Sentiment: strp("negative")}, "user:bo")
	if err != nil || m.Sentiment.Label != vigie.Negative || m.Post.Lang != "fr" {
		t.Fatalf("both corrected: %+v %v", m, err)
	}
}

// TestCorrectAllOrNothing: a bad value changes nothing; nothing to correct
// and another workspace's mention are refused.
func TestCorrectAllOrNothing(t *testing.T) {
	svc, ws, id := setup(t)
	ctx := context.Background()
	if _, err := svc.Correct(ctx, ws, id, Correction{Lang: strp("fr"), Sentiment: strp("angry")}, "user:ana"); !errors.Is(err, vigie.ErrInvalid) {
		t.Fatalf("a bad tone: %v", err)
	}
	m, err := svc.Store.FindMention(ctx, ws, id)
	if err != nil || m.Post.Lang != "it" || len(m.Corrections) != 0 {
		t.Fatalf("a refused correction changed the mention: %+v %v", m, err)
	}
	if _, err := svc.Correct(ctx, ws, id, Correction{}, "user:ana"); !errors.Is(err, vigie.ErrInvalid) {
		t.Fatalf("nothing to correct: %v", err)
	}
	other, err := svc.Store.EnsureWorkspace(ctx, "o", "O")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Correct(ctx, other.ID, id, Correction{Lang: strp("fr")}, "user:eve"); !errors.Is(err, vigie.ErrNotFound) {
		t.Fatalf("another workspace's mention: %v", err)
	}
}

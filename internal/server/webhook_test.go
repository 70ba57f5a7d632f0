package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/api"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/webhook"
)

// TestWebhookRoute: POST /hooks/{token} reaches a webhook source without
// a bearer token, and the request log does not write the token.
func TestWebhookRoute(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.EnsureWorkspace(ctx, "main", "Main")
	if err != nil {
		t.Fatal(err)
	}
	src := vigie.Source{WorkspaceID: ws.ID, Kind: vigie.SourceWebhook, Name: "cms", Enabled: true}
	if err := webhook.Check(&src); err != nil {
		t.Fatal(err)
	}
	if src, err = st.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	idx := match.NewIndex()
	s := &Server{Store: st, API: &api.API{Store: st, Log: log}, Pipeline: ingest.NewPipeline(idx, st), Index: idx, Log: log}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	post := func(path string) int {
		t.Helper()
		body := `{"id":"cms:1","text":"hello","published_at":"` + time.Now().UTC().Add(-time.Hour).Format(time.RFC3339) + `"}`
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(webhook.Path(&src)); code != http.StatusAccepted {
		t.Fatalf("delivery: HTTP %d", code)
	}
	if code := post("/hooks/" + webhook.NewToken()); code != http.StatusNotFound {
		t.Fatalf("unknown token: HTTP %d", code)
	}
	tok := src.Settings[webhook.SettingToken]
	if !strings.Contains(logs.String(), "path=/hooks/…") || strings.Contains(logs.String(), tok) {
		t.Fatalf("request log:\n%s", logs.String())
	}
}

package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/api"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/webhook"
)

// TestWebhookRoute: POST /hooks/{token} reaches a webhook source without
// a bearer token, and the request log does not write the token.
func TestWebhookRoute(t *testing.T) {
	ctx := context.Background()
	box, err := secret.New(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "vigie.db"), store.WithSecrets(box))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.EnsureWorkspace(ctx, "main", "Main")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	idx := match.NewIndex()
	s := &Server{Store: st, API: &api.API{Store: st, Log: log}, Pipeline: ingest.NewPipeline(idx, st), Index: idx, Log: log}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	// Created through the API, as a team does: the answer holds the token.
	plain, _, err := st.CreateToken(ctx, store.TokenSpec{Name: "admin", WorkspaceID: ws.ID, Role: account.Admin})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/sources", strings.NewReader(`{"kind":"webhook","name":"cms","settings":{"signing_key":""}}`))
	req.Header.Set("Authorization", "Bearer "+plain)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var created struct {
		Kind     vigie.SourceKind
		URL      string
		Settings map[string]string
		Interval string
		HookPath string `json:"hook_path"`
	}
	err = json.Unmarshal(raw, &created)
	tok := strings.TrimPrefix(created.HookPath, "/hooks/")
	src := vigie.Source{Settings: map[string]string{webhook.SettingToken: tok}}
	if err != nil || resp.StatusCode != http.StatusCreated || created.Kind != vigie.SourceWebhook || tok == "" || webhook.Path(&src) != created.HookPath ||
		created.Interval != "24h" || !strings.HasPrefix(created.URL, webhook.URLPrefix) {
		t.Fatalf("creating the source: HTTP %d %s", resp.StatusCode, raw)
	}
	// The token is a credential: the settings show its last characters only.
	if shown := created.Settings[webhook.SettingToken]; shown == tok || !strings.HasPrefix(shown, "…") || !strings.HasSuffix(tok, strings.TrimPrefix(shown, "…")) {
		t.Fatalf("the settings show the token as %q", shown)
	}

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
	if !strings.Contains(logs.String(), "path=/hooks/…") || strings.Contains(logs.String(), tok) {
		t.Fatalf("request log:\n%s", logs.String())
	}
}

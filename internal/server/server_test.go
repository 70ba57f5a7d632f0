package server

import (
	"context"
	"database/sql"
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
	"github.com/vigie-project/vigie/internal/store"
)

// TestRequireToken: the middleware lets a live token through with its
// workspace and role as the request's principal, and answers 401 to a
// missing, unknown, revoked or expired one, saying which.
func TestRequireToken(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigie.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	main, err := st.CreateWorkspace(ctx, vigie.Workspace{Slug: "main", Name: "Main"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.CreateWorkspace(ctx, vigie.Workspace{Slug: "other", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	create := func(name string, ws int64, role account.Role, exp time.Time) (string, vigie.APIToken) {
		t.Helper()
		plain, tok, err := st.CreateToken(ctx, store.TokenSpec{Name: name, WorkspaceID: ws, Role: role, ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		return plain, tok
	}
	viewer, viewerTok := create("grafana", other.ID, account.Viewer, time.Now().Add(time.Hour))
	expired, expiredTok := create("old", main.ID, account.Admin, time.Now().Add(time.Hour))
	revoked, revokedTok := create("gone", main.ID, account.Editor, time.Time{})
	// The clock cannot be moved from here: the expiry is moved instead.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE id = ?", expiredTok.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteToken(ctx, main.ID, revokedTok.ID); err != nil {
		t.Fatal(err)
	}

	s := &Server{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var got api.Principal
	var seen bool
	h := s.requireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, seen = api.PrincipalFrom(r.Context())
	}))
	call := func(auth string) (int, string) {
		seen = false
		r := httptest.NewRequest("GET", "/api/v1/monitors", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var body struct {
			Error struct{ Message string } `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body.Error.Message
	}

	if code, _ := call("Bearer " + viewer); code != 200 || !seen {
		t.Fatalf("live token: %d, principal set %v", code, seen)
	}
	want := api.Principal{TokenID: viewerTok.ID, Name: "grafana", WorkspaceID: other.ID, Role: account.Viewer}
	if got != want {
		t.Errorf("principal %+v, want %+v", got, want)
	}
	for _, tt := range []struct{ name, auth, say string }{
		{"missing", "", "missing bearer token"},
		{"unknown", "Bearer vgt_nope", "unknown or revoked"},
		{"revoked", "Bearer " + revoked, "unknown or revoked"},
		{"expired", "Bearer " + expired, "expired"},
	} {
		code, msg := call(tt.auth)
		if code != http.StatusUnauthorized || seen || !strings.Contains(msg, tt.say) {
			t.Errorf("%s token: %d %q (handler ran: %v), want 401 saying %q", tt.name, code, msg, seen, tt.say)
		}
	}
}

// TestMetricsOwnSources: a token's /metrics names only its workspace's
// sources.
func TestMetricsOwnSources(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var tokens []string
	for _, slug := range []string{"main", "other"} {
		w, err := st.CreateWorkspace(ctx, vigie.Workspace{Slug: slug, Name: slug})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: w.ID, Kind: vigie.SourceRSS, Name: "feed of " + slug, URL: "https://" + slug + ".example/rss", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		plain, _, err := st.CreateToken(ctx, store.TokenSpec{Name: slug, WorkspaceID: w.ID, Role: account.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, plain)
	}
	idx := match.NewIndex()
	s := &Server{Store: st, Pipeline: ingest.NewPipeline(idx, st), Index: idx, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.requireToken(http.HandlerFunc(s.metrics))
	r := httptest.NewRequest("GET", "/metrics", nil)
	r.Header.Set("Authorization", "Bearer "+tokens[0])
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `name="feed of main"`) || strings.Contains(body, "feed of other") {
		t.Fatalf("metrics of main's token: %d\n%s", rec.Code, body)
	}
}

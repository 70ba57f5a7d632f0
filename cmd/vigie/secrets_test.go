package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
)

// TestSourceCredentialsAtRest: a source's token given through the API is
// kept encrypted (no file of the database holds it), is shown back by the
// API and the Sources page only by its last characters, and reaches the
// connector whole. With another secret key, the source is still listed,
// its token named as undecryptable, on the API and the page, and the
// start-up log says what happened.
func TestSourceCredentialsAtRest(t *testing.T) {
	const token = "ghp_0123456789abcdefghijWXYZ"
	in, srv, tok := testInstance(t, false)
	api := client{t: t, base: srv.URL, token: tok}
	addUser(t, in, "ed@uval.example", "editor")
	code, body := api.do("POST", "/api/v1/sources", map[string]any{"url": "https://feeds.example.org/private.xml", "name": "Private",
		"settings": map[string]string{"token": token, "password": "short", "lang": "fr"}})
	if code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := int64(body["id"].(float64))
	wantShown := func(how string, got any) {
		t.Helper()
		s := fmt.Sprint(got)
		if strings.Contains(s, token) || strings.Contains(s, "short") {
			t.Errorf("%s shows a credential: %s", how, s)
		}
		m, _ := got.(map[string]any)
		if m["token"] != "…WXYZ" || m["password"] != secret.FullMask || m["lang"] != "fr" {
			t.Errorf("%s: settings %v", how, got)
		}
	}
	wantShown("POST /api/v1/sources", body["settings"])
	_, body = api.do("GET", fmt.Sprintf("/api/v1/sources/%d", id), nil)
	wantShown("GET /api/v1/sources/{id}", body["settings"])
	_, body = api.do("GET", "/api/v1/sources", nil)
	listed := body["sources"].([]any)
	if len(listed) != 1 {
		t.Fatalf("sources listed: %v", listed)
	}
	wantShown("GET /api/v1/sources", listed[0].(map[string]any)["settings"])

	// The connector gets it whole.
	src, err := in.app.store.FindSourceByID(context.Background(), in.app.workspace.ID, id)
	if err != nil || src.Settings["token"] != token || src.Settings["password"] != "short" {
		t.Fatalf("the store reads back %v, %v", src.Settings, err)
	}
	// No file of the data folder holds it.
	files, _ := filepath.Glob(filepath.Join(in.app.cfg.Data, "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(token)) {
			t.Errorf("%s holds the token in clear", filepath.Base(p))
		}
	}
	if fi, err := os.Stat(filepath.Join(in.app.cfg.Data, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the data folder's secret key: %v %v", fi, err)
	}

	page := func(base string) string {
		t.Helper()
		c := webClient(t, base, "ed@uval.example")
		resp, err := c.Get(base + "/w/" + in.app.workspace.Slug + "/sources")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	p := page(srv.URL)
	if strings.Contains(p, token) || !strings.Contains(p, "token: <code>…WXYZ</code>") || !strings.Contains(p, "password: <code>"+secret.FullMask+"</code>") ||
		!strings.Contains(p, "lang: <code>fr</code>") {
		t.Errorf("the Sources page shows the settings so:\n%s", p)
	}

	// The same data with another key, as after secret.key was lost.
	cfg := config.Defaults()
	cfg.Data, cfg.LogLevel = in.app.cfg.Data, "info"
	cfg.SecretKey = secret.EncodeKey(secret.NewKey())
	var log bytes.Buffer
	other, err := build(context.Background(), cfg, false, &log)
	if err != nil {
		t.Fatal(err)
	}
	defer other.app.Close()
	if l := log.String(); !strings.Contains(l, "cannot be decrypted with this secret key") || !strings.Contains(l, "count=2") ||
		strings.Contains(l, cfg.SecretKey) {
		t.Errorf("start-up log with another key:\n%s", l)
	}
	srv2 := httptest.NewServer(other.handler)
	defer srv2.Close()
	tok2, _, err := other.app.store.CreateToken(context.Background(), store.TokenSpec{Name: "t2", WorkspaceID: other.app.workspace.ID, Role: account.Admin})
	if err != nil {
		t.Fatal(err)
	}
	api2 := client{t: t, base: srv2.URL, token: tok2}
	code, body = api2.do("GET", fmt.Sprintf("/api/v1/sources/%d", id), nil)
	settings, _ := body["settings"].(map[string]any)
	if code != 200 || fmt.Sprint(body["undecryptable_settings"]) != "[password token]" || settings["token"] != "" || settings["lang"] != "fr" {
		t.Errorf("with another key: %d %v", code, body)
	}
	if _, body = api2.do("GET", "/api/v1/sources", nil); len(body["sources"].([]any)) != 1 {
		t.Errorf("with another key, the list: %v", body)
	}
	if p := page(srv2.URL); !strings.Contains(p, "Cannot decrypt password, token: the secret key changed") {
		t.Errorf("the Sources page with another key does not say so:\n%s", p)
	}
}

package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// testSecrets is the key the store's tests seal credentials with.
var testSecrets = func() *secret.Box {
	b, err := secret.New(secret.NewKey())
	if err != nil {
		panic(err)
	}
	return b
}()

const (
	testToken  = "ghp_TestTokenNeverInClear0123"
	testAPIKey = "ak-Another-Credential-4567"
)

// rawSettings is a source's settings column as the database holds it.
func rawSettings(t testing.TB, s *Store, id int64) string {
	t.Helper()
	var raw string
	if err := s.db.QueryRow(s.q("SELECT settings FROM sources WHERE id = ?"), id).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

func setRawSettings(t testing.TB, s *Store, id int64, raw string) {
	t.Helper()
	if _, err := s.db.Exec(s.q("UPDATE sources SET settings = ? WHERE id = ?"), raw, id); err != nil {
		t.Fatal(err)
	}
}

func keyedSource(ws int64, name string) vigie.Source {
	return vigie.Source{WorkspaceID: ws, Kind: vigie.SourceMastodon, Name: name, URL: "https://social.example", Enabled: true,
		Settings: map[string]string{"token": testToken, "api_key": testAPIKey, "lang": "fr", "client_secret": ""}}
}

// TestSourceCredentialsSealed: a source's credentials are encrypted in its
// row and read back in clear by every finder; its other settings stay
// readable in the row.
func TestSourceCredentialsSealed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		created := must(s.CreateSource(ctx, keyedSource(f.ws.ID, "Keyed")))(t)
		raw := rawSettings(t, s, created.ID)
		for _, clear := range []string{testToken, testAPIKey, "TestToken", "Credential"} {
			if strings.Contains(raw, clear) {
				t.Errorf("the row holds %q in clear: %s", clear, raw)
			}
		}
		if !strings.Contains(raw, `"lang"`) || !strings.Contains(raw, `"fr"`) || !strings.Contains(raw, `"v1:`+testSecrets.ID()+`:`) {
			t.Errorf("row %s: want lang in clear and sealed credentials", raw)
		}
		check := func(how string, src vigie.Source) {
			t.Helper()
			if src.Settings["token"] != testToken || src.Settings["api_key"] != testAPIKey || src.Settings["lang"] != "fr" ||
				src.Settings["client_secret"] != "" || len(src.Settings) != 4 || src.UndecryptableSettings != nil {
				t.Errorf("%s: settings %v, undecryptable %v", how, src.Settings, src.UndecryptableSettings)
			}
		}
		check("CreateSource", created)
		check("FindSourceByID", must(s.FindSourceByID(ctx, f.ws.ID, created.ID))(t))
		for _, src := range must(s.FindSources(ctx, f.ws.ID))(t) {
			if src.ID == created.ID {
				check("FindSources", src)
			}
		}
		for _, src := range must(s.FindDueSources(ctx, t0, 10))(t) {
			if src.ID == created.ID {
				check("FindDueSources", src)
			}
		}
		// Nothing to seal, nothing another key sealed.
		if c := must(s.SealSettings(ctx))(t); c.Sealed != 0 || c.Undecryptable != 0 {
			t.Errorf("SealSettings = %+v", c)
		}
	})
}

// TestSourceCredentialsNotInDatabaseFiles: on SQLite, no file of the
// database (the database, its write-ahead log) holds a credential.
func TestSourceCredentialsNotInDatabaseFiles(t *testing.T) {
	dir := t.TempDir()
	s := openURL(t, "sqlite:"+filepath.Join(dir, "vigie.db"))
	f := newFixture(t, s)
	ctx := context.Background()
	for _, name := range []string{"one", "two", "three"} {
		must(s.CreateSource(ctx, keyedSource(f.ws.ID, name)))(t)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "vigie.db*"))
	if len(files) == 0 {
		t.Fatal("no database file")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, clear := range []string{testToken, testAPIKey} {
			if bytes.Contains(b, []byte(clear)) {
				t.Errorf("%s holds %q in clear", filepath.Base(p), clear)
			}
		}
	}
}

// TestUndecryptableCredentials: a credential the store's key cannot open
// (the key changed, the value was damaged or moved to another setting)
// neither fails nor hides its source: the source reads with that setting
// empty and named, and says what to do.
func TestUndecryptableCredentials(t *testing.T) {
	eachStoreURL(t, func(t *testing.T, s *Store, u string) {
		ctx := context.Background()
		f := newFixture(t, s)
		keyed := must(s.CreateSource(ctx, keyedSource(f.ws.ID, "Keyed")))(t)
		plain := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "Plain", URL: "https://plain.example/feed",
			Settings: map[string]string{"lang": "de"}}))(t)

		// The same database opened with another key, as after the key file
		// was lost.
		other, err := secret.New(secret.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		s2 := reopen(t, u, WithSecrets(other))
		got := must(s2.FindSourceByID(ctx, f.ws.ID, keyed.ID))(t)
		if got.Settings["token"] != "" || got.Settings["api_key"] != "" || got.Settings["lang"] != "fr" ||
			!slices.Equal(got.UndecryptableSettings, []string{"api_key", "token"}) {
			t.Errorf("with another key: settings %v, undecryptable %v", got.Settings, got.UndecryptableSettings)
		}
		err = got.CredentialError()
		if err == nil || !strings.Contains(err.Error(), "the secret key changed") || !strings.Contains(err.Error(), `"token"`) ||
			strings.Contains(err.Error(), testToken) {
			t.Errorf("CredentialError = %v", err)
		}
		all := must(s2.FindSources(ctx, f.ws.ID))(t)
		if len(all) != 3 {
			t.Errorf("FindSources with another key: %d sources, want 3", len(all))
		}
		if p := must(s2.FindSourceByID(ctx, f.ws.ID, plain.ID))(t); p.Settings["lang"] != "de" || p.CredentialError() != nil {
			t.Errorf("a source without credentials: %v %v", p.Settings, p.CredentialError())
		}
		// A credential left in clear is not sealed by a process whose key
		// is not the others': they could not read it.
		legacy := `{"lang": "de", "password": "legacy-clear-password"}`
		setRawSettings(t, s, plain.ID, legacy)
		c := must(s2.SealSettings(ctx))(t)
		if c.Sealed != 0 || c.Undecryptable != 2 || !slices.Equal(c.OtherKeys, []string{testSecrets.ID()}) {
			t.Errorf("SealSettings with another key = %+v", c)
		}
		if raw := rawSettings(t, s, plain.ID); !strings.Contains(raw, "legacy-clear-password") {
			t.Errorf("sealed with a key the others lack: %s", raw)
		}
		// Nothing was rewritten: the right key still opens them.
		if got := must(s.FindSourceByID(ctx, f.ws.ID, keyed.ID))(t); got.Settings["token"] != testToken {
			t.Errorf("after a look with the wrong key, the token reads %q", got.Settings["token"])
		}

		// Without a key: read as undecryptable; a credential cannot be
		// written, a source without one can.
		s3 := reopen(t, u)
		if got := must(s3.FindSourceByID(ctx, f.ws.ID, keyed.ID))(t); len(got.UndecryptableSettings) != 2 {
			t.Errorf("without a key: %v %v", got.Settings, got.UndecryptableSettings)
		}
		if _, err := s3.CreateSource(ctx, keyedSource(f.ws.ID, "No key")); err == nil || !strings.Contains(err.Error(), "secret key") ||
			strings.Contains(err.Error(), testToken) {
			t.Errorf("a credential stored without a key: %v", err)
		}
		must(s3.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "No key", URL: "https://x.example/feed",
			Settings: map[string]string{"lang": "it", "token": ""}}))(t)

		// A sealed value damaged, or moved to another setting.
		raw := rawSettings(t, s, keyed.ID)
		sealed := map[string]string{}
		for _, k := range []string{"token", "api_key"} {
			i := strings.Index(raw, `"`+k+`"`)
			v := raw[i+len(k)+2:]
			v = v[strings.Index(v, `"`)+1:]
			sealed[k] = v[:strings.Index(v, `"`)]
		}
		damaged := sealed["token"][:len(sealed["token"])-2] + "AA"
		if damaged == sealed["token"] {
			damaged = sealed["token"][:len(sealed["token"])-2] + "BB"
		}
		setRawSettings(t, s, keyed.ID, `{"token": "`+damaged+`", "api_key": "`+sealed["token"]+`", "lang": "fr"}`)
		got = must(s.FindSourceByID(ctx, f.ws.ID, keyed.ID))(t)
		if got.Settings["token"] != "" || got.Settings["api_key"] != "" || !slices.Equal(got.UndecryptableSettings, []string{"api_key", "token"}) {
			t.Errorf("damaged and moved: %v %v", got.Settings, got.UndecryptableSettings)
		}
		if c := must(s.SealSettings(ctx))(t); c.Undecryptable != 2 || len(c.OtherKeys) != 0 || c.Sealed != 1 {
			t.Errorf("SealSettings on damaged values = %+v", c)
		}
		if p := must(s.FindSourceByID(ctx, f.ws.ID, plain.ID))(t); p.Settings["password"] != "legacy-clear-password" ||
			strings.Contains(rawSettings(t, s, plain.ID), "legacy-clear-password") {
			t.Errorf("the legacy password once sealed: %v", p.Settings)
		}
	})
}

// TestClearCredentialsSealed: credentials stored in clear (before
// encryption at rest) read as they are, and SealSettings seals them.
func TestClearCredentialsSealed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		src := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceMastodon, Name: "Old", URL: "https://social.example"}))(t)
		setRawSettings(t, s, src.ID, `{"token": "`+testToken+`", "lang": "fr", "key": "v1:not-sealed"}`)
		got := must(s.FindSourceByID(ctx, f.ws.ID, src.ID))(t)
		if got.Settings["token"] != testToken || got.Settings["key"] != "v1:not-sealed" || got.UndecryptableSettings != nil {
			t.Fatalf("clear credentials read as %v %v", got.Settings, got.UndecryptableSettings)
		}
		c := must(s.SealSettings(ctx))(t)
		if c.Sealed != 2 || c.Undecryptable != 0 {
			t.Errorf("SealSettings = %+v, want 2 sealed", c)
		}
		if raw := rawSettings(t, s, src.ID); strings.Contains(raw, testToken) || strings.Contains(raw, "not-sealed") || !strings.Contains(raw, `"fr"`) {
			t.Errorf("row after SealSettings: %s", raw)
		}
		got = must(s.FindSourceByID(ctx, f.ws.ID, src.ID))(t)
		if got.Settings["token"] != testToken || got.Settings["key"] != "v1:not-sealed" || got.Settings["lang"] != "fr" {
			t.Errorf("after SealSettings: %v", got.Settings)
		}
		if c := must(s.SealSettings(ctx))(t); c.Sealed != 0 {
			t.Errorf("second SealSettings = %+v", c)
		}
	})
}

// eachStoreURL is eachStore for tests that open the database again.
func eachStoreURL(t *testing.T, fn func(t *testing.T, s *Store, u string)) {
	t.Helper()
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			fn(t, openURL(t, u), u)
		})
	}
}

// reopen opens a second handle on the database at u (as another process
// would), closed at the end of the test.
func reopen(t testing.TB, u string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), u, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

package config

import (
	"encoding/base64"
	"encoding/hex"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/secret"
)

func TestPrecedence(t *testing.T) {
	t.Setenv("VIGIE_ADDR", "0.0.0.0:9000")
	t.Setenv("VIGIE_DATA", "/from/env")
	t.Setenv("VIGIE_DATABASE_URL", "postgres://vigie:s3cret@db:5432/vigie")
	c := Defaults()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Flags(fs, true)
	if err := fs.Parse([]string{"--data", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Resolve(fs); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.Data != "/from/flag" {
		t.Fatalf("flags must win over env, env over defaults: %+v", c)
	}
	if s := c.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "vigie:***@db") {
		t.Fatalf("password not redacted: %s", s)
	}
	if u, err := c.StoreURL(); err != nil || u != c.DatabaseURL {
		t.Fatalf("store URL %q %v", u, err)
	}
}

func TestInvalid(t *testing.T) {
	for name, env := range map[string][2]string{
		"log level":    {"VIGIE_LOG_LEVEL", "loud"},
		"database url": {"VIGIE_DATABASE_URL", "mysql://x"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(env[0], env[1])
			c := Defaults()
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			c.Flags(fs, true)
			_ = fs.Parse(nil)
			if err := c.Resolve(fs); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestStoreURLDefaultsToSQLiteInData(t *testing.T) {
	c := Defaults()
	c.Data = t.TempDir() + "/nested"
	u, err := c.StoreURL()
	if err != nil || u != "sqlite:"+c.Data+"/vigie.db" {
		t.Fatalf("%q %v", u, err)
	}
}

// TestRecentWindow: the recent window and its cap come from flags, then
// the environment, then the defaults (7 days, 2 GB); 0 days is off, and a
// value that is not a duration or a size is an error naming the variable.
func TestRecentWindow(t *testing.T) {
	parse := func(t *testing.T, args ...string) (Config, error) {
		t.Helper()
		c := Defaults()
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.Flags(fs, false)
		if err := fs.Parse(args); err != nil {
			return c, err
		}
		return c, c.Resolve(fs)
	}
	c, err := parse(t)
	if err != nil || c.RecentWindow != 7*24*time.Hour || c.RecentMaxBytes != 2<<30 {
		t.Fatalf("defaults: %v %d %v", c.RecentWindow, c.RecentMaxBytes, err)
	}
	if s := c.String(); !strings.Contains(s, "recent_window=7d recent_max_size=2GB") {
		t.Fatalf("config shown as %s", s)
	}
	t.Setenv("VIGIE_RECENT_WINDOW", "0")
	t.Setenv("VIGIE_RECENT_MAX_SIZE", "500MB")
	if c, err = parse(t); err != nil || c.RecentWindow != 0 || c.RecentMaxBytes != 500<<20 {
		t.Fatalf("env: %v %d %v", c.RecentWindow, c.RecentMaxBytes, err)
	}
	if c, err = parse(t, "--recent-window", "36h", "--recent-max-size", "1.5gb"); err != nil || c.RecentWindow != 36*time.Hour || c.RecentMaxBytes != 3<<29 {
		t.Fatalf("flags over env: %v %d %v", c.RecentWindow, c.RecentMaxBytes, err)
	}
	if c, err = parse(t, "--recent-window", "2.5d"); err != nil || c.RecentWindow != 60*time.Hour {
		t.Fatalf("days: %v %v", c.RecentWindow, err)
	}
	for _, bad := range [][]string{{"--recent-window", "week"}, {"--recent-window", "-1h"}, {"--recent-max-size", "0"}, {"--recent-max-size", "lots"}} {
		if _, err := parse(t, bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	// Too long says so, not that it is no number.
	for _, long := range []string{"3651d", "99999999d", "1e400d"} {
		if _, err := parse(t, "--recent-window", long); err == nil || !strings.Contains(err.Error(), "more than 3650 days") {
			t.Errorf("%s: %v", long, err)
		}
	}
	t.Setenv("VIGIE_RECENT_WINDOW", "soon")
	if _, err := parse(t); err == nil || !strings.Contains(err.Error(), "VIGIE_RECENT_WINDOW") {
		t.Fatalf("a bad variable: %v", err)
	}
}

// TestSecretKey: the key that encrypts credentials comes from
// VIGIE_SECRET_KEY, else VIGIE_SECRET_KEY_FILE, else the data folder's
// secret.key, made once; `vigie config` never shows the key itself, and a
// bad one is an error naming the variable, not the value.
func TestSecretKey(t *testing.T) {
	key := secret.NewKey()
	text := base64.StdEncoding.EncodeToString(key)

	t.Run("data folder", func(t *testing.T) {
		c, err := resolve(t)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(c.Data, "secret.key")
		if s := c.String(); !strings.Contains(s, "secret_key_file="+path) {
			t.Errorf("config shown as %s", s)
		}
		b1, from, created, err := c.SecretBox()
		if err != nil || from != path || !created {
			t.Fatalf("first: %q created %v %v", from, created, err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v", fi, err)
		}
		b2, _, created, err := c.SecretBox()
		if err != nil || created || b2.ID() != b1.ID() {
			t.Fatalf("second: created %v, same key %v, %v", created, b2.ID() == b1.ID(), err)
		}
	})
	t.Run("environment", func(t *testing.T) {
		t.Setenv("VIGIE_SECRET_KEY", text)
		c, err := resolve(t)
		if err != nil {
			t.Fatal(err)
		}
		if s := c.String(); strings.Contains(s, text) || !strings.Contains(s, "secret_key=***") {
			t.Errorf("the key is not redacted: %s", s)
		}
		b, from, created, err := c.SecretBox()
		if err != nil || from != "VIGIE_SECRET_KEY" || created || b.ID() != secret.KeyID(key) {
			t.Fatalf("%q %v %v", from, created, err)
		}
		if _, err := os.Stat(filepath.Join(c.Data, "secret.key")); err == nil {
			t.Error("a key file was made though VIGIE_SECRET_KEY is set")
		}
	})
	t.Run("file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "vigie-key")
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o400); err != nil {
			t.Fatal(err)
		}
		t.Setenv("VIGIE_SECRET_KEY_FILE", path)
		c, err := resolve(t)
		if err != nil {
			t.Fatal(err)
		}
		if s := c.String(); !strings.Contains(s, "secret_key_file="+path) || strings.Contains(s, hex.EncodeToString(key)) {
			t.Errorf("config shown as %s", s)
		}
		b, from, _, err := c.SecretBox()
		if err != nil || from != path || b.ID() != secret.KeyID(key) {
			t.Fatalf("%q %v", from, err)
		}
		t.Setenv("VIGIE_SECRET_KEY_FILE", path+".missing")
		c, _ = resolve(t)
		if _, _, _, err := c.SecretBox(); err == nil || !strings.Contains(err.Error(), "VIGIE_SECRET_KEY_FILE") {
			t.Errorf("a missing key file: %v", err)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		for _, bad := range []string{"hunter2-hunter2", base64.StdEncoding.EncodeToString(key[:16])} {
			t.Setenv("VIGIE_SECRET_KEY", bad)
			_, err := resolve(t)
			if err == nil || !strings.Contains(err.Error(), "VIGIE_SECRET_KEY") || strings.Contains(err.Error(), bad) {
				t.Errorf("%d-character key: %v", len(bad), err)
			}
		}
	})
	t.Run("both", func(t *testing.T) {
		t.Setenv("VIGIE_SECRET_KEY", text)
		t.Setenv("VIGIE_SECRET_KEY_FILE", "/etc/vigie/key")
		if _, err := resolve(t); err == nil || strings.Contains(err.Error(), text) {
			t.Errorf("both set: %v", err)
		}
	})
}

// resolve resolves the defaults with the test's environment.
func resolve(t *testing.T) (Config, error) {
	t.Helper()
	c := Defaults()
	c.Data = filepath.Join(t.TempDir(), "data")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Flags(fs, true)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	return c, c.Resolve(fs)
}

// TestRedactDatabasePasswords: every form of a database password is hidden.
func TestRedactDatabasePasswords(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:pw@db/v?password=QueryPw&sslmode=disable": "postgres://u:***@db/v?password=***&sslmode=disable",
		"host=db user=u password=KVsecret dbname=v":             "host=db user=u password=*** dbname=v",
		"postgres://db/v?sslpassword=x":                         "postgres://db/v?sslpassword=***",
		// A mail server's, with an address in its query.
		"smtp://alerts:MailPw@mail.example:587?from=vigie@uval.example": "smtp://alerts:***@mail.example:587?from=vigie@uval.example",
		"smtps://mail.example?from=a@b.example":                         "smtps://mail.example?from=a@b.example",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPublicAndMailURLs: VIGIE_PUBLIC_URL and VIGIE_SMTP_URL are checked,
// and the mail password never printed.
func TestPublicAndMailURLs(t *testing.T) {
	t.Setenv("VIGIE_PUBLIC_URL", "https://vigie.uval.example/")
	t.Setenv("VIGIE_SMTP_URL", "smtp://alerts:MailPw@mail.example:587?from=vigie@uval.example")
	c, err := resolve(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://vigie.uval.example" || c.SMTPURL == "" || strings.Contains(c.String(), "MailPw") || !strings.Contains(c.String(), "smtp_url=smtp://alerts:***@mail.example") {
		t.Fatalf("%+v\n%s", c, c.String())
	}
	for key, bad := range map[string]string{"VIGIE_PUBLIC_URL": "vigie.uval.example", "VIGIE_SMTP_URL": "http://u:SecretPw@mail.example"} {
		t.Run(key, func(t *testing.T) {
			t.Setenv(key, bad)
			if _, err := resolve(t); err == nil || !strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "SecretPw") {
				t.Errorf("%s=%s: %v", key, bad, err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                  "nats://127.0.0.1:4222",
		"nats://vigie:s3cret@nats.internal:4222": "nats://vigie:***@nats.internal:4222",
		"nats://tok3n@a:4222,nats://u:p@b:4222":  "nats://***@a:4222,nats://u:***@b:4222",
	} {
		if got := RedactNATS(in); got != want || strings.Contains(got, "s3cret") || strings.Contains(got, "tok3n") {
			t.Errorf("RedactNATS(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRoles: --roles takes a list or all; part of Vigie without NATS is
// refused with what to do; an unknown role names the known ones.
func TestRoles(t *testing.T) {
	parse := func(args ...string) (Config, error) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c := Defaults()
		c.Flags(fs, true)
		if err := fs.Parse(args); err != nil {
			return c, err
		}
		return c, c.Resolve(fs)
	}
	c, err := parse()
	if err != nil || !c.AllRolesHere() {
		t.Fatalf("default: %v %v", c.Roles, err)
	}
	if _, err := parse("--roles", "match"); err == nil || !strings.Contains(err.Error(), "--nats-url") {
		t.Errorf("match without NATS: %v", err)
	}
	c, err = parse("--roles", "match, web,match", "--nats-url", "nats://127.0.0.1:4222")
	if err != nil || strings.Join(c.Roles, ",") != "match,web" || c.Has(RoleIngest) {
		t.Errorf("roles %v: %v", c.Roles, err)
	}
	if _, err := parse("--roles", "matcher"); err == nil || !strings.Contains(err.Error(), "web, ingest, match, scheduler") {
		t.Errorf("unknown role: %v", err)
	}
	if _, err := parse("--nats-url", "http://x:4222"); err == nil {
		t.Error("an http:// NATS URL was taken")
	}
	t.Setenv("VIGIE_ROLES", "scheduler")
	t.Setenv("VIGIE_NATS_URL", "nats://n:4222")
	if c, err = parse(); err != nil || strings.Join(c.Roles, ",") != "scheduler" || c.NATSURL != "nats://n:4222" {
		t.Errorf("from the environment: %v %q %v", c.Roles, c.NATSURL, err)
	}
}

package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
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

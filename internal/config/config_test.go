package config

import (
	"flag"
	"io"
	"strings"
	"testing"
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

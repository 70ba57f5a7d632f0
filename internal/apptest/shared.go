// Package apptest holds helpers for Vigie's tests.
package apptest

import (
	"os"
	"path/filepath"
	"testing"
)

// Shared returns the path of a file or folder under the project's shared data
// (../shared next to the checkout, or $VIGIE_SHARED). When it is absent the
// test is skipped with a message — or fails when VIGIE_REQUIRE_SHARED=1, as
// CI sets, so that nothing is silently skipped there.
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	base := os.Getenv("VIGIE_SHARED")
	if base == "" {
		root, err := ModuleRoot()
		if err != nil {
			tb.Fatal(err)
		}
		base = filepath.Join(root, "..", "shared")
	}
	p := filepath.Join(base, rel)
	if _, err := os.Stat(p); err != nil {
		msg := "shared test data " + p + " is not here (set VIGIE_SHARED to the shared folder to run this test)"
		if os.Getenv("VIGIE_REQUIRE_SHARED") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return p
}

// ModuleRoot returns the folder holding go.mod, from the working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

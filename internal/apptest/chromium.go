package apptest

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of a Chromium or Chrome executable for browser
// tests ($VIGIE_CHROMIUM, else the usual names on $PATH). When there is none
// the test is skipped with a message (CI installs Debian's chromium and
// fails on any skip).
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("VIGIE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	tb.Skip("no Chromium for the browser tests: install Debian's chromium (apt-get install chromium) or set VIGIE_CHROMIUM")
	return ""
}

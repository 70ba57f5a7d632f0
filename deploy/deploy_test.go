// Package deploy holds the files that install Vigie (a systemd unit, a
// container image, a compose file); its tests check what can be checked
// without Docker or systemd running.
package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestImageBuildIsStatic runs the Dockerfile's build command and checks
// that the binary is static (no ELF interpreter, no shared library): the
// image is distroless/static, which has no libc to load one.
func TestImageBuildIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: not in -short mode")
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	build := regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main\.version=\$\{VIGIE_VERSION\}" -o /out/vigie \./cmd/vigie`)
	if !build.Match(df) {
		t.Fatal("the Dockerfile no longer builds with the command this test runs: change both")
	}
	// The image's Go is the one go.mod asks for.
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	got := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)`).FindSubmatch(df)
	if want == nil || got == nil || string(got[1]) != string(want[1]) {
		t.Errorf("the Dockerfile builds with Go %s, go.mod asks for %s", got, want)
	}

	bin := filepath.Join(t.TempDir(), "vigie")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -X main.version=v0.0.0-test", "-o", bin, "./cmd/vigie")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build ./cmd/vigie: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Skipf("not an ELF system: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary asks for an ELF interpreter: it is not static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Fatalf("the binary needs shared libraries %v (%v)", libs, err)
	}
	// It runs, SQLite included, and knows the version it was given.
	dir := t.TempDir()
	data, archive := filepath.Join(dir, "data"), filepath.Join(dir, "b.tar.zst")
	for _, args := range [][]string{
		{"workspace", "create", "--slug", "press", "--name", "Press", "--data", data},
		{"backup", "--data", data, "--out", archive},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("vigie %s: %v\n%s", args[0], err, out)
		}
	}
	out, err := exec.Command(bin, "restore", archive, "--check").Output()
	if err != nil || !strings.Contains(string(out), "made by Vigie v0.0.0-test") {
		t.Fatalf("vigie restore --check: %v\n%s", err, out)
	}
}

// TestUnitsNameTheBinaryTheImageInstalls: the systemd units run the binary
// where the image and the install notes put it, with the settings Vigie
// reads (a typo in a unit is silently an unset variable).
func TestUnitsNameTheBinaryTheImageInstalls(t *testing.T) {
	for _, name := range []string{"vigie.service", "vigie-backup.service"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if !strings.Contains(s, "/usr/local/bin/vigie ") {
			t.Errorf("%s does not run /usr/local/bin/vigie", name)
		}
		for _, v := range regexp.MustCompile(`Environment=(VIGIE_[A-Z_]+)=`).FindAllStringSubmatch(s, -1) {
			if !knownSetting(t, v[1]) {
				t.Errorf("%s sets %s, which Vigie does not read", name, v[1])
			}
		}
	}
}

// knownSetting reports whether Vigie's configuration reads the variable.
func knownSetting(t *testing.T, name string) bool {
	t.Helper()
	b, err := os.ReadFile("../internal/config/config.go")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), `"`+name+`"`)
}

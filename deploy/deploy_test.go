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
	"slices"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/config"
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
	build := regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main\.version=\$\{VERSION\}" -o /out/vigie \./cmd/vigie`)
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
// where the install notes put it.
func TestUnitsNameTheBinaryTheImageInstalls(t *testing.T) {
	for _, name := range []string{"vigie.service", "vigie-backup.service"} {
		if !strings.Contains(read(t, name), "/usr/local/bin/vigie ") {
			t.Errorf("%s does not run /usr/local/bin/vigie", name)
		}
	}
}

// TestSettingsAreVigies: every VIGIE_* variable the deployment files set
// is one Vigie reads (a typo would silently be a setting left unset).
func TestSettingsAreVigies(t *testing.T) {
	cfg := read(t, "../internal/config/config.go")
	for _, name := range []string{"vigie.service", "vigie-backup.service", "compose.yaml", "vigie.env.example", "Dockerfile"} {
		for _, v := range regexp.MustCompile(`\b(VIGIE_[A-Z_]+)\s*[=:]`).FindAllStringSubmatch(read(t, name), -1) {
			if !strings.Contains(cfg, `"`+v[1]+`"`) {
				t.Errorf("%s sets %s, which Vigie does not read", name, v[1])
			}
		}
	}
}

// TestComposeRunsEveryRole: the compose file's Vigie services run known
// roles, and all of them between them (a layout without, say, the
// scheduler would never publish nor alert). Read as text: the module has
// no YAML parser, and this test is not worth one.
func TestComposeRunsEveryRole(t *testing.T) {
	seen := map[string]bool{}
	commands := regexp.MustCompile(`command: \["serve", "--roles", "([a-z,]+)"\]`).FindAllStringSubmatch(read(t, "compose.yaml"), -1)
	for _, c := range commands {
		for _, r := range strings.Split(c[1], ",") {
			if !slices.Contains(config.AllRoles, r) {
				t.Errorf("compose.yaml runs an unknown role %q", r)
			}
			seen[r] = true
		}
	}
	for _, r := range config.AllRoles {
		if !seen[r] {
			t.Errorf("no service of compose.yaml runs the %s role", r)
		}
	}
	if len(commands) != 3 {
		t.Errorf("compose.yaml has %d vigie serve services, want web, ingest and match", len(commands))
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

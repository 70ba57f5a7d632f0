package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
)

// TestMain lets the test binary act as the vigie command for subprocess
// tests (kill -9 in the middle of an import).
func TestMain(m *testing.M) {
	if os.Getenv("VIGIE_TEST_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var testMonitors = []vigie.Monitor{
	{ID: "m-valmont", Kind: "brand", Query: `valmont OR uval OR "université de valmont"`},
	{ID: "m-rival", Kind: "competitor", Query: `rivaltech NOT job*`},
	{ID: "m-rank", Kind: "keyword", Query: `(valmont OR rivaltech) NEAR/3 (ranking OR classement)`},
	{ID: "m-tag", Kind: "campaign", Query: `#uvalday`},
}

// writeCorpus writes n posts of deterministic texts and the monitors, and returns how
// many posts match and how many (post, monitor) matches there are.
func writeCorpus(t testing.TB, dir string, n int) (postsPath, monitorsPath string, matching, matches int) {
	t.Helper()
	words := []string{"the", "campus", "students", "research", "ranking", "classement", "valmont", "UVAL", "rivaltech", "jobs",
		"#uvalday", "news", "today", "great", "science", "lab", "Université", "de", "Valmont", "and"}
	r := rand.New(rand.NewPCG(1, 2))
	ix := match.NewIndex()
	var mb strings.Builder
	for _, m := range testMonitors {
		q, err := query.Parse(m.Query)
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Add(m.ID, q); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&mb, `{"id":%q,"name":%q,"kind":%q,"query":%q}`+"\n", m.ID, m.ID, m.Kind, m.Query)
	}
	monitorsPath = filepath.Join(dir, "monitors.jsonl")
	if err := os.WriteFile(monitorsPath, []byte(mb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	postsPath = filepath.Join(dir, "posts.jsonl")
	f, err := os.Create(postsPath)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	mt := match.NewMatcher(ix)
	// A minute apart, the last an hour ago: posts dated ahead of the clock
	// are refused.
	base := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour - time.Duration(n)*time.Minute)
	for i := range n {
		var text strings.Builder
		for k := range 4 + r.IntN(10) {
			if k > 0 {
				text.WriteByte(' ')
			}
			w := words[r.IntN(len(words))]
			if r.IntN(8) != 0 && (w == "valmont" || w == "UVAL" || w == "rivaltech" || w == "#uvalday" || w == "Valmont") {
				w = "filler"
			}
			text.WriteString(w)
		}
		p := vigie.Post{ID: fmt.Sprintf("import:%d", i), Source: "import", Text: text.String(), PublishedAt: base.Add(time.Duration(i) * time.Minute)}
		if ids := mt.Match(&p); len(ids) > 0 {
			matching++
			matches += len(ids)
		}
		fmt.Fprintf(w, `{"id":%q,"source":"import","published_at":%q,"text":%q}`+"\n", p.ID, p.PublishedAt.Format(time.RFC3339), p.Text)
		if i == n/2 {
			fmt.Fprintln(w, `{"id": "broken`) // a bad line in the middle
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return postsPath, monitorsPath, matching, matches
}

func cliCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "VIGIE_TEST_AS_CLI=1")
	return cmd
}

var progressLine = regexp.MustCompile(`^imported (\d+) posts`)

// TestImportSurvivesKill kills `vigie import` with SIGKILL in the middle of
// 100k posts, imports again, and checks every matching post is stored once.
func TestImportSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	posts, monitors, matching, matches := writeCorpus(t, dir, 100_000)
	data := filepath.Join(dir, "data")

	cmd := cliCommand("import", "--monitors", monitors, "--posts", posts, "--data", data, "--progress", "--log-level", "warn")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	killedAt := 0
	for sc.Scan() {
		if m := progressLine.FindStringSubmatch(sc.Text()); m != nil {
			if n, _ := strconv.Atoi(m[1]); n >= 30_000 {
				killedAt = n
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
	}
	_ = cmd.Wait()
	if killedAt == 0 {
		t.Fatal("the import finished before it could be killed")
	}
	t.Logf("killed after %d posts", killedAt)

	out, err := cliCommand("import", "--monitors", monitors, "--posts", posts, "--data", data, "--log-level", "warn").CombinedOutput()
	if err != nil {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "line 50002: skipped") || !strings.Contains(string(out), "1 bad lines skipped") {
		t.Errorf("bad line not reported with its number:\n%s", out)
	}
	out, err = cliCommand("import", "--posts", posts, "--data", data, "--log-level", "warn").CombinedOutput()
	if err != nil || !strings.Contains(string(out), " 0 stored") {
		t.Fatalf("third import should store nothing: %v\n%s", err, out)
	}

	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Posts != int64(matching) || c.Mentions != int64(matches) {
		t.Fatalf("stored %d posts and %d mentions, want exactly %d and %d", c.Posts, c.Mentions, matching, matches)
	}
	t.Logf("%d matching posts and %d mentions stored exactly once", matching, matches)
}

// TestImportInvalidMonitorChangesNothing: a bad line anywhere in the
// monitors file stops the import before any monitor is saved.
func TestImportInvalidMonitorChangesNothing(t *testing.T) {
	dir := t.TempDir()
	mons := filepath.Join(dir, "m.jsonl")
	content := `{"id":"m1","kind":"brand","query":"valmont"}` + "\n" + `{"id":"m2","kind":"brand","query":"valmont AND (uval"}` + "\n"
	if err := os.WriteFile(mons, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	code, _, errOut := runCLI(t, "import", "--monitors", mons, "--data", data)
	if code != 2 || !strings.Contains(errOut, `line 2: monitor "m2"`) || !strings.Contains(errOut, "column 13") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ms, err := st.FindMonitors(context.Background(), 0); err != nil || len(ms) != 0 {
		t.Fatalf("monitors saved despite the bad line: %v %v", ms, err)
	}
}

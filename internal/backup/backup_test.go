package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// TestWatchSaysHowFar: a long copy says how far it is, and stops saying
// it once stopped.
func TestWatchSaysHowFar(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = time.Millisecond
	path := filepath.Join(t.TempDir(), "copy")
	if err := os.WriteFile(path, make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	stop := watch(path, 6<<20, func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, a...))
	})
	for {
		mu.Lock()
		n := len(lines)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	mu.Lock()
	n := len(lines)
	mu.Unlock()
	time.Sleep(10 * time.Millisecond)
	if len(lines) != n || lines[0] != "  3.0 MB of about 6.0 MB" {
		t.Fatalf("said %q (%d lines, then %d)", lines[0], n, len(lines))
	}
}

// TestRestoreStopsWhenInterrupted: Ctrl-C (the context ending) stops an
// extraction, says so rather than blaming the archive, and leaves no file.
func TestRestoreStopsWhenInterrupted(t *testing.T) {
	raw, _ := testArchive(t, bytes.Repeat([]byte("pages "), 1<<20))
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	r := &cancelAfter{r: bytes.NewReader(raw), n: len(raw) / 2, cancel: cancel}
	_, err := Restore(ctx, r, RestoreOptions{URL: "sqlite:" + filepath.Join(dir, "vigie.db"), KeyPath: filepath.Join(dir, "secret.key")})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("interrupted restore: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) > 0 {
		t.Fatalf("files left: %v", files)
	}
}

// cancelAfter cancels its context once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

// TestRoomFor: a restore that cannot fit says so before it writes.
func TestRoomFor(t *testing.T) {
	dir := t.TempDir()
	if _, ok := freeSpace(dir); !ok {
		t.Skip("this system does not tell its free space")
	}
	if err := roomFor(dir, File{Name: "vigie.db", Size: 1 << 60}); err == nil || !strings.Contains(err.Error(), "vigie.db needs 1048576.00 TB") {
		t.Fatalf("an exabyte: %v", err)
	}
	if err := roomFor(dir, File{Name: "vigie.db", Size: 1 << 10}); err != nil {
		t.Fatal(err)
	}
}

// TestCompatible: a backup of an older schema is restored (Vigie migrates
// it at its next start); one of a schema newer than this binary's is not.
func TestCompatible(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		latest := store.LatestSchema(d)
		if latest == "" {
			t.Fatalf("%s: no migrations", d)
		}
		for schema, ok := range map[string]bool{"0001_init": true, latest: true, "9999_later": false} {
			err := Compatible(Manifest{Dialect: d, Schema: schema, Vigie: "v9"})
			if ok != (err == nil) || !ok && (!errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), latest)) {
				t.Errorf("%s %s: %v", d, schema, err)
			}
		}
	}
}

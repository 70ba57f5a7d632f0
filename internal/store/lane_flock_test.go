//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// Two Stores on one SQLite file lock the lane's files through separate open
// files, so they hand the write lock over as two processes do (vigie serve
// beside vigie import).

// onQueued makes fn run once s's next writer waiting for another process
// is announced and waits for the lane.
func onQueued(s *Store, fn func()) {
	var once sync.Once
	s.files.queued = func() { once.Do(fn) }
}

// busyWriter runs back-to-back transactions on a, each of which, once it
// holds the write lock, reports whether seen finds the other writer's
// write, then waits for the test's go-ahead: the test sees every one of
// a's transactions while it holds the lock.
type busyWriter struct {
	inside  chan bool // one per transaction holding the lock: seen's answer
	proceed chan bool // false: commit and stop
	done    chan error
}

func startBusyWriter(t *testing.T, a *Store, workspaceID int64, seen string, args ...any) *busyWriter {
	t.Helper()
	w := &busyWriter{inside: make(chan bool), proceed: make(chan bool), done: make(chan error, 1)}
	go func() {
		ctx := context.Background()
		for more := true; more; {
			err := a.inTx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, a.q("UPDATE workspaces SET name = name || 'a' WHERE id = ?"), workspaceID); err != nil {
					return err
				}
				var n int
				if err := tx.QueryRowContext(ctx, a.q(seen), args...).Scan(&n); err != nil {
					return err
				}
				w.inside <- n > 0
				more = <-w.proceed
				return nil
			})
			if err != nil {
				w.done <- err
				return
			}
		}
		w.done <- nil
	}()
	return w
}

// TestSQLiteLaneAcrossProcesses: a writer of one process waiting while
// another process writes back-to-back transactions gets in right after the
// transaction holding the lock when it came, where SQLite's busy handler
// let it starve for tens of seconds (or fail with SQLITE_BUSY). Both a
// transaction and a write outside one (a source's state, a session's
// last activity) are served in turn.
func TestSQLiteLaneAcrossProcesses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(ctx context.Context, b *Store, f fixture) error
		seen  string // counts rows of the write, once it is visible
	}{
		{"transaction", func(ctx context.Context, b *Store, f fixture) error {
			_, err := saveBatch(b, ctx, f.source.ID, items("m1", post("b", "m1 text", t0)), nil)
			return err
		}, "SELECT COUNT(*) FROM posts"},
		{"plain write", func(ctx context.Context, b *Store, f fixture) error {
			return b.UpdateSourceState(ctx, f.source.ID, vigie.SourceState{NextCheckAt: t0, LastError: "from b"})
		}, "SELECT COUNT(*) FROM sources WHERE last_error = 'from b'"},
	}
	// Past this many of a's transactions b is starving: a stops, so that
	// the test ends either way.
	const giveUp = 1000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "vigie.db")
			a, b := openURL(t, path), openURL(t, path)
			f := newFixture(t, a, "m1")
			// b learnt of the monitor and the source from the file.
			ctx := context.Background()
			queued := make(chan struct{})
			onQueued(b, func() { close(queued) })

			w := startBusyWriter(t, a, f.ws.ID, tt.seen)
			if <-w.inside {
				t.Fatal("b's write is there before b wrote")
			}
			wrote := make(chan error, 1)
			go func() { wrote <- tt.write(ctx, b, f) }()
			<-queued
			// a's transaction holding the lock when b queued commits; count
			// those of a's next transactions that get the lock before b's
			// write is in.
			w.proceed <- true
			before := 0
			for !<-w.inside {
				before++
				w.proceed <- before < giveUp
				if before == giveUp {
					break
				}
			}
			if before < giveUp {
				w.proceed <- false
			}
			if err := <-w.done; err != nil {
				t.Fatalf("a: %v", err)
			}
			if err := <-wrote; err != nil {
				t.Fatalf("b's write (after %d of a's transactions): %v", before, err)
			}
			if before > 0 {
				t.Errorf("b's write waited for %d more of a's back-to-back transactions, want it next", before)
			}
		})
	}
}

// TestSQLiteLaneGiveUpAcrossProcesses: a writer waiting for another
// process's transaction gives up when its context ends, while the other
// still holds the lock, and the lock its abandoned wait gets afterwards is
// released: later writers of both processes get in.
func TestSQLiteLaneGiveUpAcrossProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vigie.db")
	a, b := openURL(t, path), openURL(t, path)
	f := newFixture(t, a, "m1")
	queued := make(chan struct{})
	onQueued(b, func() { close(queued) })

	w := startBusyWriter(t, a, f.ws.ID, "SELECT 0")
	<-w.inside
	ctx, cancel := context.WithCancel(context.Background())
	wrote := make(chan error, 1)
	go func() {
		wrote <- b.UpdateSourceState(ctx, f.source.ID, vigie.SourceState{NextCheckAt: t0, LastError: "given up"})
	}()
	<-queued
	cancel()
	// a holds the lock until b answers: b must answer without it.
	select {
	case err := <-wrote:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "waiting for the database's write lock") {
			t.Fatalf("b gave up with %v, want it waiting for the write lock, canceled", err)
		}
	case <-time.After(time.Minute): // a guard, not a measure: the lock is held until b answers
		t.Fatal("b's cancelled write still waits for the lock")
	}
	w.proceed <- false
	if err := <-w.done; err != nil {
		t.Fatalf("a: %v", err)
	}

	// Each later write would wait for ever behind a lock left held; a
	// minute is a guard, not a measure.
	guard, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	st := vigie.SourceState{NextCheckAt: t0, LastError: "b again"}
	if err := b.UpdateSourceState(guard, f.source.ID, st); err != nil {
		t.Fatalf("b's next write: %v", err)
	}
	st.LastError = "a again"
	if err := a.UpdateSourceState(guard, f.source.ID, st); err != nil {
		t.Fatalf("a's next write: %v", err)
	}
	// b's next write ran after its abandoned wait released everything:
	// with nobody writing the lane's file is free.
	lf, err := os.Open(path + "-lane")
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("the lane's lock is still held once both wrote: %v", err)
	}
	syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
	if got := must(a.FindSourceByID(context.Background(), f.ws.ID, f.source.ID))(t); got.LastError != "a again" {
		t.Errorf("source's last error %q, want a's last write", got.LastError)
	}
}

// TestSQLiteOpenBesideWriter: a process opening an up-to-date database
// (vigie token create while vigie import writes) takes no write lock: one
// turn per migration would cost it one of the other's transactions each.
func TestSQLiteOpenBesideWriter(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vigie.db")
	a := openURL(t, path)
	f := newFixture(t, a)
	w := startBusyWriter(t, a, f.ws.ID, "SELECT 0")
	<-w.inside
	// a holds the write lock until the Open returns; the timeout is a
	// guard, not a measure.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Open(ctx, path)
	if err == nil {
		err = b.Close()
	}
	w.proceed <- false
	if err != nil {
		t.Fatalf("open beside a writer: %v", err)
	}
	if err := <-w.done; err != nil {
		t.Fatalf("a: %v", err)
	}
}

// TestSQLiteLaneFiles: the lock files sit by the database, private to its
// owner; an in-memory database has none.
func TestSQLiteLaneFiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vigie.db")
	openURL(t, path)
	for _, suffix := range []string{"-lane", "-intent"} {
		fi, err := os.Stat(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want 0600", suffix, perm)
		}
	}
	if l, err := openFileLane(":memory:"); l != nil || err != nil {
		t.Errorf("an in-memory database has lock files: %v, %v", l, err)
	}
}

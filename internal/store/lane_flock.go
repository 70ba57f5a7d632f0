//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// fileLane hands SQLite's write lock over between processes with two lock
// files next to the database, locked with flock(2):
//
//   - <db>-lane, held exclusively by the process writing;
//   - <db>-intent, held shared by every process waiting for the lane.
//
// A writer announces itself on intent, waits for the lane, and lets go of
// intent once it has the lane. Before announcing, it checks that nobody
// else is announced (intent free); if somebody is, it waits until intent
// is free, that is until the announced waiters have all had the lane, and
// only then announces itself. flock alone is not enough: a released lock
// goes to whoever asks first, and the process that just released it asks
// again at once while the waiter is still waking up. With the check, a
// process writing back-to-back transactions lets a waiting process in
// after the transaction holding the lane when it came, and processes
// waiting together go in rounds, none twice before each has had a turn.
//
// With nobody waiting this costs three flock calls that never block, and
// one to release. The fds are only touched by the writer at the head of
// the process's lane (Store.lane), one at a time.
//
// flock locks belong to an open file, not a process: two Stores of one
// process on one file hand the lock over as two processes do, which the
// tests use.
type fileLane struct {
	lane, intent syscall.RawConn
	files        [2]*os.File
	// queued, when set, runs once the writer is announced on intent and
	// waits for the lane; tests use it to know a writer is queued.
	queued func()
}

// openFileLane opens (creating them, 0600) the lock files of the SQLite
// database at path; none for an in-memory database, nor for a "file:" URI
// (whose path is SQLite's to read).
func openFileLane(path string) (*fileLane, error) {
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, nil
	}
	l := &fileLane{}
	for i, suffix := range []string{"-lane", "-intent"} {
		f, err := os.OpenFile(path+suffix, os.O_RDWR|os.O_CREATE, 0o600)
		if err == nil {
			var rc syscall.RawConn
			if rc, err = f.SyscallConn(); err == nil {
				l.files[i] = f
				if i == 0 {
					l.lane = rc
				} else {
					l.intent = rc
				}
				continue
			}
			f.Close()
		}
		l.close()
		return nil, fmt.Errorf("open the database's lock file: %w", err)
	}
	return l, nil
}

func (l *fileLane) close() {
	for _, f := range l.files {
		if f != nil {
			f.Close()
		}
	}
}

// flock runs flock(2) on rc's fd, again when a signal interrupts it (Go's
// runtime sends some). With LOCK_NB it reports false for a lock held
// elsewhere. RawConn.Control keeps the fd open meanwhile: a Store closed
// under a waiting goroutine cannot hand the number to another file.
func flock(rc syscall.RawConn, how int) (bool, error) {
	var err error
	cerr := rc.Control(func(fd uintptr) {
		for {
			err = syscall.Flock(int(fd), how)
			if err != syscall.EINTR {
				return
			}
		}
	})
	if cerr != nil {
		return false, cerr
	}
	if how&syscall.LOCK_NB != 0 && errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// lock takes the lane for the writer at the head of the process's lane,
// or fails when ctx ends first. On failure leave runs, at once or, after
// ctx ended, once the abandoned wait is over and the lock it got released.
func (l *fileLane) lock(ctx context.Context, leave func()) error {
	// Nobody announced, lane free: take it without blocking.
	free, err := flock(l.intent, syscall.LOCK_EX|syscall.LOCK_NB)
	if err != nil {
		leave()
		return fmt.Errorf("lock the database's write lane: %w", err)
	}
	if free {
		got, err := flock(l.lane, syscall.LOCK_EX|syscall.LOCK_NB)
		flock(l.intent, syscall.LOCK_UN)
		if err != nil {
			leave()
			return fmt.Errorf("lock the database's write lane: %w", err)
		}
		if got {
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		leave()
		return errLaneWait(err)
	}
	// flock blocks and ignores ctx: wait in a goroutine, and if ctx ends
	// first leave it to release what it gets.
	done := make(chan error, 1)
	go func() { done <- l.wait(!free) }()
	select {
	case err := <-done:
		if err != nil {
			leave()
			return fmt.Errorf("lock the database's write lane: %w", err)
		}
		return nil
	case <-ctx.Done():
		go func() {
			if err := <-done; err == nil {
				l.unlock()
			}
			leave()
		}()
		return errLaneWait(ctx.Err())
	}
}

// wait takes the lane, blocking; polite first lets the writers already
// announced go.
func (l *fileLane) wait(polite bool) error {
	if polite {
		if _, err := flock(l.intent, syscall.LOCK_EX); err != nil {
			return err
		}
		flock(l.intent, syscall.LOCK_UN)
	}
	if _, err := flock(l.intent, syscall.LOCK_SH); err != nil {
		return err
	}
	if l.queued != nil {
		l.queued()
	}
	_, err := flock(l.lane, syscall.LOCK_EX)
	flock(l.intent, syscall.LOCK_UN)
	return err
}

func (l *fileLane) unlock() { flock(l.lane, syscall.LOCK_UN) }

//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package store

import "context"

// fileLane hands the write lock over between processes where flock(2)
// exists (lane_flock.go). Elsewhere processes on one file still meet
// SQLite's busy handler, and there is no fileLane.
type fileLane struct{}

func openFileLane(string) (*fileLane, error) { return nil, nil }

func (*fileLane) lock(context.Context, func()) error { return nil }
func (*fileLane) unlock()                            {}
func (*fileLane) close()                             {}

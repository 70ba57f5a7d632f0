//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package store

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// InUse reports whether another process has the SQLite database at path
// open: in WAL mode every connection holds a shared fcntl lock on the
// "DMS" byte of the -shm file (offset 128: SQLite's os_unix.c,
// UNIX_SHM_DMS) for as long as it is open. A restore must not replace
// the files under a running Vigie, which would go on writing to the old
// ones and lose it all. Locks of this process are not seen (fcntl locks
// never conflict with their own process's).
func InUse(path string) (bool, error) {
	f, err := os.OpenFile(path+"-shm", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 128, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false, err
	}
	return lk.Type != syscall.F_UNLCK, nil
}

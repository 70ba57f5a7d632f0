package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ParseKey reads a key written as base64 (standard or URL alphabet, padded
// or not: 43 or 44 characters) or as 64 hex digits, spaces around ignored.
// Its errors never hold the text, which may be a key.
func ParseKey(text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, errors.New("no key: give 32 random bytes as base64, e.g. the output of `openssl rand -base64 32`")
	}
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("the key is %d bytes long, not %d: give 32 random bytes as base64, e.g. the output of `openssl rand -base64 32`", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("the key is neither base64 nor %d hex digits: give 32 random bytes as base64, e.g. the output of `openssl rand -base64 32`", 2*KeySize)
}

// NewKey returns a fresh random key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	return k
}

// EncodeKey writes a key as ParseKey reads it (standard base64).
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// ReadKeyFile reads a key kept in a file (ParseKey's forms).
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the secret key: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("the secret key file %s: %w", path, err)
	}
	return k, nil
}

// LoadKeyFile reads the key kept at path, making it first if there is
// none: 32 random bytes in base64, readable by the owner only (0600). It
// reports whether it made it. Processes starting at once agree on one key:
// the file appears whole under its name (written aside, then linked there,
// which fails if the name is taken, as O_EXCL does), and the process that
// finds it taken reads the winner's.
func LoadKeyFile(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if key, err = ParseKey(string(b)); err != nil {
			return nil, false, fmt.Errorf("the secret key file %s: %w; restore it from your backup (without it the stored credentials cannot be read), or move it away to make a new key and enter the credentials again", path, err)
		}
		return key, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("reading the secret key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, false, fmt.Errorf("making the secret key: %w", err)
	}
	key = NewKey()
	if err := createExclusive(path, []byte(EncodeKey(key)+"\n")); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process made it first: use its key.
			key, err = ReadKeyFile(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("making the secret key: %w", err)
	}
	return key, true, nil
}

// createExclusive writes data to a new file at path, mode 0600, so that
// no reader ever sees it incomplete: written and synced under a temporary
// name (os.CreateTemp: O_EXCL, 0600), then hard-linked to path, which
// fails with fs.ErrExist if path exists. Where hard links are not
// supported, the file is made at path with O_EXCL directly.
func createExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := writeSync(tmp, data); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if err := writeSync(f, data); err != nil {
			os.Remove(path)
			return err
		}
	}
	// The new name lasts through a crash.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

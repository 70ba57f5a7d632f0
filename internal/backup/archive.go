// Package backup writes and reads Vigie's backup archives, and makes and
// restores them for both databases.
//
// An archive is a tar stream compressed with zstd (so `tar --zstd -tvf`
// lists it, and an operator can take it apart by hand) holding, in this
// order:
//
//   - manifest.json: what the backup is (Manifest), with the size and
//     SHA-256 of every other file, first so that a restore can refuse an
//     archive before writing anything;
//   - secret.key: the key that seals the sources' credentials, unless the
//     backup was made without it;
//   - vigie.db (SQLite: a consistent copy made by VACUUM INTO) or
//     postgres.dump (PostgreSQL: pg_dump's custom format, uncompressed as
//     zstd compresses the whole).
package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// The archive's format; a reader refuses a newer FormatVersion.
const (
	FormatName    = "vigie-backup"
	FormatVersion = 1
)

// The files an archive holds.
const (
	ManifestName = "manifest.json"
	KeyName      = "secret.key"
	SQLiteName   = "vigie.db"
	PostgresName = "postgres.dump"
)

// Manifest describes a backup.
type Manifest struct {
	Format        string `json:"format"`
	FormatVersion int    `json:"format_version"`
	// Vigie is the version of the Vigie that made it.
	Vigie string `json:"vigie_version"`
	// Dialect is the database: "sqlite" or "postgres".
	Dialect string `json:"dialect"`
	// Schema is the last migration applied to the database.
	Schema    string    `json:"schema_version"`
	CreatedAt time.Time `json:"created_at"`
	// PostgresSchema is the schema Vigie's tables were in (PostgreSQL);
	// pg_restore puts them back there.
	PostgresSchema string `json:"postgres_schema,omitempty"`
	// KeyID names the secret key the archive holds (secret.KeyID); empty
	// when it holds none.
	KeyID string `json:"secret_key_id,omitempty"`
	// Credentials counts the sources' sealed credentials; OtherKeys names
	// the keys other than KeyID that sealed some (they cannot be read
	// with the key the archive holds).
	Credentials int      `json:"credentials"`
	OtherKeys   []string `json:"credentials_other_keys,omitempty"`
	// Counts are the rows of the main tables, to check a restore by.
	Counts map[string]int64 `json:"counts"`
	Files  []File           `json:"files"`
}

// File is one file of the archive after the manifest.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// DataName is the name of the database's file for the manifest's dialect.
func (m Manifest) DataName() string {
	if m.Dialect == "postgres" {
		return PostgresName
	}
	return SQLiteName
}

// HasKey reports whether the archive holds the secret key.
func (m Manifest) HasKey() bool {
	for _, f := range m.Files {
		if f.Name == KeyName {
			return true
		}
	}
	return false
}

// maxManifest bounds what a reader takes in as the manifest, and
// maxKeySize the key file: neither is large in an archive Vigie wrote.
const (
	maxManifest = 1 << 20
	maxKeySize  = 4 << 10
)

var (
	schemaPattern = regexp.MustCompile(`^[0-9]{4}_[a-z0-9_]{1,100}$`)
	hexSHA256     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	printable     = regexp.MustCompile(`^[\x20-\x7e]{0,100}$`)
	// ErrDamaged is an archive that is not a readable Vigie backup.
	ErrDamaged = errors.New("not a readable Vigie backup")
)

func damaged(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrDamaged}, a...)...)
}

// Validate checks a manifest as read from an archive.
func (m Manifest) Validate() error {
	switch {
	case m.Format != FormatName:
		return damaged("its manifest is not a %s manifest", FormatName)
	case m.FormatVersion > FormatVersion:
		return fmt.Errorf("the archive's format version is %d, and this Vigie reads up to %d: restore it with the Vigie that made it (%s) or a newer one", m.FormatVersion, FormatVersion, m.Vigie)
	case m.FormatVersion < 1:
		return damaged("format version %d", m.FormatVersion)
	case m.Dialect != "sqlite" && m.Dialect != "postgres":
		return damaged("unknown database %q", m.Dialect)
	case !schemaPattern.MatchString(m.Schema):
		return damaged("schema version %q", m.Schema)
	case !printable.MatchString(m.Vigie), !printable.MatchString(m.KeyID):
		// Both are shown on the terminal.
		return damaged("its Vigie version or key id is not a short printable text")
	}
	data := false
	seen := map[string]bool{}
	for i, f := range m.Files {
		switch {
		case seen[f.Name]:
			return damaged("%s is named twice in the manifest", f.Name)
		case f.Name != KeyName && f.Name != m.DataName():
			return damaged("the manifest names an unexpected file %q", f.Name)
		case f.Size < 0 || f.Name == KeyName && f.Size > maxKeySize:
			return damaged("%s has a size of %d bytes", f.Name, f.Size)
		case !hexSHA256.MatchString(f.SHA256):
			return damaged("%s has no SHA-256 checksum", f.Name)
		case f.Name == m.DataName() && i != len(m.Files)-1:
			return damaged("%s is not the last file", f.Name)
		}
		seen[f.Name] = true
		data = data || f.Name == m.DataName()
	}
	if !data {
		return damaged("the manifest names no %s", m.DataName())
	}
	return nil
}

// Part is a file to write into an archive: a file on disk (Path) or bytes
// (Data).
type Part struct {
	File
	Path string
	Data []byte
}

// Describe sets the size and checksum of a part from its content.
func Describe(name, path string, data []byte) (Part, error) {
	p := Part{File: File{Name: name}, Path: path, Data: data}
	h := sha256.New()
	if path == "" {
		h.Write(data)
		p.Size = int64(len(data))
	} else {
		f, err := os.Open(path)
		if err != nil {
			return p, err
		}
		defer f.Close()
		if p.Size, err = io.Copy(h, f); err != nil {
			return p, fmt.Errorf("read %s: %w", path, err)
		}
	}
	p.SHA256 = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// Write writes an archive of m (whose Files Write sets) and parts to w.
// progress, when given, hears about each part as it is written.
func Write(w io.Writer, m Manifest, parts []Part, progress func(File)) error {
	m.Format, m.FormatVersion = FormatName, FormatVersion
	m.Files = nil
	for _, p := range parts {
		m.Files = append(m.Files, p.File)
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write a backup: %w", err)
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	entry := func(name string, size int64, r io.Reader) error {
		hdr := &tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		n, err := io.Copy(tw, r)
		if err == nil && n != size {
			err = fmt.Errorf("%s changed while it was written (%d bytes, not %d)", name, n, size)
		}
		return err
	}
	if err := entry(ManifestName, int64(len(manifest)), bytes.NewReader(manifest)); err != nil {
		return fmt.Errorf("write the archive: %w", err)
	}
	for _, p := range parts {
		r := io.Reader(bytes.NewReader(p.Data))
		if p.Path != "" {
			f, err := os.Open(p.Path)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		if err := entry(p.Name, p.Size, r); err != nil {
			return fmt.Errorf("write the archive: %w", err)
		}
		if progress != nil {
			progress(p.File)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write the archive: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write the archive: %w", err)
	}
	return nil
}

// Reader reads an archive: its manifest at once, then its files in order.
type Reader struct {
	m    Manifest
	zr   *zstd.Decoder
	tr   *tar.Reader
	next int
}

// zstdMagic begins every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// Open reads an archive's manifest from r and checks it. Close the reader
// when done.
func Open(r io.Reader) (*Reader, error) {
	head := make([]byte, 16)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		if errors.Is(err, io.EOF) {
			return nil, damaged("the file is empty")
		}
		return nil, err
	}
	if !bytes.HasPrefix(head, zstdMagic) {
		switch {
		case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
			return nil, damaged("this is an SQLite database file, not a Vigie backup archive; to use it, stop Vigie and copy it to the data folder as vigie.db")
		case bytes.HasPrefix(head, []byte("PGDMP")):
			return nil, damaged("this is a pg_dump file, not a Vigie backup archive; restore it with pg_restore")
		}
		return nil, damaged("it is not zstd-compressed as a Vigie backup archive is")
	}
	zr, err := zstd.NewReader(io.MultiReader(bytes.NewReader(head), r),
		zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, damaged("%v", err)
	}
	ar := &Reader{zr: zr, tr: tar.NewReader(zr)}
	if err := ar.readManifest(); err != nil {
		zr.Close()
		return nil, err
	}
	return ar, nil
}

func (r *Reader) readManifest() error {
	hdr, err := r.tr.Next()
	if err != nil {
		return readErr(err, ManifestName)
	}
	if hdr.Name != ManifestName || hdr.Typeflag != tar.TypeReg || sparse(hdr) {
		return damaged("it does not begin with %s", ManifestName)
	}
	if hdr.Size > maxManifest {
		return damaged("its manifest is %d bytes long", hdr.Size)
	}
	b, err := io.ReadAll(r.tr)
	if err != nil {
		return readErr(err, ManifestName)
	}
	if err := json.Unmarshal(b, &r.m); err != nil {
		return damaged("its manifest cannot be read: %v", err)
	}
	return r.m.Validate()
}

// sparse reports a file whose holes tar would fill with zeros: a few bytes
// of archive could then stand for terabytes of file.
func sparse(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// readErr explains an error reading the archive's stream.
func readErr(err error, name string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("interrupted while reading %s: %w", name, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return damaged("it ends in the middle of %s (a truncated copy? copy it again)", name)
	}
	return damaged("%s cannot be read (a damaged copy? copy it again, or take another backup): %v", name, err)
}

// Manifest is the archive's manifest.
func (r *Reader) Manifest() Manifest { return r.m }

// Next moves to the archive's next file (in the manifest's order) and
// returns it; io.EOF after the last.
func (r *Reader) Next() (File, error) {
	if r.next >= len(r.m.Files) {
		return File{}, io.EOF
	}
	f := r.m.Files[r.next]
	r.next++
	hdr, err := r.tr.Next()
	if err != nil {
		return f, readErr(err, f.Name)
	}
	if hdr.Name != f.Name || hdr.Typeflag != tar.TypeReg {
		return f, damaged("%s is where the manifest has %s", hdr.Name, f.Name)
	}
	if sparse(hdr) {
		return f, damaged("%s is a sparse file, which vigie backup never writes", f.Name)
	}
	if hdr.Size != f.Size {
		return f, damaged("%s is %d bytes long, and the manifest says %d", f.Name, hdr.Size, f.Size)
	}
	return f, nil
}

// CopyTo copies the current file (Next) to w and checks its checksum:
// a file whose content differs from the manifest's is an error, at the
// end of the copy.
func (r *Reader) CopyTo(w io.Writer, f File) error {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(errWriter{w}, h), r.tr)
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return we.err
		}
		return readErr(err, f.Name)
	}
	return check(f, n, h)
}

// writeError marks an error of the destination, not of the archive.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// errWriter marks the destination's errors (a full disk), which are not
// the archive's.
type errWriter struct{ w io.Writer }

func (e errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}

func check(f File, n int64, h hash.Hash) error {
	if n != f.Size {
		return damaged("%s is %d bytes long, and the manifest says %d", f.Name, n, f.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return damaged("the content of %s differs from its checksum (a damaged copy?)", f.Name)
	}
	return nil
}

// ReadSmall reads the current file, which must be small (the key).
func (r *Reader) ReadSmall(f File) ([]byte, error) {
	var b bytes.Buffer
	if err := r.CopyTo(&b, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Finish reads the archive to its end, after the last file: zstd checks
// its frame's checksum there, and nothing may follow the files.
func (r *Reader) Finish() error {
	if r.next < len(r.m.Files) {
		return damaged("Finish before the last file")
	}
	if hdr, err := r.tr.Next(); err == nil {
		return damaged("%s follows the files the manifest names", hdr.Name)
	} else if err != io.EOF {
		return readErr(err, "the end of the archive")
	}
	if _, err := io.Copy(io.Discard, r.zr); err != nil {
		return readErr(err, "the end of the archive")
	}
	return nil
}

// Close releases the decompressor.
func (r *Reader) Close() { r.zr.Close() }

package backup

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/vigie-project/vigie/internal/secret"
)

// testArchive is a small archive with a key and a database file.
func testArchive(t testing.TB, data []byte) ([]byte, Manifest) {
	t.Helper()
	key := secret.NewKey()
	kp, err := Describe(KeyName, "", []byte(secret.EncodeKey(key)+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	dp, err := Describe(SQLiteName, "", data)
	if err != nil {
		t.Fatal(err)
	}
	m := Manifest{Vigie: "test", Dialect: "sqlite", Schema: "0031_publish_web", KeyID: secret.KeyID(key),
		CreatedAt: time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC), Counts: map[string]int64{"posts": 3}}
	var b bytes.Buffer
	if err := Write(&b, m, []Part{kp, dp}, nil); err != nil {
		t.Fatal(err)
	}
	m.Format, m.FormatVersion, m.Files = FormatName, FormatVersion, []File{kp.File, dp.File}
	return b.Bytes(), m
}

func TestArchiveRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("SQLite pages "), 10000)
	raw, want := testArchive(t, data)
	r, err := Open(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := r.Manifest()
	if got.Schema != want.Schema || got.KeyID != want.KeyID || !got.CreatedAt.Equal(want.CreatedAt) || got.Counts["posts"] != 3 || len(got.Files) != 2 {
		t.Fatalf("manifest %+v, want %+v", got, want)
	}
	key, f, err := readKey(r, got)
	if err != nil || secret.KeyID(key) != want.KeyID || f.Name != SQLiteName {
		t.Fatalf("key %v, next %v, %v", key, f, err)
	}
	var out bytes.Buffer
	if err := r.CopyTo(&out, f); err != nil || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("data: %d bytes, %v", out.Len(), err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last file: %v", err)
	}
	if len(raw) > len(data)/20 {
		t.Errorf("the archive is %d bytes for %d repetitive bytes: not compressed?", len(raw), len(data))
	}
}

// TestArchiveCutAnywhere: an archive cut at any byte is refused as
// damaged, never read as whole, never a panic.
func TestArchiveCutAnywhere(t *testing.T) {
	raw, _ := testArchive(t, bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 3000))
	for n := 0; n < len(raw); n++ {
		if _, err := Check(bytes.NewReader(raw[:n])); !errors.Is(err, ErrDamaged) {
			t.Fatalf("cut at %d of %d bytes: %v", n, len(raw), err)
		}
	}
	if _, err := Check(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveChangedAnywhere: a byte changed anywhere is caught (by zstd's
// frame checksum, tar's header checksum, or the manifest's SHA-256) unless
// the change leaves the content as it was (a bit of zstd's padding or
// header that does not change what it decodes to).
func TestArchiveChangedAnywhere(t *testing.T) {
	raw, _ := testArchive(t, []byte("a small database"))
	want := decompress(t, raw)
	same := 0
	for i := range raw {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		if _, err := Check(bytes.NewReader(b)); err == nil {
			if !bytes.Equal(decompress(t, b), want) {
				t.Fatalf("byte %d of %d changed the content, and the archive reads as good", i, len(raw))
			}
			same++
		}
	}
	t.Logf("%d of %d changes left the content unchanged and were accepted", same, len(raw))
}

func decompress(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestManifestValidate(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	good := func() Manifest {
		return Manifest{Format: FormatName, FormatVersion: 1, Dialect: "postgres", Schema: "0001_init",
			Files: []File{{KeyName, 45, sum}, {PostgresName, 10, sum}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*Manifest)
		want   string
	}{
		{"other format", func(m *Manifest) { m.Format = "tar" }, "not a vigie-backup manifest"},
		{"newer format", func(m *Manifest) { m.FormatVersion, m.Vigie = 2, "v3" }, "format version is 2"},
		{"no format version", func(m *Manifest) { m.FormatVersion = 0 }, "format version 0"},
		{"unknown dialect", func(m *Manifest) { m.Dialect = "mysql" }, `unknown database "mysql"`},
		{"bad schema", func(m *Manifest) { m.Schema = "../../etc" }, "schema version"},
		{"path in a name", func(m *Manifest) { m.Files[1].Name = "../vigie.db" }, "unexpected file"},
		{"sqlite file in a postgres backup", func(m *Manifest) { m.Files[1].Name = SQLiteName }, "unexpected file"},
		{"twice", func(m *Manifest) { m.Files = append(m.Files[:1], m.Files...) }, "named twice"},
		{"no data", func(m *Manifest) { m.Files = m.Files[:1] }, "names no postgres.dump"},
		{"data not last", func(m *Manifest) { m.Files[0], m.Files[1] = m.Files[1], m.Files[0] }, "not the last"},
		{"negative size", func(m *Manifest) { m.Files[1].Size = -1 }, "size of -1"},
		{"huge key", func(m *Manifest) { m.Files[0].Size = 1 << 30 }, "size of"},
		{"no checksum", func(m *Manifest) { m.Files[1].SHA256 = "" }, "no SHA-256"},
		{"escape sequence", func(m *Manifest) { m.Vigie = "v1\x1b[2J" }, "printable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good()
			tt.change(&m)
			err := m.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%v, want %q", err, tt.want)
			}
		})
	}
}

// FuzzCheck: whatever the bytes, reading them as an archive ends with an
// archive that checks out or an error, never a panic or a hang.
func FuzzCheck(f *testing.F) {
	raw, _ := testArchive(f, []byte("a small database"))
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add([]byte{})
	f.Add([]byte("SQLite format 3\x00"))
	f.Add(append([]byte{0x28, 0xb5, 0x2f, 0xfd}, make([]byte, 64)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Check(bytes.NewReader(b))
		if err == nil {
			if verr := m.Validate(); verr != nil {
				t.Fatalf("an archive read as good has an invalid manifest: %v", verr)
			}
		}
	})
}

// FuzzCheckTar is FuzzCheck one layer in: the bytes are the tar stream,
// compressed before they are read, so that the fuzzer explores the tar
// headers, the manifest and its checks rather than zstd's frames.
func FuzzCheckTar(f *testing.F) {
	raw, _ := testArchive(f, []byte("a small database"))
	inner := decompress(f, raw)
	f.Add(inner)
	f.Add(inner[:len(inner)/2])
	f.Add(inner[:600])
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Check(bytes.NewReader(enc.EncodeAll(b, nil)))
		if err == nil {
			if verr := m.Validate(); verr != nil {
				t.Fatalf("an archive read as good has an invalid manifest: %v", verr)
			}
		}
	})
}

// TestSparseRefused: a tar entry made sparse by PAX records (tar fills its
// holes with zeros) would let a few bytes of archive stand for a terabyte
// of database; the reader refuses it instead of writing the zeros.
func TestSparseRefused(t *testing.T) {
	const realSize = 1 << 40
	m := Manifest{Format: FormatName, FormatVersion: 1, Vigie: "test", Dialect: "sqlite", Schema: "0031_publish_web",
		Files: []File{{SQLiteName, realSize, strings.Repeat("0", 64)}}}
	manifest, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(manifest)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(manifest)
	tw.Flush()
	// tar.Writer writes no sparse file: the PAX header is made by hand.
	records := paxRecord("GNU.sparse.size", fmt.Sprint(realSize)) + paxRecord("GNU.sparse.numblocks", "1") + paxRecord("GNU.sparse.map", "0,1")
	b.Write(rawHeader(t, "PaxHeaders/vigie.db", 'x', len(records)))
	b.Write(padded([]byte(records)))
	b.Write(rawHeader(t, SQLiteName, '0', 1))
	b.Write(padded([]byte{1}))
	b.Write(make([]byte, 1024))
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Check(bytes.NewReader(enc.EncodeAll(b.Bytes(), nil)))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "sparse") {
			t.Fatalf("a sparse entry: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the reader is writing out the sparse file's terabyte of zeros")
	}
}

func paxRecord(k, v string) string {
	rec := " " + k + "=" + v + "\n"
	n := len(rec) + 1
	for len(fmt.Sprint(n))+len(rec) != n {
		n++
	}
	return fmt.Sprint(n) + rec
}

// rawHeader is a ustar header block.
func rawHeader(t *testing.T, name string, typeflag byte, size int) []byte {
	t.Helper()
	h := make([]byte, 512)
	copy(h[0:100], name)
	copy(h[100:108], "0000600\x00")
	copy(h[108:116], "0000000\x00")
	copy(h[116:124], "0000000\x00")
	copy(h[124:136], fmt.Sprintf("%011o\x00", size))
	copy(h[136:148], "00000000000\x00")
	h[156] = typeflag
	copy(h[257:265], "ustar\x0000")
	copy(h[148:156], "        ")
	sum := 0
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return h
}

func padded(b []byte) []byte {
	return append(b, make([]byte, (512-len(b)%512)%512)...)
}

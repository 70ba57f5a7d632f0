package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newBox(t testing.TB) *Box {
	t.Helper()
	b, err := New(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := newBox(t)
	for _, plain := range []string{"", "x", "ghp_0123456789abcdefghijklmnopqrstuvwxyz", "é€😀\x00\n", strings.Repeat("k", 10000)} {
		s := b.Seal(plain, "token")
		if len(plain) > 4 && strings.Contains(s, plain) {
			t.Errorf("sealed %q holds it in clear: %s", plain, s)
		}
		if !strings.HasPrefix(s, "v1:"+b.ID()+":") || !IsSealed(s) {
			t.Errorf("sealed form %q", s)
		}
		got, err := b.Open(s, "token")
		if err != nil || got != plain {
			t.Errorf("Open(Seal(%.20q)) = %.20q, %v", plain, got, err)
		}
	}
	// A fresh nonce each time: the same value seals differently.
	if b.Seal("same", "token") == b.Seal("same", "token") {
		t.Error("two seals of a value are equal: the nonce is not random")
	}
}

// TestTampered: any change to a sealed value, or the value opened under
// another label, is refused as damaged, never opened to something else.
func TestTampered(t *testing.T) {
	b := newBox(t)
	s := b.Seal("the-real-token-value", "token")
	if _, err := b.Open(s, "api_key"); !errors.Is(err, ErrDamaged) {
		t.Errorf("opened under another label: %v", err)
	}
	head := len("v1:") + idLen + 1
	raw, err := base64.RawURLEncoding.DecodeString(s[head:])
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			c := bytes.Clone(raw)
			c[i] ^= bit
			forged := s[:head] + base64.RawURLEncoding.EncodeToString(c)
			if got, err := b.Open(forged, "token"); !errors.Is(err, ErrDamaged) {
				t.Fatalf("byte %d bit %#x changed: Open = %q, %v; want ErrDamaged", i, bit, got, err)
			}
		}
	}
	for name, bad := range map[string]string{
		"truncated":      s[:len(s)-4],
		"no data":        s[:head],
		"not base64":     s[:head] + "!!!!" + s[head+4:],
		"clear text":     "the-real-token-value",
		"empty":          "",
		"other version":  "v2" + s[2:],
		"id not hex":     "v1:zzzzzzzz:" + s[head:],
		"id too short":   "v1:abc:" + s[head:],
		"only the nonce": s[:head] + base64.RawURLEncoding.EncodeToString(raw[:12]),
	} {
		got, err := b.Open(bad, "token")
		if err == nil || got != "" {
			t.Errorf("%s: Open = %q, %v", name, got, err)
		}
		if strings.Contains(err.Error(), "the-real-token-value") {
			t.Errorf("%s: the error shows the value: %v", name, err)
		}
	}
}

// TestWrongKey: a value sealed with another key says so (the key
// changed), whether its id says it or only the tag does.
func TestWrongKey(t *testing.T) {
	a, b := newBox(t), newBox(t)
	s := a.Seal("token-of-a", "token")
	_, err := b.Open(s, "token")
	if !errors.Is(err, ErrOtherKey) || !strings.Contains(err.Error(), a.ID()) || !strings.Contains(err.Error(), b.ID()) {
		t.Errorf("other key: %v", err)
	}
	// The id rewritten to b's: the tag still refuses it.
	forged := "v1:" + b.ID() + s[len("v1:")+idLen:]
	if got, err := b.Open(forged, "token"); !errors.Is(err, ErrDamaged) {
		t.Errorf("forged id: %q %v", got, err)
	}
	if a.ID() == b.ID() {
		t.Error("two random keys have one id")
	}
}

func TestNewRefusesShortKeys(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte key was taken", n)
		}
	}
}

func TestParseKey(t *testing.T) {
	k := NewKey()
	for name, text := range map[string]string{
		"base64":          base64.StdEncoding.EncodeToString(k),
		"base64 unpadded": base64.RawStdEncoding.EncodeToString(k),
		"base64url":       base64.URLEncoding.EncodeToString(k),
		"hex":             hex.EncodeToString(k),
		"HEX, spaces":     "  " + strings.ToUpper(hex.EncodeToString(k)) + "\n",
		"file line":       EncodeKey(k) + "\n",
	} {
		got, err := ParseKey(text)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("%s: %x %v", name, got, err)
		}
	}
	for name, text := range map[string]string{
		"empty":        " \n",
		"16 bytes":     base64.StdEncoding.EncodeToString(k[:16]),
		"63 hex":       hex.EncodeToString(k)[:63],
		"a password":   "correct horse battery staple",
		"64 not hex":   strings.Repeat("z", 64),
		"48 bytes b64": base64.StdEncoding.EncodeToString(append(k, k[:16]...)),
	} {
		_, err := ParseKey(text)
		if err == nil {
			t.Errorf("%s: taken", name)
			continue
		}
		if strings.TrimSpace(text) != "" && strings.Contains(err.Error(), strings.TrimSpace(text)) {
			t.Errorf("%s: the error shows the text: %v", name, err)
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vigie-data")
	path := filepath.Join(dir, "secret.key")
	k1, created, err := LoadKeyFile(path)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("first load: %d bytes, created %v, %v", len(k1), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, created, err := LoadKeyFile(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: created %v, same %v, %v", created, bytes.Equal(k1, k2), err)
	}
	// The file is what VIGIE_SECRET_KEY takes.
	b, _ := os.ReadFile(path)
	if k, err := ParseKey(string(b)); err != nil || !bytes.Equal(k, k1) {
		t.Errorf("file content is not a key ParseKey reads: %v", err)
	}
	if k, err := ReadKeyFile(path); err != nil || !bytes.Equal(k, k1) {
		t.Errorf("ReadKeyFile: %v", err)
	}
	// No temporary file left behind.
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("data folder holds %d files, want the key only", len(ents))
	}
	// A damaged key file is an error saying what to do, never replaced.
	if err := os.WriteFile(path, []byte("oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKeyFile(path); err == nil || !strings.Contains(err.Error(), "backup") {
		t.Errorf("damaged key file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "oops" {
		t.Error("a damaged key file was overwritten")
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "none")); err == nil {
		t.Error("a missing VIGIE_SECRET_KEY_FILE was taken")
	}
}

// TestKeyFileConcurrent: processes starting at once on an empty data
// folder all end with the same key, made by one of them.
func TestKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	const n = 16
	keys := make([][]byte, n)
	made := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], made[i], errs[i] = LoadKeyFile(path)
		}()
	}
	close(start)
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("load %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("load %d got another key", i)
		}
		if made[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d loads made the key, want 1", creators)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("data folder holds %d files, want the key only", len(ents))
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"short":                  FullMask,
		"elevenchars":            FullMask,
		"twelve-chars":           "…hars",
		"ghp_abcdefghijklmnWXYZ": "…WXYZ",
		"mot-de-passe-été€":      "…été€",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	got := MaskSettings(map[string]string{"token": "ghp_abcdefghijklmnWXYZ", "client_secret": "s", "lang": "fr", "instance": "https://x"})
	want := map[string]string{"token": "…WXYZ", "client_secret": FullMask, "lang": "fr", "instance": "https://x"}
	if len(got) != len(want) {
		t.Fatalf("MaskSettings = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("MaskSettings[%s] = %q, want %q", k, got[k], v)
		}
	}
	if MaskSettings(nil) != nil {
		t.Error("MaskSettings(nil) is not nil")
	}
}

func TestKeepMasked(t *testing.T) {
	stored := map[string]string{"token": "ghp_abcdefghijklmnWXYZ", "password": "short", "api_key": "old-key-0123456789", "lang": "fr"}
	given := map[string]string{
		"token":    "…WXYZ",            // shown back unchanged: kept
		"password": FullMask,           // likewise, fully masked
		"api_key":  "new-key-abcdefgh", // changed: the new one
		"lang":     "…WXYZ",            // not a credential: as given
		"user_key": "…WXYZ",            // a credential not stored before: as given
	}
	got := KeepMasked(stored, given)
	want := map[string]string{"token": stored["token"], "password": "short", "api_key": "new-key-abcdefgh", "lang": "…WXYZ", "user_key": "…WXYZ"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("KeepMasked[%s] = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("KeepMasked = %v", got)
	}
}

func FuzzOpen(f *testing.F) {
	b, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b.Seal("token", "token"))
	f.Add("v1:" + b.ID() + ":")
	f.Add("v1:00000000:AAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := b.Open(s, "token")
		if err == nil && b.Seal(plain, "token") == s {
			t.Fatal("a seal repeated its nonce")
		}
		IsSealed(s)
	})
}

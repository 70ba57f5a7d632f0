// Package secret seals the credentials Vigie keeps (a source's token, key,
// client secret…) so that the database never holds them in clear: AES-256-GCM
// with a random nonce, written as text that says its version and which key
// sealed it. The key comes from VIGIE_SECRET_KEY (or a file) or is made once
// in the data folder (key.go).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// prefix starts every sealed value: the format's version. A sealed value
// is prefix, the sealing key's id (KeyID), ':', then the nonce and the
// ciphertext with its tag in unpadded base64url.
const prefix = "v1:"

// idLen is the length of a key id in hex digits.
const idLen = 8

var (
	// ErrOtherKey is a value sealed with another key than the box's: the
	// secret key changed (or the value comes from another install).
	ErrOtherKey = errors.New("sealed with another secret key")
	// ErrDamaged is a value that is not in the sealed form, or whose
	// ciphertext was changed since it was sealed.
	ErrDamaged = errors.New("not a sealed value, or changed since it was sealed")
)

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
	id   string
}

// New returns a box for a KeySize-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("a secret key has %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, id: KeyID(key)}, nil
}

// KeyID names a key without revealing it: the first idLen hex digits of a
// SHA-256 of it. Sealed values carry it, so that a value sealed with
// another key is told from a damaged one.
func KeyID(key []byte) string {
	h := sha256.Sum256(append([]byte("vigie secret key id\x00"), key...))
	return hex.EncodeToString(h[:])[:idLen]
}

// ID is the box's key id (KeyID).
func (b *Box) ID() string { return b.id }

// Seal encrypts plain with a fresh random nonce. label is what the value
// is (a setting's name): Open must be given the same, so that a sealed
// value moved to another place does not open there.
func (b *Box) Seal(plain, label string) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(label))
	return prefix + b.id + ":" + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value Seal wrote with the same key and label. A value
// sealed with another key is ErrOtherKey; one changed or not sealed at all,
// ErrDamaged. Errors never hold the value.
func (b *Box) Open(sealed, label string) (string, error) {
	id, data, ok := split(sealed)
	if !ok {
		return "", ErrDamaged
	}
	if id != b.id {
		return "", fmt.Errorf("%w (key %s; the key in use is %s)", ErrOtherKey, id, b.id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return "", ErrDamaged
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(label))
	if err != nil {
		return "", ErrDamaged
	}
	return string(plain), nil
}

// IsSealed reports whether s has the sealed form (whatever its key), as
// opposed to a value stored in clear.
func IsSealed(s string) bool {
	_, data, ok := split(s)
	if !ok {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	return err == nil && len(raw) >= 12+16 // GCM's standard nonce and tag
}

// KeyIDOf returns the id of the key that sealed s (KeyID), or "" if s is
// not in the sealed form.
func KeyIDOf(s string) string {
	id, _, _ := split(s)
	return id
}

// split cuts a sealed value into its key id and data.
func split(s string) (id, data string, ok bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) < idLen+1 || rest[idLen] != ':' {
		return "", "", false
	}
	id = rest[:idLen]
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", "", false
		}
	}
	return id, rest[idLen+1:], true
}

// Package webhook is the inbound webhook source: other systems (a CMS, a
// form, a forum, a script) push posts in Vigie's post format to
// POST /hooks/{token}, optionally signed as Standard Webhooks
// (https://www.standardwebhooks.com) sign them. Nothing is polled: the
// kind is registered so that sources of it can be created, and its Runner
// has nothing to fetch.
//
// A source's token is a secret setting (hook_token); its address (URL) is
// "webhook:sha256:" and the token's SHA-256 in hex, by which a delivery
// finds its source. The store is asked for a hash, never for the secret: a
// lookup's timing tells nothing of the tokens, and a copy of the database
// without its settings (which are encrypted at rest) cannot post.
package webhook

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// The settings of a webhook source.
const (
	// SettingToken is the secret of the hook's URL: 32 random bytes in
	// unpadded base64url (43 characters), made by Check when absent.
	SettingToken = "hook_token"
	// SettingSigningKey, when set, is the Standard Webhooks signing
	// secret ("whsec_" and base64 of 24 to 64 bytes): every delivery
	// must then be signed with it.
	SettingSigningKey = "signing_key"
)

// URLPrefix starts the address of every webhook source; the token's
// SHA-256 in hex follows.
const URLPrefix = "webhook:sha256:"

// Interval is how often the scheduler runs a webhook source: it has
// nothing to fetch, and its run only marks it alive.
const Interval = 24 * time.Hour

func init() {
	connector.Register(vigie.SourceWebhook, connector.Kind{
		Poll:     func(connector.Deps) connector.Runner { return idle{} },
		Check:    Check,
		Interval: Interval,
	})
}

// idle is the Runner of webhook sources: posts are pushed to them, so a
// run has nothing to fetch and keeps the source's state as it is.
type idle struct{}

var _ connector.Runner = idle{}

func (idle) Run(_ context.Context, src *vigie.Source) (connector.Batch, error) {
	return connector.Batch{State: src.SourceState}, nil
}

const tokenBytes = 32

// NewToken returns a new hook token: 32 random bytes, base64url without
// padding.
func NewToken() string {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validToken reports whether tok has the form NewToken makes.
func validToken(tok string) bool {
	if len(tok) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	return err == nil && len(b) == tokenBytes
}

// tokenHash is the SHA-256 of a token.
func tokenHash(tok string) [sha256.Size]byte { return sha256.Sum256([]byte(tok)) }

// URLOf is the address of the webhook source whose token is tok.
func URLOf(tok string) string {
	h := tokenHash(tok)
	return URLPrefix + hex.EncodeToString(h[:])
}

// Path is the path deliveries to src are posted to: /hooks/ and its token
// ("" for a source without one). It holds the secret: show it to the team
// that made the source, never in logs.
func Path(src *vigie.Source) string {
	tok := src.Settings[SettingToken]
	if tok == "" {
		return ""
	}
	return "/hooks/" + tok
}

// Check completes a webhook source before it is saved: it makes its token
// when it has none (an empty hook_token makes a new one: the old URL stops
// working), checks a given token and signing key, and sets the address
// from the token. An address given by hand is refused: Vigie makes it.
func Check(src *vigie.Source) error {
	for k := range src.Settings {
		if k != SettingToken && k != SettingSigningKey {
			return fmt.Errorf("%w: a webhook source has no setting %q; its settings are %s (made when left out) and %s (optional)",
				vigie.ErrInvalid, k, SettingToken, SettingSigningKey)
		}
	}
	if src.URL != "" && !strings.HasPrefix(src.URL, URLPrefix) {
		return fmt.Errorf("%w: a webhook source takes no address: Vigie makes its URL (/hooks/ and the source's %s); leave \"url\" out",
			vigie.ErrInvalid, SettingToken)
	}
	settings := make(map[string]string, 2)
	tok := strings.TrimSpace(src.Settings[SettingToken])
	switch {
	case tok == "":
		tok = NewToken()
	case !validToken(tok):
		return fmt.Errorf("%w: setting %s is not a hook token (43 characters of base64url, 32 random bytes); leave it out and Vigie makes one",
			vigie.ErrInvalid, SettingToken)
	}
	settings[SettingToken] = tok
	if raw := strings.TrimSpace(src.Settings[SettingSigningKey]); raw != "" {
		key, err := ParseSigningKey(raw)
		if err != nil {
			return err
		}
		settings[SettingSigningKey] = "whsec_" + base64.StdEncoding.EncodeToString(key)
	}
	src.Settings = settings
	src.URL = URLOf(tok)
	return nil
}

// Bounds of a signing key, in bytes: Standard Webhooks' symmetric secrets
// are "at least 24 bytes (192 bits, 512 maximum)".
const (
	minKeyBytes = 24
	maxKeyBytes = 64
)

// ParseSigningKey decodes a Standard Webhooks signing secret: "whsec_" and
// the base64 of 24 to 64 bytes (the prefix may be left out, as the
// reference libraries allow). Its errors never hold the key.
func ParseSigningKey(s string) ([]byte, error) {
	b64 := strings.TrimPrefix(strings.TrimSpace(s), "whsec_")
	var key []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err = enc.DecodeString(b64); err == nil {
			break
		}
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: setting %s is not a Standard Webhooks secret: give \"whsec_\" and base64, as the sending system shows it (e.g. whsec_ and the output of `openssl rand -base64 32`)",
			vigie.ErrInvalid, SettingSigningKey)
	case len(key) < minKeyBytes || len(key) > maxKeyBytes:
		return nil, fmt.Errorf("%w: setting %s holds %d bytes; a signing secret has %d to %d (e.g. whsec_ and the output of `openssl rand -base64 32`)",
			vigie.ErrInvalid, SettingSigningKey, len(key), minKeyBytes, maxKeyBytes)
	}
	return slices.Clip(key), nil
}

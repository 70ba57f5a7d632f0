package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// A source's settings are a JSON object of strings in its settings column.
// The credentials among them (vigie.SecretSetting) are stored sealed
// (package secret), each bound to its setting's name, so that the database
// never holds them in clear; they are opened as the source is read.

// encodeSettings is the settings column of a source.
func (s *Store) encodeSettings(settings map[string]string) (string, error) {
	if len(settings) == 0 {
		return "{}", nil
	}
	out := make(map[string]string, len(settings))
	for k, v := range settings {
		if vigie.SecretSetting(k) && v != "" {
			if s.secrets == nil {
				return "", fmt.Errorf("the setting %q is a credential, and the store was opened without a secret key to encrypt it", k)
			}
			v = s.secrets.Seal(v, k)
		}
		out[k] = v
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// decodeSettings reads a settings column: sealed credentials are opened;
// one that cannot be (sealed with another key, or damaged) reads as empty
// and is named in undecryptable; one stored in clear (by a version before
// encryption at rest) reads as it is, and SealSettings seals it.
func (s *Store) decodeSettings(raw string) (settings map[string]string, undecryptable []string, err error) {
	if raw == "" || raw == "{}" {
		return nil, nil, nil
	}
	if err := json.Unmarshal([]byte(raw), &settings); err != nil {
		return nil, nil, err // json's errors quote no value
	}
	for k, v := range settings {
		if !vigie.SecretSetting(k) || !secret.IsSealed(v) {
			continue
		}
		plain, err := s.open(v, k)
		if err != nil {
			settings[k] = ""
			undecryptable = append(undecryptable, k)
			continue
		}
		settings[k] = plain
	}
	slices.Sort(undecryptable)
	return settings, undecryptable, nil
}

func (s *Store) open(sealed, name string) (string, error) {
	if s.secrets == nil {
		return "", errors.New("no secret key")
	}
	return s.secrets.Open(sealed, name)
}

// SecretsCheck is what SealSettings found.
type SecretsCheck struct {
	// Sealed counts the credentials it found in clear and sealed.
	Sealed int
	// Undecryptable counts the credentials sealed with another key than
	// the store's, or damaged; OtherKeys are the ids of those other keys.
	Undecryptable int
	OtherKeys     []string
}

// SealSettings seals the sources' credentials stored in clear (none are
// since encryption at rest; a version before, or a row written by hand,
// may have left some), and counts those the store's key cannot open: a
// sign that the secret key changed, or that processes sharing the
// database do not share their key. When some were sealed with another key
// it seals nothing, as this process's key may be the wrong one: what it
// sealed, the others could not read. Without a key it does nothing.
func (s *Store) SealSettings(ctx context.Context) (SecretsCheck, error) {
	var c SecretsCheck
	if s.secrets == nil {
		return c, nil
	}
	type row struct {
		id       int64
		raw      string
		settings map[string]string
		clear    int
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, settings FROM sources ORDER BY id")
	if err != nil {
		return c, s.errf(err, "seal settings")
	}
	all, err := collect(rows, func(r interface{ Scan(...any) error }) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.raw)
	}, func(err error) error { return s.errf(err, "seal settings") })
	if err != nil {
		return c, err
	}
	var toSeal []row
	for _, r := range all {
		if r.raw == "" || r.raw == "{}" {
			continue
		}
		if err := json.Unmarshal([]byte(r.raw), &r.settings); err != nil {
			return c, fmt.Errorf("seal settings: source %d: %w", r.id, err)
		}
		for k, v := range r.settings {
			switch {
			case !vigie.SecretSetting(k) || v == "":
			case !secret.IsSealed(v):
				r.settings[k] = s.secrets.Seal(v, k)
				r.clear++
			default:
				_, err := s.secrets.Open(v, k)
				if err == nil {
					continue
				}
				c.Undecryptable++
				if errors.Is(err, secret.ErrOtherKey) {
					if id := secret.KeyIDOf(v); !slices.Contains(c.OtherKeys, id) {
						c.OtherKeys = append(c.OtherKeys, id)
					}
				}
			}
		}
		if r.clear > 0 {
			toSeal = append(toSeal, r)
		}
	}
	slices.Sort(c.OtherKeys)
	if len(c.OtherKeys) > 0 {
		return c, nil
	}
	for _, r := range toSeal {
		b, err := json.Marshal(r.settings)
		if err != nil {
			return c, fmt.Errorf("seal settings: source %d: %w", r.id, err)
		}
		// Only if the row did not change meanwhile: a change sealed its
		// credentials itself.
		res, err := s.exec(ctx, s.q("UPDATE sources SET settings = ? WHERE id = ? AND settings = ?"), string(b), r.id, r.raw)
		if err != nil {
			return c, s.errf(err, "seal settings of source %d", r.id)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			c.Sealed += r.clear
		}
	}
	return c, nil
}

package store

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clock := t0
		s.now = func() time.Time { return clock }

		plain, tok := must2(s.CreateToken(ctx, "ci"))(t)
		secret, ok := strings.CutPrefix(plain, "vgt_")
		if b, err := base64.RawURLEncoding.DecodeString(secret); !ok || err != nil || len(b) != 32 {
			t.Errorf("plaintext %q is not vgt_ + base64url of 32 bytes", plain)
		}
		if tok.ID == 0 || tok.Name != "ci" || !tok.CreatedAt.Equal(t0) || !tok.LastUsedAt.IsZero() {
			t.Errorf("created %+v", tok)
		}
		var stored string
		if err := s.db.QueryRow("SELECT hash FROM api_tokens").Scan(&stored); err != nil || stored != hashToken(plain) || strings.Contains(stored, secret) {
			t.Errorf("stored %q (%v), want the SHA-256 hex of the plaintext", stored, err)
		}
		plain2, _ := must2(s.CreateToken(ctx, "other"))(t)
		if plain2 == plain {
			t.Error("two tokens with the same plaintext")
		}
		_, _, err := s.CreateToken(ctx, " ")
		wantErr(t, err, vigie.ErrInvalid, "no name")

		// last_used_at moves at most once a minute.
		steps := []struct {
			after    time.Duration
			wantUsed time.Time
		}{
			{0, t0},
			{30 * time.Second, t0},
			{59 * time.Second, t0},
			{61 * time.Second, t0.Add(61 * time.Second)},
			{90 * time.Second, t0.Add(61 * time.Second)},
		}
		for _, st := range steps {
			clock = t0.Add(st.after)
			got := must(s.Authenticate(ctx, plain))(t)
			if got.ID != tok.ID || !got.LastUsedAt.Equal(st.wantUsed) {
				t.Errorf("at +%v: %+v, want last used %v", st.after, got, st.wantUsed)
			}
			stored := must(s.FindTokens(ctx))(t)[0]
			if !stored.LastUsedAt.Equal(st.wantUsed) {
				t.Errorf("at +%v: stored last use %v, want %v", st.after, stored.LastUsedAt, st.wantUsed)
			}
		}

		for _, bad := range []string{"", "vgt_", "vgt_" + secret + "x", secret, "Bearer " + plain} {
			_, err := s.Authenticate(ctx, bad)
			wantErr(t, err, vigie.ErrNotFound, "authenticate "+bad)
		}

		if n := len(must(s.FindTokens(ctx))(t)); n != 2 {
			t.Errorf("%d tokens, want 2", n)
		}
		if err := s.DeleteToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.DeleteToken(ctx, tok.ID), vigie.ErrNotFound, "delete twice")
		_, err = s.Authenticate(ctx, plain)
		wantErr(t, err, vigie.ErrNotFound, "revoked token")
		if toks := must(s.FindTokens(ctx))(t); len(toks) != 1 || toks[0].Name != "other" {
			t.Errorf("after delete: %+v", toks)
		}
	})
}

// must2 is must for functions returning two values and an error.
func must2[A, B any](a A, b B, err error) func(tb testing.TB) (A, B) {
	return func(tb testing.TB) (A, B) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return a, b
	}
}

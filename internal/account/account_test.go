package account

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Fatal("the right password is refused")
	}
	for _, wrong := range []string{"correct horse batterY", "", "correct horse battery "} {
		if VerifyPassword(h, wrong) {
			t.Errorf("%q accepted", wrong)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA", h[:len(h)-3] + "!!!"} {
		if VerifyPassword(bad, "correct horse battery") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
	if VerifyNobody("x") {
		t.Error("VerifyNobody matched")
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tt := range []struct {
		pw, email string
		ok        bool
	}{
		{"short", "", false},
		{"aaaaaaaaaaaa", "", false},
		{"ana@uval.example", "ana@uval.example", false},
		{strings.Repeat("ab", 101), "", false},
		{"trois petits chats", "ana@uval.example", true},
	} {
		err := CheckPassword(tt.pw, tt.email)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrWeakPassword) {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
	}
}

func TestTokens(t *testing.T) {
	tok, hash, err := NewToken("vgs_")
	if err != nil || !strings.HasPrefix(tok, "vgs_") || len(tok) < 40 || hash != HashToken(tok) || hash == tok {
		t.Fatalf("token %q hash %q err %v", tok, hash, err)
	}
	other, _, _ := NewToken("vgs_")
	if other == tok {
		t.Fatal("two tokens are equal")
	}
}

func TestRoles(t *testing.T) {
	if r, err := ParseRole(" Editor "); err != nil || r != Editor {
		t.Fatalf("ParseRole: %v %v", r, err)
	}
	if _, err := ParseRole("owner"); err == nil {
		t.Fatal("unknown role accepted")
	}
	for _, tt := range []struct {
		r    Role
		a    Action
		want bool
	}{
		{Admin, ManageMembers, true}, {Editor, ManageMembers, false}, {Editor, EditMonitors, true},
		{Viewer, Read, true}, {Viewer, EditMonitors, false}, {Viewer, CorrectMention, false}, {"", Read, false},
	} {
		if got := tt.r.Can(tt.a); got != tt.want {
			t.Errorf("%q.Can(%d) = %v", tt.r, tt.a, got)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	l := NewLimiter(3, 15*time.Minute)
	l.Now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("ana"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		now = now.Add(time.Minute)
	}
	ok, wait := l.Allow("ana")
	if ok || wait != 12*time.Minute {
		t.Fatalf("after 3 failures: ok=%v wait=%v, want refused for 12m", ok, wait)
	}
	if ok, _ := l.Check("bob"); !ok {
		t.Fatal("another key is refused")
	}
	if ok, _ := l.Check("ana"); ok {
		t.Fatal("Check lets a refused key through")
	}
	now = now.Add(12 * time.Minute)
	if ok, _ := l.Allow("ana"); !ok {
		t.Fatal("still refused once the first failure left the window")
	}
	l.Reset("ana")
	if _, kept := l.failures["ana"]; kept {
		t.Fatalf("failures kept after reset: %v", l.failures)
	}
	// Attempts in parallel are counted as they start.
	var wg sync.WaitGroup
	var allowed atomic.Int32
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := l.Allow("burst"); ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 3 {
		t.Fatalf("%d of 50 parallel attempts allowed, want 3", allowed.Load())
	}
}

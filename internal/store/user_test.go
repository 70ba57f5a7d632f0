package store

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestUsersAndSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		if n := must(s.CountUsers(ctx))(t); n != 0 {
			t.Fatalf("%d users at start", n)
		}
		u := must(s.CreateUser(ctx, vigie.User{Email: " Ana@UVal.example ", Name: "Ana"}, "hash1",
			[]vigie.Membership{{WorkspaceID: f.ws.ID, Role: "editor"}}))(t)
		if u.Email != "ana@uval.example" || u.ID == 0 || u.CreatedAt.IsZero() {
			t.Fatalf("created %+v", u)
		}
		_, err := s.CreateUser(ctx, vigie.User{Email: "ana@uval.example"}, "", nil)
		wantErr(t, err, vigie.ErrConflict, "same e-mail twice")
		for _, bad := range []string{"ana", "ana@", "Ana <ana@uval.example>", "ana@uval"} {
			_, err := s.CreateUser(ctx, vigie.User{Email: bad}, "", nil)
			wantErr(t, err, vigie.ErrInvalid, "e-mail "+bad)
		}
		got, hash := must2(s.FindUserByEmail(ctx, "ANA@uval.example"))(t)
		if got.ID != u.ID || hash != "hash1" {
			t.Fatalf("by e-mail: %+v %q", got, hash)
		}
		must(0, s.SetMembership(ctx, u.ID, vigie.Membership{WorkspaceID: f.other.ID, Role: "viewer"}))(t)
		must(0, s.SetMembership(ctx, u.ID, vigie.Membership{WorkspaceID: f.ws.ID, Role: "admin"}))(t)
		ms := must(s.Memberships(ctx, u.ID))(t)
		if len(ms) != 2 || ms[0] != (vigie.Membership{WorkspaceID: f.ws.ID, Role: "admin"}) || ms[1].Role != "viewer" {
			t.Fatalf("memberships %+v", ms)
		}
		must(0, s.SetLocale(ctx, u.ID, "fr"))(t)
		if u2 := must(s.FindUserByID(ctx, u.ID))(t); u2.Locale != "fr" {
			t.Fatalf("locale %q", u2.Locale)
		}

		exp := time.Now().Add(time.Hour)
		must(0, s.CreateSession(ctx, "h1", vigie.Session{UserID: u.ID, CSRF: "c1", ExpiresAt: exp}, "Mozilla/5.0 \xff", "127.0.0.1"))(t)
		must(0, s.CreateSession(ctx, "old", vigie.Session{UserID: u.ID, CSRF: "c2", ExpiresAt: time.Now().Add(-time.Minute)}, "", ""))(t)
		sess := must(s.FindSession(ctx, "h1"))(t)
		if sess.UserID != u.ID || sess.CSRF != "c1" {
			t.Fatalf("session %+v", sess)
		}
		_, err = s.FindSession(ctx, "old")
		wantErr(t, err, vigie.ErrNotFound, "expired session")
		if n := must(s.DeleteExpiredSessions(ctx))(t); n != 1 {
			t.Fatalf("%d expired sessions deleted", n)
		}
		must(0, s.DeleteSession(ctx, "h1"))(t)
		_, err = s.FindSession(ctx, "h1")
		wantErr(t, err, vigie.ErrNotFound, "deleted session")
	})
}

func TestBootstrap(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		must(0, s.CreateSetupToken(ctx, "older", time.Now().Add(time.Hour)))(t)
		must(0, s.CreateSetupToken(ctx, "expired", time.Now().Add(-time.Hour)))(t)
		must(0, s.CreateSetupToken(ctx, "tok", time.Now().Add(time.Hour)))(t)
		if ok := must(s.SetupTokenValid(ctx, "older"))(t); ok {
			t.Fatal("an earlier set-up link still works after a new one")
		}
		if ok := must(s.SetupTokenValid(ctx, "tok"))(t); !ok {
			t.Fatal("fresh token invalid")
		}
		_, err := s.Bootstrap(ctx, "expired", vigie.User{Email: "a@uval.example"}, "h")
		wantErr(t, err, vigie.ErrNotFound, "expired set-up link")
		admin := must(s.Bootstrap(ctx, "tok", vigie.User{Email: "root@uval.example", Name: "Root"}, "h"))(t)
		ms := must(s.Memberships(ctx, admin.ID))(t)
		if len(ms) != 2 || ms[0].WorkspaceID != f.ws.ID || ms[0].Role != "admin" || ms[1].WorkspaceID != f.other.ID {
			t.Fatalf("admin memberships %+v", ms)
		}
		orgs := must(s.FindOrganisations(ctx))(t)
		if got := must(s.AdministeredOrganisations(ctx, admin.ID))(t); len(got) != len(orgs) || got[0] != orgs[0].ID {
			t.Fatalf("the first administrator administers organisations %v, want every one (%+v)", got, orgs)
		}
		_, err = s.Bootstrap(ctx, "tok", vigie.User{Email: "b@uval.example"}, "h")
		wantErr(t, err, vigie.ErrNotFound, "set-up link used twice")
		must(0, s.CreateSetupToken(ctx, "late", time.Now().Add(time.Hour)))(t)
		if ok := must(s.SetupTokenValid(ctx, "late"))(t); ok {
			t.Fatal("a set-up link is valid while users exist")
		}
	})
}

// TestMembers: roles change and members leave, but a workspace keeps an
// administrator, and a user without workspace loses their sessions.
func TestMembers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		admin := must(s.CreateUser(ctx, vigie.User{Email: "root@uval.example"}, "h", []vigie.Membership{{WorkspaceID: f.ws.ID, Role: "admin"}}))(t)
		ed := must(s.CreateUser(ctx, vigie.User{Email: "ed@uval.example"}, "h", []vigie.Membership{{WorkspaceID: f.ws.ID, Role: "editor"}}))(t)
		must(0, s.CreateSession(ctx, "ed-session", vigie.Session{UserID: ed.ID, CSRF: "c", ExpiresAt: time.Now().Add(time.Hour)}, "", ""))(t)
		wantErr(t, s.ChangeRole(ctx, f.ws.ID, admin.ID, "editor"), vigie.ErrConflict, "the last admin stepping down")
		wantErr(t, s.RemoveMembership(ctx, f.ws.ID, admin.ID), vigie.ErrConflict, "removing the last admin")
		must(0, s.ChangeRole(ctx, f.ws.ID, ed.ID, "admin"))(t)
		must(0, s.ChangeRole(ctx, f.ws.ID, admin.ID, "viewer"))(t) // another admin remains
		members := must(s.WorkspaceMembers(ctx, f.ws.ID))(t)
		if len(members) != 2 || members[0].User.Email != "ed@uval.example" || members[0].Role != "admin" || members[1].Role != "viewer" {
			t.Fatalf("members %+v", members)
		}
		must(0, s.ChangeRole(ctx, f.ws.ID, admin.ID, "admin"))(t)
		must(0, s.RemoveMembership(ctx, f.ws.ID, ed.ID))(t)
		_, err := s.FindSession(ctx, "ed-session")
		wantErr(t, err, vigie.ErrNotFound, "the session of a user in no workspace")
		wantErr(t, s.RemoveMembership(ctx, f.ws.ID, ed.ID), vigie.ErrNotFound, "removing a non-member")
	})
}

package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-project/vigie"
)

func TestWorkspaces(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		w := must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "Faculty", Slug: "fac", TimeZone: "Europe/Zurich"}))(t)
		if w.ID == 0 || w.CreatedAt.IsZero() || w.TimeZone != "Europe/Zurich" || w.Slug != "fac" {
			t.Errorf("created %+v", w)
		}
		d := must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "Default zone", Slug: "dz"}))(t)
		if d.TimeZone != "UTC" {
			t.Errorf("time zone %q, want UTC", d.TimeZone)
		}

		tests := []struct {
			name string
			ws   vigie.Workspace
			err  error
		}{
			{"taken slug", vigie.Workspace{Name: "x", Slug: "fac"}, vigie.ErrConflict},
			{"no slug", vigie.Workspace{Name: "x"}, vigie.ErrInvalid},
			{"upper case", vigie.Workspace{Name: "x", Slug: "Fac"}, vigie.ErrInvalid},
			{"path", vigie.Workspace{Name: "x", Slug: "a/b"}, vigie.ErrInvalid},
			{"dots", vigie.Workspace{Name: "x", Slug: ".."}, vigie.ErrInvalid},
			{"leading dash", vigie.Workspace{Name: "x", Slug: "-x"}, vigie.ErrInvalid},
			{"space", vigie.Workspace{Name: "x", Slug: "a b"}, vigie.ErrInvalid},
			{"accent", vigie.Workspace{Name: "x", Slug: "café"}, vigie.ErrInvalid},
			{"long", vigie.Workspace{Name: "x", Slug: strings.Repeat("a", vigie.MaxSlugLen+1)}, vigie.ErrInvalid},
			{"long name", vigie.Workspace{Name: strings.Repeat("n", vigie.MaxWorkspaceNameLen+1), Slug: "ok"}, vigie.ErrInvalid},
		}
		for _, tt := range tests {
			_, err := s.CreateWorkspace(ctx, tt.ws)
			wantErr(t, err, tt.err, tt.name)
		}

		got := must(s.FindWorkspaceBySlug(ctx, "fac"))(t)
		if got != w {
			t.Errorf("FindWorkspaceBySlug = %+v, want %+v", got, w)
		}
		_, err := s.FindWorkspaceBySlug(ctx, "missing")
		wantErr(t, err, vigie.ErrNotFound, "missing slug")

		all := must(s.FindWorkspaces(ctx))(t)
		if len(all) != 2 || all[0] != w || all[1] != d {
			t.Errorf("FindWorkspaces = %+v", all)
		}

		long := must(s.CreateWorkspace(ctx, vigie.Workspace{Slug: strings.Repeat("a", vigie.MaxSlugLen) + "", Name: " "}))(t)
		if long.Name != long.Slug {
			t.Errorf("blank name: %q, want the slug", long.Name)
		}
		renamed := must(s.RenameWorkspace(ctx, w.ID, "  Faculty of Science "))(t)
		if renamed.Name != "Faculty of Science" || renamed.Slug != "fac" || renamed.ID != w.ID {
			t.Errorf("renamed %+v", renamed)
		}
		if got := must(s.FindWorkspaceByID(ctx, w.ID))(t); got != renamed {
			t.Errorf("FindWorkspaceByID = %+v, want %+v", got, renamed)
		}
		_, err = s.RenameWorkspace(ctx, w.ID, " ")
		wantErr(t, err, vigie.ErrInvalid, "blank name")
		_, err = s.RenameWorkspace(ctx, 9999, "x")
		wantErr(t, err, vigie.ErrNotFound, "rename a missing workspace")
		_, err = s.FindWorkspaceByID(ctx, 9999)
		wantErr(t, err, vigie.ErrNotFound, "missing id")
	})
}

// TestCreateWorkspaceAdmins: the creator of a workspace administers it,
// in the same transaction (a failed creation leaves no membership).
func TestCreateWorkspaceAdmins(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := must(s.CreateUser(ctx, vigie.User{Email: "dean@uval.example"}, "", nil))(t)
		w := must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "Law", Slug: "law"}, u.ID))(t)
		ms := must(s.Memberships(ctx, u.ID))(t)
		if len(ms) != 1 || ms[0] != (vigie.Membership{WorkspaceID: w.ID, Role: "admin"}) {
			t.Errorf("memberships %+v", ms)
		}
		_, err := s.CreateWorkspace(ctx, vigie.Workspace{Name: "Law", Slug: "law"}, u.ID)
		wantErr(t, err, vigie.ErrConflict, "taken slug")
		if _, err := s.CreateWorkspace(ctx, vigie.Workspace{Name: "Nobody's", Slug: "nobody"}, 9999); err == nil {
			t.Error("a workspace for an unknown administrator")
		}
		if _, err := s.FindWorkspaceBySlug(ctx, "nobody"); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("a failed creation left its workspace: %v", err)
		}

		orgs := must(s.FindOrganisations(ctx))(t)
		if got := must(s.AdministeredOrganisations(ctx, u.ID))(t); len(got) != 0 {
			t.Errorf("administers %v before being made administrator", got)
		}
		for range 2 {
			if err := s.SetOrganisationAdmin(ctx, orgs[0].ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got := must(s.AdministeredOrganisations(ctx, u.ID))(t); len(got) != 1 || got[0] != orgs[0].ID {
			t.Errorf("administers %v, want [%d]", got, orgs[0].ID)
		}
	})
}

func TestEnsureWorkspace(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		got := make([]vigie.Workspace, 4)
		errs := make([]error, 4)
		for i := range got {
			wg.Go(func() { got[i], errs[i] = s.EnsureWorkspace(ctx, "demo", "Demo") })
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if got[i] != got[0] || got[i].Name != "Demo" || got[i].Slug != "demo" {
				t.Errorf("EnsureWorkspace #%d = %+v, want %+v", i, got[i], got[0])
			}
		}
		again := must(s.EnsureWorkspace(ctx, "demo", "Renamed"))(t)
		if again != got[0] {
			t.Errorf("second EnsureWorkspace = %+v, want the first %+v", again, got[0])
		}
		if all := must(s.FindWorkspaces(ctx))(t); len(all) != 1 {
			t.Errorf("%d workspaces, want 1", len(all))
		}
		_, err := s.EnsureWorkspace(ctx, " ", "x")
		wantErr(t, err, vigie.ErrInvalid, "blank slug")
	})
}

func TestOrganisations(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		orgs := must(s.FindOrganisations(ctx))(t)
		if len(orgs) != 1 || orgs[0].Slug != vigie.DefaultOrganisation {
			t.Fatalf("after migrations: %+v", orgs)
		}
		w := must(s.EnsureWorkspace(ctx, "press", "Press office"))(t)
		if w.OrganisationID != orgs[0].ID {
			t.Fatalf("workspace joined organisation %d, want the default %d", w.OrganisationID, orgs[0].ID)
		}
		uni := must(s.CreateOrganisation(ctx, vigie.Organisation{Name: "Université de Valmont", Slug: "uval"}))(t)
		fac := must(s.CreateWorkspace(ctx, vigie.Workspace{OrganisationID: uni.ID, Name: "Faculty of Science", Slug: "science"}))(t)
		if fac.OrganisationID != uni.ID {
			t.Fatalf("workspace in organisation %d, want %d", fac.OrganisationID, uni.ID)
		}
		if _, err := s.CreateOrganisation(ctx, vigie.Organisation{Name: "Again", Slug: "uval"}); !errors.Is(err, vigie.ErrConflict) {
			t.Fatalf("duplicate slug: %v", err)
		}
		if _, err := s.CreateWorkspace(ctx, vigie.Workspace{OrganisationID: 999, Name: "X", Slug: "x"}); !errors.Is(err, vigie.ErrInvalid) {
			t.Fatalf("unknown organisation: %v", err)
		}
	})
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/vigie-project/vigie"
)

const workspaceCols = "id, COALESCE(organisation_id, 0), name, slug, time_zone, created_at"

func scanWorkspace(row interface{ Scan(...any) error }) (vigie.Workspace, error) {
	var w vigie.Workspace
	err := row.Scan(&w.ID, &w.OrganisationID, &w.Name, &w.Slug, &w.TimeZone, timeCol(&w.CreatedAt))
	return w, err
}

// orgOrDefault is the SQL for an organisation id, the default one for 0.
const orgOrDefault = "COALESCE(NULLIF(?, 0), (SELECT id FROM organisations WHERE slug = '" + vigie.DefaultOrganisation + "'))"

// CreateWorkspace stores a new workspace and returns it with its id and
// creation time; the users named in admins become its administrators, in
// the same transaction. Its slug must be valid (vigie.ValidateSlug; ErrInvalid)
// and free (ErrConflict); an empty name is the slug, an empty time zone UTC.
func (s *Store) CreateWorkspace(ctx context.Context, w vigie.Workspace, admins ...int64) (vigie.Workspace, error) {
	w.Slug = strings.TrimSpace(w.Slug)
	if err := vigie.ValidateSlug(w.Slug); err != nil {
		return vigie.Workspace{}, fmt.Errorf("create workspace: %w", err)
	}
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" {
		w.Name = w.Slug
	}
	if err := vigie.ValidateWorkspaceName(w.Name); err != nil {
		return vigie.Workspace{}, fmt.Errorf("create workspace %q: %w", w.Slug, err)
	}
	if w.TimeZone == "" {
		w.TimeZone = "UTC"
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.clock()
	}
	var created vigie.Workspace
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, s.q(`INSERT INTO workspaces (organisation_id, name, slug, time_zone, created_at)
		VALUES (`+orgOrDefault+`, ?, ?, ?, ?) RETURNING `+workspaceCols), w.OrganisationID, w.Name, w.Slug, w.TimeZone, s.tm(w.CreatedAt))
		var err error
		if created, err = scanWorkspace(row); err != nil {
			return s.errf(err, "create workspace %q", w.Slug)
		}
		for _, uid := range admins {
			if err := s.setMembership(ctx, tx, uid, vigie.Membership{WorkspaceID: created.ID, Role: "admin"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return vigie.Workspace{}, err
	}
	return created, nil
}

// RenameWorkspace gives a workspace a new name (its slug, in its URLs,
// stays).
func (s *Store) RenameWorkspace(ctx context.Context, workspaceID int64, name string) (vigie.Workspace, error) {
	name = strings.TrimSpace(name)
	if err := vigie.ValidateWorkspaceName(name); err != nil {
		return vigie.Workspace{}, fmt.Errorf("rename workspace %d: %w", workspaceID, err)
	}
	var w vigie.Workspace
	err := s.write(ctx, func(q querier) error {
		var err error
		w, err = scanWorkspace(q.QueryRowContext(ctx, s.q("UPDATE workspaces SET name = ? WHERE id = ? RETURNING "+workspaceCols), name, workspaceID))
		return err
	})
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "rename workspace %d", workspaceID)
	}
	return w, nil
}

// FindWorkspaceByID returns a workspace, or ErrNotFound.
func (s *Store) FindWorkspaceByID(ctx context.Context, id int64) (vigie.Workspace, error) {
	w, err := scanWorkspace(s.db.QueryRowContext(ctx, s.q("SELECT "+workspaceCols+" FROM workspaces WHERE id = ?"), id))
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "find workspace %d", id)
	}
	return w, nil
}

// SetOrganisationAdmin makes a user an administrator of an organisation:
// they may create workspaces in it and rename its workspaces.
func (s *Store) SetOrganisationAdmin(ctx context.Context, organisationID, userID int64) error {
	return s.write(ctx, func(q querier) error { return s.setOrganisationAdmin(ctx, q, organisationID, userID) })
}

func (s *Store) setOrganisationAdmin(ctx context.Context, q querier, organisationID, userID int64) error {
	_, err := q.ExecContext(ctx, s.q(`INSERT INTO organisation_admins (organisation_id, user_id) VALUES (?, ?)
		ON CONFLICT (organisation_id, user_id) DO NOTHING`), organisationID, userID)
	if err != nil {
		return s.errf(err, "organisation %d: administrator %d", organisationID, userID)
	}
	return nil
}

// OrganisationAdmins returns the ids of the users who administer the
// organisation (0: the default one), in id order.
func (s *Store) OrganisationAdmins(ctx context.Context, organisationID int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT user_id FROM organisation_admins WHERE organisation_id = "+orgOrDefault+" ORDER BY user_id"), organisationID)
	if err != nil {
		return nil, s.errf(err, "organisation administrators")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, func(err error) error { return s.errf(err, "organisation administrators") })
}

// AdministeredOrganisations returns the ids of the organisations the user
// administers, in id order.
func (s *Store) AdministeredOrganisations(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT organisation_id FROM organisation_admins WHERE user_id = ? ORDER BY organisation_id"), userID)
	if err != nil {
		return nil, s.errf(err, "administered organisations")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, func(err error) error { return s.errf(err, "administered organisations") })
}

// EnsureWorkspace returns the workspace with this slug, creating it with
// this name if there is none. It is idempotent and safe to race.
func (s *Store) EnsureWorkspace(ctx context.Context, slug, name string) (vigie.Workspace, error) {
	slug = strings.TrimSpace(slug)
	if slug == "" {
		return vigie.Workspace{}, fmt.Errorf("ensure workspace: %w: no slug", vigie.ErrInvalid)
	}
	_, err := s.exec(ctx, s.q(`INSERT INTO workspaces (organisation_id, name, slug, time_zone, created_at)
		VALUES (`+orgOrDefault+`, ?, ?, 'UTC', ?) ON CONFLICT (slug) DO NOTHING`), 0, name, slug, s.tm(s.clock()))
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "ensure workspace %q", slug)
	}
	return s.FindWorkspaceBySlug(ctx, slug)
}

// SetWorkspaceTimeZone changes the time zone a workspace's days and
// hours of the week follow.
func (s *Store) SetWorkspaceTimeZone(ctx context.Context, workspaceID int64, tz string) (vigie.Workspace, error) {
	if err := vigie.ValidateTimeZone(tz); err != nil {
		return vigie.Workspace{}, err
	}
	res, err := s.exec(ctx, s.q("UPDATE workspaces SET time_zone = ? WHERE id = ?"), tz, workspaceID)
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "set the time zone of workspace %d", workspaceID)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigie.Workspace{}, fmt.Errorf("set time zone: %w: no workspace %d", vigie.ErrNotFound, workspaceID)
	}
	return s.FindWorkspaceByID(ctx, workspaceID)
}

// FindWorkspaceBySlug returns the workspace with this slug, or ErrNotFound.
func (s *Store) FindWorkspaceBySlug(ctx context.Context, slug string) (vigie.Workspace, error) {
	w, err := scanWorkspace(s.db.QueryRowContext(ctx, s.q("SELECT "+workspaceCols+" FROM workspaces WHERE slug = ?"), slug))
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "find workspace %q", slug)
	}
	return w, nil
}

// FindWorkspaces returns every workspace, oldest first.
func (s *Store) FindWorkspaces(ctx context.Context) ([]vigie.Workspace, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+workspaceCols+" FROM workspaces ORDER BY id")
	if err != nil {
		return nil, s.errf(err, "find workspaces")
	}
	return collect(rows, scanWorkspace, func(err error) error { return s.errf(err, "find workspaces") })
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error), wrap func(error) error) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	return out, nil
}

// CreateOrganisation stores a new organisation; its slug must be free.
func (s *Store) CreateOrganisation(ctx context.Context, o vigie.Organisation) (vigie.Organisation, error) {
	o.Slug = strings.TrimSpace(o.Slug)
	if o.Slug == "" || strings.TrimSpace(o.Name) == "" {
		return vigie.Organisation{}, fmt.Errorf("create organisation: %w: a name and a slug are required", vigie.ErrInvalid)
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = s.clock()
	}
	err := s.write(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.q(`INSERT INTO organisations (name, slug, created_at) VALUES (?, ?, ?)
			RETURNING id, name, slug, created_at`), o.Name, o.Slug, s.tm(o.CreatedAt)).Scan(&o.ID, &o.Name, &o.Slug, timeCol(&o.CreatedAt))
	})
	if err != nil {
		return vigie.Organisation{}, s.errf(err, "create organisation %q", o.Slug)
	}
	return o, nil
}

// FindOrganisations returns every organisation, oldest first (the default
// one, made by the migrations, included).
func (s *Store) FindOrganisations(ctx context.Context) ([]vigie.Organisation, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, slug, created_at FROM organisations ORDER BY id")
	if err != nil {
		return nil, s.errf(err, "find organisations")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (vigie.Organisation, error) {
		var o vigie.Organisation
		err := r.Scan(&o.ID, &o.Name, &o.Slug, timeCol(&o.CreatedAt))
		return o, err
	}, func(err error) error { return s.errf(err, "find organisations") })
}

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
// creation time. Its slug must be free (ErrConflict); an empty time zone is UTC.
func (s *Store) CreateWorkspace(ctx context.Context, w vigie.Workspace) (vigie.Workspace, error) {
	w.Slug = strings.TrimSpace(w.Slug)
	if w.Slug == "" {
		return vigie.Workspace{}, fmt.Errorf("create workspace: %w: no slug", vigie.ErrInvalid)
	}
	if w.TimeZone == "" {
		w.TimeZone = "UTC"
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.clock()
	}
	row := s.db.QueryRowContext(ctx, s.q(`INSERT INTO workspaces (organisation_id, name, slug, time_zone, created_at)
		VALUES (`+orgOrDefault+`, ?, ?, ?, ?) RETURNING `+workspaceCols), w.OrganisationID, w.Name, w.Slug, w.TimeZone, s.tm(w.CreatedAt))
	created, err := scanWorkspace(row)
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "create workspace %q", w.Slug)
	}
	return created, nil
}

// EnsureWorkspace returns the workspace with this slug, creating it with
// this name if there is none. It is idempotent and safe to race.
func (s *Store) EnsureWorkspace(ctx context.Context, slug, name string) (vigie.Workspace, error) {
	slug = strings.TrimSpace(slug)
	if slug == "" {
		return vigie.Workspace{}, fmt.Errorf("ensure workspace: %w: no slug", vigie.ErrInvalid)
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO workspaces (organisation_id, name, slug, time_zone, created_at)
		VALUES (`+orgOrDefault+`, ?, ?, 'UTC', ?) ON CONFLICT (slug) DO NOTHING`), 0, name, slug, s.tm(s.clock()))
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "ensure workspace %q", slug)
	}
	return s.FindWorkspaceBySlug(ctx, slug)
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
	row := s.db.QueryRowContext(ctx, s.q(`INSERT INTO organisations (name, slug, created_at) VALUES (?, ?, ?)
		RETURNING id, name, slug, created_at`), o.Name, o.Slug, s.tm(o.CreatedAt))
	if err := row.Scan(&o.ID, &o.Name, &o.Slug, timeCol(&o.CreatedAt)); err != nil {
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

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/vigie-project/vigie"
)

const workspaceCols = "id, name, slug, time_zone, created_at"

func scanWorkspace(row interface{ Scan(...any) error }) (vigie.Workspace, error) {
	var w vigie.Workspace
	err := row.Scan(&w.ID, &w.Name, &w.Slug, &w.TimeZone, timeCol(&w.CreatedAt))
	return w, err
}

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
	row := s.db.QueryRowContext(ctx, s.q(`INSERT INTO workspaces (name, slug, time_zone, created_at)
		VALUES (?, ?, ?, ?) RETURNING `+workspaceCols), w.Name, w.Slug, w.TimeZone, s.tm(w.CreatedAt))
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
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO workspaces (name, slug, time_zone, created_at)
		VALUES (?, ?, 'UTC', ?) ON CONFLICT (slug) DO NOTHING`), name, slug, s.tm(s.clock()))
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

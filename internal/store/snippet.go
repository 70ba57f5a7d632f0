package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vigie-project/vigie"
)

// Saved replies and snippets (snippets; migration 0030): texts a
// workspace keeps to insert in a reply or a post. Every call names the
// workspace; another workspace's snippet does not exist.

// maxSnippets bounds a workspace's snippets of one kind.
const maxSnippets = 500

// CreateSnippet stores a new snippet of the workspace.
func (s *Store) CreateSnippet(ctx context.Context, sn vigie.Snippet) (vigie.Snippet, error) {
	if err := noWorkspace("snippet", sn.WorkspaceID); err != nil {
		return sn, err
	}
	if err := sn.Validate(); err != nil {
		return sn, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM snippets WHERE workspace_id = ? AND kind = ?"), sn.WorkspaceID, sn.Kind).Scan(&n); err != nil {
			return err
		}
		if n >= maxSnippets {
			return fmt.Errorf("%w: a workspace keeps at most %d snippets of a kind", vigie.ErrInvalid, maxSnippets)
		}
		sn.CreatedAt = s.clock()
		return tx.QueryRowContext(ctx, s.q("INSERT INTO snippets (workspace_id, kind, name, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id"),
			sn.WorkspaceID, sn.Kind, sn.Name, sn.Text, s.tm(sn.CreatedAt)).Scan(&sn.ID)
	})
	if err != nil {
		if errors.Is(err, vigie.ErrInvalid) {
			return sn, err
		}
		return sn, s.errf(err, "create snippet")
	}
	return sn, nil
}

// FindSnippets lists the workspace's snippets of a kind ("" for all), by name.
func (s *Store) FindSnippets(ctx context.Context, workspaceID int64, kind string) ([]vigie.Snippet, error) {
	if err := noWorkspace("snippets", workspaceID); err != nil {
		return nil, err
	}
	query, args := "SELECT id, workspace_id, kind, name, text, created_at FROM snippets WHERE workspace_id = ?", []any{workspaceID}
	if kind != "" {
		query, args = query+" AND kind = ?", append(args, kind)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+" ORDER BY name, id"), args...)
	if err != nil {
		return nil, s.errf(err, "snippets")
	}
	defer rows.Close()
	out := []vigie.Snippet{}
	for rows.Next() {
		sn, err := scanSnippet(rows)
		if err != nil {
			return nil, s.errf(err, "snippets")
		}
		out = append(out, sn)
	}
	return out, s.errfNil(rows.Err(), "snippets")
}

func scanSnippet(row interface{ Scan(...any) error }) (vigie.Snippet, error) {
	var sn vigie.Snippet
	err := row.Scan(&sn.ID, &sn.WorkspaceID, &sn.Kind, &sn.Name, &sn.Text, scanTime{&sn.CreatedAt})
	return sn, err
}

// FindSnippet returns one of the workspace's snippets.
func (s *Store) FindSnippet(ctx context.Context, workspaceID, id int64) (vigie.Snippet, error) {
	sn, err := scanSnippet(s.db.QueryRowContext(ctx, s.q("SELECT id, workspace_id, kind, name, text, created_at FROM snippets WHERE workspace_id = ? AND id = ?"), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sn, fmt.Errorf("snippet: %w: no snippet %d in this workspace", vigie.ErrNotFound, id)
	}
	if err != nil {
		return sn, s.errf(err, "snippet %d", id)
	}
	return sn, nil
}

// UpdateSnippet changes a snippet's name and text (its kind stays).
func (s *Store) UpdateSnippet(ctx context.Context, workspaceID, id int64, name, text string) (vigie.Snippet, error) {
	old, err := s.FindSnippet(ctx, workspaceID, id)
	if err != nil {
		return old, err
	}
	sn := old
	sn.Name, sn.Text = name, text
	if err := sn.Validate(); err != nil {
		return old, err
	}
	res, err := s.exec(ctx, s.q("UPDATE snippets SET name = ?, text = ? WHERE workspace_id = ? AND id = ?"), sn.Name, sn.Text, workspaceID, id)
	if err != nil {
		return old, s.errf(err, "update snippet %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return old, fmt.Errorf("update snippet: %w: no snippet %d in this workspace", vigie.ErrNotFound, id)
	}
	return sn, nil
}

// DeleteSnippet removes one of the workspace's snippets.
func (s *Store) DeleteSnippet(ctx context.Context, workspaceID, id int64) error {
	res, err := s.exec(ctx, s.q("DELETE FROM snippets WHERE workspace_id = ? AND id = ?"), workspaceID, id)
	if err != nil {
		return s.errf(err, "delete snippet %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete snippet: %w: no snippet %d in this workspace", vigie.ErrNotFound, id)
	}
	return nil
}

// InboxReplies lists the posts written as replies to an inbox item of the
// workspace, oldest first.
func (s *Store) InboxReplies(ctx context.Context, workspaceID, itemID int64) ([]vigie.Publication, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id FROM publications WHERE workspace_id = ? AND inbox_item_id = ? ORDER BY id LIMIT 50"), workspaceID, itemID)
	if err != nil {
		return nil, s.errf(err, "inbox item %d replies", itemID)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.errf(err, "inbox item %d replies", itemID)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "inbox item %d replies", itemID)
	}
	out := make([]vigie.Publication, 0, len(ids))
	for _, id := range ids {
		p, err := s.FindPublication(ctx, workspaceID, id)
		if errors.Is(err, vigie.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

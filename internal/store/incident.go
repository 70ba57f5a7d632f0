package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

const incidentCols = `i.id, i.workspace_id, i.title, COALESCE(mo.public_id, ''), i.status, COALESCE(i.owner_id, 0),
	COALESCE(NULLIF(u.name, ''), u.email, ''), i.opened_at, i.updated_at, i.closed_at, i.first_response_at, i.checklist,
	(SELECT COUNT(*) FROM alerts a WHERE a.incident_id = i.id)`

const incidentFrom = ` FROM incidents i LEFT JOIN monitors mo ON mo.id = i.monitor_id LEFT JOIN users u ON u.id = i.owner_id`

func scanIncident(row interface{ Scan(...any) error }) (vigie.Incident, error) {
	var (
		in             vigie.Incident
		status, checks string
	)
	err := row.Scan(&in.ID, &in.WorkspaceID, &in.Title, &in.Monitor, &status, &in.OwnerID, &in.Owner, timeCol(&in.OpenedAt), timeCol(&in.UpdatedAt),
		timeCol(&in.ClosedAt), timeCol(&in.FirstResponseAt), &checks, &in.Alerts)
	if err != nil {
		return in, err
	}
	in.Status = vigie.IncidentStatus(status)
	if err := json.Unmarshal([]byte(checks), &in.Checklist); err != nil {
		return in, fmt.Errorf("incident %d: checklist: %w", in.ID, err)
	}
	return in, nil
}

// IncidentFilter selects a workspace's incidents.
type IncidentFilter struct {
	WorkspaceID int64
	Status      vigie.IncidentStatus // "": any
	Limit       int
}

// FindIncidents lists the workspace's incidents, newest first.
func (s *Store) FindIncidents(ctx context.Context, f IncidentFilter) ([]vigie.Incident, error) {
	if err := noWorkspace("incidents", f.WorkspaceID); err != nil {
		return nil, err
	}
	where, args := "i.workspace_id = ?", []any{f.WorkspaceID}
	if f.Status != "" {
		where, args = where+" AND i.status = ?", append(args, string(f.Status))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+incidentCols+incidentFrom+" WHERE "+where+" ORDER BY i.id DESC LIMIT ?"), append(args, f.Limit)...)
	if err != nil {
		return nil, s.errf(err, "incidents")
	}
	return collect(rows, scanIncident, func(err error) error { return s.errf(err, "incidents") })
}

// FindIncident returns one of the workspace's incidents with its timeline.
func (s *Store) FindIncident(ctx context.Context, workspaceID, id int64) (vigie.Incident, error) {
	in, err := scanIncident(s.db.QueryRowContext(ctx, s.q("SELECT "+incidentCols+incidentFrom+" WHERE i.workspace_id = ? AND i.id = ?"), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("incident: %w: no incident %d in this workspace", vigie.ErrNotFound, id)
	}
	if err != nil {
		return in, s.errf(err, "incident %d", id)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, at, kind, by_name, body FROM incident_events WHERE incident_id = ? ORDER BY at, id"), id)
	if err != nil {
		return in, s.errf(err, "incident %d: timeline", id)
	}
	in.Timeline, err = collect(rows, func(row interface{ Scan(...any) error }) (vigie.IncidentEvent, error) {
		var e vigie.IncidentEvent
		err := row.Scan(&e.ID, timeCol(&e.At), &e.Kind, &e.By, &e.Text)
		return e, err
	}, func(err error) error { return s.errf(err, "incident %d: timeline", id) })
	return in, err
}

// IncidentChange is a change to an incident by someone (By: their name,
// ByID their user id, 0 for an API token); nil fields stay.
type IncidentChange struct {
	Title     *string
	Status    *vigie.IncidentStatus
	OwnerID   *int64 // 0 removes the owner
	Note      string // a note added to the timeline
	Statement string // a statement published, for the timeline
	Check     *int   // index of the checklist item to tick
	Uncheck   *int
	By        string
}

// Person reports whether the change is by someone acting (not only
// reading): it counts as the incident's first response.
func (c *IncidentChange) empty() bool {
	return c.Title == nil && c.Status == nil && c.OwnerID == nil && c.Note == "" && c.Statement == "" && c.Check == nil && c.Uncheck == nil
}

// Validate checks a change's values.
func (c *IncidentChange) Validate() error {
	if c.empty() {
		return fmt.Errorf("%w: nothing to change: give status, owner_id, title, note, statement, check or uncheck", vigie.ErrInvalid)
	}
	if c.Title != nil {
		if strings.TrimSpace(*c.Title) == "" {
			return fmt.Errorf("%w: an incident needs a title", vigie.ErrInvalid)
		}
		if err := vigie.ValidName("incident's title", *c.Title); err != nil {
			return err
		}
	}
	if c.Status != nil {
		switch *c.Status {
		case vigie.IncidentOpen, vigie.IncidentMonitoring, vigie.IncidentClosed:
		default:
			return fmt.Errorf("%w: status %q: use open, monitoring or closed", vigie.ErrInvalid, *c.Status)
		}
	}
	for _, t := range []string{c.Note, c.Statement} {
		if len(t) > 20_000 {
			return fmt.Errorf("%w: a note or statement has at most 20,000 bytes", vigie.ErrInvalid)
		}
		if !utf8.ValidString(t) {
			return fmt.Errorf("%w: a note or statement is not valid UTF-8 text", vigie.ErrInvalid)
		}
		for i, r := range t {
			if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
				return fmt.Errorf("%w: a note or statement has a control character (%U) at byte %d; use plain text", vigie.ErrInvalid, r, i)
			}
		}
	}
	return nil
}

// UpdateIncident applies a change to one of the workspace's incidents and
// writes it to the timeline; the first change counts as the incident's
// first response. A new owner must be a member of the workspace.
func (s *Store) UpdateIncident(ctx context.Context, workspaceID, id int64, c IncidentChange) (vigie.Incident, error) {
	if err := c.Validate(); err != nil {
		return vigie.Incident{}, fmt.Errorf("update incident: %w", err)
	}
	now := s.clock()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		in, err := scanIncident(tx.QueryRowContext(ctx, s.q("SELECT "+incidentCols+incidentFrom+" WHERE i.workspace_id = ? AND i.id = ?"), workspaceID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no incident %d in this workspace", vigie.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		event := func(kind, body string) error { return s.addIncidentEvent(ctx, tx, id, now, kind, c.By, body) }
		if c.Title != nil && *c.Title != in.Title {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE incidents SET title = ? WHERE id = ?"), *c.Title, id); err != nil {
				return err
			}
			if err := event("title", "Renamed: "+*c.Title); err != nil {
				return err
			}
		}
		if c.Status != nil && *c.Status != in.Status {
			closed := any(nil)
			if *c.Status == vigie.IncidentClosed {
				closed = s.tm(now)
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE incidents SET status = ?, closed_at = ? WHERE id = ?"), string(*c.Status), closed, id); err != nil {
				return err
			}
			if err := event("status", "Status: "+string(*c.Status)); err != nil {
				return err
			}
		}
		if c.OwnerID != nil && *c.OwnerID != in.OwnerID {
			owner, name := any(nil), "nobody"
			if *c.OwnerID != 0 {
				err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(NULLIF(u.name, ''), u.email) FROM users u JOIN memberships m ON m.user_id = u.id
					WHERE u.id = ? AND m.workspace_id = ?`), *c.OwnerID, workspaceID).Scan(&name)
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("%w: user %d is not a member of this workspace", vigie.ErrInvalid, *c.OwnerID)
				}
				if err != nil {
					return err
				}
				owner = *c.OwnerID
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE incidents SET owner_id = ? WHERE id = ?"), owner, id); err != nil {
				return err
			}
			if err := event("owner", "Owner: "+name); err != nil {
				return err
			}
		}
		for _, ch := range []struct {
			i    *int
			done bool
		}{{c.Check, true}, {c.Uncheck, false}} {
			if ch.i == nil {
				continue
			}
			if *ch.i < 0 || *ch.i >= len(in.Checklist) {
				return fmt.Errorf("%w: the checklist has items 0 to %d; no item %d", vigie.ErrInvalid, len(in.Checklist)-1, *ch.i)
			}
			item := &in.Checklist[*ch.i]
			if item.Done == ch.done {
				continue
			}
			item.Done, item.DoneAt, item.DoneBy = ch.done, time.Time{}, ""
			verb := "Unchecked: "
			if ch.done {
				item.DoneAt, item.DoneBy, verb = now, c.By, "Done: "
			}
			b, _ := json.Marshal(in.Checklist)
			if _, err := tx.ExecContext(ctx, s.q("UPDATE incidents SET checklist = ? WHERE id = ?"), string(b), id); err != nil {
				return err
			}
			if err := event("check", verb+item.Label); err != nil {
				return err
			}
		}
		if c.Note != "" {
			if err := event("note", c.Note); err != nil {
				return err
			}
		}
		if c.Statement != "" {
			if err := event("statement", c.Statement); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.q("UPDATE incidents SET updated_at = ?, first_response_at = COALESCE(first_response_at, ?) WHERE id = ?"), s.tm(now), s.tm(now), id)
		return err
	})
	if err != nil {
		return vigie.Incident{}, s.errf(err, "update incident %d", id)
	}
	return s.FindIncident(ctx, workspaceID, id)
}

// OpenIncident opens an incident by hand (a crisis seen before any alert).
func (s *Store) OpenIncident(ctx context.Context, workspaceID int64, title, monitor, by string) (vigie.Incident, error) {
	if strings.TrimSpace(title) == "" {
		return vigie.Incident{}, fmt.Errorf("open incident: %w: an incident needs a title", vigie.ErrInvalid)
	}
	if err := vigie.ValidName("incident's title", title); err != nil {
		return vigie.Incident{}, fmt.Errorf("open incident: %w", err)
	}
	now := s.clock()
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		key, err := s.monitorKey(ctx, tx, workspaceID, monitor)
		if err != nil {
			return err
		}
		labels, err := s.checklist(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO incidents (workspace_id, monitor_id, title, status, checklist, opened_at, updated_at, first_response_at)
			VALUES (?, ?, ?, 'open', ?, ?, ?, ?) RETURNING id`), workspaceID, key, title, checklistOf(labels), s.tm(now), s.tm(now), s.tm(now)).Scan(&id); err != nil {
			return err
		}
		return s.addIncidentEvent(ctx, tx, id, now, "status", by, "Incident opened")
	})
	if err != nil {
		return vigie.Incident{}, s.errf(err, "open incident")
	}
	return s.FindIncident(ctx, workspaceID, id)
}

// MentionCounts counts the mentions of a monitor (by key; "" for the whole
// workspace, each post once) published in [from, to), per step: all, and
// negative ones when withSentiment. Posts the workspace marked irrelevant
// do not count. Deleted posts have no mentions: they do not either.
func (s *Store) MentionCounts(ctx context.Context, workspaceID int64, monitorKey string, from, to time.Time, step time.Duration, withSentiment bool) (n, neg []int, err error) {
	if err := noWorkspace("mention counts", workspaceID); err != nil {
		return nil, nil, err
	}
	if step <= 0 || !to.After(from) {
		return nil, nil, fmt.Errorf("mention counts: %w: empty period", vigie.ErrInvalid)
	}
	size := int((to.Sub(from) + step - 1) / step)
	n = make([]int, size)
	if withSentiment {
		neg = make([]int, size)
	}
	irrelevant := ` AND NOT EXISTS (SELECT 1 FROM mention_tags t WHERE t.workspace_id = ? AND t.post_id = %s AND t.tag = 'irrelevant')`
	var (
		query string
		args  []any
	)
	switch {
	case monitorKey != "" && !withSentiment:
		query = `SELECT mm.published_at, '' FROM mentions mm WHERE mm.monitor_id = ? AND mm.published_at >= ? AND mm.published_at < ?` + fmt.Sprintf(irrelevant, "mm.post_id")
		args = []any{monitorKey, s.tm(from), s.tm(to), workspaceID}
	case monitorKey != "":
		query = `SELECT mm.published_at, p.sentiment FROM mentions mm JOIN posts p ON p.id = mm.post_id WHERE mm.monitor_id = ? AND mm.published_at >= ? AND mm.published_at < ?` + fmt.Sprintf(irrelevant, "mm.post_id")
		args = []any{monitorKey, s.tm(from), s.tm(to), workspaceID}
	default:
		query = `SELECT p.published_at, p.sentiment FROM posts p WHERE p.published_at >= ? AND p.published_at < ?
			AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = ?)` + fmt.Sprintf(irrelevant, "p.id")
		args = []any{s.tm(from), s.tm(to), workspaceID, workspaceID}
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, nil, s.errf(err, "mention counts")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			at        time.Time
			sentiment string
		)
		if err := rows.Scan(timeCol(&at), &sentiment); err != nil {
			return nil, nil, s.errf(err, "mention counts")
		}
		i := int(at.Sub(from) / step)
		if i < 0 || i >= size {
			continue
		}
		n[i]++
		if withSentiment && sentiment == "negative" {
			neg[i]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, s.errf(err, "mention counts")
	}
	return n, neg, nil
}

// Audience counts the distinct authors of the mentions of a monitor (by
// key; "" for the whole workspace) published in [from, to), and their
// followers added up: the reach of an incident.
func (s *Store) Audience(ctx context.Context, workspaceID int64, monitorKey string, from, to time.Time) (authors int, reach int64, err error) {
	if err := noWorkspace("audience", workspaceID); err != nil {
		return 0, 0, err
	}
	var q string
	var args []any
	if monitorKey != "" {
		q = `SELECT COUNT(*), COALESCE(SUM(a.followers), 0) FROM authors a WHERE a.id IN (SELECT p.author_id FROM mentions mm JOIN posts p ON p.id = mm.post_id
			JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.monitor_id = ? AND mo.workspace_id = ? AND mm.published_at >= ? AND mm.published_at < ?)`
		args = []any{monitorKey, workspaceID, s.tm(from), s.tm(to)}
	} else {
		q = `SELECT COUNT(*), COALESCE(SUM(a.followers), 0) FROM authors a WHERE a.id IN (SELECT p.author_id FROM posts p WHERE p.published_at >= ? AND p.published_at < ?
			AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = ?))`
		args = []any{s.tm(from), s.tm(to), workspaceID}
	}
	if err := s.db.QueryRowContext(ctx, s.q(q), args...).Scan(&authors, &reach); err != nil {
		return 0, 0, s.errf(err, "audience")
	}
	return authors, reach, nil
}

// Checklist limits.
const (
	MaxChecklistItems = 30
	MaxChecklistLabel = 200
)

// Checklist returns the crisis checklist the workspace defined, or
// vigie.DefaultChecklist.
func (s *Store) Checklist(ctx context.Context, workspaceID int64) ([]string, error) {
	return s.checklist(ctx, s.db, workspaceID)
}

func (s *Store) checklist(ctx context.Context, q querier, workspaceID int64) ([]string, error) {
	var raw string
	err := q.QueryRowContext(ctx, s.q("SELECT items FROM incident_checklists WHERE workspace_id = ?"), workspaceID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return append([]string(nil), vigie.DefaultChecklist...), nil
	}
	if err != nil {
		return nil, s.errf(err, "checklist")
	}
	var items []string
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, fmt.Errorf("checklist of workspace %d: %w", workspaceID, err)
	}
	return items, nil
}

// SetChecklist sets the workspace's crisis checklist: the items new
// incidents get (incidents under way keep theirs).
func (s *Store) SetChecklist(ctx context.Context, workspaceID int64, items []string) ([]string, error) {
	if err := noWorkspace("set checklist", workspaceID); err != nil {
		return nil, err
	}
	var clean []string
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		if len([]rune(it)) > MaxChecklistLabel {
			return nil, fmt.Errorf("%w: the checklist item %.30q… is longer than %d characters", vigie.ErrInvalid, it, MaxChecklistLabel)
		}
		if err := vigie.ValidName("checklist item", it); err != nil {
			return nil, err
		}
		clean = append(clean, it)
	}
	if len(clean) > MaxChecklistItems {
		return nil, fmt.Errorf("%w: %d checklist items; at most %d", vigie.ErrInvalid, len(clean), MaxChecklistItems)
	}
	if len(clean) == 0 {
		return nil, fmt.Errorf("%w: the checklist has no item; give one per line", vigie.ErrInvalid)
	}
	b, _ := json.Marshal(clean)
	if _, err := s.exec(ctx, s.q(`INSERT INTO incident_checklists (workspace_id, items) VALUES (?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET items = excluded.items`), workspaceID, string(b)); err != nil {
		return nil, s.errf(err, "set checklist")
	}
	return clean, nil
}

func checklistOf(labels []string) string {
	items := make([]vigie.ChecklistItem, len(labels))
	for i, l := range labels {
		items[i].Label = l
	}
	b, _ := json.Marshal(items)
	return string(b)
}

package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// Posts to publish (posts, publication_targets, publication_media, publication_events;
// migration 0030). publication_targets is the outbox: a row per (post, account)
// with its idempotency key, written with the post; the publisher claims
// due rows with a lease. The rules (who may approve, what a change does)
// live in internal/publish; the store keeps the states consistent.

// NewMedia is an image to attach to a new post.
type NewMedia struct {
	MIME string
	Alt  string
	Data []byte
}

// NewPublication is a post to create: the post (Status and Steps decided
// by its service), its targets (AccountID, Text, ReplyTo), its images and
// the event that starts its history.
type NewPublication struct {
	vigie.Publication
	Media []NewMedia
	Event vigie.PostEvent
}

// newIdemKey is a target's idempotency key: random, so that no one can
// guess another's, and the same on every attempt.
func newIdemKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "vigie-" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// CreatePublication stores a new post with its targets and images in one
// transaction. Accounts of another workspace are ErrInvalid.
func (s *Store) CreatePublication(ctx context.Context, np NewPublication) (vigie.Publication, error) {
	p := np.Publication
	if err := noWorkspace("create post", p.WorkspaceID); err != nil {
		return p, err
	}
	if len(p.Targets) == 0 {
		return p, fmt.Errorf("%w: a post needs at least one account", vigie.ErrInvalid)
	}
	now := s.clock()
	approvals, _ := json.Marshal(nonNil(p.Approvals))
	var author *int64
	if p.AuthorID != 0 {
		author = &p.AuthorID
	}
	var inbox *int64
	if p.InboxItem != 0 {
		inbox = &p.InboxItem
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.ownAccounts(ctx, tx, p.WorkspaceID, p.Targets); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO publications (workspace_id, kind, status, text, language, content_warning, scheduled_at, version,
			approvals, steps, author_id, author_name, author_role, inbox_item_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			p.WorkspaceID, p.Kind, string(p.Status), p.Text, p.Language, p.ContentWarning, s.tmNull(p.ScheduledAt), string(approvals), p.Steps,
			author, p.AuthorName, p.AuthorRole, inbox, s.tm(now), s.tm(now)).Scan(&p.ID); err != nil {
			return err
		}
		for i := range p.Targets {
			t := &p.Targets[i]
			key, err := newIdemKey()
			if err != nil {
				return err
			}
			reply := ""
			if t.ReplyTo != nil {
				b, _ := json.Marshal(t.ReplyTo)
				reply = string(b)
			}
			t.State, t.NextTryAt = targetState(p.Status, p.ScheduledAt, now)
			if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO publication_targets (post_id, workspace_id, account_id, text, reply_to, idem_key, state, next_try_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), p.ID, p.WorkspaceID, t.AccountID, t.Text, reply, key, t.State, s.tmNull(t.NextTryAt)).Scan(&t.ID); err != nil {
				return err
			}
		}
		for i, m := range np.Media {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO publication_media (post_id, position, mime, alt, data) VALUES (?, ?, ?, ?, ?)"),
				p.ID, i, m.MIME, m.Alt, m.Data); err != nil {
				return err
			}
		}
		return s.addPostEvent(ctx, tx, p.ID, now, np.Event)
	})
	if err != nil {
		if errors.Is(err, vigie.ErrInvalid) {
			return p, err
		}
		return p, s.errf(err, "create post")
	}
	return s.FindPublication(ctx, p.WorkspaceID, p.ID)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ownAccounts refuses targets on accounts that are not the workspace's.
func (s *Store) ownAccounts(ctx context.Context, q querier, workspaceID int64, targets []vigie.PostTarget) error {
	for _, t := range targets {
		var n int
		if err := q.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM social_accounts WHERE workspace_id = ? AND id = ?"), workspaceID, t.AccountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: account %d is not connected to this workspace (GET /api/v1/accounts lists them)", vigie.ErrInvalid, t.AccountID)
		}
	}
	return nil
}

// targetState is what a target not yet attempted becomes when its post
// has status: due (at its time, or now) once scheduled, else waiting.
func targetState(status vigie.PostStatus, scheduledAt, now time.Time) (string, time.Time) {
	if status != vigie.PostScheduled {
		return vigie.TargetWaiting, time.Time{}
	}
	if scheduledAt.IsZero() || scheduledAt.Before(now) {
		return vigie.TargetDue, now
	}
	return vigie.TargetDue, scheduledAt
}

func (s *Store) addPostEvent(ctx context.Context, q querier, postID int64, at time.Time, e vigie.PostEvent) error {
	if e.Kind == "" {
		return nil
	}
	if !e.At.IsZero() {
		at = e.At
	}
	_, err := q.ExecContext(ctx, s.q("INSERT INTO publication_events (post_id, at, kind, by_name, body) VALUES (?, ?, ?, ?, ?)"), postID, s.tm(at), e.Kind, e.By, e.Body)
	return err
}

const postCols = `id, workspace_id, kind, status, text, language, content_warning, scheduled_at, version, approvals, steps,
	COALESCE(author_id, 0), author_name, author_role, COALESCE(inbox_item_id, 0), created_at, updated_at`

func scanPublication(row interface{ Scan(...any) error }) (vigie.Publication, error) {
	var (
		p                 vigie.Publication
		status, approvals string
	)
	err := row.Scan(&p.ID, &p.WorkspaceID, &p.Kind, &status, &p.Text, &p.Language, &p.ContentWarning, scanTime{&p.ScheduledAt}, &p.Version,
		&approvals, &p.Steps, &p.AuthorID, &p.AuthorName, &p.AuthorRole, &p.InboxItem, scanTime{&p.CreatedAt}, scanTime{&p.UpdatedAt})
	if err != nil {
		return p, err
	}
	p.Status = vigie.PostStatus(status)
	if err := json.Unmarshal([]byte(approvals), &p.Approvals); err != nil {
		return p, fmt.Errorf("post %d: approvals: %w", p.ID, err)
	}
	return p, nil
}

// FindPublication returns a post of the workspace with its targets,
// images and history.
func (s *Store) FindPublication(ctx context.Context, workspaceID, id int64) (vigie.Publication, error) {
	p, err := s.loadPublication(ctx, s.db, workspaceID, id, false)
	if err != nil {
		return p, err
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT at, kind, by_name, body FROM publication_events WHERE post_id = ? ORDER BY id"), id)
	if err != nil {
		return p, s.errf(err, "post %d history", id)
	}
	defer rows.Close()
	for rows.Next() {
		var e vigie.PostEvent
		if err := rows.Scan(scanTime{&e.At}, &e.Kind, &e.By, &e.Body); err != nil {
			return p, s.errf(err, "post %d history", id)
		}
		p.Events = append(p.Events, e)
	}
	if err := rows.Err(); err != nil {
		return p, s.errf(err, "post %d history", id)
	}
	mrows, err := s.db.QueryContext(ctx, s.q("SELECT id, mime, alt, LENGTH(data) FROM publication_media WHERE post_id = ? ORDER BY position"), id)
	if err != nil {
		return p, s.errf(err, "post %d images", id)
	}
	defer mrows.Close()
	for mrows.Next() {
		var m vigie.PostMedia
		if err := mrows.Scan(&m.ID, &m.MIME, &m.Alt, &m.Size); err != nil {
			return p, s.errf(err, "post %d images", id)
		}
		p.Media = append(p.Media, m)
	}
	return p, s.errfNil(mrows.Err(), "post images")
}

// loadPublication reads a post and its targets with q (a transaction's
// when it is to be changed: lock takes its row on PostgreSQL).
func (s *Store) loadPublication(ctx context.Context, q querier, workspaceID, id int64, lock bool) (vigie.Publication, error) {
	suffix := ""
	if lock && s.pg() {
		suffix = " FOR UPDATE"
	}
	p, err := scanPublication(q.QueryRowContext(ctx, s.q("SELECT "+postCols+" FROM publications WHERE workspace_id = ? AND id = ?"+suffix), workspaceID, id))
	if err != nil {
		return p, s.errf(err, "post %d", id)
	}
	p.Targets, err = s.targets(ctx, q, []int64{p.ID})
	if err != nil {
		return p, err
	}
	p.URL = firstURL(p.Targets)
	return p, nil
}

func firstURL(ts []vigie.PostTarget) string {
	for _, t := range ts {
		if t.URL != "" {
			return t.URL
		}
	}
	return ""
}

const targetCols = `t.id, t.post_id, t.account_id, a.network, a.handle, t.text, t.reply_to, t.state, t.attempts, t.next_try_at, t.last_error,
	t.remote, t.remote_url, t.published_at`

// targets returns the targets of posts, by post id order of posts.
func (s *Store) targets(ctx context.Context, q querier, postIDs []int64) ([]vigie.PostTarget, error) {
	byPost, err := s.targetsOf(ctx, q, postIDs)
	if err != nil {
		return nil, err
	}
	var out []vigie.PostTarget
	for _, id := range postIDs {
		out = append(out, byPost[id]...)
	}
	return out, nil
}

func (s *Store) targetsOf(ctx context.Context, q querier, postIDs []int64) (map[int64][]vigie.PostTarget, error) {
	out := map[int64][]vigie.PostTarget{}
	if len(postIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(postIDs))
	for i, id := range postIDs {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, s.q("SELECT "+targetCols+` FROM publication_targets t JOIN social_accounts a ON a.id = t.account_id
		WHERE t.post_id IN (`+list(len(postIDs))+`) ORDER BY t.post_id, t.id`), args...)
	if err != nil {
		return nil, s.errf(err, "post targets")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			t             vigie.PostTarget
			postID        int64
			network       string
			reply, remote string
		)
		if err := rows.Scan(&t.ID, &postID, &t.AccountID, &network, &t.Handle, &t.Text, &reply, &t.State, &t.Attempts, scanTime{&t.NextTryAt},
			&t.LastError, &remote, &t.URL, scanTime{&t.PublishedAt}); err != nil {
			return nil, s.errf(err, "post targets")
		}
		t.Network = vigie.Network(network)
		if reply != "" {
			t.ReplyTo = &vigie.RemoteRef{}
			if err := json.Unmarshal([]byte(reply), t.ReplyTo); err != nil {
				return nil, fmt.Errorf("post target %d: reply_to: %w", t.ID, err)
			}
		}
		if remote != "" {
			if err := json.Unmarshal([]byte(remote), &t.Remote); err != nil {
				return nil, fmt.Errorf("post target %d: remote: %w", t.ID, err)
			}
		}
		out[postID] = append(out[postID], t)
	}
	return out, s.errfNil(rows.Err(), "post targets")
}

// PublicationFilter selects posts of a workspace.
type PublicationFilter struct {
	WorkspaceID int64
	Statuses    []vigie.PostStatus
	// From and To select posts whose time (scheduled, else published,
	// else created) is in [From, To).
	From, To time.Time
	Limit    int
	BeforeID int64
}

// FindPublications lists posts, newest first (or by time when From is
// set), with their targets.
func (s *Store) FindPublications(ctx context.Context, f PublicationFilter) ([]vigie.Publication, error) {
	if err := noWorkspace("posts", f.WorkspaceID); err != nil {
		return nil, err
	}
	where := []string{"workspace_id = ?"}
	args := []any{f.WorkspaceID}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN ("+list(len(f.Statuses))+")")
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	order := "id DESC"
	if !f.From.IsZero() || !f.To.IsZero() {
		order = "COALESCE(scheduled_at, created_at), id"
		if !f.From.IsZero() {
			where = append(where, "COALESCE(scheduled_at, created_at) >= ?")
			args = append(args, s.tm(f.From))
		}
		if !f.To.IsZero() {
			where = append(where, "COALESCE(scheduled_at, created_at) < ?")
			args = append(args, s.tm(f.To))
		}
	}
	if f.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+postCols+" FROM publications WHERE "+strings.Join(where, " AND ")+" ORDER BY "+order+" LIMIT ?"), append(args, limit)...)
	if err != nil {
		return nil, s.errf(err, "posts")
	}
	out := []vigie.Publication{}
	var ids []int64
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			rows.Close()
			return nil, s.errf(err, "posts")
		}
		out = append(out, p)
		ids = append(ids, p.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "posts")
	}
	byPost, err := s.targetsOf(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Targets = byPost[out[i].ID]
		out[i].URL = firstURL(out[i].Targets)
	}
	return out, nil
}

// ErrPostLocked is a change to a post that is being published or was.
var ErrPostLocked = errors.New("the post is being published or was published: it can no longer be changed")

// ChangePublication changes a post in one transaction: change gets the
// post as stored and changes its status, content, schedule and targets'
// texts in place, and returns the event for its history (or an error,
// which changes nothing). The targets follow the post's status: due at
// its time once scheduled, else waiting; targets being published or
// published are never touched.
func (s *Store) ChangePublication(ctx context.Context, workspaceID, id int64, change func(p *vigie.Publication) (vigie.PostEvent, error)) (vigie.Publication, error) {
	var refused error // change's own error, returned as it is
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		p, err := s.loadPublication(ctx, tx, workspaceID, id, true)
		if err != nil {
			return err
		}
		before := slices.Clone(p.Targets)
		event, err := change(&p)
		if err != nil {
			refused = err
			return err
		}
		now := s.clock()
		approvals, _ := json.Marshal(nonNil(p.Approvals))
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE publications SET status = ?, text = ?, language = ?, content_warning = ?, scheduled_at = ?, version = ?,
			approvals = ?, steps = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`),
			string(p.Status), p.Text, p.Language, p.ContentWarning, s.tmNull(p.ScheduledAt), p.Version, string(approvals), p.Steps, s.tm(now),
			workspaceID, id); err != nil {
			return err
		}
		for i, t := range p.Targets {
			if i >= len(before) || before[i].ID != t.ID {
				return errors.New("change post: targets cannot be added or removed here")
			}
			if before[i].State == vigie.TargetPublishing || before[i].State == vigie.TargetPublished {
				continue
			}
			state, next := targetState(p.Status, p.ScheduledAt, now)
			if _, err := tx.ExecContext(ctx, s.q("UPDATE publication_targets SET text = ?, state = ?, next_try_at = ?, last_error = CASE WHEN ? THEN last_error ELSE '' END WHERE id = ?"),
				t.Text, state, s.tmNull(next), state == vigie.TargetWaiting, t.ID); err != nil {
				return err
			}
		}
		return s.addPostEvent(ctx, tx, id, now, event)
	})
	if err != nil {
		if refused != nil || errors.Is(err, vigie.ErrNotFound) {
			return vigie.Publication{}, err
		}
		return vigie.Publication{}, s.errf(err, "change post %d", id)
	}
	return s.FindPublication(ctx, workspaceID, id)
}

// DeletePublication deletes a post that no target has begun to publish.
func (s *Store) DeletePublication(ctx context.Context, workspaceID, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		p, err := s.loadPublication(ctx, tx, workspaceID, id, true)
		if err != nil {
			return err
		}
		for _, t := range p.Targets {
			if t.State == vigie.TargetPublishing || t.State == vigie.TargetPublished {
				return ErrPostLocked
			}
		}
		_, err = tx.ExecContext(ctx, s.q("DELETE FROM publications WHERE workspace_id = ? AND id = ?"), workspaceID, id)
		return err
	})
}

// PostImage returns the bytes of an image of a post of the workspace.
func (s *Store) PostImage(ctx context.Context, workspaceID, postID, mediaID int64) (NewMedia, error) {
	var m NewMedia
	err := s.db.QueryRowContext(ctx, s.q(`SELECT m.mime, m.alt, m.data FROM publication_media m JOIN publications p ON p.id = m.post_id
		WHERE p.workspace_id = ? AND p.id = ? AND m.id = ?`), workspaceID, postID, mediaID).Scan(&m.MIME, &m.Alt, &m.Data)
	if err != nil {
		return m, s.errf(err, "post %d image %d", postID, mediaID)
	}
	return m, nil
}

// Claim is a target the publisher holds: what to publish, with which
// account. Resumed means an attempt began before (a crash, a timeout):
// the network may have the post already, so it is asked first.
type Claim struct {
	TargetID    int64
	PostID      int64
	WorkspaceID int64
	Attempts    int
	Resumed     bool
	Account     vigie.Account
	Draft       vigie.Draft
}

// ClaimTargets leases up to limit due targets of scheduled posts for
// owner until now+lease, marks them publishing (so that after a crash
// the network is asked before any new attempt) and returns them with
// their accounts' credentials. Two processes never hold one target.
func (s *Store) ClaimTargets(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Claim, error) {
	type row struct {
		id, post, ws, account int64
		state                 string
		first                 time.Time
	}
	var claimed []row
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		lock := ""
		if s.pg() {
			lock = " FOR UPDATE OF t SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT t.id, t.post_id, t.workspace_id, t.account_id, t.state, t.first_attempt_at FROM publication_targets t
			JOIN publications p ON p.id = t.post_id
			WHERE t.state IN ('due', 'publishing') AND t.next_try_at <= ? AND (t.lease_until IS NULL OR t.lease_until <= ?)
			AND p.status IN ('scheduled', 'publishing') ORDER BY t.next_try_at, t.id LIMIT ?`+lock), s.tm(now), s.tm(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.post, &r.ws, &r.account, &r.state, scanTime{&r.first}); err != nil {
				rows.Close()
				return err
			}
			claimed = append(claimed, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range claimed {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE publication_targets SET state = 'publishing', lease_owner = ?, lease_until = ?, attempts = attempts + 1,
				first_attempt_at = COALESCE(first_attempt_at, ?) WHERE id = ?`), owner, s.tm(now.Add(lease)), s.tm(now), r.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE publications SET status = 'publishing', updated_at = ? WHERE id = ? AND status = 'scheduled'"), s.tm(now), r.post); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(claimed) == 0 {
		return nil, s.errfNil(err, "claim posts to publish")
	}
	out := make([]Claim, 0, len(claimed))
	for _, r := range claimed {
		c := Claim{TargetID: r.id, PostID: r.post, WorkspaceID: r.ws, Resumed: r.state == vigie.TargetPublishing}
		var (
			key, text, reply string
			first            time.Time
		)
		p, err := s.loadPublication(ctx, s.db, r.ws, r.post, false)
		if err != nil {
			return nil, err
		}
		if err := s.db.QueryRowContext(ctx, s.q("SELECT idem_key, text, reply_to, attempts, first_attempt_at FROM publication_targets WHERE id = ?"), r.id).
			Scan(&key, &text, &reply, &c.Attempts, scanTime{&first}); err != nil {
			return nil, s.errf(err, "claim post target %d", r.id)
		}
		if c.Account, err = s.FindAccount(ctx, r.ws, r.account); err != nil {
			return nil, err
		}
		c.Draft = vigie.Draft{Key: key, CreatedAt: first, Text: p.Text, Language: p.Language, ContentWarning: p.ContentWarning}
		if text != "" {
			c.Draft.Text = text
		}
		if reply != "" {
			c.Draft.ReplyTo = &vigie.RemoteRef{}
			if err := json.Unmarshal([]byte(reply), c.Draft.ReplyTo); err != nil {
				return nil, fmt.Errorf("post target %d: reply_to: %w", r.id, err)
			}
		}
		media, err := s.db.QueryContext(ctx, s.q("SELECT mime, alt, data FROM publication_media WHERE post_id = ? ORDER BY position"), r.post)
		if err != nil {
			return nil, s.errf(err, "post %d images", r.post)
		}
		for media.Next() {
			var m vigie.Media
			if err := media.Scan(&m.MIME, &m.Alt, &m.Data); err != nil {
				media.Close()
				return nil, s.errf(err, "post %d images", r.post)
			}
			c.Draft.Media = append(c.Draft.Media, m)
		}
		media.Close()
		out = append(out, c)
	}
	return out, nil
}

// RenewTarget extends owner's lease on a target it is publishing; false
// when owner no longer holds it.
func (s *Store) RenewTarget(ctx context.Context, c Claim, owner string, until time.Time) (bool, error) {
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, s.q("UPDATE publication_targets SET lease_until = ? WHERE workspace_id = ? AND id = ? AND lease_owner = ? AND state = 'publishing'"),
			s.tm(until), c.WorkspaceID, c.TargetID, owner)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, s.errfNil(err, "renew lease")
}

// NextTargetDue is when the earliest due target of a scheduled post is
// due (ok false: none is).
func (s *Store) NextTargetDue(ctx context.Context) (time.Time, bool, error) {
	var at time.Time
	err := s.db.QueryRowContext(ctx, `SELECT MIN(CASE WHEN t.lease_until IS NOT NULL AND t.lease_until > t.next_try_at THEN t.lease_until ELSE t.next_try_at END)
		FROM publication_targets t JOIN publications p ON p.id = t.post_id
		WHERE t.state IN ('due', 'publishing') AND p.status IN ('scheduled', 'publishing')`).Scan(scanTime{&at})
	if err != nil {
		return at, false, s.errf(err, "next post due")
	}
	return at, !at.IsZero(), nil
}

// TargetPublished records a target as published, whoever holds it now
// (a success is true whatever the lease), and the post as published
// when all its targets are.
func (s *Store) TargetPublished(ctx context.Context, c Claim, remote vigie.RemotePost, at time.Time) error {
	remote = vigie.RemotePost{ID: clean(remote.ID), URI: clean(remote.URI), CID: clean(remote.CID), URL: clean(remote.URL)}
	b, _ := json.Marshal(remote)
	return s.finishTarget(ctx, c, at, func(tx *sql.Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE publication_targets SET state = 'published', remote = ?, remote_url = ?, published_at = ?, last_error = '',
			lease_owner = '', lease_until = NULL WHERE workspace_id = ? AND id = ? AND state <> 'published'`), string(b), remote.URL, s.tm(at), c.WorkspaceID, c.TargetID)
		if err != nil {
			return false, err
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			return false, nil
		}
		if err := s.addPostEvent(ctx, tx, c.PostID, at, vigie.PostEvent{Kind: "published", Body: strings.TrimSpace(c.Account.Handle + " " + remote.URL)}); err != nil {
			return false, err
		}
		// An answered item waits for its person (unless someone set it
		// otherwise), and its first-response clock stops.
		_, err = tx.ExecContext(ctx, s.q(`UPDATE inbox_items SET first_response_at = COALESCE(first_response_at, ?), updated_at = ?,
			status = CASE WHEN status IN ('new', 'assigned') THEN 'waiting' ELSE status END
			WHERE id = (SELECT inbox_item_id FROM publications WHERE id = ?)`), s.tm(at), s.tm(at), c.PostID)
		if err != nil {
			return false, err
		}
		note := "Reply published"
		if remote.URL != "" {
			note += ": " + remote.URL
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO inbox_notes (item_id, at, kind, by_name, body)
			SELECT inbox_item_id, ?, 'reply', author_name, ? FROM publications WHERE id = ? AND inbox_item_id IS NOT NULL`), s.tm(at), note, c.PostID)
		return true, err
	})
}

// RemoteTaken reports whether another target of the account already
// records the post at url: a post found by looking on the network must
// not be one another target published.
func (s *Store) RemoteTaken(ctx context.Context, c Claim, url string) (bool, error) {
	if url == "" {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM publication_targets WHERE account_id = ? AND id <> ? AND remote_url = ?"),
		c.Account.ID, c.TargetID, url).Scan(&n)
	return n > 0, s.errfNil(err, "remote taken")
}

// TargetRetry leaves a target for another attempt at next, with the
// error that stopped this one, if owner still holds it.
func (s *Store) TargetRetry(ctx context.Context, c Claim, owner string, next time.Time, cause error) error {
	return s.finishTarget(ctx, c, next, func(tx *sql.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE publication_targets SET next_try_at = ?, last_error = ?, lease_owner = '', lease_until = NULL
			WHERE workspace_id = ? AND id = ? AND lease_owner = ? AND state = 'publishing'`), s.tm(next), clipError(cause), c.WorkspaceID, c.TargetID, owner)
		return false, err
	})
}

// TargetFailed records that a target cannot be published (the network
// refused it for good), if owner still holds it: the post is failed, its
// history and the workspace's bell say why.
func (s *Store) TargetFailed(ctx context.Context, c Claim, owner string, at time.Time, cause error) error {
	return s.finishTarget(ctx, c, at, func(tx *sql.Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE publication_targets SET state = 'failed', last_error = ?, lease_owner = '', lease_until = NULL
			WHERE workspace_id = ? AND id = ? AND lease_owner = ? AND state = 'publishing'`), clipError(cause), c.WorkspaceID, c.TargetID, owner)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return false, nil
		}
		if err := s.addPostEvent(ctx, tx, c.PostID, at, vigie.PostEvent{Kind: "failed", Body: c.Account.Handle + ": " + clipError(cause)}); err != nil {
			return false, err
		}
		return true, s.notifyFailure(ctx, tx, c, at, cause)
	})
}

// notifyFailure rings the workspace's bell: an in-app alert that says
// which post failed on which account, and why.
func (s *Store) notifyFailure(ctx context.Context, tx *sql.Tx, c Claim, at time.Time, cause error) error {
	return s.notify(ctx, tx, c.WorkspaceID, at, "failed", fmt.Sprintf("Post %d not published on %s", c.PostID, c.Account.Handle), clipError(cause), c.PostID)
}

// notify rings a workspace's bell about a post: an in-app alert of kind
// "publish" (the alerts page lists it; its figures name the post), sent
// too to the channels of the workspace's publishing settings through the
// alerts' outbox (one delivery per channel, in the same transaction).
func (s *Store) notify(ctx context.Context, q querier, workspaceID int64, at time.Time, phase, title, body string, postID int64) error {
	var tok [18]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return err
	}
	token := base64.RawURLEncoding.EncodeToString(tok[:])
	sealedToken := ""
	if s.secrets != nil {
		sealedToken = s.secrets.Seal(token, sealAckToken)
	}
	settings, err := s.publishSettings(ctx, q, workspaceID)
	if err != nil {
		return err
	}
	var id int64
	if err := q.QueryRowContext(ctx, s.q(`INSERT INTO alerts (workspace_id, rule_name, kind, phase, fired_at, title, body, figures, inapp, ack_hash, ack_token)
		VALUES (?, 'Publishing', 'publish', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		workspaceID, phase, s.tm(at), title, body, fmt.Sprintf(`{"post_id":%d}`, postID), true, hashToken(token), sealedToken).Scan(&id); err != nil {
		return err
	}
	// The bell is the alert itself: the settings' other channels.
	chs := slices.DeleteFunc(slices.Clone(settings.Channels), func(ch vigie.AlertChannel) bool { return ch.Kind == vigie.ChannelInApp })
	sealed, err := s.sealChannels(chs)
	if err != nil {
		return err
	}
	return s.addDeliveries(ctx, q, id, workspaceID, at, chs, sealed)
}

// SettlePostAlerts acknowledges a post's alerts of phase that no longer
// call for anyone (it was approved: "waits for approval" is done), by
// whom or what settled them.
func (s *Store) SettlePostAlerts(ctx context.Context, workspaceID, postID int64, phase, by string) error {
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, s.q(`UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE workspace_id = ? AND kind = 'publish'
			AND phase = ? AND figures = ? AND acknowledged_at IS NULL`), s.tm(s.clock()), by, workspaceID, phase, fmt.Sprintf(`{"post_id":%d}`, postID))
		return s.errfNil(err, "settle post alerts")
	})
}

// NotifyPost rings the workspace's bell about a post: phase "approval"
// (it waits for approvers), "changes" (its author has changes to make).
func (s *Store) NotifyPost(ctx context.Context, workspaceID, postID int64, phase, title, body string) error {
	return s.write(ctx, func(q querier) error {
		return s.errfNil(s.notify(ctx, q, workspaceID, s.clock(), phase, title, body, postID), "notify")
	})
}

// finishTarget runs change and then sets the post's status from its
// targets': published when all are, failed when one failed and none is
// still to publish, else publishing.
func (s *Store) finishTarget(ctx context.Context, c Claim, at time.Time, change func(tx *sql.Tx) (bool, error)) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.pg() {
			// Two targets of one post finishing at once (two processes, or
			// two goroutines) would each count the other as still
			// publishing: the post's row orders them.
			if _, err := tx.ExecContext(ctx, s.q("SELECT id FROM publications WHERE id = ? FOR UPDATE"), c.PostID); err != nil {
				return err
			}
		}
		changed, err := change(tx)
		if err != nil || !changed {
			if err != nil {
				return fmt.Errorf("post target %d: %w", c.TargetID, s.translate(err))
			}
			return nil
		}
		rows, err := tx.QueryContext(ctx, s.q("SELECT state FROM publication_targets WHERE post_id = ?"), c.PostID)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		total := 0
		for rows.Next() {
			var st string
			if err := rows.Scan(&st); err != nil {
				rows.Close()
				return err
			}
			counts[st]++
			total++
		}
		rows.Close()
		status := vigie.PostPublishing
		switch {
		case counts[vigie.TargetPublished] == total:
			status = vigie.PostPublished
		case counts[vigie.TargetFailed] > 0 && counts[vigie.TargetDue]+counts[vigie.TargetPublishing] == 0:
			status = vigie.PostFailed
		}
		_, err = tx.ExecContext(ctx, s.q("UPDATE publications SET status = ?, updated_at = ? WHERE id = ?"), string(status), s.tm(s.clock()), c.PostID)
		return err
	})
}

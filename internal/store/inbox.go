package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// The shared inbox (inbox_items, inbox_notes; migration 0030): what is
// said to the connected accounts, polled by one process at a time per
// account (a lease on the account's row), and listening mentions a person
// sends to it.

// InboxPoll is an account whose notifications are due to be read, with
// where the last read stopped.
type InboxPoll struct {
	Account vigie.Account
	Cursor  string
}

// ClaimInboxPolls leases up to limit accounts whose inbox is due, for
// owner until now+lease.
func (s *Store) ClaimInboxPolls(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]InboxPoll, error) {
	var ids []int64
	var wss []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ids, wss = ids[:0], wss[:0]
		lock := ""
		if s.pg() {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id, workspace_id FROM social_accounts WHERE inbox_next_at <= ?
			AND (inbox_lease_until IS NULL OR inbox_lease_until <= ?) ORDER BY inbox_next_at, id LIMIT ?`+lock), s.tm(now), s.tm(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, ws int64
			if err := rows.Scan(&id, &ws); err != nil {
				rows.Close()
				return err
			}
			ids, wss = append(ids, id), append(wss, ws)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE social_accounts SET inbox_lease = ?, inbox_lease_until = ? WHERE id = ?"),
				owner, s.tm(now.Add(lease)), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, s.errfNil(err, "claim inboxes")
	}
	out := make([]InboxPoll, 0, len(ids))
	for i, id := range ids {
		a, err := s.FindAccount(ctx, wss[i], id)
		if err != nil {
			return nil, err
		}
		var cursor string
		if err := s.db.QueryRowContext(ctx, s.q("SELECT inbox_cursor FROM social_accounts WHERE id = ?"), id).Scan(&cursor); err != nil {
			return nil, s.errf(err, "inbox cursor")
		}
		out = append(out, InboxPoll{Account: a, Cursor: cursor})
	}
	return out, nil
}

// NextInboxDue is when the earliest inbox is due to be read.
func (s *Store) NextInboxDue(ctx context.Context) (time.Time, bool, error) {
	var at time.Time
	err := s.db.QueryRowContext(ctx, `SELECT MIN(CASE WHEN inbox_lease_until IS NOT NULL AND inbox_lease_until > inbox_next_at
		THEN inbox_lease_until ELSE inbox_next_at END) FROM social_accounts`).Scan(scanTime{&at})
	if err != nil {
		return at, false, s.errf(err, "next inbox due")
	}
	return at, !at.IsZero(), nil
}

// InboxPolled stores what a read of an account's notifications brought,
// with the cursor after them, in one transaction (a crash reads them
// again; each is stored once), and sets the account's next read at next.
// It returns how many were new.
func (s *Store) InboxPolled(ctx context.Context, p InboxPoll, owner, cursor string, next time.Time, items []vigie.Notification) (int, error) {
	added := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		added = 0
		now := s.clock()
		for _, n := range items {
			ok, err := s.addInboxItem(ctx, tx, p.Account.WorkspaceID, &p.Account.ID, 0, n, now)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE social_accounts SET inbox_cursor = ?, inbox_next_at = ?, inbox_lease = '', inbox_lease_until = NULL
			WHERE id = ? AND inbox_lease = ?`), cursor, s.tm(next), p.Account.ID, owner)
		return err
	})
	if err != nil {
		return 0, s.errf(err, "store inbox of %s", p.Account.Handle)
	}
	return added, nil
}

// InboxPollFailed releases an account whose read failed, to be read
// again at next.
func (s *Store) InboxPollFailed(ctx context.Context, p InboxPoll, owner string, next time.Time) error {
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, s.q(`UPDATE social_accounts SET inbox_next_at = ?, inbox_lease = '', inbox_lease_until = NULL WHERE id = ? AND inbox_lease = ?`),
			s.tm(next), p.Account.ID, owner)
		return s.errfNil(err, "inbox poll")
	})
}

// maxInboxText bounds the text kept of an item (a network's post is far
// shorter; a listening mention may be an article).
const maxInboxText = 20000

func clipText(s string, n int) string {
	s = clean(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// addInboxItem inserts an item unless the workspace has it (the same post
// heard twice: by two accounts, or read again after a crash).
func (s *Store) addInboxItem(ctx context.Context, q querier, workspaceID int64, accountID *int64, mentionID int64, n vigie.Notification, now time.Time) (bool, error) {
	key := n.Post.URI
	if key == "" {
		key = n.RemoteID
	}
	if key == "" {
		return false, fmt.Errorf("%w: a notification without an id", vigie.ErrInvalid)
	}
	thread := n.Post.RootURI
	if thread == "" {
		thread = cmp.Or(n.InReplyTo, key)
	}
	ref, _ := json.Marshal(n.Post)
	posted := n.CreatedAt
	if posted.IsZero() {
		posted = now
	}
	var mention any
	if mentionID != 0 {
		mention = mentionID
	}
	res, err := q.ExecContext(ctx, s.q(`INSERT INTO inbox_items (workspace_id, account_id, mention_id, remote_id, kind, ref, url, thread, author_name, author_handle,
		author_url, text, language, posted_at, received_at, status, tags, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', '[]', ?) ON CONFLICT (workspace_id, remote_id) DO NOTHING`),
		workspaceID, accountID, mention, clipText(key, 2048), string(n.Kind), string(ref), clipText(n.URL, 2048), clipText(thread, 2048),
		clipText(n.AuthorName, 300), clipText(n.AuthorHandle, 300), clipText(n.AuthorURL, 2048), clipText(n.Text, maxInboxText),
		clipText(n.Language, 35), s.tm(posted), s.tm(now), s.tm(now))
	if err != nil {
		return false, err
	}
	k, _ := res.RowsAffected()
	return k > 0, nil
}

// SendToInbox puts a listening mention of the workspace in its inbox
// (once; sending it again returns the same item).
func (s *Store) SendToInbox(ctx context.Context, workspaceID int64, m vigie.Mention, by string) (vigie.InboxItem, error) {
	n := vigie.Notification{
		RemoteID: "mention:" + strconv.FormatInt(m.ID, 10), Kind: "mention",
		Post: vigie.RemoteRef{URI: "mention:" + strconv.FormatInt(m.ID, 10)},
		URL:  m.Post.URL, AuthorName: m.Post.Author.Name, AuthorHandle: m.Post.Author.Handle, AuthorURL: m.Post.Author.URL,
		Text: strings.TrimSpace(m.Post.Title + "\n" + m.Post.Text), Language: m.Post.Lang, CreatedAt: m.Post.PublishedAt,
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		added, err := s.addInboxItem(ctx, tx, workspaceID, nil, m.ID, n, now)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("SELECT id FROM inbox_items WHERE workspace_id = ? AND remote_id = ?"), workspaceID, n.RemoteID).Scan(&id); err != nil {
			return err
		}
		if added {
			return s.addInboxNote(ctx, tx, id, now, "status", by, "Sent to the inbox from the mentions")
		}
		return nil
	})
	if err != nil {
		return vigie.InboxItem{}, s.errf(err, "send mention %d to the inbox", m.ID)
	}
	return s.FindInboxItem(ctx, workspaceID, id)
}

func (s *Store) addInboxNote(ctx context.Context, q querier, itemID int64, at time.Time, kind, by, body string) error {
	_, err := q.ExecContext(ctx, s.q("INSERT INTO inbox_notes (item_id, at, kind, by_name, body) VALUES (?, ?, ?, ?, ?)"), itemID, s.tm(at), kind, by, body)
	return err
}

const inboxCols = `i.id, i.workspace_id, COALESCE(i.account_id, 0), COALESCE(a.handle, ''), COALESCE(a.network, ''), COALESCE(i.mention_id, 0), i.kind, i.ref,
	i.url, i.thread, i.author_name, i.author_handle, i.author_url, i.text, i.language, i.posted_at, i.received_at, i.status,
	COALESCE(i.assignee_id, 0), COALESCE(NULLIF(u.name, ''), u.email, ''), i.tags, i.first_response_at`

const inboxFrom = ` FROM inbox_items i LEFT JOIN social_accounts a ON a.id = i.account_id LEFT JOIN users u ON u.id = i.assignee_id`

func scanInboxItem(row interface{ Scan(...any) error }) (vigie.InboxItem, error) {
	var (
		it        vigie.InboxItem
		network   string
		ref, tags string
	)
	err := row.Scan(&it.ID, &it.WorkspaceID, &it.AccountID, &it.AccountHandle, &network, &it.MentionID, &it.Kind, &ref, &it.URL, &it.Thread,
		&it.AuthorName, &it.AuthorHandle, &it.AuthorURL, &it.Text, &it.Language, scanTime{&it.PostedAt}, scanTime{&it.ReceivedAt}, &it.Status,
		&it.AssigneeID, &it.Assignee, &tags, scanTime{&it.FirstResponseAt})
	if err != nil {
		return it, err
	}
	it.Network = vigie.Network(network)
	if err := json.Unmarshal([]byte(ref), &it.Ref); err != nil {
		return it, fmt.Errorf("inbox item %d: ref: %w", it.ID, err)
	}
	if err := json.Unmarshal([]byte(tags), &it.Tags); err != nil {
		return it, fmt.Errorf("inbox item %d: tags: %w", it.ID, err)
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	return it, nil
}

// InboxFilter selects inbox items of a workspace.
type InboxFilter struct {
	WorkspaceID int64
	Statuses    []string
	AssigneeID  int64 // -1: unassigned
	AccountID   int64
	Tag         string
	Limit       int
	BeforeID    int64
}

// FindInbox lists inbox items, newest first.
func (s *Store) FindInbox(ctx context.Context, f InboxFilter) ([]vigie.InboxItem, error) {
	if err := noWorkspace("inbox", f.WorkspaceID); err != nil {
		return nil, err
	}
	where := []string{"i.workspace_id = ?"}
	args := []any{f.WorkspaceID}
	if len(f.Statuses) > 0 {
		where = append(where, "i.status IN ("+list(len(f.Statuses))+")")
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	switch {
	case f.AssigneeID > 0:
		where, args = append(where, "i.assignee_id = ?"), append(args, f.AssigneeID)
	case f.AssigneeID < 0:
		where = append(where, "i.assignee_id IS NULL")
	}
	if f.AccountID > 0 {
		where, args = append(where, "i.account_id = ?"), append(args, f.AccountID)
	}
	if f.Tag != "" {
		b, _ := json.Marshal(f.Tag)
		where, args = append(where, "i.tags LIKE ?"), append(args, "%"+likeEscape(string(b))+"%")
	}
	if f.BeforeID > 0 {
		where, args = append(where, "i.id < ?"), append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+inboxCols+inboxFrom+" WHERE "+strings.Join(where, " AND ")+" ORDER BY i.id DESC LIMIT ?"), append(args, limit)...)
	if err != nil {
		return nil, s.errf(err, "inbox")
	}
	defer rows.Close()
	out := []vigie.InboxItem{}
	for rows.Next() {
		it, err := scanInboxItem(rows)
		if err != nil {
			return nil, s.errf(err, "inbox")
		}
		out = append(out, it)
	}
	return out, s.errfNil(rows.Err(), "inbox")
}

// likeEscape makes s literal in a LIKE pattern (with ESCAPE-less LIKE,
// both databases take % and _ as wildcards: they are dropped from tags).
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// FindInboxItem returns an item of the workspace with its notes.
func (s *Store) FindInboxItem(ctx context.Context, workspaceID, id int64) (vigie.InboxItem, error) {
	it, err := scanInboxItem(s.db.QueryRowContext(ctx, s.q("SELECT "+inboxCols+inboxFrom+" WHERE i.workspace_id = ? AND i.id = ?"), workspaceID, id))
	if err != nil {
		return it, s.errf(err, "inbox item %d", id)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT at, kind, by_name, body FROM inbox_notes WHERE item_id = ? ORDER BY id"), id)
	if err != nil {
		return it, s.errf(err, "inbox item %d notes", id)
	}
	defer rows.Close()
	for rows.Next() {
		var n vigie.InboxNote
		if err := rows.Scan(scanTime{&n.At}, &n.Kind, &n.By, &n.Body); err != nil {
			return it, s.errf(err, "inbox item %d notes", id)
		}
		it.Notes = append(it.Notes, n)
	}
	return it, s.errfNil(rows.Err(), "inbox notes")
}

// InboxChange is a change to inbox items: the fields that are set.
type InboxChange struct {
	Status     string
	AssigneeID *int64 // 0: nobody
	AddTags    []string
	RemoveTags []string
	Note       string
	By         string
}

// clean makes outside text storable: valid UTF-8, without NUL (which
// PostgreSQL's text refuses).
func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// maxTagsChange bounds the tags one change adds or removes (an item has
// at most 20).
const maxTagsChange = 20

// Validate checks a change's values.
func (c InboxChange) Validate() error {
	if len(c.AddTags) > maxTagsChange || len(c.RemoveTags) > maxTagsChange {
		return fmt.Errorf("%w: a change adds or removes at most %d tags", vigie.ErrInvalid, maxTagsChange)
	}
	if c.Status != "" && !slices.Contains([]string{vigie.InboxNew, vigie.InboxAssigned, vigie.InboxWaiting, vigie.InboxDone}, c.Status) {
		return fmt.Errorf("%w: status %q must be new, assigned, waiting or done", vigie.ErrInvalid, c.Status)
	}
	for _, t := range append(slices.Clone(c.AddTags), c.RemoveTags...) {
		if t == "" || utf8.RuneCountInString(t) > 50 || strings.ContainsAny(t, "%_\"\\\x00") || !utf8.ValidString(t) {
			return fmt.Errorf("%w: tag %q: a tag has 1 to 50 characters, without %%, _, \" or \\", vigie.ErrInvalid, t)
		}
	}
	if len(c.Note) > 10000 || !utf8.ValidString(c.Note) || strings.Contains(c.Note, "\x00") {
		return fmt.Errorf("%w: a note has at most 10,000 bytes of UTF-8 text, without NUL characters", vigie.ErrInvalid)
	}
	return nil
}

// ChangeInbox applies a change to items of the workspace, each with a
// line in its history; an id of another workspace is ErrNotFound and
// changes nothing. An assignee must be a member of the workspace.
func (s *Store) ChangeInbox(ctx context.Context, workspaceID int64, ids []int64, c InboxChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		assignee := ""
		if c.AssigneeID != nil && *c.AssigneeID != 0 {
			err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(NULLIF(u.name, ''), u.email) FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.workspace_id = ? AND u.id = ?`),
				workspaceID, *c.AssigneeID).Scan(&assignee)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: user %d is not a member of this workspace", vigie.ErrInvalid, *c.AssigneeID)
			}
			if err != nil {
				return err
			}
		}
		for _, id := range ids {
			var tagsRaw, status string
			if err := tx.QueryRowContext(ctx, s.q("SELECT tags, status FROM inbox_items WHERE workspace_id = ? AND id = ?"), workspaceID, id).Scan(&tagsRaw, &status); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("inbox item %d: %w", id, vigie.ErrNotFound)
				}
				return err
			}
			if c.AssigneeID != nil {
				var who any
				if *c.AssigneeID != 0 {
					who = *c.AssigneeID
				}
				newStatus := status
				if *c.AssigneeID != 0 && status == vigie.InboxNew && c.Status == "" {
					newStatus = vigie.InboxAssigned
				}
				if _, err := tx.ExecContext(ctx, s.q("UPDATE inbox_items SET assignee_id = ?, status = ?, updated_at = ? WHERE id = ?"), who, newStatus, s.tm(now), id); err != nil {
					return err
				}
				body := "Unassigned"
				if assignee != "" {
					body = "Assigned to " + assignee
				}
				if err := s.addInboxNote(ctx, tx, id, now, "assign", c.By, body); err != nil {
					return err
				}
			}
			if c.Status != "" && c.Status != status {
				if _, err := tx.ExecContext(ctx, s.q("UPDATE inbox_items SET status = ?, updated_at = ? WHERE id = ?"), c.Status, s.tm(now), id); err != nil {
					return err
				}
				if err := s.addInboxNote(ctx, tx, id, now, "status", c.By, "Status: "+c.Status); err != nil {
					return err
				}
			}
			if len(c.AddTags)+len(c.RemoveTags) > 0 {
				var tags []string
				if err := json.Unmarshal([]byte(tagsRaw), &tags); err != nil {
					return err
				}
				for _, t := range c.AddTags {
					if !slices.Contains(tags, t) {
						tags = append(tags, t)
					}
				}
				tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(c.RemoveTags, t) })
				if len(tags) > 20 {
					return fmt.Errorf("%w: an item has at most 20 tags", vigie.ErrInvalid)
				}
				b, _ := json.Marshal(nonNil(tags))
				if _, err := tx.ExecContext(ctx, s.q("UPDATE inbox_items SET tags = ?, updated_at = ? WHERE id = ?"), string(b), s.tm(now), id); err != nil {
					return err
				}
			}
			if c.Note != "" {
				if err := s.addInboxNote(ctx, tx, id, now, "note", c.By, c.Note); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// InboxCounts counts the workspace's items by status, and the open ones
// (not done) past the first-response target sla (0: none).
func (s *Store) InboxCounts(ctx context.Context, workspaceID int64, now time.Time, sla time.Duration) (map[string]int, int, error) {
	out := map[string]int{}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT status, COUNT(*) FROM inbox_items WHERE workspace_id = ? GROUP BY status"), workspaceID)
	if err != nil {
		return nil, 0, s.errf(err, "inbox counts")
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, 0, s.errf(err, "inbox counts")
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.errf(err, "inbox counts")
	}
	late := 0
	if sla > 0 {
		if err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM inbox_items WHERE workspace_id = ? AND status <> 'done'
			AND first_response_at IS NULL AND received_at < ?`), workspaceID, s.tm(now.Add(-sla))).Scan(&late); err != nil {
			return nil, 0, s.errf(err, "inbox counts")
		}
	}
	return out, late, nil
}

// AddNotification puts what was said to an account of the workspace in
// its inbox (once) and returns the item's id: for notifications that do
// not come from a poll (a network's push, a test).
func (s *Store) AddNotification(ctx context.Context, workspaceID, accountID int64, n vigie.Notification) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.ownAccounts(ctx, tx, workspaceID, []vigie.PostTarget{{AccountID: accountID}}); err != nil {
			return err
		}
		if _, err := s.addInboxItem(ctx, tx, workspaceID, &accountID, 0, n, s.clock()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q("SELECT id FROM inbox_items WHERE workspace_id = ? AND remote_id = ?"), workspaceID, cmp.Or(n.Post.URI, n.RemoteID)).Scan(&id)
	})
	if err != nil {
		if errors.Is(err, vigie.ErrInvalid) {
			return 0, err
		}
		return 0, s.errf(err, "add to the inbox")
	}
	return id, nil
}

// InboxDueNow makes an account's inbox due at once (a notification was
// announced by the network's stream).
func (s *Store) InboxDueNow(ctx context.Context, workspaceID, accountID int64) error {
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, s.q("UPDATE social_accounts SET inbox_next_at = ? WHERE workspace_id = ? AND id = ?"), s.tm(s.clock()), workspaceID, accountID)
		return s.errfNil(err, "inbox due")
	})
}

// AccountsToFollow lists every workspace's accounts whose credentials
// were not refused: the inbox follows their networks' streams.
func (s *Store) AccountsToFollow(ctx context.Context) ([]vigie.Account, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+accountCols+" FROM social_accounts WHERE status = 'ok' ORDER BY id")
	if err != nil {
		return nil, s.errf(err, "accounts to follow")
	}
	defer rows.Close()
	var out []vigie.Account
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, s.errf(err, "accounts to follow")
		}
		out = append(out, a)
	}
	return out, s.errfNil(rows.Err(), "accounts to follow")
}

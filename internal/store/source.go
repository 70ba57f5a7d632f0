package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

const sourceCols = `id, workspace_id, kind, name, url, settings, interval_seconds, enabled, created_at,
	cursor, etag, last_modified, next_check_at, last_success_at, last_error_at, last_error, error_count, posts_seen, shared,
	connected, connected_at, lag_seconds, rate_limit`

// visibleSources selects the sources whose posts a workspace may see: its
// own, and those shared with its organisation. Bind the workspace twice.
const visibleSources = `SELECT vs.id FROM sources vs WHERE vs.workspace_id = ? OR (vs.shared AND vs.workspace_id IN
	(SELECT ow.id FROM workspaces ow WHERE ow.organisation_id = (SELECT vw.organisation_id FROM workspaces vw WHERE vw.id = ?)))`

// visibleSourcesOfSource is visibleSources for the workspace of a source.
// Bind the source twice.
const visibleSourcesOfSource = `SELECT vs.id FROM sources vs WHERE vs.workspace_id = (SELECT ws.workspace_id FROM sources ws WHERE ws.id = ?)
	OR (vs.shared AND vs.workspace_id IN (SELECT ow.id FROM workspaces ow WHERE ow.organisation_id =
		(SELECT vw.organisation_id FROM workspaces vw JOIN sources ws ON ws.workspace_id = vw.id WHERE ws.id = ?)))`

// sourceWorkspaces selects the workspaces whose monitors a source feeds:
// its own, or every workspace of its organisation when it is shared. Bind
// the source.
const sourceWorkspaces = `SELECT fw.id FROM workspaces fw, sources fs JOIN workspaces sw ON sw.id = fs.workspace_id
	WHERE fs.id = ? AND (fw.id = fs.workspace_id OR (fs.shared AND fw.organisation_id = sw.organisation_id))`

// SourceScope returns the workspaces whose monitors a source feeds (see
// sourceWorkspaces), for the pipeline to match its posts against those
// monitors only.
func (s *Store) SourceScope(ctx context.Context, sourceID int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sourceWorkspaces+" ORDER BY fw.id"), sourceID)
	if err != nil {
		return nil, s.errf(err, "source %d scope", sourceID)
	}
	ids, err := collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, func(err error) error { return s.errf(err, "source %d scope", sourceID) })
	if err == nil && len(ids) == 0 {
		err = fmt.Errorf("source %d scope: %w", sourceID, vigie.ErrNotFound)
	}
	return ids, err
}

// ShareSource shares the workspace's source with every workspace of its
// organisation, or stops sharing it. Only an administrator of the
// organisation may (the caller checks). New posts feed the monitors of the
// new scope; for the posts stored before, the other workspaces' monitors
// get a backfill requested in the same transaction, as for a new query:
// sharing brings the source's posts of the backfill window into their
// mentions, unsharing takes all its posts out (a backfill drops the
// mentions of posts the workspace may no longer see). Setting the state the
// source already has requests nothing.
func (s *Store) ShareSource(ctx context.Context, workspaceID, id int64, shared bool) (vigie.Source, error) {
	if err := noWorkspace("share source", workspaceID); err != nil {
		return vigie.Source{}, err
	}
	lock := ""
	if s.pg() {
		lock = " FOR UPDATE" // two admins flipping it at once both see the state they change
	}
	var src vigie.Source
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var was bool
		if err := tx.QueryRowContext(ctx, s.q("SELECT shared FROM sources WHERE id = ? AND workspace_id = ?"+lock), id, workspaceID).Scan(&was); err != nil {
			return s.errf(err, "share source %d", id)
		}
		var err error
		src, err = s.scanSource(tx.QueryRowContext(ctx, s.q("UPDATE sources SET shared = ? WHERE id = ? AND workspace_id = ? RETURNING "+sourceCols),
			shared, id, workspaceID))
		if err != nil {
			return s.errf(err, "share source %d", id)
		}
		if was == shared {
			return nil
		}
		now := s.tm(s.clock())
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO monitor_backfills (monitor_id, workspace_id, run_after, requested_at)
			SELECT mo.id, mo.workspace_id, ?, ? FROM monitors mo JOIN workspaces w ON w.id = mo.workspace_id
			WHERE w.organisation_id = (SELECT sw.organisation_id FROM workspaces sw WHERE sw.id = ?) AND mo.workspace_id <> ?
			`+backfillRequested), now, now, workspaceID, workspaceID)
		if err != nil {
			return s.errf(err, "share source %d: request backfills", id)
		}
		return nil
	})
	if err != nil {
		return vigie.Source{}, err
	}
	return src, nil
}

// VisibleSourceIDs returns the ids of the sources whose posts the
// workspace may see: its own and those shared with its organisation.
func (s *Store) VisibleSourceIDs(ctx context.Context, workspaceID int64) (map[int64]bool, error) {
	if err := noWorkspace("visible sources", workspaceID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q(visibleSources), workspaceID, workspaceID)
	if err != nil {
		return nil, s.errf(err, "visible sources")
	}
	ids, err := collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, func(err error) error { return s.errf(err, "visible sources") })
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// visiblePosts keeps the posts among ids that the workspace may see.
func (s *Store) visiblePosts(ctx context.Context, workspaceID int64, ids []int64) ([]int64, error) {
	var out []int64
	for chunk := range slices.Chunk(ids, maxParams-2) {
		args := make([]any, 0, len(chunk)+2)
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, workspaceID, workspaceID)
		rows, err := s.db.QueryContext(ctx, s.q("SELECT p.id FROM posts p WHERE p.id IN ("+list(len(chunk))+") AND p.source_id IN ("+visibleSources+")"), args...)
		if err != nil {
			return nil, s.errf(err, "visible posts")
		}
		got, err := collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		}, func(err error) error { return s.errf(err, "visible posts") })
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// scanSource reads a source, its credentials decrypted (decodeSettings).
func (s *Store) scanSource(row interface{ Scan(...any) error }) (vigie.Source, error) {
	var (
		src      vigie.Source
		kind     string
		settings string
		interval int64
	)
	err := row.Scan(&src.ID, &src.WorkspaceID, &kind, &src.Name, &src.URL, &settings, &interval, &src.Enabled,
		timeCol(&src.CreatedAt), &src.Cursor, &src.ETag, &src.LastModified, timeCol(&src.NextCheckAt),
		timeCol(&src.LastSuccessAt), timeCol(&src.LastErrorAt), &src.LastError, &src.ErrorCount, &src.PostsSeen, &src.Shared,
		&src.Connected, timeCol(&src.ConnectedAt), &src.Lag, &src.RateLimit)
	if err != nil {
		return vigie.Source{}, err
	}
	src.Kind = vigie.SourceKind(kind)
	src.Interval = time.Duration(interval) * time.Second
	if src.Settings, src.UndecryptableSettings, err = s.decodeSettings(settings); err != nil {
		return vigie.Source{}, fmt.Errorf("source %d: settings: %w", src.ID, err)
	}
	return src, nil
}

// CreateSource stores a new source and returns it with its id. A zero
// NextCheckAt makes it due at once. A source of a kind known by its address
// (vigie.SourceKind.KnownByURL) gets its address in its normal form
// (vigie.NormalSourceURL); an address the workspace already follows in a
// source of the kind is a *FollowedError (ErrConflict). The name must be
// free for the kind in the workspace too (ErrConflict; see FreeSourceName).
func (s *Store) CreateSource(ctx context.Context, src vigie.Source) (vigie.Source, error) {
	if src.WorkspaceID == 0 || strings.TrimSpace(string(src.Kind)) == "" || strings.TrimSpace(src.Name) == "" {
		return vigie.Source{}, fmt.Errorf("create source: %w: a source needs a workspace, a kind and a name", vigie.ErrInvalid)
	}
	if err := vigie.ValidName("source name", src.Name); err != nil {
		return vigie.Source{}, fmt.Errorf("create source: %w", err)
	}
	if strings.ContainsRune(src.URL, 0) {
		return vigie.Source{}, fmt.Errorf("create source: %w: the address holds a NUL character", vigie.ErrInvalid)
	}
	var key *string
	if src.Kind.KnownByURL() && src.URL != "" {
		u, err := vigie.NormalSourceURL(src.URL)
		if err != nil {
			return vigie.Source{}, fmt.Errorf("create source: %w", err)
		}
		src.URL, key = u, &u
	}
	settings, err := s.encodeSettings(src.Settings)
	if err != nil {
		return vigie.Source{}, fmt.Errorf("create source: settings: %w", err)
	}
	if src.CreatedAt.IsZero() {
		src.CreatedAt = s.clock()
	}
	var created vigie.Source
	err = s.write(ctx, func(q querier) error {
		var err error
		idCol, idVal := s.newSourceID()
		created, err = s.scanSource(q.QueryRowContext(ctx, s.q(`INSERT INTO sources (`+idCol+`workspace_id, kind, name, url, url_key, settings, interval_seconds, enabled, created_at,
				cursor, etag, last_modified, next_check_at, last_success_at, last_error_at, last_error, error_count, posts_seen, shared)
			VALUES (`+idVal+`?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+sourceCols),
			src.WorkspaceID, string(src.Kind), src.Name, src.URL, key, settings, int64(src.Interval/time.Second), src.Enabled, s.tm(src.CreatedAt),
			src.Cursor, src.ETag, src.LastModified, s.tm(src.NextCheckAt), s.tmNull(src.LastSuccessAt), s.tmNull(src.LastErrorAt),
			src.LastError, src.ErrorCount, src.PostsSeen, src.Shared))
		return err
	})
	if err != nil {
		err = s.errf(err, "create source %q", src.Name)
		if !errors.Is(err, vigie.ErrConflict) {
			return vigie.Source{}, err
		}
		// Say which: the address (and by which source) or the name.
		if key != nil {
			followed, ferr := s.scanSource(s.db.QueryRowContext(ctx, s.q("SELECT "+sourceCols+" FROM sources WHERE workspace_id = ? AND kind = ? AND url_key = ?"),
				src.WorkspaceID, string(src.Kind), *key))
			if ferr == nil {
				return vigie.Source{}, &FollowedError{Source: followed}
			}
		}
		return vigie.Source{}, &nameTakenError{name: src.Name}
	}
	return created, nil
}

// FollowedError is CreateSource's answer to an address the workspace
// already follows: Source follows it.
type FollowedError struct {
	Source vigie.Source
}

func (e *FollowedError) Error() string {
	return fmt.Sprintf("%v: this %s is already followed as %q", vigie.ErrConflict, followedWhat(e.Source.Kind), e.Source.Name)
}

func (e *FollowedError) Unwrap() error { return vigie.ErrConflict }

// nameTakenError is CreateSource's answer to a name another source of the
// kind has in the workspace.
type nameTakenError struct{ name string }

func (e *nameTakenError) Error() string {
	return fmt.Sprintf("%v: a source is already named %q in this workspace; choose another name", vigie.ErrConflict, e.name)
}

func (e *nameTakenError) Unwrap() error { return vigie.ErrConflict }

// FreeSourceName returns name if no source of the kind has it in the
// workspace, else the first of "name (2)", "name (3)"… that none has.
// Between this and CreateSource another may take it: CreateSource is
// still the judge (ErrConflict).
func (s *Store) FreeSourceName(ctx context.Context, workspaceID int64, kind vigie.SourceKind, name string) (string, error) {
	prefix := name + " ("
	n := utf8.RuneCountInString(prefix)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name FROM sources WHERE workspace_id = ? AND kind = ?
		AND (name = ? OR (length(name) > ? AND substr(name, 1, ?) = ?))`), workspaceID, string(kind), name, n, n, prefix)
	if err != nil {
		return "", s.errf(err, "free source name %q", name)
	}
	names, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var n string
		return n, r.Scan(&n)
	}, func(err error) error { return s.errf(err, "free source name %q", name) })
	if err != nil {
		return "", err
	}
	taken := make(map[string]bool, len(names))
	for _, n := range names {
		taken[n] = true
	}
	if !taken[name] {
		return name, nil
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s (%d)", name, i); !taken[c] {
			return c, nil
		}
	}
}

// newSourceID is the id column and value of a new source's INSERT: on
// SQLite, after the largest id any source ever had (migration 0025), so
// that a deleted source's posts are never taken for a new source's; on
// PostgreSQL, the identity sequence's (nothing to add).
func (s *Store) newSourceID() (col, val string) {
	if s.pg() {
		return "", ""
	}
	return "id, ", "(SELECT MAX(hwm, COALESCE((SELECT MAX(id) FROM sources), 0)) + 1 FROM source_id_mark), "
}

// FindOrCreateSource returns the workspace's source of this kind and name,
// creating it if there is none, due at once. Import and simulator runs use
// it to have a source to attach posts to. An import source is created
// disabled: posts are pushed into it and no scheduler should poll it.
// Sources known by their address are made with CreateSource.
func (s *Store) FindOrCreateSource(ctx context.Context, workspaceID int64, kind vigie.SourceKind, name, url string) (vigie.Source, error) {
	if workspaceID == 0 || kind == "" || strings.TrimSpace(name) == "" {
		return vigie.Source{}, fmt.Errorf("find or create source: %w: a source needs a workspace, a kind and a name", vigie.ErrInvalid)
	}
	if kind.KnownByURL() {
		return vigie.Source{}, fmt.Errorf("find or create source: %w: a %s source is known by its address, not its name", vigie.ErrInvalid, kind)
	}
	now := s.clock()
	idCol, idVal := s.newSourceID()
	_, err := s.exec(ctx, s.q(`INSERT INTO sources (`+idCol+`workspace_id, kind, name, url, enabled, created_at, next_check_at)
		VALUES (`+idVal+`?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, kind, name) DO NOTHING`),
		workspaceID, string(kind), name, url, kind != vigie.SourceImport, s.tm(now), s.tm(now))
	if err != nil {
		return vigie.Source{}, s.errf(err, "find or create source %q", name)
	}
	src, err := s.scanSource(s.db.QueryRowContext(ctx, s.q("SELECT "+sourceCols+" FROM sources WHERE workspace_id = ? AND kind = ? AND name = ?"),
		workspaceID, string(kind), name))
	if err != nil {
		return vigie.Source{}, s.errf(err, "find or create source %q", name)
	}
	return src, nil
}

// FindSourceByID returns the workspace's source with this id, or
// ErrNotFound (also for another workspace's).
func (s *Store) FindSourceByID(ctx context.Context, workspaceID, id int64) (vigie.Source, error) {
	if err := noWorkspace("find source", workspaceID); err != nil {
		return vigie.Source{}, err
	}
	src, err := s.scanSource(s.db.QueryRowContext(ctx, s.q("SELECT "+sourceCols+" FROM sources WHERE id = ? AND workspace_id = ?"), id, workspaceID))
	if err != nil {
		return vigie.Source{}, s.errf(err, "find source %d", id)
	}
	return src, nil
}

// FindSources returns the sources of a workspace (0: of all), by id.
func (s *Store) FindSources(ctx context.Context, workspaceID int64) ([]vigie.Source, error) {
	query, args := "SELECT "+sourceCols+" FROM sources", []any{}
	if workspaceID != 0 {
		query, args = query+" WHERE workspace_id = ?", append(args, workspaceID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+" ORDER BY id"), args...)
	if err != nil {
		return nil, s.errf(err, "find sources")
	}
	return collect(rows, s.scanSource, func(err error) error { return s.errf(err, "find sources") })
}

// FindSharedSources returns the sources other workspaces of the
// workspace's organisation share with it (their posts feed its monitors),
// by id. They stay their own workspace's to change, and what only their
// own workspace needs is left out: settings (a connector's credentials
// live there) and the resume state (cursor, ETag, Last-Modified).
func (s *Store) FindSharedSources(ctx context.Context, workspaceID int64) ([]vigie.Source, error) {
	if err := noWorkspace("find shared sources", workspaceID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+sourceCols+` FROM sources WHERE shared AND workspace_id <> ? AND workspace_id IN
		(SELECT ow.id FROM workspaces ow WHERE ow.organisation_id = (SELECT w.organisation_id FROM workspaces w WHERE w.id = ?)) ORDER BY id`),
		workspaceID, workspaceID)
	if err != nil {
		return nil, s.errf(err, "find shared sources")
	}
	ss, err := collect(rows, s.scanSource, func(err error) error { return s.errf(err, "find shared sources") })
	for i := range ss {
		ss[i].Settings, ss[i].UndecryptableSettings = nil, nil
		ss[i].Cursor, ss[i].ETag, ss[i].LastModified = "", "", ""
		if shown := withoutSecrets(ss[i].URL); shown != ss[i].URL {
			ss[i].LastError = strings.ReplaceAll(ss[i].LastError, ss[i].URL, shown)
			ss[i].URL = shown
		}
	}
	return ss, err
}

// withoutSecrets is a feed address as another workspace may see it: the
// site and path, without the user name, password or query that may carry
// credentials (https://user:pw@host/feed?token=…).
func withoutSecrets(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return raw
	}
	u.User, u.Fragment = nil, ""
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// FindDueSources returns up to limit enabled sources whose next check is at
// or before now, the most overdue first.
func (s *Store) FindDueSources(ctx context.Context, now time.Time, limit int) ([]vigie.Source, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+sourceCols+` FROM sources
		WHERE enabled AND next_check_at <= ? ORDER BY next_check_at, id LIMIT ?`), s.tm(now), limit)
	if err != nil {
		return nil, s.errf(err, "find due sources")
	}
	return collect(rows, s.scanSource, func(err error) error { return s.errf(err, "find due sources") })
}

// ClaimDueSources is FindDueSources for several processes running sources:
// each due source it returns is claimed by owner until now+lease (its next
// check moves there), so that another process does not run it meanwhile;
// the run's end, or a stream's heartbeat, writes the next check as usual.
// The sources are returned as they were before the claim.
func (s *Store) ClaimDueSources(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]vigie.Source, error) {
	if limit <= 0 {
		limit = 100
	}
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []vigie.Source
	err := s.inTx(ctx, func(q *sql.Tx) error {
		rows, err := q.QueryContext(ctx, s.q("SELECT "+sourceCols+` FROM sources
			WHERE enabled AND next_check_at <= ? ORDER BY next_check_at, id LIMIT ?`+lock), s.tm(now), limit)
		if err != nil {
			return err
		}
		if out, err = collect(rows, s.scanSource, func(err error) error { return err }); err != nil {
			return err
		}
		for _, src := range out {
			until := s.tm(now.Add(lease))
			if _, err := q.ExecContext(ctx, s.q("UPDATE sources SET next_check_at = ?, lease_owner = ?, lease_until = ? WHERE id = ?"), until, owner, until, src.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.errf(err, "claim due sources")
	}
	return out, nil
}

// ReleaseSource gives back a source owner claimed and did not run to its
// end (the process is stopping): due again at at, for any process.
func (s *Store) ReleaseSource(ctx context.Context, id int64, owner string, at time.Time) error {
	if _, err := s.exec(ctx, s.q("UPDATE sources SET next_check_at = ?, lease_owner = '' WHERE id = ? AND lease_owner = ?"), s.tm(at), id, owner); err != nil {
		return s.errf(err, "release source %d", id)
	}
	return nil
}

// ResumeClaims makes due at now the sources owner claimed and whose run
// never ended (their next check is still the claim's end): at start-up,
// the polled sources a process killed mid-run left run at once rather than
// when their lease ends. It returns how many.
func (s *Store) ResumeClaims(ctx context.Context, owner string, now time.Time) (int, error) {
	res, err := s.exec(ctx, s.q(`UPDATE sources SET next_check_at = ? WHERE lease_owner = ? AND next_check_at = lease_until AND next_check_at > ?`),
		s.tm(now), owner, s.tm(now))
	if err != nil {
		return 0, s.errf(err, "resume claims")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteSource deletes the workspace's source. Its posts and mentions stay
// in the archive, no longer attached to a source.
func (s *Store) DeleteSource(ctx context.Context, workspaceID, id int64) error {
	if err := noWorkspace("delete source", workspaceID); err != nil {
		return err
	}
	res, err := s.exec(ctx, s.q("DELETE FROM sources WHERE id = ? AND workspace_id = ?"), id, workspaceID)
	if err != nil {
		return s.errf(err, "delete source %d", id)
	}
	return affected(res, "delete source %d", id)
}

// UpdateSourceState saves a source's cursor and health after a run. A run
// that stored posts saves its state with SaveBatch instead, in the same
// transaction as the posts.
func (s *Store) UpdateSourceState(ctx context.Context, id int64, st vigie.SourceState) error {
	return s.write(ctx, func(q querier) error { return s.updateSourceState(ctx, q, id, st) })
}

func (s *Store) updateSourceState(ctx context.Context, q querier, id int64, st vigie.SourceState) error {
	res, err := q.ExecContext(ctx, s.q(`UPDATE sources SET cursor = ?, etag = ?, last_modified = ?, next_check_at = ?,
		last_success_at = ?, last_error_at = ?, last_error = ?, error_count = ?, posts_seen = ?,
		connected = ?, connected_at = ?, lag_seconds = ?, rate_limit = ? WHERE id = ?`),
		st.Cursor, st.ETag, st.LastModified, s.tm(st.NextCheckAt), s.tmNull(st.LastSuccessAt), s.tmNull(st.LastErrorAt),
		st.LastError, st.ErrorCount, st.PostsSeen, st.Connected, s.tmNull(st.ConnectedAt), st.Lag, st.RateLimit, id)
	if err != nil {
		return s.errf(err, "update source %d state", id)
	}
	return affected(res, "update source %d state", id)
}

// CountImported adds n posts to a workspace source's posts seen and
// stamps its last success at at, in one statement: imports that run at the
// same time each add theirs (reading the state and writing it back lost
// one import's count to the other's).
func (s *Store) CountImported(ctx context.Context, workspaceID, sourceID int64, n int64, at time.Time) error {
	if err := noWorkspace("count imported", workspaceID); err != nil {
		return err
	}
	res, err := s.exec(ctx, s.q(`UPDATE sources SET posts_seen = posts_seen + ?, last_success_at = ? WHERE id = ? AND workspace_id = ?`),
		n, s.tm(at), sourceID, workspaceID)
	if err != nil {
		return s.errf(err, "count imported posts on source %d", sourceID)
	}
	return affected(res, "count imported posts on source %d", sourceID)
}

// CountSources returns how many sources a workspace has.
func (s *Store) CountSources(ctx context.Context, workspaceID int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM sources WHERE workspace_id = ?"), workspaceID).Scan(&n); err != nil {
		return 0, s.errf(err, "count sources")
	}
	return n, nil
}

// CheckSourceNow makes a workspace's enabled source due at once (the
// scheduler, woken, runs it); another workspace's is ErrNotFound.
func (s *Store) CheckSourceNow(ctx context.Context, workspaceID, id int64) error {
	if err := noWorkspace("check source", workspaceID); err != nil {
		return err
	}
	res, err := s.exec(ctx, s.q("UPDATE sources SET next_check_at = ? WHERE id = ? AND workspace_id = ? AND enabled"),
		s.tm(s.clock()), id, workspaceID)
	if err != nil {
		return s.errf(err, "check source %d", id)
	}
	return affected(res, "check source %d", id)
}

// ResumeStreams makes the healthy enabled sources of these (streamed) kinds
// due at now, and no longer shown connected: at start-up, the streams the
// process held before it stopped (those owner claimed, or none did) resume
// at once rather than when the lease their last save took ends; another
// running process's streams are left to it. It returns how many.
func (s *Store) ResumeStreams(ctx context.Context, owner string, kinds []vigie.SourceKind, now time.Time) (int, error) {
	if len(kinds) == 0 {
		return 0, nil
	}
	args := []any{s.tm(now), s.tm(now), owner}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	res, err := s.exec(ctx, s.q(`UPDATE sources SET next_check_at = ?, connected = FALSE WHERE enabled AND error_count = 0
		AND next_check_at > ? AND lease_owner IN (?, '') AND kind IN (`+list(len(kinds))+`)`), args...)
	if err != nil {
		return 0, s.errf(err, "resume streams")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func followedWhat(k vigie.SourceKind) string {
	if k == vigie.SourceRSS {
		return "feed"
	}
	return string(k) + " source"
}

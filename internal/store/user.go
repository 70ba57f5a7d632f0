package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

const userCols = `id, email, name, locale, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (vigie.User, error) {
	var u vigie.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Locale, &u.Disabled, timeCol(&u.CreatedAt))
	return u, err
}

// NormaliseEmail checks an e-mail address and returns it lower-cased.
func NormaliseEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.IndexByte(e, '@')+1:], ".") && !strings.HasSuffix(e, "@localhost") {
		return "", fmt.Errorf("%w: %q is not an e-mail address like name@example.org", vigie.ErrInvalid, email)
	}
	return e, nil
}

// CreateUser adds a user with a password hash (empty: cannot log in yet),
// its memberships and the organisations it administers, in one
// transaction. An e-mail address already used is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u vigie.User, passwordHash string, ms []vigie.Membership, adminOf ...int64) (vigie.User, error) {
	var out vigie.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if out, err = s.createUser(ctx, tx, u, passwordHash, ms); err != nil {
			return err
		}
		for _, org := range adminOf {
			if err := s.setOrganisationAdmin(ctx, tx, org, out.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (s *Store) createUser(ctx context.Context, tx *sql.Tx, u vigie.User, passwordHash string, ms []vigie.Membership) (vigie.User, error) {
	email, err := NormaliseEmail(u.Email)
	if err != nil {
		return vigie.User{}, fmt.Errorf("create user: %w", err)
	}
	now := s.clock()
	row := tx.QueryRowContext(ctx, s.q(`INSERT INTO users (email, name, password_hash, locale, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+userCols), email, strings.TrimSpace(u.Name), passwordHash, u.Locale, u.Disabled, s.tm(now), s.tm(now))
	created, err := scanUser(row)
	if err != nil {
		return vigie.User{}, s.errf(err, "create user %s", email)
	}
	for _, m := range ms {
		if err := s.setMembership(ctx, tx, created.ID, m); err != nil {
			return vigie.User{}, err
		}
	}
	return created, nil
}

func (s *Store) setMembership(ctx context.Context, q querier, userID int64, m vigie.Membership) error {
	_, err := q.ExecContext(ctx, s.q(`INSERT INTO memberships (user_id, workspace_id, role) VALUES (?, ?, ?)
		ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role`), userID, m.WorkspaceID, m.Role)
	if err != nil {
		return s.errf(err, "membership of user %d in workspace %d", userID, m.WorkspaceID)
	}
	return nil
}

// SetMembership gives a user a role in a workspace, replacing any other.
func (s *Store) SetMembership(ctx context.Context, userID int64, m vigie.Membership) error {
	return s.write(ctx, func(q querier) error { return s.setMembership(ctx, q, userID, m) })
}

// Memberships returns the user's workspaces and roles, by workspace id.
func (s *Store) Memberships(ctx context.Context, userID int64) ([]vigie.Membership, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT workspace_id, role FROM memberships WHERE user_id = ? ORDER BY workspace_id"), userID)
	if err != nil {
		return nil, s.errf(err, "memberships")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (vigie.Membership, error) {
		var m vigie.Membership
		return m, r.Scan(&m.WorkspaceID, &m.Role)
	}, func(err error) error { return s.errf(err, "memberships") })
}

// FindUserByID returns a user, or ErrNotFound.
func (s *Store) FindUserByID(ctx context.Context, id int64) (vigie.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("%w: no user %d", vigie.ErrNotFound, id)
	}
	if err != nil {
		return u, s.errf(err, "find user %d", id)
	}
	return u, nil
}

// FindUserByEmail returns a user and its password hash, or ErrNotFound.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (vigie.User, string, error) {
	var hash string
	row := s.db.QueryRowContext(ctx, s.q("SELECT "+userCols+", password_hash FROM users WHERE email = ?"), strings.ToLower(strings.TrimSpace(email)))
	var u vigie.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Locale, &u.Disabled, timeCol(&u.CreatedAt), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", fmt.Errorf("%w: no user %q", vigie.ErrNotFound, email)
	}
	if err != nil {
		return u, "", s.errf(err, "find user")
	}
	return u, hash, nil
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, s.errf(err, "count users")
	}
	return n, nil
}

// SetLocale sets the user's language for the UI ("" for the browser's).
func (s *Store) SetLocale(ctx context.Context, userID int64, locale string) error {
	_, err := s.exec(ctx, s.q("UPDATE users SET locale = ?, updated_at = ? WHERE id = ?"), locale, s.tm(s.clock()), userID)
	if err != nil {
		return s.errf(err, "set locale")
	}
	return nil
}

// CreateSession stores a new session under the hash of its cookie.
func (s *Store) CreateSession(ctx context.Context, tokenHash string, sess vigie.Session, userAgent, ip string) error {
	now := s.clock()
	_, err := s.exec(ctx, s.q(`INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen_at, expires_at, user_agent, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), tokenHash, sess.UserID, sess.CSRF, s.tm(now), s.tm(now), s.tm(sess.ExpiresAt), truncate(userAgent, 300), truncate(ip, 64))
	if err != nil {
		return s.errf(err, "create session")
	}
	return nil
}

// FindSession returns the live session with this cookie hash, or
// ErrNotFound (unknown or expired).
func (s *Store) FindSession(ctx context.Context, tokenHash string) (vigie.Session, error) {
	var sess vigie.Session
	err := s.db.QueryRowContext(ctx, s.q(`SELECT s.user_id, s.csrf, s.created_at, s.last_seen_at, s.expires_at FROM sessions s
		JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND NOT u.disabled`), tokenHash, s.tm(s.clock())).
		Scan(&sess.UserID, &sess.CSRF, timeCol(&sess.CreatedAt), timeCol(&sess.LastSeenAt), timeCol(&sess.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return sess, fmt.Errorf("%w: no such session", vigie.ErrNotFound)
	}
	if err != nil {
		return sess, s.errf(err, "find session")
	}
	return sess, nil
}

// TouchSession records activity and moves the session's expiry.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, expires time.Time) error {
	_, err := s.exec(ctx, s.q("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?"), s.tm(s.clock()), s.tm(expires), tokenHash)
	if err != nil {
		return s.errf(err, "touch session")
	}
	return nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.exec(ctx, s.q("DELETE FROM sessions WHERE token_hash = ?"), tokenHash); err != nil {
		return s.errf(err, "delete session")
	}
	return nil
}

// DeleteExpiredSessions removes the sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.exec(ctx, s.q("DELETE FROM sessions WHERE expires_at <= ?"), s.tm(s.clock()))
	if err != nil {
		return 0, s.errf(err, "delete expired sessions")
	}
	return res.RowsAffected()
}

// CreateSetupToken stores a one-time set-up link's hash, valid until expires.
// Earlier links stop working: only the one printed last is valid.
func (s *Store) CreateSetupToken(ctx context.Context, tokenHash string, expires time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.tm(s.clock())
		if _, err := tx.ExecContext(ctx, s.q("UPDATE setup_tokens SET expires_at = ? WHERE used_at IS NULL AND expires_at > ?"), now, now); err != nil {
			return s.errf(err, "create setup token")
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)"), tokenHash, now, s.tm(expires)); err != nil {
			return s.errf(err, "create setup token")
		}
		return nil
	})
}

// SetupTokenValid reports whether a set-up link can still be used: unused,
// not expired, and no user exists yet.
func (s *Store) SetupTokenValid(ctx context.Context, tokenHash string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
		AND NOT EXISTS (SELECT 1 FROM users)`), tokenHash, s.tm(s.clock())).Scan(&n)
	if err != nil {
		return false, s.errf(err, "check setup token")
	}
	return n == 1, nil
}

// Bootstrap creates the first administrator with a set-up link: in one
// transaction, the link is used up and the user becomes admin of every
// workspace and of every organisation. A used, expired or unknown link, or a database that already
// has users, is ErrNotFound.
func (s *Store) Bootstrap(ctx context.Context, tokenHash string, u vigie.User, passwordHash string) (vigie.User, error) {
	var out vigie.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		res, err := tx.ExecContext(ctx, s.q(`UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
			AND NOT EXISTS (SELECT 1 FROM users)`), s.tm(now), tokenHash, s.tm(now))
		if err != nil {
			return s.errf(err, "bootstrap")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: this set-up link was used or has expired; restart Vigie for a new one, or use `vigie user create`", vigie.ErrNotFound)
		}
		rows, err := tx.QueryContext(ctx, "SELECT id FROM workspaces ORDER BY id")
		if err != nil {
			return s.errf(err, "bootstrap")
		}
		ids, err := collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		}, func(err error) error { return s.errf(err, "bootstrap") })
		if err != nil {
			return err
		}
		var ms []vigie.Membership
		for _, id := range ids {
			ms = append(ms, vigie.Membership{WorkspaceID: id, Role: "admin"})
		}
		if out, err = s.createUser(ctx, tx, u, passwordHash, ms); err != nil {
			return err
		}
		// The first administrator owns the install: every organisation's too.
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO organisation_admins (organisation_id, user_id)
			SELECT id, ? FROM organisations WHERE TRUE ON CONFLICT (organisation_id, user_id) DO NOTHING`), out.ID); err != nil {
			return s.errf(err, "bootstrap")
		}
		return nil
	})
	return out, err
}

// truncate cuts s to at most n bytes of valid UTF-8 (PostgreSQL refuses
// anything else).
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

// Member is a user of a workspace with their role.
type Member struct {
	User vigie.User
	Role string
}

// WorkspaceMembers lists a workspace's members, by e-mail.
func (s *Store) WorkspaceMembers(ctx context.Context, workspaceID int64) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT u.id, u.email, u.name, u.locale, u.disabled, u.created_at, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ? ORDER BY u.email`), workspaceID)
	if err != nil {
		return nil, s.errf(err, "members")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (Member, error) {
		var m Member
		u := &m.User
		err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Locale, &u.Disabled, timeCol(&u.CreatedAt), &m.Role)
		return m, err
	}, func(err error) error { return s.errf(err, "members") })
}

// RemoveMembership takes a user out of a workspace; their sessions end if
// they are a member of no workspace any more. The last admin of a
// workspace cannot be removed (ErrConflict).
func (s *Store) RemoveMembership(ctx context.Context, workspaceID, userID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, s.q("SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?"), workspaceID, userID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: user %d is not a member", vigie.ErrNotFound, userID)
		}
		if err != nil {
			return s.errf(err, "remove member")
		}
		if role == "admin" {
			admins, err := s.activeAdmins(ctx, tx, workspaceID)
			if err != nil {
				return s.errf(err, "remove member")
			}
			if admins <= 1 {
				return fmt.Errorf("%w: the last administrator of a workspace cannot leave it", vigie.ErrConflict)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?"), workspaceID, userID); err != nil {
			return s.errf(err, "remove member")
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM sessions WHERE user_id = ? AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?)"), userID, userID); err != nil {
			return s.errf(err, "remove member")
		}
		return nil
	})
}

// ChangeRole sets a member's role in a workspace; the last administrator
// cannot step down (ErrConflict).
func (s *Store) ChangeRole(ctx context.Context, workspaceID, userID int64, role string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, s.q("SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?"), workspaceID, userID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: user %d is not a member", vigie.ErrNotFound, userID)
		}
		if err != nil {
			return s.errf(err, "change role")
		}
		if cur == "admin" && role != "admin" {
			admins, err := s.activeAdmins(ctx, tx, workspaceID)
			if err != nil {
				return s.errf(err, "change role")
			}
			if admins <= 1 {
				return fmt.Errorf("%w: the last administrator of a workspace cannot step down", vigie.ErrConflict)
			}
		}
		_, err = tx.ExecContext(ctx, s.q("UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?"), role, workspaceID, userID)
		if err != nil {
			return s.errf(err, "change role")
		}
		return nil
	})
}

// activeAdmins counts the workspace's administrators whose account is not
// disabled. On PostgreSQL it locks their memberships first, so that two
// administrators stepping down at once cannot leave none.
func (s *Store) activeAdmins(ctx context.Context, tx *sql.Tx, workspaceID int64) (int, error) {
	if s.pg() {
		rows, err := tx.QueryContext(ctx, s.q("SELECT user_id FROM memberships WHERE workspace_id = ? AND role = 'admin' ORDER BY user_id FOR UPDATE"), workspaceID)
		if err != nil {
			return 0, err
		}
		rows.Close()
	}
	var n int
	err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = ? AND m.role = 'admin' AND NOT u.disabled`), workspaceID).Scan(&n)
	return n, err
}

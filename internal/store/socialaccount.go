package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// Connected accounts (social_accounts, migration 0030) and a workspace's
// publishing settings. An account's credentials are one sealed JSON
// object; every method that takes an id takes the workspace too.

const sealAccountSecrets = "account_secrets"

func (s *Store) sealSecrets(sec vigie.AccountSecrets) (string, error) {
	if s.secrets == nil {
		return "", errors.New("an account's credentials must be encrypted, and the store was opened without a secret key")
	}
	b, err := json.Marshal(sec)
	if err != nil {
		return "", err
	}
	return s.secrets.Seal(string(b), sealAccountSecrets), nil
}

// openSecrets opens an account's credentials; ones sealed with another
// key read as empty, and the account's next use reports it.
func (s *Store) openSecrets(sealed string) (vigie.AccountSecrets, bool) {
	var sec vigie.AccountSecrets
	plain, err := s.open(sealed, sealAccountSecrets)
	if err != nil {
		return sec, false
	}
	if json.Unmarshal([]byte(plain), &sec) != nil {
		return vigie.AccountSecrets{}, false
	}
	return sec, true
}

const accountCols = `id, workspace_id, network, server_url, identifier, remote_id, handle, display_name, profile_url, limits, secrets,
	publish_role, status, last_error, last_error_at, last_publish_at, checked_at, created_at`

func (s *Store) scanAccount(row interface{ Scan(...any) error }) (vigie.Account, error) {
	var (
		a               vigie.Account
		network, status string
		limits, sealed  string
	)
	err := row.Scan(&a.ID, &a.WorkspaceID, &network, &a.ServerURL, &a.Identifier, &a.RemoteID, &a.Handle, &a.DisplayName, &a.ProfileURL,
		&limits, &sealed, &a.PublishRole, &status, &a.LastError, scanTime{&a.LastErrorAt}, scanTime{&a.LastPublishAt}, scanTime{&a.CheckedAt},
		scanTime{&a.CreatedAt})
	if err != nil {
		return a, err
	}
	a.Network, a.Status = vigie.Network(network), vigie.AccountStatus(status)
	if err := json.Unmarshal([]byte(limits), &a.Limits); err != nil {
		return a, fmt.Errorf("account %d: limits: %w", a.ID, err)
	}
	sec, ok := s.openSecrets(sealed)
	a.Secrets = sec
	if ok {
		// The credential shown: the app password (Bluesky) or the token.
		a.Credential = secret.Mask(cmp.Or(sec.AppPassword, sec.AccessToken))
	} else {
		a.Credential = "(cannot be decrypted: sealed with another secret key; connect the account again)"
	}
	return a, nil
}

// CreateAccount connects an account to its workspace. The same remote
// account twice in one workspace is ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a vigie.Account) (vigie.Account, error) {
	if err := noWorkspace("connect account", a.WorkspaceID); err != nil {
		return a, err
	}
	sealed, err := s.sealSecrets(a.Secrets)
	if err != nil {
		return a, err
	}
	limits, _ := json.Marshal(a.Limits)
	now := s.clock()
	// What the network said of the account is outside text.
	a.ServerURL, a.Identifier, a.RemoteID = clean(a.ServerURL), clean(a.Identifier), clean(a.RemoteID)
	a.Handle, a.DisplayName, a.ProfileURL = clipText(a.Handle, 300), clipText(a.DisplayName, 300), clipText(a.ProfileURL, 2048)
	if a.PublishRole == "" {
		a.PublishRole = "editor"
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, s.q(`INSERT INTO social_accounts (workspace_id, network, server_url, identifier, remote_id, handle, display_name,
			profile_url, limits, secrets, publish_role, status, checked_at, inbox_next_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?) RETURNING id`),
			a.WorkspaceID, string(a.Network), a.ServerURL, a.Identifier, a.RemoteID, a.Handle, a.DisplayName, a.ProfileURL,
			string(limits), sealed, a.PublishRole, s.tm(now), s.tm(now), s.tm(now), s.tm(now)).Scan(&a.ID)
	})
	if err != nil {
		if errors.Is(s.translate(err), vigie.ErrConflict) {
			return a, fmt.Errorf("%w: %s is already connected to this workspace", vigie.ErrConflict, a.Handle)
		}
		return a, s.errf(err, "connect account %s", a.Handle)
	}
	return s.FindAccount(ctx, a.WorkspaceID, a.ID)
}

// FindAccount returns a connected account of the workspace.
func (s *Store) FindAccount(ctx context.Context, workspaceID, id int64) (vigie.Account, error) {
	a, err := s.scanAccount(s.db.QueryRowContext(ctx, s.q("SELECT "+accountCols+" FROM social_accounts WHERE workspace_id = ? AND id = ?"), workspaceID, id))
	if err != nil {
		return a, s.errf(err, "account %d", id)
	}
	return a, nil
}

// FindAccountByRemote returns the workspace's account of network on
// server with the network's id remoteID.
func (s *Store) FindAccountByRemote(ctx context.Context, workspaceID int64, network vigie.Network, server, remoteID string) (vigie.Account, error) {
	a, err := s.scanAccount(s.db.QueryRowContext(ctx, s.q("SELECT "+accountCols+` FROM social_accounts
		WHERE workspace_id = ? AND network = ? AND server_url = ? AND remote_id = ?`), workspaceID, string(network), server, remoteID))
	if err != nil {
		return a, s.errf(err, "account %s", remoteID)
	}
	return a, nil
}

// FindAccounts lists the workspace's connected accounts.
func (s *Store) FindAccounts(ctx context.Context, workspaceID int64) ([]vigie.Account, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+accountCols+" FROM social_accounts WHERE workspace_id = ? ORDER BY network, handle, id"), workspaceID)
	if err != nil {
		return nil, s.errf(err, "accounts")
	}
	defer rows.Close()
	out := []vigie.Account{}
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, s.errf(err, "accounts")
		}
		out = append(out, a)
	}
	return out, s.errfNil(rows.Err(), "accounts")
}

// DeleteAccount disconnects an account; its posts' targets go with it.
func (s *Store) DeleteAccount(ctx context.Context, workspaceID, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM social_accounts WHERE workspace_id = ? AND id = ?"), workspaceID, id)
		if err != nil {
			return s.errf(err, "disconnect account %d", id)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("account %d: %w", id, vigie.ErrNotFound)
		}
		return nil
	})
}

// AccountUpdate is a change to an account: the fields that are set.
type AccountUpdate struct {
	PublishRole string
	Secrets     *vigie.AccountSecrets
	Profile     *vigie.Profile
}

// UpdateAccount changes an account of the workspace.
func (s *Store) UpdateAccount(ctx context.Context, workspaceID, id int64, u AccountUpdate) (vigie.Account, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.tm(s.clock())
		if u.PublishRole != "" {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE social_accounts SET publish_role = ?, updated_at = ? WHERE workspace_id = ? AND id = ?"),
				u.PublishRole, now, workspaceID, id); err != nil {
				return err
			}
		}
		if u.Secrets != nil {
			sealed, err := s.sealSecrets(*u.Secrets)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE social_accounts SET secrets = ?, updated_at = ? WHERE workspace_id = ? AND id = ?"),
				sealed, now, workspaceID, id); err != nil {
				return err
			}
		}
		if p := u.Profile; p != nil {
			limits, _ := json.Marshal(p.Limits)
			// Checked and good again: its inbox is read now, not in the
			// quarter of an hour a refused account waits.
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE social_accounts SET handle = ?, display_name = ?, profile_url = ?, limits = ?,
				status = 'ok', last_error = '', last_error_at = NULL, checked_at = ?, updated_at = ?, inbox_next_at = ? WHERE workspace_id = ? AND id = ?`),
				clipText(p.Handle, 300), clipText(p.DisplayName, 300), clipText(p.URL, 2048), string(limits), now, now, now, workspaceID, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return vigie.Account{}, s.errf(err, "account %d", id)
	}
	return s.FindAccount(ctx, workspaceID, id)
}

// SaveAccountSecrets keeps credentials a client changed (a refreshed
// session), whoever asks: the publisher and the inbox poller hold no
// workspace-scoped request, only the account they claimed.
func (s *Store) SaveAccountSecrets(ctx context.Context, workspaceID, id int64, sec vigie.AccountSecrets) error {
	sealed, err := s.sealSecrets(sec)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, s.q("UPDATE social_accounts SET secrets = ? WHERE workspace_id = ? AND id = ?"), sealed, workspaceID, id)
		return s.errfNil(err, "save account credentials")
	})
}

// AccountHealth records how using an account went: ok (a success), or an
// error; auth marks the account as refused (a person must reconnect it).
// A transient error keeps the account's status.
func (s *Store) AccountHealth(ctx context.Context, workspaceID, id int64, at time.Time, published bool, cause error, auth bool) error {
	return s.write(ctx, func(q querier) error {
		var err error
		switch {
		case cause == nil && published:
			_, err = q.ExecContext(ctx, s.q(`UPDATE social_accounts SET status = 'ok', last_error = '', last_error_at = NULL, last_publish_at = ?, checked_at = ?
				WHERE workspace_id = ? AND id = ?`), s.tm(at), s.tm(at), workspaceID, id)
		case cause == nil:
			_, err = q.ExecContext(ctx, s.q("UPDATE social_accounts SET status = 'ok', last_error = '', last_error_at = NULL, checked_at = ? WHERE workspace_id = ? AND id = ?"),
				s.tm(at), workspaceID, id)
		case auth:
			_, err = q.ExecContext(ctx, s.q("UPDATE social_accounts SET status = 'auth', last_error = ?, last_error_at = ? WHERE workspace_id = ? AND id = ?"),
				clipError(cause), s.tm(at), workspaceID, id)
		default:
			_, err = q.ExecContext(ctx, s.q("UPDATE social_accounts SET last_error = ?, last_error_at = ? WHERE workspace_id = ? AND id = ?"),
				clipError(cause), s.tm(at), workspaceID, id)
		}
		return s.errfNil(err, "account health")
	})
}

// PublishSettings returns the workspace's publishing settings.
func (s *Store) PublishSettings(ctx context.Context, workspaceID int64) (vigie.PublishSettings, error) {
	return s.publishSettings(ctx, s.db, workspaceID)
}

func (s *Store) publishSettings(ctx context.Context, q querier, workspaceID int64) (vigie.PublishSettings, error) {
	var raw string
	err := q.QueryRowContext(ctx, s.q("SELECT config FROM publish_settings WHERE workspace_id = ?"), workspaceID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.DefaultPublishSettings(), nil
	}
	if err != nil {
		return vigie.PublishSettings{}, s.errf(err, "publish settings")
	}
	out := vigie.DefaultPublishSettings()
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return out, fmt.Errorf("publish settings: %w", err)
	}
	for i, ch := range out.Channels {
		out.Channels[i] = s.openChannel(ch)
	}
	return out, nil
}

// SetPublishSettings replaces the workspace's publishing settings.
func (s *Store) SetPublishSettings(ctx context.Context, workspaceID int64, ps vigie.PublishSettings) error {
	if err := noWorkspace("publish settings", workspaceID); err != nil {
		return err
	}
	var err error
	sealed := ps.Channels[:0:0]
	for _, ch := range ps.Channels {
		if ch, err = s.sealChannel(ch); err != nil {
			return err
		}
		sealed = append(sealed, ch)
	}
	ps.Channels = sealed
	b, _ := json.Marshal(ps)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO publish_settings (workspace_id, config) VALUES (?, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET config = excluded.config`), workspaceID, string(b))
		return s.errfNil(err, "publish settings")
	})
}

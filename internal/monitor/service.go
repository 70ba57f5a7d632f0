// Package monitor keeps the stored monitors and the live percolator index in
// step: a monitor saved through any door (API, web, import) is validated,
// stored, and matching the stream within the same call.
package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

// Service saves monitors and updates the index. The index follows the
// store's monitor change log (changes.go): a change made through this
// service is applied within the call, one made by another process (vigie
// import, another vigie serve on the same PostgreSQL) when the service
// follows the log.
type Service struct {
	Store *store.Store
	Index *match.Index

	// Backfilled, when set, is told each finished backfill run (tests, logs).
	Backfilled func(id string, added int, err error)
	// Changed, when set, is told each change applied to the index, whoever
	// made it (tests).
	Changed func(c store.MonitorChange)
	// Enrich computes what is stored with a post a backfill finds among
	// the posts kept in the recent window, from its analysis and language:
	// what the pipeline stores with a matched post (ingest.Enrichment).
	// Without it such posts are stored with their language and search
	// text only.
	Enrich func(d *text.Doc, lang string) store.Enrichment

	mu      sync.Mutex        // serialises applying changes to the index
	seq     int64             // the last change applied
	indexed map[string]string // monitor id → the query in the index

	wakeOnce sync.Once
	wake     chan struct{} // a backfill was requested (jobs.go)
}

// QueryError is an invalid query, with the column to show the user.
type QueryError struct {
	MonitorID string
	Err       *query.Error
}

func (e *QueryError) Error() string {
	if e.MonitorID != "" {
		return fmt.Sprintf("monitor %q: invalid query: %v", e.MonitorID, e.Err)
	}
	return "invalid query: " + e.Err.Error()
}

func (e *QueryError) Unwrap() error { return vigie.ErrInvalid }

// Check parses a query, returning a *QueryError when it is invalid.
func Check(id, q string) (*query.Query, error) {
	parsed, err := query.Parse(q)
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			return nil, &QueryError{MonitorID: id, Err: qe}
		}
		return nil, err
	}
	return parsed, nil
}

// Load puts every stored monitor into the index (at start-up), and notes
// the change log's position so that CatchUp and Follow apply only what
// comes after.
func (s *Service) Load(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The position first: a change committed while the monitors are read
	// is applied again later, which is harmless; one missed would not be.
	seq, err := s.Store.LastMonitorChange(ctx)
	if err != nil {
		return 0, err
	}
	ms, err := s.Store.FindMonitors(ctx, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if err := s.applyStored(m); err != nil {
			// A query valid when saved but not for this version: keep it
			// stored, out of the index, and say so.
			return n, fmt.Errorf("loading monitors: %w", err)
		}
		n++
	}
	s.seq = seq
	return n, nil
}

// Create validates and saves a new monitor; an empty id gets one made from
// the name. Its backfill is requested in the same transaction.
func (s *Service) Create(ctx context.Context, m vigie.MonitorRecord) (vigie.MonitorRecord, error) {
	if m.ID == "" {
		m.ID = newID(m.Name)
	}
	if _, err := prepare(&m); err != nil {
		return m, err
	}
	saved, err := s.Store.CreateMonitor(ctx, m)
	if err != nil {
		return m, err
	}
	if err := s.sync(ctx, saved.Key, func() error { return s.applyStored(saved) }); err != nil {
		_ = s.Store.DeleteMonitor(ctx, saved.WorkspaceID, saved.ID)
		_ = s.sync(ctx, saved.Key, func() error { s.removeStored(saved.Key); return nil })
		return m, err
	}
	s.poke()
	return saved, nil
}

// prepare fills defaults, validates a monitor and parses its query.
func prepare(m *vigie.MonitorRecord) (*query.Query, error) {
	if m.Kind == "" {
		m.Kind = vigie.KindKeyword
	}
	if err := m.Monitor.Validate(); err != nil {
		return nil, err
	}
	return Check(m.ID, m.Query)
}

// Upsert creates or replaces the monitor with m.ID (import). A new
// monitor, or a new query, gets its backfill requested.
func (s *Service) Upsert(ctx context.Context, m vigie.MonitorRecord) (vigie.MonitorRecord, error) {
	saved, err := s.UpsertMany(ctx, m.WorkspaceID, []vigie.MonitorRecord{m})
	if len(saved) == 0 {
		return m, err
	}
	return saved[0], err
}

// UpsertMany is Upsert for many monitors of one workspace (import): each
// is checked first, and an invalid one is an error naming it, with nothing
// saved; then they are stored a few hundred per transaction
// (store.UpsertMonitors) and applied to the index.
func (s *Service) UpsertMany(ctx context.Context, workspaceID int64, ms []vigie.MonitorRecord) ([]vigie.MonitorRecord, error) {
	ms = slices.Clone(ms)
	for i := range ms {
		ms[i].WorkspaceID = workspaceID
		if _, err := prepare(&ms[i]); err != nil {
			var qe *QueryError
			if errors.As(err, &qe) {
				return nil, err // names the monitor
			}
			return nil, fmt.Errorf("%s: %w", vigie.Nth("monitor", i, len(ms), ms[i].ID), err)
		}
	}
	saved, err := s.Store.UpsertMonitors(ctx, workspaceID, ms)
	if len(saved) > 0 {
		s.poke()
		if serr := s.syncAll(ctx, saved); err == nil {
			err = serr
		}
	}
	return saved, err
}

// Update changes some fields of a monitor; a new query gets the monitor's
// backfill requested.
func (s *Service) Update(ctx context.Context, workspaceID int64, id string, u store.MonitorUpdate) (vigie.MonitorRecord, error) {
	if u.Query != nil {
		if _, err := Check(id, *u.Query); err != nil {
			return vigie.MonitorRecord{}, err
		}
	}
	if u.Kind != nil && !vigie.MonitorKind(*u.Kind).Valid() {
		return vigie.MonitorRecord{}, fmt.Errorf("%w: unknown kind %q (one of %v)", vigie.ErrInvalid, *u.Kind, vigie.MonitorKinds)
	}
	m, err := s.Store.UpdateMonitor(ctx, workspaceID, id, u)
	if err != nil {
		return m, err
	}
	s.poke()
	return m, s.sync(ctx, m.Key, func() error { return s.applyStored(m) })
}

// Delete removes a workspace's monitor and its mentions.
func (s *Service) Delete(ctx context.Context, workspaceID int64, id string) error {
	m, err := s.Store.FindMonitorByID(ctx, workspaceID, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteMonitor(ctx, workspaceID, id); err != nil {
		return err
	}
	return s.sync(ctx, m.Key, func() error { s.removeStored(m.Key); return nil })
}

// newID makes a readable, unique id from a name: "EPFL (brand)" → "epfl-brand-3f9a".
func newID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range text.Fold(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if r < 0x80 {
				b.WriteRune(r)
				dash = false
			}
		} else if b.Len() > 0 && !dash {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	if slug == "" {
		slug = "monitor"
	}
	var r [3]byte
	_, _ = rand.Read(r[:])
	return slug + "-" + hex.EncodeToString(r[:])
}

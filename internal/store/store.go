// Package store is all of Vigie's SQL: workspaces, monitors, sources, the
// archive of posts and mentions, and API tokens, on SQLite (the embedded
// default, pure Go) or PostgreSQL (scale-out). Both run the same logical
// schema from embedded migrations; where the dialects differ the code comes
// in pairs of files (dialect_sqlite.go / dialect_postgres.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// Dialect names, as returned by Store.Dialect.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DefaultPath is the SQLite database opened for an empty URL.
const DefaultPath = "vigie-data/vigie.db"

// Store is Vigie's database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect string

	// now is the clock; tests replace it.
	now func() time.Time
	// beforeCommit, when set, runs at the end of SaveBatch's transaction;
	// tests use it to simulate a crash before the commit.
	beforeCommit func() error

	stmts sync.Map // rowsStmt → *sql.Stmt (stmt.go)

	// lane, on SQLite, lets one writer of the process at a time in, and
	// files hands the write lock over between processes (lane.go).
	lane  chan struct{}
	files *fileLane
	// laneWait, when set, runs as a writer starts waiting for the lane;
	// tests use it to know a writer is queued.
	laneWait func()
	// checkNewContributions, set by tests, has SaveBatch read its new
	// posts' rollup contributions back as well and fail if the two differ.
	checkNewContributions bool
	// checkTopAuthors, set by tests, has TopAuthors sum every row of
	// author_days as well and fail if the bounds' walk found other authors.
	checkTopAuthors bool
	// hourWindows, set by tests, has a sampled PostgreSQL search look for
	// its page through the index's hour lexemes even where its matches are
	// dense (search_postgres.go), as they are only in a large archive.
	hourWindows bool
	dayCounts   dayCountCache // count.go
	// The dialect's writes of author_bounds (stmt.go).
	upsertAuthorBounds, raiseBoundFollowers rowShape
	// secrets seals sources' credentials (settings.go); nil, the store
	// refuses to write one.
	secrets *secret.Box
}

// Option configures Open.
type Option func(*Store)

// WithSecrets has the store keep sources' credentials (the settings
// vigie.SecretSetting names) sealed with box: encrypted in the database,
// decrypted when read. Without it, a source with a credential cannot be
// stored, and those stored read as undecryptable.
func WithSecrets(box *secret.Box) Option {
	return func(s *Store) { s.secrets = box }
}

// WithClock sets the clock the store dates what it writes by (tests of
// other packages that run on a clock of their own).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open opens the database named by url and applies pending migrations:
// "" (DefaultPath), a plain path or "sqlite:PATH" for SQLite;
// "postgres://…" or "postgresql://…" for PostgreSQL. Give WithSecrets to
// store sources' credentials.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	var (
		s   *Store
		err error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err = openPostgres(url)
	default:
		s, err = openSQLite(url)
	}
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(s)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.prepareWrites(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func newStore(db *sql.DB, dialect string) *Store {
	s := &Store{db: db, dialect: dialect, now: time.Now}
	if dialect == SQLite {
		s.lane = make(chan struct{}, 1)
	}
	return s
}

// Close closes the database. On SQLite it first lets the query planner
// refresh its statistics (PRAGMA optimize), as SQLite advises.
func (s *Store) Close() error {
	if s.lane != nil {
		// Only if no other writer holds the lock: waiting for a turn would
		// hold up the end of a command for another process's transaction,
		// and the next Close will do it.
		now, cancel := context.WithCancel(context.Background())
		cancel()
		if s.enterLane(now) == nil {
			s.db.Exec("PRAGMA optimize")
			s.leaveLane()
		}
	}
	s.closeStmts()
	err := s.db.Close()
	if s.files != nil {
		s.files.close()
	}
	return err
}

// Dialect reports which database the store runs on: SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

func (s *Store) pg() bool { return s.dialect == Postgres }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q turns the '?' placeholders of a query into the dialect's ($1, $2… on
// PostgreSQL). Queries never hold a literal '?'.
func (s *Store) q(query string) string {
	if !s.pg() || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// translate maps driver errors to the domain's: no row is ErrNotFound, a
// unique violation ErrConflict, a foreign key violation ErrInvalid. Each
// dialect reads its own driver's codes (dialect_*.go).
func (s *Store) translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.ErrNotFound
	}
	if s.pg() {
		return translatePostgres(err)
	}
	return translateSQLite(err)
}

// retryable reports whether a transaction failed only because of a
// concurrent one (deadlock, serialisation) and may be run again.
func (s *Store) retryable(err error) bool {
	return s.pg() && retryablePostgres(err)
}

// errf wraps a translated driver error with what was being done.
func (s *Store) errf(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, s.translate(err))...)
}

// clock returns the current time in UTC at the precision both databases keep.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// sqliteTime is how SQLite stores times: UTC text of fixed width, so that
// text order is time order.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// tm is the query argument for a time.
func (s *Store) tm(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.pg() {
		return t
	}
	return t.Format(sqliteTime)
}

// tmNull is tm with the zero time as NULL.
func (s *Store) tmNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.tm(t)
}

// scanTime reads a time column of either database into *t (NULL is the zero time).
type scanTime struct{ t *time.Time }

func (st scanTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*st.t = time.Time{}
	case time.Time:
		*st.t = x.UTC()
	case string:
		return st.parse(x)
	case []byte:
		return st.parse(string(x))
	default:
		return fmt.Errorf("store: cannot read %T as a time", v)
	}
	return nil
}

func (st scanTime) parse(v string) error {
	t, err := time.Parse(sqliteTime, v)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return fmt.Errorf("store: bad time %q: %w", v, err)
		}
	}
	*st.t = t.UTC()
	return nil
}

func timeCol(t *time.Time) scanTime { return scanTime{t} }

// placeholders returns "(?, ?, …), (…)…": rows groups of cols placeholders.
func placeholders(rows, cols int) string {
	one := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	b.Grow(rows * (len(one) + 2))
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// list returns "?, ?, …" for n values.
func list(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Counts are the archive's totals, for /metrics.
type Counts struct {
	Posts    int64 `json:"posts"`
	Mentions int64 `json:"mentions"`
	Monitors int64 `json:"monitors"`
	Sources  int64 `json:"sources"`
}

// Counts returns the number of posts, mentions, monitors and sources.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM posts),
		(SELECT COUNT(*) FROM mentions),
		(SELECT COUNT(*) FROM monitors),
		(SELECT COUNT(*) FROM sources)`).Scan(&c.Posts, &c.Mentions, &c.Monitors, &c.Sources)
	if err != nil {
		return Counts{}, s.errf(err, "count rows")
	}
	return c, nil
}

// Optimize refreshes the query planner's statistics, after a bulk load
// changed the tables' sizes by orders of magnitude (PostgreSQL's autovacuum
// would catch up, but not before the first searches).
func (s *Store) Optimize(ctx context.Context) error {
	stmt := "PRAGMA optimize"
	if s.pg() {
		stmt = "ANALYZE"
	}
	if _, err := s.exec(ctx, stmt); err != nil {
		return s.errf(err, "optimize")
	}
	return nil
}

// Ping says whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return s.db.PingContext(ctx)
}

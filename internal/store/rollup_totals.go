package store

import (
	"cmp"
	"context"
	"database/sql"
	"math/rand/v2"
	"slices"
	"strings"
)

// The rollups' totals (migration 0018_rollup_totals): per set, bucket and
// sentiment, the sum of the 'post' rows, so that a count or a volume reads
// a row per set and bucket instead of one per combination of sentiment,
// source, language and country.

// totalKey is a row of rollup_hour_totals or rollup_day_totals.
type totalKey struct {
	set, bucket int64
	sentiment   string
}

var (
	upsertHourTotals = totalsUpsert("rollup_hour_totals")
	upsertDayTotals  = totalsUpsert("rollup_day_totals")
)

// Prepared at Open with the store's other hot writes.
func init() { hotWrites = append(hotWrites, upsertHourTotals, upsertDayTotals) }

func totalsUpsert(table string) rowShape {
	return rowShape{`INSERT INTO ` + table + ` (set_id, bucket, sentiment, n, version) VALUES `, `(?, ?, ?, ?, ?)`,
		` ON CONFLICT (set_id, bucket, sentiment) DO UPDATE SET n = ` + table + `.n + excluded.n, version = excluded.version`}
}

// writeRollupTotals moves the totals by the changes of writeRollups to the
// rollup rows (hours and days), stamping each total whose rows changed
// with a new version, even when its sum did not move (a post's language
// corrected).
func (s *Store) writeRollupTotals(ctx context.Context, tx *sql.Tx, hours, days map[rollupRow]int64) error {
	stamp := rand.Int64()
	for _, t := range []struct {
		shape rowShape
		rows  map[rollupRow]int64
	}{{upsertHourTotals, hours}, {upsertDayTotals, days}} {
		totals := map[totalKey]int64{}
		for k, n := range t.rows {
			if k.dim == dimPost && n != 0 {
				sentiment, _, _, _ := postDimsOf(k.value)
				totals[totalKey{k.set, k.bucket, sentiment}] += n
			}
		}
		if len(totals) == 0 {
			continue
		}
		keys := make([]totalKey, 0, len(totals))
		for k := range totals {
			keys = append(keys, k)
		}
		// Key order, as the rollups: concurrent writers lock rows in the same order.
		slices.SortFunc(keys, func(a, b totalKey) int {
			return cmp.Or(cmp.Compare(a.set, b.set), cmp.Compare(a.bucket, b.bucket), strings.Compare(a.sentiment, b.sentiment))
		})
		args := make([]any, 0, len(keys)*5)
		for _, k := range keys {
			args = append(args, k.set, k.bucket, k.sentiment, totals[k], stamp)
		}
		if _, err := s.execRows(ctx, tx, t.shape, args); err != nil {
			return s.errf(err, "rollups: totals")
		}
	}
	return nil
}

// mergeRollupTotals adds the totals of set from to set to (negated when
// sign is "-n"), with a new version; from's rows go with the set.
func (s *Store) mergeRollupTotals(ctx context.Context, tx *sql.Tx, from, to int64, n string) error {
	stamp := rand.Int64()
	for _, table := range []string{"rollup_hour_totals", "rollup_day_totals"} {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO `+table+` (set_id, bucket, sentiment, n, version)
			SELECT ?, bucket, sentiment, `+n+`, ? FROM `+table+` WHERE set_id = ? ORDER BY bucket, sentiment
			ON CONFLICT (set_id, bucket, sentiment) DO UPDATE SET n = `+table+`.n + excluded.n, version = excluded.version`), to, stamp, from); err != nil {
			return s.errf(err, "rollups: merge totals")
		}
	}
	return nil
}

// totalsOf names the totals of a rollup table.
func totalsOf(table string) string {
	if table == "rollup_hours" {
		return "rollup_hour_totals"
	}
	return "rollup_day_totals"
}

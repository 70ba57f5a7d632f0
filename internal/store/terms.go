package store

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

// TermSample is the number of posts of each period RisingTerms reads.
const TermSample = 2000

// RisingTerms returns the words that rose most in a workspace's mentions of
// [from, to) against [prevFrom, from), at most limit. Words are read from
// the newest TermSample posts of each period (so it costs the same over a
// day or a year), counted once per post, and compared by share of posts:
// a word must be in at least minPosts posts of the period's sample and
// more frequent than before. keep filters words (function words, the
// monitors' own terms). Counts in the result are per sample.
func (s *Store) RisingTerms(ctx context.Context, workspaceID int64, from, to, prevFrom time.Time, limit int, keep func(string) bool) ([]vigie.KeyCount, error) {
	const minPosts = 5
	cur, nCur, err := s.sampleTerms(ctx, workspaceID, from, to, keep)
	if err != nil {
		return nil, err
	}
	prev, nPrev, err := s.sampleTerms(ctx, workspaceID, prevFrom, from, keep)
	if err != nil {
		return nil, err
	}
	type scored struct {
		kc    vigie.KeyCount
		score float64
	}
	var out []scored
	for w, c := range cur {
		if c < minPosts {
			continue
		}
		p := prev[w]
		// Shares of posts, the previous one smoothed so that a new word
		// does not divide by zero: rising by how many more posts than its
		// past share predicts, in standard deviations (Poisson).
		expected := float64(nCur) * float64(p+1) / float64(max(nPrev, 1)+1)
		if float64(c) <= expected {
			continue
		}
		out = append(out, scored{vigie.KeyCount{Key: w, Count: c, Prev: p}, (float64(c) - expected) / math.Sqrt(expected)})
	}
	slices.SortFunc(out, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.kc.Key, b.kc.Key))
	})
	res := make([]vigie.KeyCount, 0, min(limit, len(out)))
	for _, x := range out[:min(limit, len(out))] {
		res = append(res, x.kc)
	}
	return res, nil
}

// sampleTerms counts the words of the newest TermSample posts of the
// workspace published in [from, to), once per post, and returns how many
// posts were read.
func (s *Store) sampleTerms(ctx context.Context, workspaceID int64, from, to time.Time, keep func(string) bool) (map[string]int, int, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT p.title, p.text FROM posts p
		WHERE p.published_at >= ? AND p.published_at < ?
		AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = ?)
		AND NOT EXISTS (SELECT 1 FROM mention_tags t WHERE t.workspace_id = ? AND t.post_id = p.id AND t.tag = 'irrelevant')
		ORDER BY p.published_at DESC LIMIT ?`), s.tm(from), s.tm(to), workspaceID, workspaceID, TermSample)
	if err != nil {
		return nil, 0, s.errf(err, "rising terms")
	}
	defer rows.Close()
	counts := map[string]int{}
	seen := map[string]bool{}
	var an text.Analyzer
	n := 0
	for rows.Next() {
		var p vigie.Post
		if err := rows.Scan(&p.Title, &p.Text); err != nil {
			return nil, 0, s.errf(err, "rising terms")
		}
		n++
		clear(seen)
		d := an.Analyze(&p)
		for i := range d.Tokens {
			if d.Tokens[i].Kind != text.Word {
				continue
			}
			w := d.Word(i)
			if len(w) < 4 || seen[w] || !keep(w) || isNumber(w) {
				continue
			}
			seen[w] = true
			counts[w]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.errf(err, "rising terms")
	}
	return counts, n, nil
}

func isNumber(w string) bool {
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

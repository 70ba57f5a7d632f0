package monitor

import (
	"context"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
)

// MaxSourceTerms bounds what SourceTerms returns: a network asked for
// each term once per poll (a search per term) must not be asked hundreds
// of times.
const MaxSourceTerms = 50

// SourceTerms returns what the monitors a source feeds look for (see
// query.Query.Terms), each once, at most MaxSourceTerms: the terms a
// network that filters on its side is asked for when the source's
// settings name none.
func (s *Service) SourceTerms(ctx context.Context, src *vigie.Source) ([]string, error) {
	scope := []int64{src.WorkspaceID} // a source being tried, not saved yet
	if src.ID != 0 {
		var err error
		if scope, err = s.Store.SourceScope(ctx, src.ID); err != nil {
			return nil, err
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, ws := range scope {
		ms, err := s.Store.FindMonitors(ctx, ws)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			q, err := query.Parse(m.Query)
			if err != nil {
				continue // stored monitors parse; an old one that no longer does is skipped
			}
			for _, t := range q.Terms() {
				if !seen[t] && len(out) < MaxSourceTerms {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out, nil
}

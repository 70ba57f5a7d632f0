package rss

import (
	"context"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

func init() {
	connector.Register(vigie.SourceRSS, func(d connector.Deps) connector.Runner {
		return &Runner{Fetcher: NewFetcher(Options{Client: d.Client})}
	})
}

// Runner is the connector of feeds (RSS, Atom, JSON Feed): it polls them
// with conditional GET.
type Runner struct {
	Fetcher *Fetcher
}

var _ connector.Runner = (*Runner)(nil)

// Run fetches the feed and returns its items; the store drops the ones it
// already has, and ETag/Last-Modified spare unchanged feeds.
func (r *Runner) Run(ctx context.Context, src *vigie.Source) ([]vigie.Post, vigie.SourceState, error) {
	st := src.SourceState
	res, err := r.Fetcher.Fetch(ctx, src.URL, st)
	if err != nil {
		return nil, st, err
	}
	if res.NotModified {
		return nil, st, nil
	}
	st.ETag, st.LastModified = res.ETag, res.LastModified
	return res.Posts, st, nil
}

package rss

import (
	"context"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

func init() {
	connector.Register(vigie.SourceRSS, connector.Kind{
		Poll: func(d connector.Deps) connector.Runner {
			return &Runner{Fetcher: NewFetcher(Options{Client: d.Client})}
		},
		Interval: 15 * time.Minute,
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
func (r *Runner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	st := src.SourceState
	res, err := r.Fetcher.Fetch(ctx, src.URL, st)
	if err != nil {
		return connector.Batch{State: st}, err
	}
	if res.NotModified {
		return connector.Batch{State: st}, nil
	}
	st.ETag, st.LastModified = res.ETag, res.LastModified
	return connector.Batch{Posts: res.Posts, State: st}, nil
}

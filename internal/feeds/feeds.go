// Package feeds adds RSS/Atom/JSON Feed sources to a workspace, one by URL
// or many from an OPML file, with the checks both the API and the web app
// need: an http(s) address, allowed by the fetch policy (no internal
// address unless an admin allowed it), not already followed.
package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/rss"
	"github.com/vigie-project/vigie/internal/store"
)

// DefaultInterval is how often a new feed is checked.
const DefaultInterval = 15 * time.Minute

// Limits on what one file or one workspace may add: an OPML file of tens of
// thousands of feeds (one made 66,516 sources) would have the scheduler
// fetch them all, for a team that reads none of them.
const (
	// MaxOPMLFeeds is the most feeds one OPML import takes; a longer file
	// is refused whole, to be split.
	MaxOPMLFeeds = 1000
	// DefaultMaxSources is the most sources a workspace may have, of every
	// kind, unless Adder.MaxSources says otherwise.
	DefaultMaxSources = 10_000
)

// Adder adds feeds to workspaces.
type Adder struct {
	Store  *store.Store
	Policy netguard.Policy
	Now    func() time.Time
	// MaxSources caps a workspace's sources (0: DefaultMaxSources); feeds
	// past it are refused (one) or skipped (OPML), saying why.
	MaxSources int
}

func (a *Adder) maxSources() int {
	if a.MaxSources > 0 {
		return a.MaxSources
	}
	return DefaultMaxSources
}

func (a *Adder) full() string {
	return fmt.Sprintf("the workspace has %d sources, its limit: delete some before adding more", a.maxSources())
}

// CheckURL validates a feed address and returns it normalised. Errors wrap
// vigie.ErrInvalid and say what to do.
func (a *Adder) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http or https feed address", vigie.ErrInvalid, raw)
	}
	if err := a.Policy.CheckURL(u.String()); err != nil {
		return nil, fmt.Errorf("%w: %v", vigie.ErrInvalid, err)
	}
	return u, nil
}

// Add follows one feed in a workspace. An empty name takes the host; a zero
// interval the default. A feed already followed (same name) is ErrConflict.
func (a *Adder) Add(ctx context.Context, workspaceID int64, rawURL, name string, interval time.Duration) (vigie.Source, error) {
	u, err := a.CheckURL(rawURL)
	if err != nil {
		return vigie.Source{}, err
	}
	n, err := a.Store.CountSources(ctx, workspaceID)
	if err != nil {
		return vigie.Source{}, err
	}
	if n >= a.maxSources() {
		return vigie.Source{}, fmt.Errorf("%w: %s", vigie.ErrInvalid, a.full())
	}
	return a.add(ctx, workspaceID, u, name, interval)
}

func (a *Adder) add(ctx context.Context, workspaceID int64, u *url.URL, name string, interval time.Duration) (vigie.Source, error) {
	if name = strings.TrimSpace(name); name == "" {
		name = u.Host
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	return a.Store.CreateSource(ctx, vigie.Source{
		WorkspaceID: workspaceID, Kind: vigie.SourceRSS, Name: name, URL: u.String(),
		Interval: interval, Enabled: true, SourceState: vigie.SourceState{NextCheckAt: now().UTC()},
	})
}

// Skipped is an OPML entry that was not added, and why.
type Skipped struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// ImportOPML follows every feed of an OPML file (at most 5 MB and
// MaxOPMLFeeds feeds, else ErrInvalid and nothing is added) that passes the
// checks; the others are returned with the reason. Feeds already followed
// are skipped, not an error, and so are those past the workspace's limit.
func (a *Adder) ImportOPML(ctx context.Context, workspaceID int64, r io.Reader) ([]vigie.Source, []Skipped, error) {
	outlines, err := rss.ParseOPML(io.LimitReader(r, 5<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: not an OPML file: %v", vigie.ErrInvalid, err)
	}
	if len(outlines) > MaxOPMLFeeds {
		return nil, nil, fmt.Errorf("%w: the file lists %d feeds; at most %d are imported from one file: split it into files of %d feeds or fewer",
			vigie.ErrInvalid, len(outlines), MaxOPMLFeeds, MaxOPMLFeeds)
	}
	n, err := a.Store.CountSources(ctx, workspaceID)
	if err != nil {
		return nil, nil, err
	}
	var added []vigie.Source
	var skipped []Skipped
	for _, o := range outlines {
		u, err := a.CheckURL(o.XMLURL)
		if err == nil && n >= a.maxSources() {
			err = fmt.Errorf("%w: %s", vigie.ErrInvalid, a.full())
		}
		var src vigie.Source
		if err == nil {
			src, err = a.add(ctx, workspaceID, u, o.Title, 0)
		}
		switch {
		case errors.Is(err, vigie.ErrInvalid):
			skipped = append(skipped, Skipped{o.XMLURL, strings.TrimPrefix(err.Error(), vigie.ErrInvalid.Error()+": ")})
		case errors.Is(err, vigie.ErrConflict):
			skipped = append(skipped, Skipped{o.XMLURL, "already followed"})
		case err != nil:
			return added, skipped, err
		default:
			added = append(added, src)
			n++
		}
	}
	return added, skipped, nil
}

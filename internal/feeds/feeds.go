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

// Adder adds feeds to workspaces.
type Adder struct {
	Store  *store.Store
	Policy netguard.Policy
	Now    func() time.Time
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

// ImportOPML follows every feed of an OPML file (at most 5 MB) that passes
// the checks; the others are returned with the reason. Feeds already
// followed are skipped, not an error.
func (a *Adder) ImportOPML(ctx context.Context, workspaceID int64, r io.Reader) ([]vigie.Source, []Skipped, error) {
	outlines, err := rss.ParseOPML(io.LimitReader(r, 5<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: not an OPML file: %v", vigie.ErrInvalid, err)
	}
	var added []vigie.Source
	var skipped []Skipped
	for _, o := range outlines {
		src, err := a.Add(ctx, workspaceID, o.XMLURL, o.Title, 0)
		switch {
		case errors.Is(err, vigie.ErrInvalid):
			skipped = append(skipped, Skipped{o.XMLURL, strings.TrimPrefix(err.Error(), vigie.ErrInvalid.Error()+": ")})
		case errors.Is(err, vigie.ErrConflict):
			skipped = append(skipped, Skipped{o.XMLURL, "already followed"})
		case err != nil:
			return added, skipped, err
		default:
			added = append(added, src)
		}
	}
	return added, skipped, nil
}

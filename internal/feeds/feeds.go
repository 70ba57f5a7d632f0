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
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/match"
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
	// Connectors and Index serve Try (a source's test before it is
	// saved): the connectors read, the index says which monitors match.
	Connectors connector.Connectors
	Index      *match.Index
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

// CheckURL validates a feed address and returns it normalised
// (vigie.NormalSourceURL: the form that is its identity). Errors wrap
// vigie.ErrInvalid and say what to do.
func (a *Adder) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http or https feed address", vigie.ErrInvalid, raw)
	}
	norm, err := vigie.NormalSourceURL(u.String())
	if err == nil {
		u, err = url.Parse(norm)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not an http or https feed address", vigie.ErrInvalid, raw)
	}
	if err := a.Policy.CheckURL(u.String()); err != nil {
		return nil, fmt.Errorf("%w: %v", vigie.ErrInvalid, err)
	}
	return u, nil
}

// Feed is a feed to follow.
type Feed struct {
	URL string
	// Name is the source's name, refused if another source has it (a
	// *store.FollowedError if that one follows the same address). Empty:
	// a free name is made from the address (see name).
	Name     string
	Interval time.Duration // 0: DefaultInterval
	Settings map[string]string
}

// Add follows one feed in a workspace (see AddFeed).
func (a *Adder) Add(ctx context.Context, workspaceID int64, rawURL, name string, interval time.Duration) (vigie.Source, error) {
	return a.AddFeed(ctx, workspaceID, Feed{URL: rawURL, Name: name, Interval: interval})
}

// AddFeed follows one feed in a workspace. A feed is known by its address:
// one the workspace already follows is a *store.FollowedError
// (ErrConflict), which names the source that follows it.
func (a *Adder) AddFeed(ctx context.Context, workspaceID int64, f Feed) (vigie.Source, error) {
	u, err := a.CheckURL(f.URL)
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
	var name string
	if f.Name = strings.TrimSpace(f.Name); f.Name == "" {
		if name, err = a.name(ctx, workspaceID, u, ""); err != nil {
			return vigie.Source{}, err
		}
	}
	return a.add(ctx, workspaceID, u, f, name)
}

// name returns a name no feed of the workspace has, for a feed added
// without one: its title (from an OPML file) if given, else its host, else
// its host and path (the second feed of a site), else that numbered
// ("example.org/feed (2)"), so that two feeds of one site are told apart.
func (a *Adder) name(ctx context.Context, workspaceID int64, u *url.URL, title string) (string, error) {
	if title = strings.TrimSpace(title); title != "" {
		return a.Store.FreeSourceName(ctx, workspaceID, vigie.SourceRSS, clip(title))
	}
	host := clip(u.Host)
	name, err := a.Store.FreeSourceName(ctx, workspaceID, vigie.SourceRSS, host)
	if err != nil || name == host {
		return name, err
	}
	full := u.Host + u.RequestURI()
	if u.Path == "" && u.RawQuery == "" {
		full = u.Host
	}
	return a.Store.FreeSourceName(ctx, workspaceID, vigie.SourceRSS, clip(full))
}

// clip shortens a name so that a number can follow it within
// vigie.MaxNameLength.
func clip(name string) string {
	if r := []rune(name); len(r) > vigie.MaxNameLength-8 {
		return string(r[:vigie.MaxNameLength-8])
	}
	return name
}

// add creates the source: named f.Name if given (taken: ErrConflict),
// else name, the free name found for it; if another feed took that name
// meanwhile, a new free one is looked for, a few times.
func (a *Adder) add(ctx context.Context, workspaceID int64, u *url.URL, f Feed, name string) (vigie.Source, error) {
	if f.Interval <= 0 {
		f.Interval = DefaultInterval
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	for try := 0; ; try++ {
		src := vigie.Source{
			WorkspaceID: workspaceID, Kind: vigie.SourceRSS, Name: name, URL: u.String(), Settings: f.Settings,
			Interval: f.Interval, Enabled: true, SourceState: vigie.SourceState{NextCheckAt: now().UTC()},
		}
		if f.Name != "" {
			src.Name = f.Name
		}
		created, err := a.Store.CreateSource(ctx, src)
		var followed *store.FollowedError
		if f.Name != "" || try == 3 || !errors.Is(err, vigie.ErrConflict) || errors.As(err, &followed) {
			return created, err
		}
		if name, err = a.Store.FreeSourceName(ctx, workspaceID, vigie.SourceRSS, name); err != nil {
			return vigie.Source{}, err
		}
	}
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
		var name string
		if err == nil {
			name, err = a.name(ctx, workspaceID, u, o.Title)
		}
		if err == nil {
			src, err = a.add(ctx, workspaceID, u, Feed{}, name)
		}
		var followed *store.FollowedError
		switch {
		case errors.Is(err, vigie.ErrInvalid):
			skipped = append(skipped, Skipped{o.XMLURL, strings.TrimPrefix(err.Error(), vigie.ErrInvalid.Error()+": ")})
		case errors.As(err, &followed):
			skipped = append(skipped, Skipped{o.XMLURL, fmt.Sprintf("already followed as %q", followed.Source.Name)})
		case errors.Is(err, vigie.ErrConflict):
			skipped = append(skipped, Skipped{o.XMLURL, store.PublicMessage(err)})
		case err != nil:
			return added, skipped, err
		default:
			added = append(added, src)
			n++
		}
	}
	return added, skipped, nil
}

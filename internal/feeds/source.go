package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/rss"
	"github.com/vigie-project/vigie/internal/store"
)

// NewSource is a source to add, of any kind.
type NewSource struct {
	Kind     vigie.SourceKind
	URL      string
	Name     string        // empty: made from the kind and address
	Interval time.Duration // 0: the kind's default
	Settings map[string]string
}

// Creatable reports whether people may add sources of a kind: every
// registered connector but the demo's simulator (demo workspaces get
// theirs) and imports (made by `vigie import`).
func Creatable(kind vigie.SourceKind) bool {
	_, ok := connector.Lookup(kind)
	return ok && kind != vigie.SourceSimulator && kind != vigie.SourceImport
}

// Preset reports whether kind names a preset of feeds (googlenews): a
// source added as one is a feed whose address its settings make.
func Preset(kind vigie.SourceKind) bool {
	_, ok := rss.LookupPreset(string(kind))
	return ok
}

// CreatableKinds lists the kinds people may add, sorted.
func CreatableKinds() []vigie.SourceKind {
	var out []vigie.SourceKind
	for _, k := range connector.Kinds() {
		if Creatable(k) {
			out = append(out, k)
		}
	}
	return out
}

// Prepare checks a new source as AddSource does, without saving it, and
// returns it as it would be saved (the form's test button shows what it
// finds with it).
func (a *Adder) Prepare(workspaceID int64, n NewSource) (vigie.Source, error) {
	if n.Kind == "" {
		n.Kind = vigie.SourceRSS
	}
	if Preset(n.Kind) {
		// A preset is a feed: its address is made from its settings.
		p := vigie.Source{Kind: n.Kind, Settings: n.Settings, Interval: n.Interval}
		if _, err := rss.ApplyPreset(&p); err != nil {
			return vigie.Source{}, err
		}
		n.Kind, n.URL, n.Settings, n.Interval = p.Kind, p.URL, p.Settings, p.Interval
		if strings.TrimSpace(n.Name) == "" && p.Settings["query"] != "" {
			n.Name = clip("Google News: " + p.Settings["query"])
		}
	}
	if !Creatable(n.Kind) {
		kinds := make([]string, 0)
		for _, k := range CreatableKinds() {
			kinds = append(kinds, string(k))
		}
		for _, p := range rss.Presets() {
			kinds = append(kinds, p.Kind)
		}
		slices.Sort(kinds)
		return vigie.Source{}, fmt.Errorf("%w: sources of kind %q cannot be added; the kinds are %s", vigie.ErrInvalid, n.Kind, strings.Join(kinds, ", "))
	}
	k, _ := connector.Lookup(n.Kind)
	src := vigie.Source{WorkspaceID: workspaceID, Kind: n.Kind, URL: strings.TrimSpace(n.URL), Name: strings.TrimSpace(n.Name),
		Interval: n.Interval, Enabled: true, Settings: map[string]string{}}
	for key, v := range n.Settings {
		if v = strings.TrimSpace(v); v != "" {
			src.Settings[strings.TrimSpace(key)] = v
		}
	}
	if len(k.Settings) > 0 {
		for name := range src.Settings {
			if !slices.Contains(k.Settings, name) {
				return vigie.Source{}, fmt.Errorf("%w: a %s source has no setting %q; its settings are %s", vigie.ErrInvalid, n.Kind, name, strings.Join(k.Settings, ", "))
			}
		}
	}
	if n.Kind == vigie.SourceRSS {
		u, err := a.CheckURL(src.URL)
		if err != nil {
			return vigie.Source{}, err
		}
		src.URL = u.String()
	}
	if k.Check != nil {
		if err := k.Check(&src); err != nil {
			if !errors.Is(err, vigie.ErrInvalid) {
				err = fmt.Errorf("%w: %v", vigie.ErrInvalid, err)
			}
			return vigie.Source{}, err
		}
	}
	// The fetch policy guards the addresses connectors fetch; a webhook's
	// is its token's hash (package webhook), never fetched.
	if src.URL != "" && src.Kind != vigie.SourceWebhook {
		if err := a.Policy.CheckURL(src.URL); err != nil {
			return vigie.Source{}, fmt.Errorf("%w: %v", vigie.ErrInvalid, err)
		}
	}
	if src.Interval <= 0 {
		src.Interval = k.Interval
	}
	if src.Interval <= 0 {
		src.Interval = DefaultInterval
	}
	if len(src.Settings) == 0 {
		src.Settings = nil
	}
	return src, nil
}

// AddSource adds a source of any kind to a workspace, after its
// connector's checks (Kind.Check) and the fetch policy's on its address.
// Feeds are added as AddFeed does (known by their address).
func (a *Adder) AddSource(ctx context.Context, workspaceID int64, n NewSource) (vigie.Source, error) {
	src, err := a.Prepare(workspaceID, n)
	if err != nil {
		return vigie.Source{}, err
	}
	if src.Kind == vigie.SourceRSS {
		return a.AddFeed(ctx, workspaceID, Feed{URL: src.URL, Name: src.Name, Interval: src.Interval, Settings: src.Settings})
	}
	count, err := a.Store.CountSources(ctx, workspaceID)
	if err != nil {
		return vigie.Source{}, err
	}
	if count >= a.maxSources() {
		return vigie.Source{}, fmt.Errorf("%w: %s", vigie.ErrInvalid, a.full())
	}
	// A webhook's token given by hand must be no other source's, in any
	// workspace: two sources of one token take no delivery at all (an
	// outside trial took another workspace's hook down so).
	if src.Kind == vigie.SourceWebhook {
		if _, _, err := a.Store.FindSourceIDByURL(ctx, src.Kind, src.URL); !errors.Is(err, vigie.ErrNotFound) {
			if err == nil || errors.Is(err, vigie.ErrConflict) {
				return vigie.Source{}, fmt.Errorf("%w: this hook_token is taken; leave it out and Vigie makes one", vigie.ErrInvalid)
			}
			return vigie.Source{}, err
		}
	}
	// The same stream or search twice would store each post twice (a
	// source's posts are known by their source): refused, naming the one
	// that follows it already. Webhooks differ by their token.
	if src.Kind != vigie.SourceWebhook {
		have, err := a.Store.FindSources(ctx, workspaceID)
		if err != nil {
			return vigie.Source{}, err
		}
		for _, h := range have {
			if h.Kind == src.Kind && h.URL == src.URL && sameSettings(h.Settings, src.Settings) {
				return vigie.Source{}, &store.FollowedError{Source: h}
			}
		}
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	src.NextCheckAt = now().UTC()
	named := src.Name != ""
	if !named {
		base := string(src.Kind)
		if u, err := url.Parse(src.URL); err == nil && u.Host != "" {
			base += " " + u.Host
		}
		if src.Name, err = a.Store.FreeSourceName(ctx, workspaceID, src.Kind, clip(base)); err != nil {
			return vigie.Source{}, err
		}
	}
	for try := 0; ; try++ {
		created, err := a.Store.CreateSource(ctx, src)
		if named || try == 3 || !errors.Is(err, vigie.ErrConflict) {
			return created, err
		}
		if src.Name, err = a.Store.FreeSourceName(ctx, workspaceID, src.Kind, src.Name); err != nil {
			return vigie.Source{}, err
		}
	}
}

// sameSettings reports whether two sources follow the same thing: the
// same settings but credentials (another token reads the same stream).
func sameSettings(a, b map[string]string) bool {
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if !vigie.SecretSetting(k) && a[k] != b[k] {
				return false
			}
		}
	}
	return true
}

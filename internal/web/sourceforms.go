package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/feeds"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/webhook"
)

// sourceField is a field of a kind's form: the address ("url") or a
// setting.
type sourceField struct {
	Name        string // "url", or the setting's name
	Type        string // text, url, password, select
	Placeholder string
	Required    bool
	Options     []string // select
}

// sourceForm is what the Sources page asks to add a source of a kind; its
// texts are the messages "kind.<kind>" (name), "kind.<kind>.help" (what it
// hears, what it needs) and "field.<kind>.<field>" with ".hint".
type sourceForm struct {
	Kind   vigie.SourceKind
	Fields []sourceField
}

// sourceForms are the kinds the page offers, in its order; a kind whose
// connector is not compiled in is left out.
var sourceForms = []sourceForm{
	{Kind: vigie.SourceRSS, Fields: []sourceField{{Name: "url", Type: "url", Placeholder: "https://example.org/feed.xml", Required: true}}},
	{Kind: vigie.SourceBluesky, Fields: []sourceField{{Name: "url", Type: "url", Placeholder: "wss://jetstream2.us-east.bsky.network/subscribe"},
		{Name: "langs", Placeholder: "fr,de,en,it"}}},
	{Kind: vigie.SourceMastodon, Fields: []sourceField{{Name: "url", Type: "url", Placeholder: "https://mastodon.social", Required: true},
		{Name: "tags", Placeholder: "epfl,ethz"}, {Name: "stream", Type: "select", Options: []string{"", "public", "public:local", "hashtag"}},
		{Name: "token", Type: "password"}}},
	{Kind: vigie.SourceHackerNews, Fields: []sourceField{{Name: "query", Placeholder: "valmont"}, {Name: "url", Type: "url", Placeholder: "https://hn.algolia.com"}}},
	{Kind: vigie.SourceReddit, Fields: []sourceField{{Name: "subreddits", Placeholder: "switzerland,epfl"}, {Name: "query", Placeholder: "valmont"},
		{Name: "client_id"}, {Name: "client_secret", Type: "password"}, {Name: "user_agent", Placeholder: "web:vigie-uval:1.0 (by /u/uval_comms)"},
		{Name: "url", Type: "url", Placeholder: "https://oauth.reddit.com"}}},
	{Kind: vigie.SourceYouTube, Fields: []sourceField{{Name: "channel_id", Placeholder: "UC…"}, {Name: "query", Placeholder: "valmont"}, {Name: "key", Type: "password"},
		{Name: "url", Type: "url", Placeholder: "https://www.googleapis.com/youtube/v3"}}},
	{Kind: "googlenews", Fields: []sourceField{{Name: "query", Placeholder: "Université de Valmont", Required: true}, {Name: "lang", Placeholder: "fr", Required: true}, {Name: "country", Placeholder: "CH", Required: true}}},
	{Kind: vigie.SourceLemmy, Fields: []sourceField{{Name: "url", Type: "url", Placeholder: "https://lemmy.world", Required: true}, {Name: "community", Placeholder: "technology"},
		{Name: "query", Placeholder: "valmont"}}},
	{Kind: vigie.SourceDiscourse, Fields: []sourceField{{Name: "url", Type: "url", Placeholder: "https://meta.discourse.org", Required: true}, {Name: "query", Placeholder: "valmont"},
		{Name: "api_key", Type: "password"}, {Name: "api_username"}}},
	{Kind: vigie.SourceWebhook, Fields: []sourceField{{Name: "signing_key", Type: "password", Placeholder: "whsec_…"}}},
}

// offeredForms are the forms of the kinds that can be added here.
func offeredForms() []sourceForm {
	var out []sourceForm
	for _, f := range sourceForms {
		if feeds.Creatable(f.Kind) || feeds.Preset(f.Kind) {
			out = append(out, f)
		}
	}
	return out
}

func formOf(kind vigie.SourceKind) (sourceForm, bool) {
	for _, f := range offeredForms() {
		if f.Kind == kind {
			return f, true
		}
	}
	return sourceForm{}, false
}

// addForm is the state of the add form on the page: the kind chosen, what
// was typed (credentials are not sent back), and a test's result.
type addForm struct {
	Form   sourceForm
	Values map[string]string
	Name   string
	Tried  *feeds.TryResult
	Error  string
}

// newSourceFrom reads the add form.
func newSourceFrom(r *http.Request, f sourceForm) feeds.NewSource {
	n := feeds.NewSource{Kind: f.Kind, Name: strings.TrimSpace(r.PostFormValue("name")), Settings: map[string]string{}}
	for _, fd := range f.Fields {
		v := strings.TrimSpace(r.PostFormValue("f." + fd.Name))
		if fd.Name == "url" {
			n.URL = v
		} else if v != "" {
			n.Settings[fd.Name] = v
		}
	}
	return n
}

// addSource adds a source of any kind from the page's form, or tries it
// (action=test): what reading it finds is shown under the form, which
// keeps what was typed but credentials.
func (w *Web) addSource(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditSources) {
		return errForbidden
	}
	rw.Header().Set("Cache-Control", "no-store") // the form may hold credentials
	f, ok := formOf(vigie.SourceKind(r.PostFormValue("kind")))
	if !ok {
		return w.renderSources(rw, r, v, http.StatusBadRequest, map[string]any{"Error": v.T("sources.unknownkind", r.PostFormValue("kind"))})
	}
	n := newSourceFrom(r, f)
	// What was typed comes back in the form, credentials included: a test
	// followed by "Add" must save what was tested (the page goes to the
	// user who typed them, over their session, and is not cached).
	form := &addForm{Form: f, Values: map[string]string{"url": n.URL}, Name: n.Name}
	for _, fd := range f.Fields {
		if fd.Name != "url" {
			form.Values[fd.Name] = n.Settings[fd.Name]
		}
	}
	if r.PostFormValue("action") == "test" {
		_, res, err := w.Feeds.Try(r.Context(), v.Workspace.ID, n)
		status := http.StatusOK
		switch {
		case errors.Is(err, vigie.ErrInvalid):
			form.Error, status = w.plainError(r, err), http.StatusBadRequest
		case err != nil && r.Context().Err() == nil:
			form.Error, status = v.T("sources.testfailed", w.publicMessage(r, err)), http.StatusUnprocessableEntity
		case err != nil:
			return err
		default:
			form.Tried = &res
		}
		return w.renderSources(rw, r, v, status, map[string]any{"Add": form})
	}
	src, err := w.Feeds.AddSource(r.Context(), v.Workspace.ID, n)
	var followed *store.FollowedError
	switch {
	case errors.Is(err, vigie.ErrInvalid):
		form.Error = w.plainError(r, err)
		return w.renderSources(rw, r, v, http.StatusBadRequest, map[string]any{"Add": form})
	case errors.As(err, &followed):
		form.Error = v.T("sources.exists", followed.Source.Name)
		return w.renderSources(rw, r, v, http.StatusConflict, map[string]any{"Add": form})
	case errors.Is(err, vigie.ErrConflict):
		form.Error = v.T("sources.nametaken", n.Name)
		return w.renderSources(rw, r, v, http.StatusConflict, map[string]any{"Add": form})
	case err != nil:
		return err
	}
	if w.Wake != nil {
		w.Wake()
	}
	if src.Kind == vigie.SourceWebhook {
		// The delivery address holds the hook's token: shown this once,
		// in this answer (a redirect would put it in an address).
		form := &addForm{Form: f, Values: map[string]string{}}
		return w.renderSources(rw, r, v, http.StatusCreated, map[string]any{"Notice": v.T("sources.hookadded", src.Name), "HookPath": webhook.Path(&src), "Add": form})
	}
	// Redirected, so that reloading the page does not add it again.
	http.Redirect(rw, r, workspacePath(v.Workspace, "sources")+"?added="+strconv.FormatInt(src.ID, 10)+"#s-"+strconv.FormatInt(src.ID, 10), http.StatusSeeOther)
	return nil
}

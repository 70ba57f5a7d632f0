// Package web is Vigie's web app for the communication team: server-rendered
// HTML (html/template), a small hand-written script, live updates over
// Server-Sent Events, every asset embedded in the binary. Each page checks
// who is asking and what their role in the workspace allows.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/feeds"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/store"
)

//go:embed templates static
var assets embed.FS

// Web serves the web app.
type Web struct {
	Store    *store.Store
	Monitors *monitor.Service
	Log      *slog.Logger
	Live     *Hub
	// Wake tells the scheduler a source was added; TriggerCrisis starts a
	// simulated crisis (demo only).
	Wake          func()
	TriggerCrisis func(kind string) error
	// DemoWorkspaceID is the workspace whose simulator TriggerCrisis drives.
	DemoWorkspaceID int64
	Crises          []string // the simulator's crisis kinds (demo only)
	Feeds           *feeds.Adder
	// SecureCookies marks cookies Secure; set it when Vigie is reached over
	// HTTPS (a request over TLS sets it for its own cookies anyway).
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (for login limits and session records).
	TrustedProxies []netip.Prefix
	// RecentWindow is how long the posts that matched no monitor are kept
	// (internal/recent): a query's test reads them too. 0: none are kept.
	RecentWindow time.Duration
	Now          func() time.Time
	// FetchPolicy is the SSRF policy: alert webhooks on refused addresses
	// are turned down when a rule is saved.
	FetchPolicy netguard.Policy
	// AlertsWake tells the alert engine a delivery is due again.
	AlertsWake func()
	// Publishing is the publishing workflow: accounts, posts, approvals,
	// the inbox's replies (the API calls the same service).
	Publishing *publish.Service
	// PublicURL (VIGIE_PUBLIC_URL) is where people reach Vigie: the
	// address networks send users back to after an authorisation. Empty:
	// the request's own host.
	PublicURL string

	pages   map[string]*template.Template
	static  map[string]staticFile // by fingerprinted name
	assetOf map[string]string     // plain name → fingerprinted URL
	logins  *account.Limiter      // attempts per e-mail address and client
	clients *account.Limiter      // attempts per client address
	emails  *account.Limiter      // attempts per e-mail address, from anywhere
	once    sync.Once
	initErr error
	kinds   kindsCache
}

// kindsCache keeps each workspace's source kinds for the stream's filter
// a minute: reading them from the rollups takes tens of milliseconds at a
// million mentions, and a new kind may well wait that long.
type kindsCache struct {
	mu sync.Mutex
	m  map[int64]cachedKinds
}

type cachedKinds struct {
	at    time.Time
	kinds []string
}

func (w *Web) sourceKinds(r *http.Request, ws int64) ([]string, error) {
	now := w.Now()
	w.kinds.mu.Lock()
	c, ok := w.kinds.m[ws]
	w.kinds.mu.Unlock()
	if ok && now.Sub(c.at) < time.Minute && now.Sub(c.at) >= 0 {
		return c.kinds, nil
	}
	kinds, err := w.Store.SourceKinds(r.Context(), ws)
	if err != nil {
		return nil, err
	}
	w.kinds.mu.Lock()
	if w.kinds.m == nil {
		w.kinds.m = map[int64]cachedKinds{}
	}
	w.kinds.m[ws] = cachedKinds{now, kinds}
	w.kinds.mu.Unlock()
	return kinds, nil
}

type staticFile struct {
	body []byte
	mime string
}

// Session lifetime: a session expires after 14 days without use.
const sessionIdle = 14 * 24 * time.Hour

// Login limits in 15 minutes: 5 attempts per address from one client, 20
// per client, 50 per address from anywhere. Someone guessing from one
// machine cannot lock an account for its owner elsewhere; a distributed
// guess still stops.
const (
	loginWindow           = 15 * time.Minute
	loginPerEmail         = 5
	loginPerClientMax     = 20
	loginPerEmailAnywhere = 50
)

func (w *Web) init() error {
	w.once.Do(func() {
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Live == nil {
			w.Live = NewHub()
		}
		w.logins = account.NewLimiter(loginPerEmail, loginWindow)
		w.clients = account.NewLimiter(loginPerClientMax, loginWindow)
		w.emails = account.NewLimiter(loginPerEmailAnywhere, loginWindow)
		w.initErr = w.load()
	})
	return w.initErr
}

// load fingerprints the static files and parses every page with the layout.
func (w *Web) load() error {
	w.static, w.assetOf = map[string]staticFile{}, map[string]string{}
	err := fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		fp := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		w.static[fp] = staticFile{b, mime.TypeByExtension(ext)}
		w.assetOf[name] = "/static/" + fp
		return nil
	})
	if err != nil {
		return err
	}
	funcs := template.FuncMap{
		"asset": func(name string) string { return w.assetOf[name] },
		// pathEscape puts an id in one path segment (an id stored before ids
		// were checked may hold a '/').
		"pathEscape": url.PathEscape,
		// caret points at a 1-based column under a query shown above it.
		"caret": func(col int) string { return strings.Repeat(" ", max(col-1, 0)) + "^" },
		// clip shortens a text to n characters, marking the cut.
		"clip": func(n int, s string) string {
			if r := []rune(s); len(r) > n {
				return string(r[:n]) + "…"
			}
			return s
		},
		// seq is 1, 2, … n, for a form's numbered fields.
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i + 1
			}
			return out
		},
		// dict builds a map for a sub-template: dict "K1" v1 "K2" v2.
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				if k, ok := kv[i].(string); ok {
					m[k] = kv[i+1]
				}
			}
			return m
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return err
	}
	pages, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return err
	}
	w.pages = map[string]*template.Template{}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, p)
		if err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		w.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

// Register adds the web app's routes to mux.
func (w *Web) Register(mux *http.ServeMux) error {
	if err := w.init(); err != nil {
		return err
	}
	mux.HandleFunc("GET /static/{file}", w.serveStatic)
	page := func(pattern string, h handler) { mux.Handle(pattern, w.session(h, true)) }
	open := func(pattern string, h handler) { mux.Handle(pattern, w.session(h, false)) }
	open("GET /login", w.loginPage)
	open("POST /login", w.login)
	open("GET /setup", w.setupPage)
	open("POST /setup", w.setup)
	page("POST /logout", w.logout)
	page("GET /{$}", w.home)
	page("GET /w/{ws}/{$}", w.dashboard)
	page("GET /w/{ws}/mentions", w.mentionsPage)
	page("GET /w/{ws}/mentions/live", w.mentionsLive)
	page("GET /w/{ws}/export/{format}", w.exportMentions)
	page("POST /w/{ws}/mentions/{id}", w.editMention)
	page("GET /w/{ws}/monitors", w.monitorsPage)
	page("GET /w/{ws}/monitors/new", w.monitorEditor)
	page("GET /w/{ws}/monitors/check", w.checkQuery)
	page("POST /w/{ws}/monitors", w.saveMonitor)
	page("GET /w/{ws}/monitors/{id}/edit", w.monitorEditor)
	page("POST /w/{ws}/monitors/{id}", w.saveMonitor)
	page("POST /w/{ws}/monitors/{id}/delete", w.deleteMonitor)
	page("POST /w/{ws}/monitors/{id}/feed", w.createFeed)
	page("POST /w/{ws}/feeds/{ref}/revoke", w.revokeFeed)
	mux.HandleFunc("GET /feeds/{token}", w.serveFeed)
	page("GET /help/query", w.helpQuery)
	page("GET /w/{ws}/sources", w.sourcesPage)
	page("POST /w/{ws}/sources", w.addFeed)
	page("POST /w/{ws}/sources/opml", w.importOPML)
	page("POST /w/{ws}/sources/new", w.addSource)
	page("POST /w/{ws}/sources/{id}/delete", w.deleteSource)
	page("POST /w/{ws}/sources/{id}/check", w.checkSource)
	page("POST /w/{ws}/sources/delete", w.deleteSources)
	page("POST /w/{ws}/sources/{id}/share", w.shareSource)
	page("POST /w/{ws}/demo/crisis", w.startCrisis)
	page("GET /w/{ws}/alerts", w.alertsPage)
	page("GET /w/{ws}/alerts/live", w.alertsLive)
	page("GET /w/{ws}/alerts/new", w.ruleEditor)
	page("POST /w/{ws}/alerts", w.saveRule)
	page("GET /w/{ws}/alerts/{id}/edit", w.ruleEditor)
	page("POST /w/{ws}/alerts/{id}", w.saveRule)
	page("POST /w/{ws}/alerts/{id}/delete", w.deleteRule)
	page("POST /w/{ws}/alerts/sent/{id}/ack", w.acknowledge)
	page("POST /w/{ws}/alerts/deliveries/{id}/retry", w.retryDelivery)
	open("GET /alerts/ack/{token}", w.ackPage)
	open("POST /alerts/ack/{token}", w.ackByLink)
	page("GET /w/{ws}/incidents", w.incidentsPage)
	page("POST /w/{ws}/incidents", w.openIncident)
	page("POST /w/{ws}/incidents/checklist", w.setChecklist)
	page("GET /w/{ws}/incidents/{id}", w.incidentPage)
	page("POST /w/{ws}/incidents/{id}", w.changeIncident)
	page("GET /w/{ws}/incidents/{id}/report", w.incidentReport)
	page("GET /w/{ws}/accounts", w.accountsPage)
	page("POST /w/{ws}/accounts", w.connectAccount)
	page("POST /w/{ws}/accounts/oauth", w.oauthStart)
	page("GET /oauth/mastodon/callback", w.oauthCallback)
	page("POST /w/{ws}/accounts/{id}/check", w.checkAccount)
	page("POST /w/{ws}/accounts/{id}/role", w.setAccountRole)
	page("POST /w/{ws}/accounts/{id}/delete", w.disconnectAccount)
	page("GET /w/{ws}/posts", w.postsPage)
	page("GET /w/{ws}/posts/new", w.composer)
	page("GET /w/{ws}/posts/preview", w.linkPreview)
	page("POST /w/{ws}/posts", w.createPost)
	page("GET /w/{ws}/posts/{id}", w.postPage)
	page("GET /w/{ws}/posts/{id}/edit", w.editPage)
	page("GET /w/{ws}/posts/{id}/live", w.postLive)
	page("GET /w/{ws}/posts/{id}/media/{media}", w.postImage)
	page("POST /w/{ws}/posts/{id}", w.updatePost)
	page("POST /w/{ws}/posts/{id}/submit", w.postAction("submit"))
	page("POST /w/{ws}/posts/{id}/approve", w.postAction("approve"))
	page("POST /w/{ws}/posts/{id}/request-changes", w.postAction("changes"))
	page("POST /w/{ws}/posts/{id}/retry", w.postAction("retry"))
	page("POST /w/{ws}/posts/{id}/reschedule", w.postAction("reschedule"))
	page("POST /w/{ws}/posts/{id}/delete", w.postAction("delete"))
	page("GET /w/{ws}/calendar", w.calendarPage)
	page("POST /w/{ws}/calendar/links", w.createCalendarLink)
	page("POST /w/{ws}/calendar/links/{ref}/revoke", w.revokeCalendarLink)
	mux.HandleFunc("GET /calendar/{file}", w.serveICal)
	page("GET /w/{ws}/settings/publishing", w.pubSettingsPage)
	page("POST /w/{ws}/settings/publishing", w.savePubSettings)
	page("GET /w/{ws}/members", w.membersPage)
	page("POST /w/{ws}/members", w.addMember)
	page("POST /w/{ws}/members/{uid}/{action}", w.memberAction)
	w.registerInbox(page) // inbox.go
	page("GET /w/{ws}/tokens", w.tokensPage)
	page("POST /w/{ws}/tokens", w.createToken)
	page("POST /w/{ws}/tokens/{id}/revoke", w.revokeToken)
	page("GET /workspaces", w.workspacesPage)
	page("POST /workspaces", w.createWorkspace)
	page("POST /workspaces/{slug}/rename", w.renameWorkspace)
	page("POST /settings/locale", w.setLocale)
	// Any other address gets the app's own "Page not found", titled and in
	// the user's language, rather than the server's bare text (a mistyped
	// path, a GET of an address that only takes a form). The API keeps its
	// own (/api/).
	open("/", func(http.ResponseWriter, *http.Request, *visit) error { return errNotFound })
	return nil
}

// handler is a page handler; it returns an error to show instead.
type handler func(http.ResponseWriter, *http.Request, *visit) error

// pageError is an error shown to the user with its status.
type pageError struct {
	status int
	msg    string // message key
}

func (e *pageError) Error() string { return e.msg }

var (
	errForbidden = &pageError{http.StatusForbidden, "error.forbidden"}
	errNotFound  = &pageError{http.StatusNotFound, "error.notfound"}
)

// render writes page with data for the visit.
func (w *Web) render(rw http.ResponseWriter, v *visit, status int, page string, data map[string]any) error {
	t, ok := w.pages[page]
	if !ok {
		return fmt.Errorf("no page %q", page)
	}
	if data == nil {
		data = map[string]any{}
	}
	data["V"] = v
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, err := rw.Write(buf.Bytes())
	return err
}

// fail shows an error page: page errors with their message, anything else
// logged and shown as an internal error.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, v *visit, err error) {
	var pe *pageError
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, vigie.ErrNotFound):
		pe = errNotFound
	case errors.Is(err, vigie.ErrInvalid):
		pe = &pageError{http.StatusBadRequest, "error.badrequest"}
	case errors.Is(err, context.Canceled):
		return
	default:
		w.Log.Error("web", "method", r.Method, "path", r.URL.Path, "err", err)
		pe = &pageError{http.StatusInternalServerError, "error.internal"}
	}
	data := map[string]any{"Title": tr(v.Locale, errorTitle(pe)), "Message": tr(v.Locale, pe.msg)}
	if rerr := w.render(rw, v, pe.status, "error", data); rerr != nil {
		http.Error(rw, tr(v.Locale, pe.msg), pe.status)
	}
}

// errorTitle is the key of an error page's title: what kind of refusal
// it is, rather than one "something went wrong" for all.
func errorTitle(pe *pageError) string {
	switch {
	case pe.msg == "error.csrf":
		return "error.title.csrf"
	case pe.status == http.StatusForbidden:
		return "error.title.forbidden"
	case pe.status == http.StatusNotFound:
		return "error.title.notfound"
	case pe.status == http.StatusBadRequest:
		return "error.title.badrequest"
	}
	return "error.title"
}

func (w *Web) serveStatic(rw http.ResponseWriter, r *http.Request) {
	f, ok := w.static[r.PathValue("file")]
	if !ok {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", f.mime)
	// Fingerprinted: the name changes with the content.
	rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	rw.Write(f.body)
}

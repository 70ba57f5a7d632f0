package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
)

// Cookie names. The session cookie is HttpOnly and SameSite=Lax; anonymous
// forms (login, set-up) are protected by a double-submit cookie.
const (
	sessionCookie = "vigie_session"
	anonCookie    = "vigie_csrf"
)

// visit is who is asking and in which language, for one request.
type visit struct {
	User        *vigie.User // nil when not signed in
	Memberships []vigie.Membership
	Workspaces  []vigie.Workspace // the user's, in id order
	Workspace   *vigie.Workspace  // the one the page is about, if any
	Role        account.Role      // the user's role in Workspace
	OrgAdmin    []int64           // the organisations the user administers
	Locale      string
	CSRF        string
	Path        string // the request's path, for the language switch
	Unread      int    // the workspace's in-app alerts the user has not seen (the bell)

	tokenHash string
	refresh   bool // the session's expiry moved: send its cookie again
}

// T translates key into the visit's language.
func (v *visit) T(key string, args ...any) string { return tr(v.Locale, key, args...) }

// Can reports whether the user may do a in the current workspace.
func (v *visit) Can(a account.Action) bool { return v.Role.Can(a) }

// CanEditMonitors and CanEditSources say what the templates may offer.
func (v *visit) CanEditMonitors() bool { return v.Role.Can(account.EditMonitors) }
func (v *visit) CanEditSources() bool  { return v.Role.Can(account.EditSources) }
func (v *visit) CanCorrect() bool      { return v.Role.Can(account.CorrectMention) }
func (v *visit) CanManage() bool       { return v.Role.Can(account.ManageMembers) }

// CanEditAlerts and CanHandleIncidents: alert rules, and incidents'
// changes and acknowledgements.
func (v *visit) CanEditAlerts() bool      { return v.Role.Can(account.EditAlerts) }
func (v *visit) CanHandleIncidents() bool { return v.Role.Can(account.HandleIncidents) }

// CanManageWorkspaces: administrators of an organisation create and rename
// its workspaces.
func (v *visit) CanManageWorkspaces() bool { return v.User != nil && len(v.OrgAdmin) > 0 }

// CanShareSources: an administrator of the workspace's organisation who
// administers the workspace too may share its sources with every workspace
// of the organisation. Being an organisation administrator opens no
// workspace by itself: one who only views a workspace cannot publish its
// private sources to the others.
func (v *visit) CanShareSources() bool {
	return v.User != nil && slices.Contains(v.OrgAdmin, v.Workspace.OrganisationID) && v.CanManage()
}

// LocaleNames are the UI languages, for the switch.
func (v *visit) LocaleNames() map[string]string { return localeNames }

// session loads the visit from the session cookie. With needUser, a request
// without a session is sent to the login page (or refused, for scripts and
// live streams). Every unsafe method must carry the session's CSRF token and
// come from this site.
func (w *Web) session(h handler, needUser bool) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		v := &visit{Path: r.URL.Path}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			if err := w.loadUser(r.Context(), v, c.Value); err != nil && !errors.Is(err, vigie.ErrNotFound) {
				v.Locale = negotiate("", r)
				w.fail(rw, r, v, err)
				return
			}
		}
		v.Locale = negotiate(localeOf(v.User), r)
		if v.refresh {
			if c, err := r.Cookie(sessionCookie); err == nil {
				w.setSessionCookie(rw, r, c.Value)
			}
		}
		if v.User == nil {
			if needUser {
				if r.Method != http.MethodGet || r.Header.Get("Accept") == "text/event-stream" {
					http.Error(rw, tr(v.Locale, "error.signin"), http.StatusUnauthorized)
					return
				}
				http.Redirect(rw, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			v.CSRF = w.anonToken(rw, r)
		}
		if !safeMethod(r.Method) {
			// Bodies are small forms, but for an OPML upload; nothing larger
			// is read, nor spilled to disk.
			limit := int64(64 << 10)
			multipart := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/")
			upload := multipart && composerUpload(r.URL.Path)
			if strings.HasSuffix(r.URL.Path, "/sources/opml") {
				limit = 6 << 20
			} else if upload {
				limit = uploadLimit
			} else if multipart {
				http.Error(rw, "multipart bodies are accepted only for file uploads", http.StatusUnsupportedMediaType)
				return
			}
			r.Body = http.MaxBytesReader(rw, r.Body, limit)
			// A post's images are read into memory whole (the limit bounds
			// them), never spilled to disk.
			if upload {
				if err := r.ParseMultipartForm(limit); err != nil {
					http.Error(rw, "the post and its images are over 33 MB", http.StatusRequestEntityTooLarge)
					return
				}
			}
		}
		if !safeMethod(r.Method) && !w.checkCSRF(r, v) {
			w.fail(rw, r, v, &pageError{http.StatusForbidden, "error.csrf"})
			return
		}
		if ws := r.PathValue("ws"); ws != "" {
			if err := w.enterWorkspace(v, ws); err != nil {
				w.fail(rw, r, v, err)
				return
			}
			if safeMethod(r.Method) && r.Header.Get("Accept") != "text/event-stream" {
				n, err := w.Store.UnreadAlerts(r.Context(), v.Workspace.ID, v.User.ID)
				if err != nil {
					w.fail(rw, r, v, err)
					return
				}
				v.Unread = n
			}
		}
		if err := h(rw, r, v); err != nil {
			w.fail(rw, r, v, err)
		}
	})
}

func localeOf(u *vigie.User) string {
	if u == nil {
		return ""
	}
	return u.Locale
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// loadUser fills the visit from a session cookie; an unknown or expired
// session leaves it anonymous.
func (w *Web) loadUser(ctx context.Context, v *visit, cookie string) error {
	hash := account.HashToken(cookie)
	sess, err := w.Store.FindSession(ctx, hash)
	if err != nil {
		return err
	}
	u, err := w.Store.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return err
	}
	ms, err := w.Store.Memberships(ctx, u.ID)
	if err != nil {
		return err
	}
	all, err := w.Store.FindWorkspaces(ctx)
	if err != nil {
		return err
	}
	if v.OrgAdmin, err = w.Store.AdministeredOrganisations(ctx, u.ID); err != nil {
		return err
	}
	member := map[int64]bool{}
	for _, m := range ms {
		member[m.WorkspaceID] = true
	}
	for _, ws := range all {
		if member[ws.ID] {
			v.Workspaces = append(v.Workspaces, ws)
		}
	}
	v.User, v.Memberships, v.CSRF, v.tokenHash = &u, ms, sess.CSRF, hash
	// Sliding expiry, written at most every hour of activity.
	if now := w.Now(); now.Sub(sess.LastSeenAt) > time.Hour {
		if err := w.Store.TouchSession(ctx, hash, now.Add(sessionIdle)); err != nil {
			return err
		}
		v.refresh = true
	}
	return nil
}

// enterWorkspace sets the page's workspace (by slug) and the user's role in
// it; a workspace the user is not a member of does not exist for them.
func (w *Web) enterWorkspace(v *visit, slug string) error {
	for i := range v.Workspaces {
		if v.Workspaces[i].Slug != slug {
			continue
		}
		v.Workspace = &v.Workspaces[i]
		for _, m := range v.Memberships {
			if m.WorkspaceID == v.Workspace.ID {
				v.Role = account.Role(m.Role)
			}
		}
		return nil
	}
	return errNotFound
}

// anonToken returns the double-submit token of an anonymous visitor,
// setting its cookie on first use.
func (w *Web) anonToken(rw http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(anonCookie); err == nil && len(c.Value) > 20 {
		return c.Value
	}
	tok, _, err := account.NewToken("")
	if err != nil {
		return ""
	}
	http.SetCookie(rw, &http.Cookie{Name: anonCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: w.secure(r)})
	return tok
}

// checkCSRF accepts an unsafe request only from this site (Origin, or the
// browser's Sec-Fetch-Site) and with the visit's token in the form's csrf
// field or the X-CSRF-Token header.
func (w *Web) checkCSRF(r *http.Request, v *visit) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return v.CSRF != "" && subtle.ConstantTimeCompare([]byte(got), []byte(v.CSRF)) == 1
}

func (w *Web) secure(r *http.Request) bool { return w.SecureCookies || r.TLS != nil }

// clientAddr is the client's address: the connection's, or, when the
// connection comes from a trusted proxy, the last address of
// X-Forwarded-For that is not one of them. IPv6 addresses are reduced to
// their /64 (one network, one client, for rate limits).
func (w *Web) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if w.trusted(addr) {
		hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = a
			if !w.trusted(a) {
				break
			}
		}
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func (w *Web) trusted(a netip.Addr) bool {
	for _, p := range w.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// workspacePath is the URL of a workspace page.
func workspacePath(ws *vigie.Workspace, page string) string {
	return "/w/" + url.PathEscape(ws.Slug) + "/" + page
}

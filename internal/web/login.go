package web

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
)

func (w *Web) loginPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if v.User != nil {
		http.Redirect(rw, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	n, err := w.Store.CountUsers(r.Context())
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "NoUsers": n == 0})
}

// login checks the e-mail and password; after too many failures for the
// address or the client it refuses to check at all for a while.
func (w *Web) login(rw http.ResponseWriter, r *http.Request, v *visit) error {
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	pw := r.PostFormValue("password")
	if len(email) > 254 || len(pw) > 4*account.MaxPasswordLen {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	next := safeNext(r.PostFormValue("next"))
	again := func(status int, msg string) error {
		return w.render(rw, v, status, "login", map[string]any{"Next": next, "Email": email, "Error": msg})
	}
	client := w.clientAddr(r)
	// An attempt counts against the three limits only if all three allow
	// it: a client already refused cannot use up an address's allowance.
	limits := []struct {
		l   *account.Limiter
		key string
	}{{w.logins, email + "|" + client}, {w.clients, client}, {w.emails, email}}
	var wait time.Duration
	for _, x := range limits {
		if ok, d := x.l.Check(x.key); !ok {
			wait = max(wait, d)
		}
	}
	if wait == 0 {
		for _, x := range limits {
			if ok, d := x.l.Allow(x.key); !ok {
				wait = max(wait, d) // lost a race with a parallel attempt
			}
		}
	}
	if wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		return again(http.StatusTooManyRequests, v.T("login.toomany", minutes))
	}
	// Allow counted this attempt already: a success takes it back.
	u, hash, err := w.Store.FindUserByEmail(r.Context(), email)
	ok := false
	switch {
	case errors.Is(err, vigie.ErrNotFound):
		account.VerifyNobody(pw)
	case err != nil:
		return err
	case hash == "":
		account.VerifyNobody(pw) // same time as a real check
	default:
		ok = account.VerifyPassword(hash, pw) && !u.Disabled
	}
	if !ok {
		w.Log.Info("login failed", "email", shorten(email, 80), "client", client)
		return again(http.StatusUnauthorized, v.T("login.wrong"))
	}
	w.logins.Reset(email + "|" + client)
	w.clients.Reset(client)
	w.emails.Reset(email)
	if v.tokenHash != "" {
		// Signing in again replaces the session this browser had.
		if err := w.Store.DeleteSession(r.Context(), v.tokenHash); err != nil {
			return err
		}
	}
	if err := w.startSession(rw, r, u.ID); err != nil {
		return err
	}
	http.Redirect(rw, r, next, http.StatusSeeOther)
	return nil
}

// startSession signs the user in on this browser.
func (w *Web) startSession(rw http.ResponseWriter, r *http.Request, userID int64) error {
	tok, hash, err := account.NewToken("vgs_")
	if err != nil {
		return err
	}
	csrf, _, err := account.NewToken("")
	if err != nil {
		return err
	}
	sess := vigie.Session{UserID: userID, CSRF: csrf, ExpiresAt: w.Now().Add(sessionIdle)}
	if err := w.Store.CreateSession(r.Context(), hash, sess, r.UserAgent(), w.clientAddr(r)); err != nil {
		return err
	}
	w.setSessionCookie(rw, r, tok)
	return nil
}

func (w *Web) setSessionCookie(rw http.ResponseWriter, r *http.Request, tok string) {
	http.SetCookie(rw, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: w.secure(r), MaxAge: int(sessionIdle.Seconds())})
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if err := w.Store.DeleteSession(r.Context(), v.tokenHash); err != nil {
		return err
	}
	http.SetCookie(rw, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: w.secure(r), MaxAge: -1})
	http.Redirect(rw, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a redirect target on this site: a path, never a scheme or
// another host ("//evil.example").
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// setupPage asks for the first administrator's e-mail and password, behind
// the one-time link printed at start-up.
func (w *Web) setupPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	tok := r.URL.Query().Get("token")
	ok, err := w.Store.SetupTokenValid(r.Context(), account.HashToken(tok))
	if err != nil {
		return err
	}
	if !ok {
		return w.render(rw, v, http.StatusNotFound, "error", map[string]any{"Title": v.T("error.title.setup"), "Message": v.T("setup.invalid")})
	}
	return w.render(rw, v, http.StatusOK, "setup", map[string]any{"Token": tok})
}

func (w *Web) setup(rw http.ResponseWriter, r *http.Request, v *visit) error {
	tok := r.PostFormValue("token")
	u := vigie.User{Email: r.PostFormValue("email"), Name: r.PostFormValue("name")} // language: the browser's until the user picks one
	pw := r.PostFormValue("password")
	again := func(msg string) error {
		return w.render(rw, v, http.StatusBadRequest, "setup", map[string]any{"Token": tok, "Email": u.Email, "Name": u.Name, "Error": msg})
	}
	if pw != r.PostFormValue("password2") {
		return again(v.T("setup.mismatch"))
	}
	if err := account.CheckPassword(pw, u.Email); err != nil {
		return again(v.T("password.weak", account.MinPasswordLen))
	}
	hash, err := account.HashPassword(pw)
	if err != nil {
		return err
	}
	admin, err := w.Store.Bootstrap(r.Context(), account.HashToken(tok), u, hash)
	switch {
	case errors.Is(err, vigie.ErrInvalid):
		return again(v.T("setup.email"))
	case errors.Is(err, vigie.ErrNotFound):
		return w.render(rw, v, http.StatusNotFound, "error", map[string]any{"Title": v.T("error.title.setup"), "Message": v.T("setup.invalid")})
	case err != nil:
		return err
	}
	w.Log.Info("first administrator created", "email", admin.Email)
	if err := w.startSession(rw, r, admin.ID); err != nil {
		return err
	}
	http.Redirect(rw, r, "/", http.StatusSeeOther)
	return nil
}

// home opens the dashboard of the user's first workspace.
func (w *Web) home(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if len(v.Workspaces) == 0 {
		return w.render(rw, v, http.StatusOK, "error", map[string]any{"Title": v.T("error.title.noworkspace"), "Message": v.T("home.noworkspace")})
	}
	http.Redirect(rw, r, workspacePath(&v.Workspaces[0], ""), http.StatusSeeOther)
	return nil
}

// setLocale saves the user's UI language and returns to the page.
func (w *Web) setLocale(rw http.ResponseWriter, r *http.Request, v *visit) error {
	l := r.PostFormValue("locale")
	if l != "" && !validLocale(l) {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	if err := w.Store.SetLocale(r.Context(), v.User.ID, l); err != nil {
		return err
	}
	http.Redirect(rw, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
)

// TestErrorPageTitles: each kind of error page says what happened in its
// title and heading, in the visitor's language; the message follows.
func TestErrorPageTitles(t *testing.T) {
	w := &Web{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := w.init(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		err    error
		status int
		en, fr string
		msgKey string
	}{
		{"refused for the role", errForbidden, http.StatusForbidden, "Not allowed here", "Action non autorisée ici", "error.forbidden"},
		{"not found", errNotFound, http.StatusNotFound, "Page not found", "Page introuvable", "error.notfound"},
		{"missing row", fmt.Errorf("monitor m-x: %w", vigie.ErrNotFound), http.StatusNotFound, "Page not found", "Page introuvable", "error.notfound"},
		{"invalid input", fmt.Errorf("%w: bad", vigie.ErrInvalid), http.StatusBadRequest, "Request not valid", "Demande non valide", "error.badrequest"},
		{"bad tag", &pageError{http.StatusBadRequest, "mention.badtag"}, http.StatusBadRequest, "Request not valid", "Demande non valide", "mention.badtag"},
		{"expired form", &pageError{http.StatusForbidden, "error.csrf"}, http.StatusForbidden, "Form expired", "Formulaire expiré", "error.csrf"},
		{"internal", errors.New("disk on fire"), http.StatusInternalServerError, "Something went wrong", "Un problème est survenu", "error.internal"},
	}
	for _, tt := range tests {
		for locale, title := range map[string]string{"en": tt.en, "fr": tt.fr} {
			t.Run(tt.name+"/"+locale, func(t *testing.T) {
				rec := httptest.NewRecorder()
				w.fail(rec, httptest.NewRequest("GET", "/w/x/monitors/new", nil), &visit{Locale: locale}, tt.err)
				body := rec.Body.String()
				if rec.Code != tt.status {
					t.Errorf("status %d, want %d", rec.Code, tt.status)
				}
				esc := strings.ReplaceAll(title, "'", "&#39;")
				if !strings.Contains(body, "<title>"+esc+" · Vigie</title>") || !strings.Contains(body, "<h1>"+esc+"</h1>") {
					t.Errorf("want the title and heading %q:\n%s", title, body)
				}
				if msg := strings.ReplaceAll(tr(locale, tt.msgKey), "'", "&#39;"); !strings.Contains(body, msg) {
					t.Errorf("the message %q is missing:\n%s", msg, body)
				}
			})
		}
	}
}

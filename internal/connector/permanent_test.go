package connector

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestPermanentAndErrorCode(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		status    int
		body      string
		permanent bool
		auth      bool
		code      string
	}{
		{"validation", 422, `{"error":"Validation failed: Text character limit of 500 exceeded"}`, true, false, "Validation failed: Text character limit of 500 exceeded"},
		{"xrpc bad request", 400, `{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record"}`, true, false, "InvalidRequest"},
		{"not found", 404, `not here`, true, false, ""},
		{"expired token", 401, `{"error":"ExpiredToken","message":"Token has expired"}`, false, true, "ExpiredToken"},
		{"forbidden", 403, `{"error":"This action is not allowed"}`, false, true, "This action is not allowed"},
		{"timeout", 408, ``, false, false, ""},
		{"rate limit", 429, `{"error":"RateLimitExceeded"}`, false, false, ""},
		{"server", 500, `{"error":"InternalServerError","message":"Internal Server Error"}`, false, false, "InternalServerError"},
		{"bad gateway", 502, `<html>bad gateway</html>`, false, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				fmt.Fprint(w, c.body)
			}))
			defer srv.Close()
			var v any
			_, err := GetJSON(context.Background(), srv.Client(), "example", srv.URL, nil, now, &v)
			if err == nil {
				t.Fatal("no error")
			}
			if got := Permanent(err); got != c.permanent {
				t.Errorf("Permanent(%v) = %v, want %v", err, got, c.permanent)
			}
			if got := IsAuth(err); got != c.auth {
				t.Errorf("IsAuth(%v) = %v", err, got)
			}
			if got := ErrorCode(err); got != c.code {
				t.Errorf("ErrorCode = %q, want %q", got, c.code)
			}
		})
	}
	if !Permanent(fmt.Errorf("%w: too long", vigie.ErrInvalid)) {
		t.Error("a request the client refuses is permanent")
	}
	if Permanent(nil) || Permanent(context.Canceled) {
		t.Error("nil and a cancelled context are not permanent")
	}
}

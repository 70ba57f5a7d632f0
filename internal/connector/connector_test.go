package connector

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

type fake struct{ d Deps }

func (f *fake) Run(context.Context, *vigie.Source) (Batch, error) { return Batch{}, nil }

type fakeStream struct{ d Deps }

func (f *fakeStream) Stream(context.Context, *vigie.Source, Sink) error { return nil }

func TestRegistry(t *testing.T) {
	Register("fake-a", Kind{Poll: func(d Deps) Runner { return &fake{d} }})
	Register("fake-b", Kind{Stream: func(d Deps) Streamer { return &fakeStream{d} }})
	kinds := Kinds()
	if len(kinds) < 2 || !contains(kinds, "fake-a") || !contains(kinds, "fake-b") {
		t.Fatalf("kinds %v", kinds)
	}
	cs := Build(Deps{})
	a, ok := cs.Runners["fake-a"].(*fake)
	if !ok || a.d.Now == nil || a.d.Client == nil || a.d.Terms == nil || a.d.StreamClient == nil || a.d.StreamClient.Timeout != 0 {
		t.Fatalf("built %v (a clock, clients and terms are always given)", cs)
	}
	if _, ok := cs.Streamers["fake-b"].(*fakeStream); !ok {
		t.Fatalf("streamers %v", cs.Streamers)
	}
	if _, ok := Lookup("fake-b"); !ok {
		t.Error("Lookup does not find a registered kind")
	}
	for name, k := range map[string]Kind{"twice": {Poll: func(d Deps) Runner { return &fake{d} }}, "neither": {}} {
		kind := vigie.SourceKind("fake-a")
		if name == "neither" {
			kind = "fake-c"
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			Register(kind, k)
		}()
	}
}

func contains(ks []vigie.SourceKind, k vigie.SourceKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func TestDoClassifiesAnswers(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.UserAgent(), "Vigie/") {
			http.Error(w, "no user agent", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "287")
			w.Header().Set("X-RateLimit-Reset", "2026-12-07T12:05:00.000Z")
			w.Write([]byte(`{"a":1}`))
		case "/401":
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"The access token is invalid"}`))
		case "/429":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/429reset":
			w.Header().Set("X-Ratelimit-Reset", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/500":
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("<html><body>oops</body></html>"))
		case "/notjson":
			w.Write([]byte("<html>"))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	var v map[string]int
	h, err := GetJSON(ctx, srv.Client(), "Testnet", srv.URL+"/ok", nil, now, &v)
	if err != nil || v["a"] != 1 {
		t.Fatalf("ok: %v %v", v, err)
	}
	if got := RateLimitState(h, now); got != "287 of 300 requests left until 12:05 UTC" {
		t.Errorf("rate limit state %q", got)
	}
	_, err = GetJSON(ctx, srv.Client(), "Testnet", srv.URL+"/401", nil, now, &v)
	if !IsAuth(err) || !strings.Contains(err.Error(), "The access token is invalid") {
		t.Errorf("401: %v", err)
	}
	h, err = GetJSON(ctx, srv.Client(), "Testnet", srv.URL+"/429", nil, now, &v)
	if rl, ok := RateLimited(err); !ok || !rl.Until.Equal(now.Add(2*time.Minute)) || StatusOf(err) != 429 {
		t.Errorf("429: %v", err)
	}
	if h.Get("Retry-After") != "120" {
		t.Errorf("an error's headers are not given back: %v", h)
	}
	_, err = GetJSON(ctx, srv.Client(), "Testnet", srv.URL+"/429reset", nil, now, &v)
	if rl, ok := RateLimited(err); !ok || !rl.Until.Equal(now.Add(30*time.Second)) {
		t.Errorf("429 with a reset header: %v", err)
	}
	_, err = GetJSON(ctx, srv.Client(), "Testnet", srv.URL+"/500", nil, now, &v)
	if err == nil || IsAuth(err) || !strings.Contains(err.Error(), "HTTP 500") || strings.Contains(err.Error(), "html") || StatusOf(err) != 500 {
		t.Errorf("500: %v", err)
	}
	if se := (*StatusError)(nil); !errors.As(err, &se) || se.Status != 500 {
		t.Errorf("500 is not a StatusError with its status: %#v", err)
	}
	_, err = GetJSON(ctx, srv.Client(), "Testnet", srv.URL+"/notjson", nil, now, &v)
	if err == nil || !strings.Contains(err.Error(), "not the JSON expected") {
		t.Errorf("not JSON: %v", err)
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		t.Error("a parse error is not a rate limit")
	}
}

// TestPlainErrors: a connection that fails says why in plain words, its
// cause still wrapped.
func TestPlainErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = GetJSON(context.Background(), http.DefaultClient, "Testnet", "http://"+addr+"/x", nil, time.Now(), new(any))
	if err == nil || err.Error() != "Testnet: the server refused the connection (it may be down)" || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refused: %v", err)
	}
	if err := Plain("Testnet", errors.New("something else")); err.Error() != "Testnet: something else" {
		t.Errorf("other: %v", err)
	}
}

// TestRetryAtBounded: whatever a server answers, the next try is within a
// day (a reset in year 11476 once stopped every source: unreadable).
func TestRetryAtBounded(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, h := range []http.Header{
		{"X-Ratelimit-Reset": {"300000000000"}}, {"X-Ratelimit-Reset": {"1e18"}}, {"Retry-After": {"Fri, 31 Dec 9999 23:59:59 GMT"}},
		{"Retry-After": {"99999999999"}}, {"X-Ratelimit-Reset": {"9999-12-31T23:59:59Z"}},
	} {
		if got := RetryAt(h, now); got.After(now.Add(MaxRetryWait)) || got.Before(now) {
			t.Errorf("%v: %v", h, got)
		}
	}
	if got := RetryAt(http.Header{"Retry-After": {"Thu, 01 Jan 1970 00:00:00 GMT"}}, now); !got.Equal(now) {
		t.Errorf("a date in the past: %v", got)
	}
}

// TestRedirectsCarryNoCredentials: a redirect to another host takes none
// of the request's headers but the harmless ones, and no redirect says
// where it came from (an API key in the address).
func TestRedirectsCarryNoCredentials(t *testing.T) {
	got := make(chan http.Header, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/landing", http.StatusFound)
	}))
	defer first.Close()
	c := guardRedirects(first.Client()) // as Build gives every connector
	h := http.Header{"Api-Key": {"secret-key"}, "Api-Username": {"system"}}
	if _, err := GetJSON(context.Background(), c, "Testnet", first.URL+"/posts.json?key=AIzaSecret", h, time.Now(), new(any)); err != nil {
		t.Fatal(err)
	}
	sent := <-got
	if sent.Get("Api-Key") != "" || sent.Get("Api-Username") != "" || sent.Get("Referer") != "" || !strings.HasPrefix(sent.Get("User-Agent"), "Vigie/") {
		t.Errorf("the redirect carried %v", sent)
	}
}

// Package server is Vigie's HTTP server: routes, authentication, health and
// metrics around the API (and, later, the web app).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/api"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/web"
	"github.com/vigie-project/vigie/internal/webhook"
)

// Server wires the HTTP side.
type Server struct {
	Store    *store.Store
	API      *api.API
	Web      *web.Web // nil: API only
	Pipeline *ingest.Pipeline
	// Send takes the webhooks' batches: Pipeline when nil, the bus when
	// matching runs in other processes.
	Send  ingest.Applier
	Index *match.Index
	// Metrics, when set, writes more of /metrics (the bus's counters)
	// with the counter and gauge writers /metrics uses.
	Metrics func(counter func(name, help string, v int64), gauge func(name, help string, v float64))
	// HealthOnly serves /healthz and /metrics only: a process without the
	// web role (vigie serve --roles match).
	HealthOnly bool
	Log        *slog.Logger
	Now        func() time.Time
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler {
	if s.Now == nil {
		s.Now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", s.requireToken(http.HandlerFunc(s.metrics)))
	if s.HealthOnly {
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "This Vigie process does not serve the web app or the API (its --roles leave out web); it answers /healthz and /metrics.\n")
		})
		return s.recoverer(s.logRequests(securityHeaders(mux)))
	}
	s.API.Register(mux, s.requireToken)
	send := s.Send
	if send == nil {
		send = s.Pipeline
	}
	// Inbound webhooks: for machines, authenticated by their URL's token
	// (and a signature), not by a session or an API token.
	mux.Handle("POST /hooks/{token}", &webhook.Handler{Store: s.Store, Pipeline: send, Log: s.Log, Now: s.Now})
	if s.Web != nil {
		if err := s.Web.Register(mux); err != nil {
			panic(err) // templates are embedded: a parse error is a build error, caught by the tests
		}
	} else {
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "Vigie is running. The JSON API is under /api/v1 (documented at /api/v1/openapi.json).\n")
		})
	}
	return s.recoverer(s.logRequests(securityHeaders(mux)))
}

// requireToken lets a request through only with a valid bearer token, and
// tells the handlers who is asking: the token's workspace and role (the
// principal) and its name (the actor recorded with corrections and tags).
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			unauthorized(w, "missing bearer token: send Authorization: Bearer <token> (create one with `vigie token create --name NAME`)")
			return
		}
		t, err := s.Store.Authenticate(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			switch {
			case errors.Is(err, store.ErrTokenExpired):
				unauthorized(w, "this token has expired: ask an administrator of the workspace for a new one (its Tokens page, or `vigie token create`)")
			case errors.Is(err, vigie.ErrNotFound):
				unauthorized(w, "unknown or revoked token")
			default:
				s.Log.Error("authenticating", "err", err)
				http.Error(w, `{"error":{"message":"internal error"}}`, http.StatusInternalServerError)
			}
			return
		}
		ctx := api.WithPrincipal(r.Context(), api.Principal{TokenID: t.ID, Name: t.Name, WorkspaceID: t.WorkspaceID, Role: account.Role(t.Role)})
		next.ServeHTTP(w, r.WithContext(api.WithActor(ctx, "token:"+t.Name)))
	})
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="vigie"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"error":{"message":%q}}`+"\n", msg)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		// The web app's script, styles and live stream come from here only;
		// no inline script can run, whatever a post contains.
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the connection (live streams flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.Log.Debug("http", "method", r.Method, "path", logPath(r), "status", sw.status, "duration_ms", s.Now().Sub(start).Milliseconds())
	})
}

// logPath is a request's path as logs show it: the token of a webhook or
// of a private feed is a secret, and stays out.
func logPath(r *http.Request) string {
	for _, p := range []string{"/hooks/", "/feeds/"} {
		if strings.HasPrefix(r.URL.Path, p) {
			return p + "…"
		}
	}
	return r.URL.Path
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic serving request", "method", r.Method, "path", logPath(r), "panic", p)
				http.Error(w, `{"error":{"message":"internal error"}}`, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.Store.Counts(ctx); err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// metrics writes the Prometheus text exposition format.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	st := s.Pipeline.Stats()
	counter := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
	}
	counter("vigie_posts_in_total", "Posts received from sources.", st.PostsIn.Load())
	counter("vigie_posts_invalid_total", "Posts rejected as invalid.", st.Invalid.Load())
	counter("vigie_posts_duplicate_total", "Posts already stored (re-delivered).", st.Duplicates.Load())
	counter("vigie_posts_matched_total", "Posts that matched at least one monitor.", st.Matched.Load())
	counter("vigie_posts_stored_total", "Posts newly stored.", st.Stored.Load())
	counter("vigie_posts_kept_total", "Posts that matched no monitor, kept in the recent window.", st.Kept.Load())
	counter("vigie_posts_kept_before_total", "Posts that matched no monitor and were kept already (re-delivered).", st.KeptBefore.Load())
	counter("vigie_mentions_stored_total", "Mentions newly stored.", st.Mentions.Load())
	counter("vigie_store_batch_errors_total", "Batches the store refused.", st.BatchErrors.Load())
	if s.Metrics != nil {
		s.Metrics(counter, gauge)
	}
	is := s.Index.Stats()
	gauge("vigie_monitors", "Monitors in the matching index.", float64(is.Monitors))
	gauge("vigie_index_keys", "Keys in the matching index.", float64(is.Terms))

	// A token sees its own workspace's sources, not another's names.
	p, ok := api.PrincipalFrom(r.Context())
	if !ok {
		return
	}
	sources, err := s.Store.FindSources(r.Context(), p.WorkspaceID)
	if err != nil {
		s.Log.Error("metrics: listing sources", "err", err)
		return
	}
	sort.Slice(sources, func(i, j int) bool { return sources[i].ID < sources[j].ID })
	now := s.Now()
	fmt.Fprintln(w, "# HELP vigie_source_errors Consecutive failed runs of a source (0 when healthy).\n# TYPE vigie_source_errors gauge")
	for _, src := range sources {
		fmt.Fprintf(w, "vigie_source_errors{%s} %d\n", sourceLabels(&src), src.ErrorCount)
	}
	fmt.Fprintln(w, "# HELP vigie_source_lag_seconds Time since the source's last successful run.\n# TYPE vigie_source_lag_seconds gauge")
	for _, src := range sources {
		lag := 0.0
		if !src.LastSuccessAt.IsZero() {
			lag = now.Sub(src.LastSuccessAt).Seconds()
		}
		fmt.Fprintf(w, "vigie_source_lag_seconds{%s} %.0f\n", sourceLabels(&src), lag)
	}
	fmt.Fprintln(w, "# HELP vigie_source_posts_seen_total Posts a source has delivered.\n# TYPE vigie_source_posts_seen_total counter")
	for _, src := range sources {
		fmt.Fprintf(w, "vigie_source_posts_seen_total{%s} %d\n", sourceLabels(&src), src.PostsSeen)
	}
}

func sourceLabels(s *vigie.Source) string {
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return fmt.Sprintf(`source_id="%d",kind="%s",name="%s"`, s.ID, esc.Replace(string(s.Kind)), esc.Replace(s.Name))
}

// ListenAndServe serves until ctx ends, then shuts down gracefully.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another Vigie running? choose another address with --addr)", addr, err)
	}
	// Requests live in ctx: when it ends, long-lived ones (live streams) end
	// too, and the graceful shutdown does not wait for them.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return nil
}

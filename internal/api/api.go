// Package api is Vigie's JSON API, version 1 (/api/v1). Every route requires
// a bearer token; openapi.json documents them.
package api

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/feeds"
	"github.com/vigie-project/vigie/internal/influence"
	"github.com/vigie-project/vigie/internal/mention"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/webhook"
)

//go:embed openapi.json
var openAPI []byte

// API serves /api/v1.
type API struct {
	Store       *store.Store
	Monitors    *monitor.Service
	WorkspaceID int64  // the default workspace (tokens made before tokens had one)
	Wake        func() // tells the scheduler a source was added
	Log         *slog.Logger
	// TriggerCrisis starts a simulated crisis; set only by the demo, for
	// the tokens of the demo's workspace (whose simulator it drives).
	TriggerCrisis   func(kind string) error
	DemoWorkspaceID int64
	// FetchPolicy is the SSRF policy sources are fetched with; a feed on a
	// refused address is turned down when it is added, not at its first run.
	FetchPolicy netguard.Policy
	// Sources adds and tries sources; nil: one over Store and
	// FetchPolicy that cannot try them.
	Sources *feeds.Adder
	// AlertsWake tells the alert engine a delivery is due again.
	AlertsWake func()
	// Publishing is the publishing workflow (accounts, posts, inbox); nil
	// leaves those routes out.
	Publishing *publish.Service
}

// Register adds the routes to mux, each behind auth and a check of the
// token's role for the route's action.
func (a *API) Register(mux *http.ServeMux, auth func(http.Handler) http.Handler) {
	route := func(pattern string, action account.Action, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, auth(a.handle(allowed(action, h))))
	}
	read, monitors, sources, correct := account.Read, account.EditMonitors, account.EditSources, account.CorrectMention
	route("GET /api/v1/openapi.json", read, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write(openAPI)
		return err
	})
	route("GET /api/v1/monitors", read, a.listMonitors)
	route("POST /api/v1/monitors", monitors, a.createMonitor)
	route("GET /api/v1/monitors/{id}", read, a.getMonitor)
	route("PATCH /api/v1/monitors/{id}", monitors, a.updateMonitor)
	route("DELETE /api/v1/monitors/{id}", monitors, a.deleteMonitor)
	route("GET /api/v1/sources", read, a.listSources)
	route("POST /api/v1/sources", sources, a.createSource)
	route("POST /api/v1/sources/opml", sources, a.importOPML)
	route("POST /api/v1/sources/test", sources, a.testSource)
	route("GET /api/v1/sources/{id}", read, a.getSource)
	route("DELETE /api/v1/sources/{id}", sources, a.deleteSource)
	route("GET /api/v1/mentions", read, a.listMentions)
	route("GET /api/v1/mentions/{id}", read, a.getMention)
	route("PATCH /api/v1/mentions/{id}", correct, a.correctMention)
	route("GET /api/v1/authors", read, a.listAuthors)
	route("GET /api/v1/overview", read, a.overview)
	route("PUT /api/v1/mentions/{id}/tags", correct, a.setTags)
	rules, incidents := account.EditAlerts, account.HandleIncidents
	route("GET /api/v1/alerts", read, a.listAlertRules)
	route("POST /api/v1/alerts", rules, a.createAlertRule)
	route("POST /api/v1/alerts/backtest", rules, a.backtest)
	route("GET /api/v1/alerts/sent", read, a.listSentAlerts)
	route("GET /api/v1/alerts/sent/{id}", read, a.getSentAlert)
	route("POST /api/v1/alerts/sent/{id}/acknowledge", incidents, a.acknowledgeAlert)
	route("POST /api/v1/alerts/deliveries/{id}/retry", rules, a.retryDelivery)
	route("GET /api/v1/alerts/{id}", read, a.getAlertRule)
	route("PUT /api/v1/alerts/{id}", rules, a.updateAlertRule)
	route("DELETE /api/v1/alerts/{id}", rules, a.deleteAlertRule)
	route("GET /api/v1/incidents", read, a.listIncidents)
	route("GET /api/v1/incidents/checklist", read, a.getChecklist)
	route("PUT /api/v1/incidents/checklist", account.ManageMembers, a.setChecklist)
	route("POST /api/v1/incidents", incidents, a.openIncident)
	route("GET /api/v1/incidents/{id}", read, a.getIncident)
	route("PATCH /api/v1/incidents/{id}", incidents, a.updateIncident)
	a.registerPublishing(route)
	if a.TriggerCrisis != nil {
		route("POST /api/v1/demo/crisis", sources, func(w http.ResponseWriter, r *http.Request) error {
			if workspace(r) != a.DemoWorkspaceID {
				return &Error{Status: http.StatusNotFound, Message: "this workspace has no simulator: the demo's crisis starts from the demo workspace's tokens"}
			}
			kind := r.URL.Query().Get("kind")
			if err := a.TriggerCrisis(kind); err != nil {
				return err
			}
			writeJSON(w, http.StatusAccepted, map[string]string{"status": "crisis started", "kind": kind})
			return nil
		})
	}
	mux.Handle("/api/", auth(a.handle(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Status: http.StatusNotFound, Message: "no such API route: " + r.Method + " " + r.URL.Path + " (see /api/v1/openapi.json)"}
	})))
}

// allowed runs h only if the request's principal may do action; a request
// without one (no authentication middleware) is refused.
func allowed(action account.Action, h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			return &Error{Status: http.StatusUnauthorized, Message: "this request carries no workspace: send a token made with `vigie token create`"}
		}
		if !p.Role.Can(action) {
			who := "an editor or admin token may"
			if !account.Editor.Can(action) {
				who = "an admin token may"
			}
			return &Error{Status: http.StatusForbidden, Message: fmt.Sprintf("this token's role (%s) may not do this; %s", cmp.Or(string(p.Role), "none"), who)}
		}
		return h(w, r)
	}
}

// workspace is the workspace the request works on: its token's, and no
// other (allowed has checked there is one).
func workspace(r *http.Request) int64 {
	p, _ := PrincipalFrom(r.Context())
	return p.WorkspaceID
}

type actorKey struct{}

// WithActor returns ctx carrying who is asking ("token:NAME"), as the
// authentication middleware found it; corrections record it.
func WithActor(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, actorKey{}, who)
}

func actor(ctx context.Context) string {
	who, _ := ctx.Value(actorKey{}).(string)
	return who
}

// Error is an API error with its HTTP status.
type Error struct {
	Status  int
	Message string
	Column  int // for invalid queries: 1-based column
}

func (e *Error) Error() string { return e.Message }

// handle adapts a handler that returns an error: domain errors become status
// codes with safe messages; anything else is logged and answered 500.
func (a *API) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae *Error
		var qe *monitor.QueryError
		switch {
		case errors.As(err, &ae):
		case publish.IsForbidden(err):
			ae = &Error{Status: http.StatusForbidden, Message: strings.TrimPrefix(err.Error(), "forbidden: ")}
		case errors.As(err, &qe):
			ae = &Error{Status: http.StatusBadRequest, Message: "invalid query: " + qe.Err.Msg, Column: qe.Err.Column}
		case errors.Is(err, vigie.ErrNotFound):
			ae = &Error{Status: http.StatusNotFound, Message: store.PublicMessage(err)}
		case errors.Is(err, vigie.ErrConflict):
			ae = &Error{Status: http.StatusConflict, Message: store.PublicMessage(err)}
		case errors.Is(err, vigie.ErrInvalid):
			ae = &Error{Status: http.StatusBadRequest, Message: store.PublicMessage(err)}
		case errors.Is(err, context.Canceled):
			return
		default:
			a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = &Error{Status: http.StatusInternalServerError, Message: "internal error; the server log has the details"}
		}
		if ae.Status < 500 && ae.Message != err.Error() {
			// The client reads what it means; the log keeps the driver's words.
			a.Log.Info("api", "method", r.Method, "path", r.URL.Path, "status", ae.Status, "err", err)
		}
		body := map[string]any{"message": ae.Message}
		if ae.Column > 0 {
			body["column"] = ae.Column
		}
		writeJSON(w, ae.Status, map[string]any{"error": body})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// decode reads a JSON body into v, refusing unknown fields and oversize bodies.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Message: "invalid JSON body: " + err.Error()}
	}
	if err := dec.Decode(&json.RawMessage{}); err != io.EOF {
		return &Error{Status: http.StatusBadRequest, Message: "invalid JSON body: give one JSON object, with nothing after it"}
	}
	return nil
}

// Monitors.

type monitorInput struct {
	ID    string             `json:"id"`
	Name  *string            `json:"name"`
	Kind  *vigie.MonitorKind `json:"kind"`
	Query *string            `json:"query"`
}

func (a *API) listMonitors(w http.ResponseWriter, r *http.Request) error {
	ms, err := a.Store.FindMonitors(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	bs, err := a.Store.FindBackfills(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	out := make([]monitorOut, len(ms))
	for i, m := range ms {
		out[i] = withBackfill(m, bs[m.ID])
	}
	writeJSON(w, http.StatusOK, map[string]any{"monitors": out})
	return nil
}

// monitorOut is a monitor with where its backfill stands: "pending" or
// "running" while the mentions of the stored posts are brought in after it
// was created or its query changed (attempts counts failed runs, retried).
type monitorOut struct {
	vigie.MonitorRecord
	Backfill *store.Backfill `json:"backfill,omitempty"`
}

func withBackfill(m vigie.MonitorRecord, b store.Backfill) monitorOut {
	out := monitorOut{MonitorRecord: m}
	if b.MonitorKey != "" {
		out.Backfill = &b
	}
	return out
}

func (a *API) createMonitor(w http.ResponseWriter, r *http.Request) error {
	var in monitorInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Query == nil || in.Name == nil {
		return &Error{Status: http.StatusBadRequest, Message: `"name" and "query" are required, e.g. {"name":"EPFL","kind":"brand","query":"epfl OR ethz"}`}
	}
	m := vigie.MonitorRecord{Monitor: vigie.Monitor{ID: in.ID, Name: *in.Name, Query: *in.Query}, WorkspaceID: workspace(r)}
	if in.Kind != nil {
		m.Kind = *in.Kind
	}
	saved, err := a.Monitors.Create(r.Context(), m)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/monitors/"+url.PathEscape(saved.ID))
	writeJSON(w, http.StatusCreated, withWarnings(saved))
	return nil
}

// monitorWritten is a monitor as created or changed, with its query's
// warnings: legal, but probably not what was meant (a lower-case "or", a
// French "ET"), in the order of the query.
type monitorWritten struct {
	vigie.MonitorRecord
	Warnings []queryWarning `json:"warnings"`
}

type queryWarning struct {
	Message string `json:"message"`
	Column  int    `json:"column"`
}

func withWarnings(m vigie.MonitorRecord) monitorWritten {
	out := monitorWritten{MonitorRecord: m, Warnings: []queryWarning{}}
	if q, err := query.Parse(m.Query); err == nil { // saved: it parses
		for _, w := range q.Warnings {
			out.Warnings = append(out.Warnings, queryWarning{w.Message, w.Column})
		}
	}
	return out
}

func (a *API) getMonitor(w http.ResponseWriter, r *http.Request) error {
	m, err := a.Store.FindMonitorByID(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := a.Store.FindBackfill(r.Context(), m.WorkspaceID, m.ID)
	if err != nil && !errors.Is(err, vigie.ErrNotFound) {
		return err
	}
	writeJSON(w, http.StatusOK, withBackfill(m, b))
	return nil
}

func (a *API) updateMonitor(w http.ResponseWriter, r *http.Request) error {
	var in monitorInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.ID != "" && in.ID != r.PathValue("id") {
		return &Error{Status: http.StatusBadRequest, Message: "a monitor's id cannot be changed"}
	}
	var kind *string
	if in.Kind != nil {
		k := string(*in.Kind)
		kind = &k
	}
	m, err := a.Monitors.Update(r.Context(), workspace(r), r.PathValue("id"), store.MonitorUpdate{Name: in.Name, Kind: kind, Query: in.Query})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, withWarnings(m))
	return nil
}

func (a *API) deleteMonitor(w http.ResponseWriter, r *http.Request) error {
	if err := a.Monitors.Delete(r.Context(), workspace(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Sources.

type sourceInput struct {
	Kind     vigie.SourceKind  `json:"kind"`
	Name     string            `json:"name"`
	URL      string            `json:"url"`
	Interval intervalInput     `json:"interval"` // "15m", "1h", "2d", or seconds (a number or a string)
	Settings map[string]string `json:"settings"`
}

// intervalInput is an interval as a client may give it: a string, or a
// number of seconds.
type intervalInput string

func (in *intervalInput) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*in = intervalInput(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf(`"interval" is a duration such as "15m" or a number of seconds`)
	}
	*in = intervalInput(s)
	return nil
}

// maxInterval is the longest a source may wait between checks.
const maxInterval = 7 * 24 * time.Hour

func parseInterval(in intervalInput) (time.Duration, error) {
	s := strings.TrimSpace(string(in))
	if s == "" {
		return 15 * time.Minute, nil
	}
	bad := &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(`invalid interval %q: give a duration from 1 minute to 7 days, e.g. "15m", "1h", "2d" or 900 (seconds)`, s)}
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > int64(maxInterval/time.Second) {
			return 0, bad
		}
		d = time.Duration(n) * time.Second
	} else if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 7 {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, bad
	}
	switch {
	case d == 0:
		return 15 * time.Minute, nil // as when none is given
	case d < time.Minute || d > maxInterval:
		return 0, bad
	}
	return d, nil
}

// sourceItem is a source as the listing shows it: SharedIn marks another
// workspace's source that an administrator of the organisation shares
// with every workspace (its posts feed this one's monitors), read-only
// here, as the Sources page shows it.
//
// Its interval is a duration as people write it ("15m", "1h30m"), as the
// API takes it, rather than time.Duration's nanoseconds.
type sourceItem struct {
	vigie.Source
	Interval string `json:"interval"`
	SharedIn bool   `json:"shared_in"`
	// HookPath is where a webhook source takes deliveries
	// (/hooks/{token}): in the answer that creates it only, as the token
	// is a credential, shown masked afterwards.
	HookPath string `json:"hook_path,omitempty"`
}

func itemOf(s vigie.Source, sharedIn bool) sourceItem {
	s.Settings = secret.MaskSettings(s.Settings) // credentials only by their last characters
	return sourceItem{Source: s, Interval: formatInterval(s.Interval), SharedIn: sharedIn}
}

// formatInterval writes d as parseInterval reads it, without zero units:
// "15m", "1h", "1h30m", "45s".
func formatInterval(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (a *API) listSources(w http.ResponseWriter, r *http.Request) error {
	own, err := a.Store.FindSources(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	shared, err := a.Store.FindSharedSources(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	ss := make([]sourceItem, 0, len(own)+len(shared))
	for _, s := range own {
		ss = append(ss, itemOf(s, false))
	}
	for _, s := range shared {
		ss = append(ss, itemOf(s, true))
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": ss})
	return nil
}

func (a *API) feeds() *feeds.Adder {
	if a.Sources != nil {
		return a.Sources
	}
	return &feeds.Adder{Store: a.Store, Policy: a.FetchPolicy}
}

// tryResult is the answer of POST /api/v1/sources/test: the source as it
// would be saved, and what reading it found.
type tryResult struct {
	Source sourceItem `json:"source"`
	feeds.TryResult
}

// testSource reads a source once without saving it (a polled source's
// first fetch, a stream for a few seconds) and says which monitors the
// posts found match. A network's refusal is a 422 with its reason.
func (a *API) testSource(w http.ResponseWriter, r *http.Request) error {
	var in sourceInput
	if err := decode(r, &in); err != nil {
		return err
	}
	var interval time.Duration
	if strings.TrimSpace(string(in.Interval)) != "" {
		var err error
		if interval, err = parseInterval(in.Interval); err != nil {
			return err
		}
	}
	src, res, err := a.feeds().Try(r.Context(), workspace(r), feeds.NewSource{Kind: in.Kind, URL: in.URL, Name: in.Name, Interval: interval, Settings: in.Settings})
	switch {
	case errors.Is(err, vigie.ErrInvalid):
		return err
	case err != nil && r.Context().Err() == nil:
		return &Error{Status: http.StatusUnprocessableEntity, Message: "the source could not be read: " + err.Error()}
	case err != nil:
		return err
	}
	if res.Posts == nil {
		res.Posts = []feeds.Tried{}
	}
	writeJSON(w, http.StatusOK, tryResult{Source: itemOf(src, false), TryResult: res})
	return nil
}

func (a *API) createSource(w http.ResponseWriter, r *http.Request) error {
	var in sourceInput
	if err := decode(r, &in); err != nil {
		return err
	}
	var interval time.Duration
	if strings.TrimSpace(string(in.Interval)) != "" {
		var err error
		if interval, err = parseInterval(in.Interval); err != nil {
			return err
		}
	}
	src, err := a.feeds().AddSource(r.Context(), workspace(r), feeds.NewSource{Kind: in.Kind, URL: in.URL, Name: in.Name, Interval: interval, Settings: in.Settings})
	if err != nil {
		return err
	}
	if a.Wake != nil {
		a.Wake()
	}
	w.Header().Set("Location", "/api/v1/sources/"+strconv.FormatInt(src.ID, 10))
	item := itemOf(src, false)
	if src.Kind == vigie.SourceWebhook {
		item.HookPath = webhook.Path(&src)
	}
	writeJSON(w, http.StatusCreated, item)
	return nil
}

func (a *API) importOPML(w http.ResponseWriter, r *http.Request) error {
	created, skipped, err := a.feeds().ImportOPML(r.Context(), workspace(r), http.MaxBytesReader(nil, r.Body, 5<<20))
	if err != nil {
		return err
	}
	if a.Wake != nil && len(created) > 0 {
		a.Wake()
	}
	items := make([]sourceItem, 0, len(created))
	for _, s := range created {
		items = append(items, itemOf(s, false))
	}
	writeJSON(w, http.StatusCreated, map[string]any{"created": len(created), "sources": items, "skipped": skipped})
	return nil
}

func sourceID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, &Error{Status: http.StatusBadRequest, Message: "source ids are numbers"}
	}
	return id, nil
}

func (a *API) getSource(w http.ResponseWriter, r *http.Request) error {
	id, err := sourceID(r)
	if err != nil {
		return err
	}
	src, err := a.Store.FindSourceByID(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, itemOf(src, false))
	return nil
}

func (a *API) deleteSource(w http.ResponseWriter, r *http.Request) error {
	id, err := sourceID(r)
	if err != nil {
		return err
	}
	if err := a.Store.DeleteSource(r.Context(), workspace(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Mentions.

func (a *API) listMentions(w http.ResponseWriter, r *http.Request) error {
	f, err := mentionFilter(r, store.MaxMentionLimit)
	if err != nil {
		return err
	}
	f.WorkspaceID = workspace(r)
	if f.Query != "" {
		if _, err := monitor.Check("", f.Query); err != nil {
			return err
		}
	}
	page, err := a.Store.FindMentions(r.Context(), f)
	if err != nil {
		return err
	}
	if page.Mentions == nil {
		page.Mentions = []vigie.Mention{}
	}
	// As the web's lists: a page of 1 MB texts would weigh hundreds of
	// megabytes. GET /api/v1/mentions/{id} has the whole post.
	for i := range page.Mentions {
		page.Mentions[i].ClipForList()
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// mentionFilter reads the filters shared by the mention listings.
func mentionFilter(r *http.Request, maxLimit int) (vigie.MentionFilter, error) {
	q := r.URL.Query()
	f := vigie.MentionFilter{
		MonitorID: q.Get("monitor"), Query: q.Get("q"), Source: q.Get("source"),
		Lang: strings.ToLower(q.Get("lang")), Country: strings.ToLower(q.Get("country")), Sentiment: strings.ToLower(q.Get("sentiment")), Cursor: q.Get("cursor"),
	}
	if f.Sentiment != "" && !vigie.ValidSentiment(f.Sentiment) {
		return f, &Error{Status: http.StatusBadRequest, Message: `"sentiment" must be positive, neutral or negative`}
	}
	var err error
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return f, err
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > maxLimit {
			return f, &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(`"limit" must be a number from 1 to %d`, maxLimit)}
		}
	}
	return f, nil
}

func mentionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &Error{Status: http.StatusBadRequest, Message: "mention id must be a positive number, got " + strconv.Quote(r.PathValue("id"))}
	}
	return id, nil
}

func (a *API) getMention(w http.ResponseWriter, r *http.Request) error {
	id, err := mentionID(r)
	if err != nil {
		return err
	}
	m, err := a.Store.FindMention(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// correctMention records the team's corrections of a mention's language
// and sentiment; enrichment never overwrites them.
func (a *API) correctMention(w http.ResponseWriter, r *http.Request) error {
	id, err := mentionID(r)
	if err != nil {
		return err
	}
	var body struct {
		Lang      *string `json:"lang"`
		Sentiment *string `json:"sentiment"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Lang == nil && body.Sentiment == nil {
		return &Error{Status: http.StatusBadRequest, Message: `nothing to correct: send {"lang": "fr"} and/or {"sentiment": "negative"}`}
	}
	m, err := (&mention.Service{Store: a.Store}).Correct(r.Context(), workspace(r), id,
		mention.Correction{Lang: body.Lang, Sentiment: body.Sentiment}, actor(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// overview is the dashboard's figures for a period against the previous one.
func (a *API) overview(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, err := parseTime("from", q.Get("from"))
	if err != nil {
		return err
	}
	to, err := parseTime("to", q.Get("to"))
	if err != nil {
		return err
	}
	if to.IsZero() {
		to = time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
	}
	bucket := time.Hour
	switch q.Get("bucket") {
	case "", "hour":
		if to.Sub(from) > 72*time.Hour {
			bucket = 24 * time.Hour
		}
	case "day":
		bucket = 24 * time.Hour
	default:
		return &Error{Status: http.StatusBadRequest, Message: `"bucket" must be hour or day`}
	}
	f := vigie.OverviewFilter{WorkspaceID: workspace(r), MonitorIDs: q["monitor"], From: from, To: to, Bucket: bucket}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > 100 {
			return &Error{Status: http.StatusBadRequest, Message: `"limit" must be a number from 1 to 100`}
		}
	}
	ov, err := a.Store.Overview(r.Context(), f)
	if err != nil {
		return err
	}
	// The bucket as a duration, as the API writes them ("1h", "24h").
	writeJSON(w, http.StatusOK, struct {
		vigie.Overview
		Bucket string `json:"bucket"`
	}{ov, formatInterval(ov.Bucket)})
	return nil
}

// setTags replaces the workspace's tags on a mention ("irrelevant" hides it
// and leaves it out of the figures).
func (a *API) setTags(w http.ResponseWriter, r *http.Request) error {
	id, err := mentionID(r)
	if err != nil {
		return err
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if err := a.Store.SetTags(r.Context(), workspace(r), id, body.Tags, actor(r.Context())); err != nil {
		return err
	}
	m, err := a.Store.FindMention(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// listAuthors ranks the authors of the filtered mentions by influence.
func (a *API) listAuthors(w http.ResponseWriter, r *http.Request) error {
	f, err := mentionFilter(r, store.MaxAuthorLimit)
	if err != nil {
		return err
	}
	if f.Query != "" || f.Cursor != "" {
		return &Error{Status: http.StatusBadRequest, Message: `authors take monitor, source, lang, sentiment, from, to and limit; not "q" or "cursor"`}
	}
	f.WorkspaceID = workspace(r)
	authors, err := a.Store.TopAuthors(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"authors": authors, "formula": influence.Formula})
	return nil
}

// parseTime accepts RFC 3339 or a plain date (midnight UTC).
func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("%q must be a date (2026-11-20) or a date-time (2026-11-20T10:00:00Z), got %q", name, s)}
}

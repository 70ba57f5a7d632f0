package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/store"
)

// Alert rules, the alerts they sent, and incidents (issue 12).

func int64Path(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no %s %q: %s ids are positive numbers", what, r.PathValue(name), what)}
	}
	return id, nil
}

func (a *API) listAlertRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := a.Store.AlertRules(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	for i := range rules {
		rules[i] = alert.Masked(rules[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": rules})
	return nil
}

// ruleInput is a rule as the API takes it; enabled defaults to true.
type ruleInput struct {
	Name            string               `json:"name"`
	Monitor         string               `json:"monitor"`
	Kind            vigie.AlertKind      `json:"kind"`
	Sensitivity     string               `json:"sensitivity"`
	MinCount        int                  `json:"min_count"`
	MinFollowers    int64                `json:"min_followers"`
	Period          string               `json:"period"`
	CooldownMinutes int                  `json:"cooldown_minutes"`
	UpdateMinutes   int                  `json:"update_minutes"`
	Channels        []vigie.AlertChannel `json:"channels"`
	EscalateMinutes int                  `json:"escalate_minutes"`
	Escalate        []vigie.AlertChannel `json:"escalate"`
	Enabled         *bool                `json:"enabled"`
}

func (in *ruleInput) rule(ws int64) vigie.AlertRule {
	r := vigie.AlertRule{WorkspaceID: ws, Name: in.Name, Monitor: in.Monitor, Kind: in.Kind, Sensitivity: in.Sensitivity, MinCount: in.MinCount,
		MinFollowers: in.MinFollowers, Period: in.Period, CooldownMinutes: in.CooldownMinutes, UpdateMinutes: in.UpdateMinutes,
		Channels: in.Channels, EscalateMinutes: in.EscalateMinutes, Escalate: in.Escalate, Enabled: true}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	return r
}

func (a *API) createAlertRule(w http.ResponseWriter, r *http.Request) error {
	var in ruleInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rule := in.rule(workspace(r))
	if err := alert.Check(&rule, a.FetchPolicy); err != nil {
		return err
	}
	created, err := a.Store.CreateAlertRule(r.Context(), rule)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, alert.Masked(created))
	return nil
}

func (a *API) getAlertRule(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "alert rule")
	if err != nil {
		return err
	}
	rule, err := a.Store.FindAlertRule(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, alert.Masked(rule))
	return nil
}

// updateAlertRule replaces a rule; credentials sent back as they were
// shown (masked) are kept.
func (a *API) updateAlertRule(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "alert rule")
	if err != nil {
		return err
	}
	old, err := a.Store.FindAlertRule(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	var in ruleInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rule := in.rule(workspace(r))
	rule.Channels, rule.Escalate = alert.KeepMasked(old.Channels, rule.Channels), alert.KeepMasked(old.Escalate, rule.Escalate)
	if err := alert.Check(&rule, a.FetchPolicy); err != nil {
		return err
	}
	updated, err := a.Store.UpdateAlertRule(r.Context(), workspace(r), id, rule)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, alert.Masked(updated))
	return nil
}

func (a *API) deleteAlertRule(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "alert rule")
	if err != nil {
		return err
	}
	if err := a.Store.DeleteAlertRule(r.Context(), workspace(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// backtestInput is a rule and a period (default: the last 30 days, at
// most 90).
type backtestInput struct {
	Rule ruleInput `json:"rule"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// BacktestEvent is one thing a rule would have sent.
type BacktestEvent struct {
	At       time.Time `json:"at"`
	Step     string    `json:"step"` // alert, update, end
	Mentions int       `json:"mentions"`
	Expected float64   `json:"expected"`
	Text     string    `json:"text"`
}

func (a *API) backtest(w http.ResponseWriter, r *http.Request) error {
	var in backtestInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rule := in.Rule.rule(workspace(r))
	if rule.Name == "" {
		rule.Name = "backtest"
	}
	if len(rule.Channels) == 0 {
		rule.Channels = []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}
	}
	if err := rule.Validate(); err != nil {
		return err
	}
	events, from, to, err := alert.BacktestStored(r.Context(), a.Store, &rule, in.From, in.To, time.Now())
	if err != nil {
		return err
	}
	out := []BacktestEvent{}
	alerts := 0
	for _, e := range events {
		if e.Step == alert.Fire {
			alerts++
		}
		out = append(out, BacktestEvent{At: e.Reading.At, Step: e.Step.String(), Mentions: e.Reading.Count, Expected: e.Reading.Expected,
			Text: alert.Describe(rule.Kind, e.Step, e.Reading)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "alerts": alerts, "events": out})
	return nil
}

func (a *API) listSentAlerts(w http.ResponseWriter, r *http.Request) error {
	f := store.AlertFilter{WorkspaceID: workspace(r), Limit: 50}
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"incident", &f.IncidentID}, {"before", &f.BeforeID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("%s=%q: give an id", p.name, v)}
			}
			*p.dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("limit=%q: give a number from 1 to 500", v)}
		}
		f.Limit = n
	}
	as, err := a.Store.FindAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": as})
	return nil
}

func (a *API) getSentAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "alert")
	if err != nil {
		return err
	}
	al, err := a.Store.FindAlert(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	ds, err := a.Store.Deliveries(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"alert": al, "deliveries": ds})
	return nil
}

func (a *API) acknowledgeAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "alert")
	if err != nil {
		return err
	}
	al, err := a.Store.AcknowledgeAlert(r.Context(), workspace(r), id, actor(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, al)
	return nil
}

func (a *API) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "delivery")
	if err != nil {
		return err
	}
	if err := a.Store.RetryDelivery(r.Context(), workspace(r), id); err != nil {
		return err
	}
	if a.AlertsWake != nil {
		a.AlertsWake()
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "queued"})
	return nil
}

// Incidents.

func (a *API) listIncidents(w http.ResponseWriter, r *http.Request) error {
	f := store.IncidentFilter{WorkspaceID: workspace(r)}
	if s := r.URL.Query().Get("status"); s != "" {
		switch st := vigie.IncidentStatus(s); st {
		case vigie.IncidentOpen, vigie.IncidentMonitoring, vigie.IncidentClosed:
			f.Status = st
		default:
			return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("status=%q: use open, monitoring or closed", s)}
		}
	}
	l, err := a.Store.FindIncidents(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": l})
	return nil
}

func (a *API) getIncident(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "incident")
	if err != nil {
		return err
	}
	in, err := a.Store.FindIncident(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (a *API) openIncident(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Title   string `json:"title"`
		Monitor string `json:"monitor"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	inc, err := a.Store.OpenIncident(r.Context(), workspace(r), in.Title, in.Monitor, actor(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, inc)
	return nil
}

func (a *API) updateIncident(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "incident")
	if err != nil {
		return err
	}
	var in struct {
		Title     *string               `json:"title"`
		Status    *vigie.IncidentStatus `json:"status"`
		OwnerID   *int64                `json:"owner_id"`
		Note      string                `json:"note"`
		Statement string                `json:"statement"`
		Check     *int                  `json:"check"`
		Uncheck   *int                  `json:"uncheck"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	inc, err := a.Store.UpdateIncident(r.Context(), workspace(r), id, store.IncidentChange{Title: in.Title, Status: in.Status, OwnerID: in.OwnerID,
		Note: in.Note, Statement: in.Statement, Check: in.Check, Uncheck: in.Uncheck, By: actor(r.Context())})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

func (a *API) getChecklist(w http.ResponseWriter, r *http.Request) error {
	items, err := a.Store.Checklist(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (a *API) setChecklist(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Items []string `json:"items"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	items, err := a.Store.SetChecklist(r.Context(), workspace(r), in.Items)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

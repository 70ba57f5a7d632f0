package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/publish"
)

// A workspace's publishing settings (issue 13): approval steps, who
// approves, whether replies need approval, the inbox's first-response
// target and the queue's time slots. Administrators change them; everyone
// reads them.

func (w *Web) pubSettingsPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	s, err := w.Store.PublishSettings(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	return w.renderPubSettings(rw, v, http.StatusOK, s, strings.Join(s.Slots, " "), "", r.URL.Query().Get("saved") != "")
}

// channelFields are the settings' channels as the form shows them
// (addresses masked: given back unchanged, they keep the stored ones).
type channelFields struct {
	Emails, Slack, Mattermost, Teams, Webhook, Secret string
}

func fieldsOf(chs []vigie.AlertChannel) channelFields {
	var f channelFields
	for _, c := range alert.MaskChannels(chs) {
		switch c.Kind {
		case vigie.ChannelEmail:
			f.Emails = strings.Join(c.To, ", ")
		case vigie.ChannelSlack:
			f.Slack = c.URL
		case vigie.ChannelMattermost:
			f.Mattermost = c.URL
		case vigie.ChannelTeams:
			f.Teams = c.URL
		case vigie.ChannelWebhook:
			f.Webhook, f.Secret = c.URL, c.Secret
		}
	}
	return f
}

func (f channelFields) channels() []vigie.AlertChannel {
	var out []vigie.AlertChannel
	if f.Emails != "" {
		out = append(out, vigie.AlertChannel{Kind: vigie.ChannelEmail, To: splitList(f.Emails)})
	}
	for _, c := range []struct {
		kind vigie.ChannelKind
		url  string
	}{{vigie.ChannelSlack, f.Slack}, {vigie.ChannelMattermost, f.Mattermost}, {vigie.ChannelTeams, f.Teams}, {vigie.ChannelWebhook, f.Webhook}} {
		if c.url != "" {
			ch := vigie.AlertChannel{Kind: c.kind, URL: c.url}
			if c.kind == vigie.ChannelWebhook {
				ch.Secret = f.Secret
			}
			out = append(out, ch)
		}
	}
	return out
}

func (w *Web) renderPubSettings(rw http.ResponseWriter, v *visit, status int, s vigie.PublishSettings, slots, msg string, saved bool) error {
	return w.render(rw, v, status, "pubsettings", map[string]any{"S": s, "Slots": slots, "Error": msg, "Saved": saved, "C": fieldsOf(s.Channels),
		"CanChange": v.Can(account.ManageMembers), "Approvals": []string{vigie.ApprovalNone, vigie.ApprovalOne, vigie.ApprovalTwo}, "Zone": workspaceZone(v.Workspace).String()})
}

func (w *Web) savePubSettings(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	p := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	s := vigie.PublishSettings{Approval: p("approval"), ApproverRole: p("approver_role"), RepliesNeedApproval: r.PostFormValue("replies_need_approval") != ""}
	slots := p("slots")
	s.Slots = strings.FieldsFunc(slots, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' || r == '\r' })
	sla, err := strconv.Atoi(ortext(p("sla_minutes"), "0"))
	if err != nil {
		return w.renderPubSettings(rw, v, http.StatusBadRequest, s, slots, v.T("pubsettings.badsla"), false)
	}
	s.SLAMinutes = sla
	stored, err := w.Store.PublishSettings(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	given := channelFields{Emails: p("emails"), Slack: p("slack_url"), Mattermost: p("mattermost_url"), Teams: p("teams_url"),
		Webhook: p("webhook_url"), Secret: p("webhook_secret")}
	s.Channels = alert.KeepMasked(stored.Channels, given.channels())
	if err := publish.CheckSettings(&s); err != nil {
		return w.renderPubSettings(rw, v, http.StatusBadRequest, s, slots, publicError(err), false)
	}
	if err := alert.CheckChannels(w.FetchPolicy, s.Channels); err != nil {
		return w.renderPubSettings(rw, v, http.StatusBadRequest, s, slots, publicError(err), false)
	}
	if err := w.Store.SetPublishSettings(r.Context(), v.Workspace.ID, s); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "settings/publishing")+"?saved=1", http.StatusSeeOther)
	return nil
}

func ortext(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// Findings of the attacker trial of issue 12, each kept fixed.

// A failed delivery says the host and what went wrong, never the address,
// which is a credential (a Slack hook's path), nor its user information.
func TestDeliveryErrorsHideTheAddress(t *testing.T) {
	h := &HTTPSender{Client: &http.Client{Timeout: 2 * time.Second}, Now: time.Now}
	for _, u := range []string{"http://127.0.0.1:1/services/T0/B0/SecretHookPath", "http://user:SecretPass@127.0.0.1:1/x/SecretHookPath"} {
		err := h.Send(context.Background(), vigie.AlertChannel{Kind: vigie.ChannelSlack, URL: u}, &Message{Alert: vigie.Alert{Title: "t"}})
		if err == nil || strings.Contains(err.Error(), "Secret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("%s: %v", u, err)
		}
	}
	if m := maskURL("https://user:SecretPass@hooks.example/abc/def"); strings.Contains(m, "SecretPass") || !strings.HasPrefix(m, "https://hooks.example/") {
		t.Errorf("mask %q", m)
	}
}

// Saving a rule's form unchanged keeps its credentials, whatever the
// order the form lists the channels in.
func TestKeepMaskedMatchesByKind(t *testing.T) {
	stored := []vigie.AlertChannel{{Kind: vigie.ChannelInApp},
		{Kind: vigie.ChannelWebhook, URL: "https://hooks.example/in/SecretPath", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{Kind: vigie.ChannelSlack, URL: "https://hooks.slack.example/T0/B0/SlackSecret"}}
	shown := Masked(vigie.AlertRule{Channels: stored}).Channels
	// The form drops the bell and lists Slack before the webhook.
	given := []vigie.AlertChannel{shown[2], shown[1]}
	got := KeepMasked(stored, given)
	if got[0].URL != stored[2].URL || got[1].URL != stored[1].URL || got[1].Secret != stored[1].Secret {
		t.Fatalf("kept %+v", got)
	}
	// A new address with the secret left as shown keeps the secret.
	given = []vigie.AlertChannel{{Kind: vigie.ChannelWebhook, URL: "https://new.example/hook", Secret: secret.Mask(stored[1].Secret)}}
	if got := KeepMasked(stored, given); got[0].URL != "https://new.example/hook" || got[0].Secret != stored[1].Secret {
		t.Fatalf("new address: %+v", got)
	}
}

// Outside text (a post quoted by an every rule) neither pings a whole
// channel nor becomes a link whose words hide where it leads, in any of
// the chat payloads.
func TestChatPayloadsNeutraliseOutsideText(t *testing.T) {
	m := &Message{Alert: vigie.Alert{Title: "New mention of <!channel>", Text: "@all <!here> [Reset your password](https://evil.example/reset) mail me@uval.example",
		MonitorName: "Brand"}, WorkspaceName: "UVAL", Link: "https://vigie.example/w/u/alerts", AckLink: "https://vigie.example/alerts/ack/x"}
	slack, _ := json.Marshal(slackBody(m))
	if strings.Contains(string(slack), "<!channel>") || strings.Contains(string(slack), "<!here>") {
		t.Errorf("slack: %s", slack)
	}
	mm := mattermostText(m)
	if strings.Contains(mm, "@all ") || strings.Contains(mm, "](https://evil") || !strings.Contains(mm, "me@uval.example") {
		t.Errorf("mattermost: %q", mm)
	}
	teams, _ := json.Marshal(teamsBody(m))
	if strings.Contains(string(teams), "](https://evil") {
		t.Errorf("teams: %s", teams)
	}
	// Vigie's own links stay links.
	if !strings.Contains(mm, "[Open in Vigie](https://vigie.example/w/u/alerts)") {
		t.Errorf("mattermost lost its own link: %q", mm)
	}
}

package alert

import (
	"fmt"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/webhook"
)

// Check validates a rule as given by a person: its fields, its channels'
// signing secrets, and their addresses under the fetch policy (a webhook
// on an internal address is refused unless the administrator allows
// private fetches; the sender's client refuses it again at connection).
func Check(r *vigie.AlertRule, policy netguard.Policy) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return CheckChannels(policy, r.Channels, r.Escalate)
}

// CheckChannels checks channels' signing secrets and addresses (Check's
// part for them; publishing's settings have channels too).
func CheckChannels(policy netguard.Policy, lists ...[]vigie.AlertChannel) error {
	for _, list := range lists {
		for _, ch := range list {
			if ch.Secret != "" {
				if _, err := webhook.ParseSigningKey(ch.Secret); err != nil {
					return fmt.Errorf("%w: the %s channel's signing secret is not a Standard Webhooks secret: give whsec_ and base64 of 24 to 64 bytes (e.g. whsec_ and the output of `openssl rand -base64 32`)", vigie.ErrInvalid, ch.Kind)
				}
			}
			if ch.URL != "" {
				if err := policy.CheckURL(ch.URL); err != nil {
					return fmt.Errorf("%w: the %s channel: %v", vigie.ErrInvalid, ch.Kind, err)
				}
			}
		}
	}
	return nil
}

// MaskChannels returns channels with their credentials shown by their
// last characters.
func MaskChannels(l []vigie.AlertChannel) []vigie.AlertChannel { return maskChannels(l) }

// Masked returns the rule with its channels' credentials (addresses of
// Slack, Mattermost, Teams and webhooks, signing secrets) shown by their
// last characters.
func Masked(r vigie.AlertRule) vigie.AlertRule {
	r.Channels, r.Escalate = maskChannels(r.Channels), maskChannels(r.Escalate)
	return r
}

func maskChannels(l []vigie.AlertChannel) []vigie.AlertChannel {
	if l == nil {
		return nil
	}
	out := make([]vigie.AlertChannel, len(l))
	for i, c := range l {
		c.URL, c.Secret = maskURL(c.URL), secret.Mask(c.Secret)
		out[i] = c
	}
	return out
}

// maskURL shows a webhook address by its host and last characters: the
// path is the credential.
func maskURL(u string) string {
	if u == "" {
		return ""
	}
	host := hostOf(u)
	scheme, _, _ := strings.Cut(u, "://")
	return scheme + "://" + host + "/" + secret.Mask(u)
}

// KeepMasked returns the channels given for an update with each credential
// given back as it was shown (its mask) replaced by the stored one: the
// stored channel of the same kind whose address shows as given, and its
// signing secret when that too is given back masked. Channels are matched
// by kind and mask, not by place: a form lists them in its own order.
func KeepMasked(stored, given []vigie.AlertChannel) []vigie.AlertChannel {
	out := make([]vigie.AlertChannel, len(given))
	used := make([]bool, len(stored))
	for i, c := range given {
		match := -1
		for j, st := range stored {
			if !used[j] && st.Kind == c.Kind && c.URL != "" && st.URL != "" && (c.URL == maskURL(st.URL) || c.URL == st.URL) {
				match = j
				break
			}
		}
		if match >= 0 {
			used[match] = true
			c.URL = stored[match].URL
			if c.Secret != "" && c.Secret == secret.Mask(stored[match].Secret) {
				c.Secret = stored[match].Secret
			}
		} else if c.Secret != "" {
			// A new address with the old secret, shown masked.
			for _, st := range stored {
				if st.Kind == c.Kind && st.Secret != "" && c.Secret == secret.Mask(st.Secret) {
					c.Secret = st.Secret
					break
				}
			}
		}
		out[i] = c
	}
	return out
}

package vigie

import (
	"errors"
	"strings"
	"testing"
)

func TestAlertChannelValidate(t *testing.T) {
	for _, c := range []struct {
		ch AlertChannel
		ok bool
	}{
		{AlertChannel{Kind: ChannelInApp}, true},
		{AlertChannel{Kind: ChannelEmail, To: []string{"comms@uval.example"}}, true},
		{AlertChannel{Kind: ChannelEmail, To: []string{"a@b.example\x00x"}}, false},
		{AlertChannel{Kind: ChannelEmail, To: []string{"a@b.example\r\nBcc: x@y.example"}}, false},
		{AlertChannel{Kind: ChannelEmail, To: []string{strings.Repeat("a", 250) + "@b.example"}}, false},
		{AlertChannel{Kind: ChannelSlack, URL: "https://hooks.slack.com/services/T/B/X"}, true},
		{AlertChannel{Kind: ChannelSlack, URL: "https://hooks.slack.com/" + strings.Repeat("x", 3000)}, false},
		{AlertChannel{Kind: ChannelSlack, URL: "javascript:alert(1)"}, false},
		{AlertChannel{Kind: ChannelSlack, URL: "https://hooks.slack.com/x", Secret: "whsec_x"}, false},
		{AlertChannel{Kind: "pager"}, false},
	} {
		err := c.ch.Validate()
		if c.ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%+.60v: %v", c.ch, err)
		}
	}
}

package web

import (
	"net/http/httptest"
	"testing"
)

func TestPlurals(t *testing.T) {
	tests := []struct {
		locale, key string
		n           any
		want        string
	}{
		{"en", "mentions.count", 0, "0 mentions"},
		{"en", "mentions.count", 1, "1 mention"},
		{"en", "mentions.count", 2, "2 mentions"},
		{"en", "sources.failures", 1, "1 failure in a row"},
		{"en", "sources.failures", int64(3), "3 failures in a row"},
		{"fr", "mentions.count", 0, "0 mention"}, // French: 0 and 1 are singular
		{"fr", "mentions.count", 1, "1 mention"},
		{"fr", "mentions.count", 2, "2 mentions"},
		{"fr", "sources.failures", 1, "1 échec de suite"},
		{"fr", "sources.seen", int64(1), "1 publication lue"},
		{"fr", "sources.seen", int64(1500), "1500 publications lues"},
		{"en", "ago.days", 1, "1 day ago"},
	}
	for _, tt := range tests {
		if got := tr(tt.locale, tt.key, tt.n); got != tt.want {
			t.Errorf("tr(%s, %s, %v) = %q, want %q", tt.locale, tt.key, tt.n, got, tt.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		user, header, want string
	}{
		{"", "", "en"},
		{"", "fr-CH,fr;q=0.9,en;q=0.8", "fr"},
		{"", "en-US;q=0.1, fr;q=0.9", "fr"}, // q-values weigh, not the order
		{"", "de-CH, de;q=0.9, fr;q=0.5, en;q=0.3", "fr"},
		{"", "de, it", "en"},
		{"", "*;q=0.5, fr", "fr"},
		{"", "not a header ;;;", "en"},
		{"fr", "en", "fr"}, // the user's own choice first
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			r.Header.Set("Accept-Language", tt.header)
		}
		if got := negotiate(tt.user, r); got != tt.want {
			t.Errorf("negotiate(%q, %q) = %q, want %q", tt.user, tt.header, got, tt.want)
		}
	}
}

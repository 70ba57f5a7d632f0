package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFormatInterval(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15m", time.Hour: "1h", 90 * time.Minute: "1h30m", 45 * time.Second: "45s",
		time.Hour + time.Second: "1h0m1s", 0: "0s", 24 * time.Hour: "24h",
	} {
		got := formatInterval(d)
		if got != want {
			t.Errorf("formatInterval(%v) = %q, want %q", d, got, want)
		}
		if back, err := parseInterval(intervalInput(got)); d >= time.Minute && (err != nil || back != d) {
			t.Errorf("parseInterval(%q) = %v, %v; want %v", got, back, err, d)
		}
	}
}

func TestParseInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": 15 * time.Minute, "15m": 15 * time.Minute, "300": 5 * time.Minute, "2d": 48 * time.Hour, "1h30m": 90 * time.Minute,
		"0": 15 * time.Minute, "7d": 7 * 24 * time.Hour,
	} {
		if got, err := parseInterval(intervalInput(in)); err != nil || got != want {
			t.Errorf("parseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"30s", "8d", "100000h", "-5m", "soon", "1.5d", "999999999999"} {
		if got, err := parseInterval(intervalInput(in)); err == nil {
			t.Errorf("parseInterval(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "from 1 minute to 7 days") {
			t.Errorf("parseInterval(%q): %v", in, err)
		}
	}
	var in struct {
		Interval intervalInput `json:"interval"`
	}
	if err := json.Unmarshal([]byte(`{"interval": 300}`), &in); err != nil || in.Interval != "300" {
		t.Errorf("a number of seconds: %q %v", in.Interval, err)
	}
}

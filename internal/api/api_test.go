package api

import (
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
		if back, err := parseInterval(got); d >= time.Minute && (err != nil || back != d) {
			t.Errorf("parseInterval(%q) = %v, %v; want %v", got, back, err, d)
		}
	}
}

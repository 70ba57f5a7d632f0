package account

import (
	"errors"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)
	zurich := time.FixedZone("CET", 3600)
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
		err  bool
	}{
		{"", time.UTC, time.Time{}, false},
		{"never", time.UTC, time.Time{}, false},
		{"90d", time.UTC, now.Add(90 * 24 * time.Hour), false},
		{" 1D ", time.UTC, now.Add(24 * time.Hour), false},
		{"2027-01-31", time.UTC, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), false},
		{"2027-01-31", zurich, time.Date(2027, 1, 31, 23, 0, 0, 0, time.UTC), false},
		{"2026-11-20", time.UTC, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), false}, // today: until tonight
		{"2026-11-19", time.UTC, time.Time{}, true},
		{"0d", time.UTC, time.Time{}, true},
		{"-5d", time.UTC, time.Time{}, true},
		{"3651d", time.UTC, time.Time{}, true},
		{"99999999999999999999d", time.UTC, time.Time{}, true},
		{"2040-01-01", time.UTC, time.Time{}, true},
		{"31/01/2027", time.UTC, time.Time{}, true},
		{"tomorrow", time.UTC, time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseExpiry(tt.in, now, tt.loc)
		if tt.err {
			if !errors.Is(err, vigie.ErrInvalid) {
				t.Errorf("%q: %v, %v; want ErrInvalid", tt.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("%q: %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

package account

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// MaxTokenDays bounds a token's lifetime given in days (ten years).
const MaxTokenDays = 3650

// ParseExpiry reads when a token stops working: "" or "never" for never,
// "90d" for 90 days from now, or a date "2027-01-31" for the end of that
// day in loc (the token works through that day).
func ParseExpiry(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "never" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > MaxTokenDays {
			return time.Time{}, fmt.Errorf("%w: expiry %q: give a number of days from 1 to %d, e.g. 90d", vigie.ErrInvalid, s, MaxTokenDays)
		}
		return now.Add(time.Duration(days) * 24 * time.Hour), nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: expiry %q: give days (90d) or a date (2027-01-31)", vigie.ErrInvalid, s)
	}
	end := d.AddDate(0, 0, 1)
	if !end.After(now) {
		return time.Time{}, fmt.Errorf("%w: expiry %s is in the past", vigie.ErrInvalid, s)
	}
	if end.After(now.AddDate(0, 0, MaxTokenDays+1)) {
		return time.Time{}, fmt.Errorf("%w: expiry %s is more than %d days away", vigie.ErrInvalid, s, MaxTokenDays)
	}
	return end, nil
}

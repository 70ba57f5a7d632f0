package youtube

import (
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // the quota's day is Pacific time, on machines without a zone database too
)

// The Data API's quota is counted in units a day per Google Cloud project,
// 10,000 by default, and resets at midnight Pacific time. A search.list
// call costs 100 units; videos.list, playlistItems.list and
// commentThreads.list 1 [developers.google.com/youtube/v3/determine_quota_cost,
// search/list "Quota impact"]. Google's page now also describes search.list
// as a bucket of its own, 100 calls a day: counting each search as 100
// units of the 10,000 keeps a source inside both readings.
//
// Vigie counts what each source spends in its cursor (and, between runs,
// in memory, so that a failed run's calls count too) and stops before the
// source's quota is exceeded; Google's own quotaExceeded is honoured too.

// Costs of the calls Vigie makes, in units.
const (
	costSearch = 100
	costList   = 1 // videos.list, playlistItems.list, commentThreads.list
)

var pacific = mustLoad("America/Los_Angeles")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded: never
	}
	return loc
}

// quotaDay is the quota's day at t: its date in Pacific time.
func quotaDay(t time.Time) string { return t.In(pacific).Format(time.DateOnly) }

// quotaReset is when the quota's day of t ends.
func quotaReset(t time.Time) time.Time {
	p := t.In(pacific)
	return time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, pacific)
}

// quotaWords says a source's quota in plain words for its health:
// "quota: 9,800 of 10,000 units used today; resets at 08:00 UTC".
func quotaWords(used, quota int, now time.Time) string {
	return fmt.Sprintf("quota: %s of %s units used today; resets at %s", thousands(used), thousands(quota), quotaReset(now).UTC().Format("15:04 UTC"))
}

// thousands writes n with commas between thousands: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

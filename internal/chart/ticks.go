package chart

import (
	"math"
	"time"
)

// niceTicks returns evenly spaced "nice" tick values (1, 2 or 5 × 10^k
// apart) covering [lo, hi] with about n intervals. When integer is set the
// step is at least 1. The first and last ticks bound the data.
func niceTicks(lo, hi float64, n int, integer bool) []float64 {
	if n < 1 {
		n = 1
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	exp := math.Floor(math.Log10(raw))
	mag := math.Pow(10, exp)
	var nice float64
	switch r := raw / mag; {
	case r <= 1:
		nice = 1
	case r <= 2:
		nice = 2
	case r <= 5:
		nice = 5
	default:
		nice = 10
	}
	if integer && nice*mag < 1 {
		nice, exp = 1, 0
	}
	// value(i) = i × nice × 10^exp, computed so that decimals are exact
	// (3 × 0.1 would give 0.30000000000000004).
	val := func(i float64) float64 {
		if exp < 0 {
			return i * nice / math.Pow(10, -exp)
		}
		return i * nice * math.Pow(10, exp)
	}
	step := val(1)
	first := math.Floor(lo/step + 1e-9)
	last := math.Ceil(hi/step - 1e-9)
	ticks := make([]float64, 0, int(last-first)+1)
	for i := first; i <= last; i++ {
		ticks = append(ticks, val(i))
	}
	return ticks
}

// tickRule is a candidate spacing for time ticks.
type tickRule struct {
	hours  int // every n hours (aligned on local hours divisible by n)
	days   int // every n days at local midnight (7: Mondays, 14: every other Monday)
	months int // every n months on the 1st
}

func (r tickRule) approx() time.Duration {
	switch {
	case r.hours > 0:
		return time.Duration(r.hours) * time.Hour
	case r.days > 0:
		return time.Duration(r.days) * 24 * time.Hour
	}
	return time.Duration(r.months) * 30 * 24 * time.Hour
}

var tickRules = []tickRule{
	{hours: 1}, {hours: 2}, {hours: 3}, {hours: 6}, {hours: 12},
	{days: 1}, {days: 2}, {days: 7}, {days: 14},
	{months: 1}, {months: 3}, {months: 6}, {months: 12},
}

// timeTicks returns the tick times in [from, to] for a rule, in from's
// location. It gives up (nil) beyond max ticks.
func timeTicks(from, to time.Time, r tickRule, max int) []time.Time {
	loc := from.Location()
	var out []time.Time
	add := func(t time.Time) bool {
		if t.Before(from) || t.After(to) {
			return true
		}
		out = append(out, t)
		return len(out) <= max
	}
	y, m, d := from.Date()
	switch {
	case r.hours > 0:
		t := time.Date(y, m, d, from.Hour(), 0, 0, 0, loc)
		for ; !t.After(to); t = t.Add(time.Hour) {
			if t.Hour()%r.hours == 0 && t.Minute() == 0 && !add(t) {
				return nil
			}
		}
	case r.days > 0:
		for i := 0; ; i++ {
			t := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
			if t.After(to) {
				break
			}
			keep := true
			switch r.days {
			case 2:
				keep = t.YearDay()%2 == 1
			case 7:
				keep = t.Weekday() == time.Monday
			case 14:
				keep = t.Weekday() == time.Monday && (t.YearDay()-1)/7%2 == 0
			}
			if keep && !add(t) {
				return nil
			}
		}
	default:
		for i := 0; ; i++ {
			t := time.Date(y, m+time.Month(i), 1, 0, 0, 0, 0, loc)
			if t.After(to) {
				break
			}
			if (int(t.Month())-1)%r.months == 0 && !add(t) {
				return nil
			}
		}
	}
	return out
}

// pickTimeTicks chooses the finest rule (not finer than step) whose labels fit
// in width units without overlapping.
func pickTimeTicks(from, to time.Time, step time.Duration, width float64, format func(time.Time) string) ([]time.Time, []string) {
	if !to.After(from) {
		return nil, nil
	}
	span := to.Sub(from)
	for _, r := range tickRules {
		if r.approx() < step {
			continue
		}
		n := int(span/r.approx()) + 2
		if float64(n-2)*3*fontSize > width { // cheap pre-check: ≥3 chars per label
			continue
		}
		ts := timeTicks(from, to, r, 200)
		if len(ts) == 0 {
			continue
		}
		labels := make([]string, len(ts))
		maxW := 0.0
		for i, t := range ts {
			labels[i] = format(t)
			maxW = math.Max(maxW, textWidth(labels[i]))
		}
		if float64(len(ts))*(maxW+fontSize) <= width || len(ts) == 1 {
			return ts, labels
		}
	}
	// Nothing fits: label the start only.
	return []time.Time{from}, []string{format(from)}
}

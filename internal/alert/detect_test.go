package alert

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/vigie-project/vigie"
)

// traffic is a month of minutes of a monitor's mentions: Poisson arrivals
// following a day's rhythm (peak per minute at 14:00, a tenth of it at
// night), with a negative share of 15 %, and crises added at their starts:
// bursts peaking at size × the peak after three minutes, decaying over 30.
func traffic(seed uint64, start time.Time, days int, peak float64, crises map[time.Time]float64) Series {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := Series{Start: start, Step: time.Minute, N: make([]int, days*24*60), Neg: make([]int, days*24*60)}
	for i := range s.N {
		t := start.Add(time.Duration(i) * time.Minute)
		h := float64(t.Hour()) + float64(t.Minute())/60
		rate := peak * (0.55 + 0.45*math.Cos((h-14)/24*2*math.Pi))
		neg := 0.15
		for at, size := range crises {
			if d := t.Sub(at).Minutes(); d >= 0 && d < 90 {
				extra := size * peak * (1 - math.Exp(-d/1.5)) * math.Exp(-d/10)
				neg = (neg*rate + 0.8*extra) / (rate + extra)
				rate += extra
			}
		}
		n := poisson(rng, rate)
		s.N[i] = n
		for range n {
			if rng.Float64() < neg {
				s.Neg[i]++
			}
		}
	}
	return s
}

func poisson(rng *rand.Rand, mean float64) int {
	if mean > 30 {
		return max(int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())), 0)
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func TestSpikeFiresOnCrisesAndNotOnNormalTraffic(t *testing.T) {
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC) // a Monday
	type crisis struct {
		size float64
		// how soon each sensitivity must see it (0: need not)
		medium, high time.Duration
	}
	crises := map[time.Time]crisis{
		// The demo's crisis is 6 times the whole stream's daytime peak,
		// most of it about the brand: over 12 times its monitor's.
		start.Add(15*24*time.Hour + 10*time.Hour + 17*time.Minute): {12, 3 * time.Minute, 3 * time.Minute},
		start.Add(26*24*time.Hour + 2*time.Hour + 40*time.Minute):  {12, 3 * time.Minute, 3 * time.Minute}, // at night
		start.Add(22*24*time.Hour + 16*time.Hour + 31*time.Minute): {6, 5 * time.Minute, 4 * time.Minute},
		start.Add(19*24*time.Hour + 15*time.Hour + 2*time.Minute):  {3, 0, 15 * time.Minute},
	}
	sizes := map[time.Time]float64{}
	for at, c := range crises {
		sizes[at] = c.size
	}
	s := traffic(1, start, 30, 4, sizes)
	for _, sens := range []string{vigie.SensitivityMedium, vigie.SensitivityHigh} {
		rule := vigie.AlertRule{Kind: vigie.AlertSpike, Sensitivity: sens}
		events, err := Backtest(&rule, s)
		if err != nil {
			t.Fatal(err)
		}
		found := map[time.Time]time.Duration{}
		var falseAlerts []time.Time
		fires := 0
		for _, e := range events {
			if e.Step != Fire {
				continue
			}
			fires++
			hit := false
			for at := range crises {
				if d := e.Reading.At.Sub(at); d >= 0 && d < 90*time.Minute {
					if _, ok := found[at]; !ok {
						found[at] = d
					}
					hit = true
				}
			}
			if !hit {
				falseAlerts = append(falseAlerts, e.Reading.At)
			}
		}
		for at, c := range crises {
			within := c.medium
			if sens == vigie.SensitivityHigh {
				within = c.high
			}
			d, ok := found[at]
			switch {
			case within == 0:
			case !ok:
				t.Errorf("%s: crisis of size %v at %s not detected", sens, c.size, at)
			case d > within:
				t.Errorf("%s: crisis of size %v at %s detected after %s; want within %s", sens, c.size, at, d, within)
			}
		}
		// Normal traffic: at most one false alert a week.
		if len(falseAlerts) > 4 {
			t.Errorf("%s: %d false alerts in 30 days of normal traffic: %v", sens, len(falseAlerts), falseAlerts)
		}
		// One episode, one alert.
		if fires != len(found)+len(falseAlerts) {
			t.Errorf("%s: %d alerts for %d crises seen and %d false alerts: an episode fired more than once", sens, fires, len(found), len(falseAlerts))
		}
	}
}

func TestSentimentFiresOnANegativeTurn(t *testing.T) {
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	at := start.Add(9*24*time.Hour + 11*time.Hour)
	s := traffic(2, start, 12, 6, map[time.Time]float64{at: 1.5})
	rule := vigie.AlertRule{Kind: vigie.AlertSentiment}
	events, err := Backtest(&rule, s)
	if err != nil {
		t.Fatal(err)
	}
	var fired []time.Time
	for _, e := range events {
		if e.Step == Fire {
			fired = append(fired, e.Reading.At)
		}
	}
	if len(fired) != 1 || fired[0].Before(at) || fired[0].Sub(at) > 15*time.Minute {
		t.Fatalf("sentiment alerts at %v; want one within 15 minutes of %s", fired, at)
	}
}

func TestEpisodeCooldownAndUpdates(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var e Episode
	step := func(min int, fired bool, lastHour int) Step {
		return e.Advance(Reading{At: t0.Add(time.Duration(min) * time.Minute), Fired: fired, Count: lastHour, LastHour: lastHour}, time.Hour, 30*time.Minute)
	}
	want := []struct {
		min      int
		fired    bool
		lastHour int
		step     Step
	}{
		{0, true, 50, Fire},
		{1, true, 80, None},     // within the update period
		{31, true, 240, Update}, // still rising
		{62, true, 200, None},   // falling: no update
		{70, false, 150, None},  // the condition stops; cool-down running
		{100, true, 260, Update},
		{130, false, 90, None},
		{159, false, 40, None},
		{160, false, 30, End}, // an hour after the condition last held
		{161, true, 80, Fire}, // a new episode
	}
	for _, w := range want {
		if got := step(w.min, w.fired, w.lastHour); got != w.step {
			t.Fatalf("minute %d: %s, want %s (episode %+v)", w.min, got, w.step, e)
		}
	}
}

func TestBaselineFallbacks(t *testing.T) {
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	hours := Series{Start: start, Step: time.Hour, N: make([]int, 24*30)}
	for i := range hours.N {
		hours.N[i] = 10
		if i%(24*7) == 14 { // Mondays 14:00 are busy
			hours.N[i] = 100
		}
	}
	hours.N[24*7*3+14] = 5000 // a past crisis: the median ignores it
	cases := []struct {
		at   time.Time
		want float64
		how  string
	}{
		{start.Add(24*7*4*time.Hour + 14*time.Hour), 100, "4 weeks"},
		{start.Add(24*7*time.Hour + 14*time.Hour), 10, "7 days"}, // one week known at that hour: the days rule
		{start.Add(5 * time.Hour), 10, "24 hours"},
		{start.Add(2 * time.Hour), 0, ""},
	}
	for _, c := range cases {
		got, how := baselineRate(&hours, c.at, time.UTC)
		if got != c.want || how != c.how {
			t.Errorf("%s: baseline %v (%s), want %v (%s)", c.at, got, how, c.want, c.how)
		}
	}
}

func TestQuietMonitorNeedsMinCount(t *testing.T) {
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	s := Series{Start: start, Step: time.Minute, N: make([]int, 3*24*60)}
	// Silence for days, then 9 mentions in two minutes: under the minimum.
	s.N[2*24*60+600] = 5
	s.N[2*24*60+601] = 4
	events, err := Backtest(&vigie.AlertRule{Kind: vigie.AlertSpike}, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 0 {
		t.Fatalf("a quiet monitor fired on 9 mentions: %+v", events)
	}
	s.N[2*24*60+602] = 2
	events, _ = Backtest(&vigie.AlertRule{Kind: vigie.AlertSpike}, s)
	if len(events) == 0 || events[0].Step != Fire {
		t.Fatalf("11 mentions in 3 minutes after days of silence: %+v", events)
	}
}

func TestBacktestRefusesCoarseSteps(t *testing.T) {
	s := Series{Start: time.Unix(0, 0), Step: 24 * time.Hour, N: []int{1, 2, 3}}
	_, err := Backtest(&vigie.AlertRule{Kind: vigie.AlertSpike}, s)
	if err == nil || !strings.Contains(err.Error(), "an hour or less") {
		t.Fatalf("daily counts: %v", err)
	}
	if _, err := Backtest(&vigie.AlertRule{Kind: vigie.AlertEvery}, Series{Step: time.Minute}); err == nil {
		t.Fatal("an every rule has no detector")
	}
}

func spikeRule() vigie.AlertRule { return vigie.AlertRule{Kind: vigie.AlertSpike} }

// TestBaselineFollowsTheLocalClock: after Zurich's clocks go back, the
// same hour of the week is read on the local clock (one UTC hour later).
func TestBaselineFollowsTheLocalClock(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich") // time/tzdata is linked in
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	hours := Series{Start: start, Step: time.Hour, N: make([]int, 24*40)}
	for i := range hours.N {
		if at := start.Add(time.Duration(i) * time.Hour).In(zurich); at.Hour() == 23 {
			hours.N[i] = 100 // busy at 23:00 local time
		}
	}
	// Friday 30 October 2026, 23:00 in Zurich (UTC+1, winter time) is 22:00 UTC;
	// the weeks before it, 23:00 local was 21:00 UTC.
	at := time.Date(2026, 10, 30, 22, 0, 0, 0, time.UTC)
	if got, how := baselineRate(&hours, at, zurich); got != 100 || how != "4 weeks" {
		t.Errorf("on Zurich's clock: %v (%s), want 100", got, how)
	}
	if got, _ := baselineRate(&hours, at, time.UTC); got != 0 {
		t.Errorf("on UTC: %v, want 0 (the hour before the change)", got)
	}
}

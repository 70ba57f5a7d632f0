// Package alert turns what listening stores into alerts: detectors of
// spikes and sentiment shifts against a seasonal baseline, the rules'
// episodes (one alert per episode, updates, a cool-down), the delivery
// outbox and its channels, and the incidents alerts open
// (shared/design/architecture.md, "Alerts").
package alert

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/vigie-project/vigie"
)

// Series is a regular series of counts: N[i] mentions, Neg[i] of them
// negative, in [Start+i·Step, Start+(i+1)·Step). Live, the engine reads
// minutes; a backtest takes whatever step the history has, up to an hour.
type Series struct {
	Start time.Time
	Step  time.Duration
	N     []int
	Neg   []int // nil when sentiment is unknown
}

// End is the end of the series' last interval.
func (s *Series) End() time.Time { return s.Start.Add(time.Duration(len(s.N)) * s.Step) }

// index returns the interval holding t (may be out of range).
func (s *Series) index(t time.Time) int {
	return int(math.Floor(float64(t.Sub(s.Start)) / float64(s.Step)))
}

// sum returns the counts of the intervals [lo, hi) that the series holds.
func (s *Series) sum(lo, hi int) (n, neg int) {
	lo, hi = max(lo, 0), min(hi, len(s.N))
	for i := lo; i < hi; i++ {
		n += s.N[i]
		if s.Neg != nil {
			neg += s.Neg[i]
		}
	}
	return n, neg
}

// Hours sums a series whose step divides an hour into hours, the first
// being the hour holding s.Start: the baseline's grain.
func (s *Series) Hours() Series {
	h := Series{Start: s.Start.Truncate(time.Hour), Step: time.Hour}
	if len(s.N) == 0 {
		return h
	}
	n := int(s.End().Sub(h.Start)+time.Hour-1) / int(time.Hour)
	h.N = make([]int, n)
	if s.Neg != nil {
		h.Neg = make([]int, n)
	}
	for i, c := range s.N {
		j := int(s.Start.Add(time.Duration(i)*s.Step).Sub(h.Start) / time.Hour)
		h.N[j] += c
		if s.Neg != nil {
			h.Neg[j] += s.Neg[i]
		}
	}
	return h
}

// Windows of the detectors. A spike is looked for in the last 2, 5 and 15
// minutes: the short window sees a sudden burst within its first minutes,
// the long one a steadier rise that no short window shows. A sentiment
// shift is read over the last fifteen minutes (fewer mentions say less of
// a share); updates report the last hour.
var SpikeWindows = []time.Duration{2 * time.Minute, 5 * time.Minute, 15 * time.Minute}

const (
	SentimentWindow = 15 * time.Minute
	UpdateWindow    = time.Hour
)

// thresholds of a sensitivity.
type thresholds struct {
	ratio  float64 // spike: observed at least ratio × expected
	alpha  float64 // spike: and at most this likely under the baseline (Poisson)
	delta  float64 // sentiment: negative share at least delta above the baseline's
	alphaS float64 // sentiment: and at most this likely under it (binomial)
}

// The sensitivities: a detector is evaluated every minute over overlapping
// windows, so its chance level must be small for normal traffic to stay
// quiet for weeks. Medium is checked on a labelled month of the simulator
// (docs/alerts.md): a crisis of the demo's size is seen within its first
// minutes, normal traffic's swings are not.
var sensitivities = map[string]thresholds{
	vigie.SensitivityLow:    {ratio: 4, alpha: 1e-10, delta: 0.25, alphaS: 1e-9},
	vigie.SensitivityMedium: {ratio: 2.5, alpha: 1e-7, delta: 0.15, alphaS: 1e-6},
	vigie.SensitivityHigh:   {ratio: 1.8, alpha: 1e-5, delta: 0.10, alphaS: 1e-4},
}

func thresholdsOf(sensitivity string) thresholds {
	if t, ok := sensitivities[sensitivity]; ok {
		return t
	}
	return sensitivities[vigie.SensitivityMedium]
}

// Reading is what a detector saw at one moment.
type Reading struct {
	At       time.Time
	Fired    bool    // the condition holds
	Observed float64 // spike: mentions in the window; sentiment: negative share
	Expected float64 // spike: the baseline's mentions for the window; sentiment: its negative share
	Count    int     // mentions in the window
	Window   time.Duration
	LastHour int    // mentions in the last hour, for updates
	Baseline string // how the baseline was taken: "4 weeks", "7 days", "24 hours", "none"
}

// Detector evaluates a spike or sentiment rule over counts.
type Detector struct {
	Kind vigie.AlertKind
	// Zone is the clock the audience lives on (the workspace's time zone):
	// "the same hour of the week" is read on it, so that a change to or
	// from summer time does not compare 23:00 with 22:00. Nil is UTC.
	Zone     *time.Location
	th       thresholds
	minCount int
}

// NewDetector returns the detector of a spike or sentiment rule.
func NewDetector(r *vigie.AlertRule) (*Detector, error) {
	d := &Detector{Kind: r.Kind, th: thresholdsOf(r.Sensitivity), minCount: r.MinCount}
	switch r.Kind {
	case vigie.AlertSpike:
		if d.minCount == 0 {
			d.minCount = vigie.DefaultSpikeMinCount
		}
	case vigie.AlertSentiment:
		if d.minCount == 0 {
			d.minCount = vigie.DefaultSentimentMinCount
		}
	default:
		return nil, fmt.Errorf("%w: a %s rule has no detector over counts", vigie.ErrInvalid, r.Kind)
	}
	return d, nil
}

// Read evaluates the rule at t: fine holds the recent intervals (at least
// the last hour up to t), hours the hourly counts before them back to as
// far as the baseline reaches (4 weeks). The interval holding t counts as
// far as it has been filled.
func (d *Detector) Read(t time.Time, fine, hours *Series) Reading {
	r := Reading{At: t}
	end := fine.index(t) + 1 // intervals [.., end) are up to t
	steps := func(w time.Duration) int { return max(int((w+fine.Step-1)/fine.Step), 1) }
	r.LastHour, _ = fine.sum(end-steps(UpdateWindow), end)
	hour := t.Truncate(time.Hour)
	switch d.Kind {
	case vigie.AlertSpike:
		base, how := baselineRate(hours, hour, d.Zone)
		r.Baseline = how
		last := 0
		for _, win := range SpikeWindows {
			w := steps(win)
			if w == last {
				continue // a coarse history: one interval serves several windows
			}
			last = w
			n, _ := fine.sum(end-w, end)
			mu := max(base*float64(time.Duration(w)*fine.Step)/float64(time.Hour), 0.5)
			fired := n >= d.minCount && how != "" && float64(n) >= d.th.ratio*mu && poissonTail(n, mu) <= d.th.alpha
			// The reading shows the window that fired, else the one the
			// most above its expectation.
			if fired && !r.Fired || !r.Fired && (r.Expected == 0 || float64(n)/mu > r.Observed/r.Expected) {
				r.Count, r.Observed, r.Expected, r.Window = n, float64(n), mu, time.Duration(w)*fine.Step
			}
			r.Fired = r.Fired || fired
		}
	case vigie.AlertSentiment:
		w := steps(SentimentWindow)
		n, neg := fine.sum(end-w, end)
		p0, how := baselineShare(hours, hour)
		r.Count, r.Baseline, r.Expected, r.Window = n, how, p0, time.Duration(w)*fine.Step
		if n > 0 {
			r.Observed = float64(neg) / float64(n)
		}
		r.Fired = n >= d.minCount && how != "" && fine.Neg != nil &&
			r.Observed-p0 >= d.th.delta && binomialTail(neg, n, max(p0, 0.01)) <= d.th.alphaS
	}
	if r.Baseline == "" {
		r.Baseline = "none"
	}
	return r
}

// baselineRate is the expected number of mentions in the hour starting at
// hour, from the hours before it: the median of the same hour of the week
// over the last 4 weeks when 2 or more are known; else of the same hour of
// the day over the last 7 days when 3 or more are; else (a young monitor)
// the median of the 24 hours before the previous one, or the previous
// hour when it had more (a day's rise from the night would otherwise
// fire), when 3 or more are known. Medians, so that one past crisis does
// not raise the bar for the next.
func baselineRate(hours *Series, hour time.Time, zone *time.Location) (float64, string) {
	if zone == nil {
		zone = time.UTC
	}
	local := hour.In(zone)
	for _, b := range []struct {
		days       int // the same local hour so many days back, n times
		n, atLeast int
		name       string
	}{
		{7, 4, 2, "4 weeks"},
		{1, 7, 3, "7 days"},
	} {
		var xs []float64
		for k := 1; k <= b.n; k++ {
			i := hours.index(local.AddDate(0, 0, -k*b.days))
			if i >= 0 && i < len(hours.N) {
				xs = append(xs, float64(hours.N[i]))
			}
		}
		if len(xs) >= b.atLeast {
			return median(xs), b.name
		}
	}
	// A young monitor: the day before the previous hour, or the previous
	// hour when it had more.
	var xs []float64
	for k := 2; k <= 25; k++ {
		if i := hours.index(hour.Add(-time.Duration(k) * time.Hour)); i >= 0 && i < len(hours.N) {
			xs = append(xs, float64(hours.N[i]))
		}
	}
	if len(xs) < 3 {
		return 0, ""
	}
	m := median(xs)
	if i := hours.index(hour.Add(-time.Hour)); i >= 0 && i < len(hours.N) {
		m = max(m, float64(hours.N[i]))
	}
	return m, "24 hours"
}

// baselineShare is the negative share of the week of hours before hour
// (the previous hour left out, as it may hold the shift's start), when it
// counts 20 mentions or more.
func baselineShare(hours *Series, hour time.Time) (float64, string) {
	if hours.Neg == nil {
		return 0, ""
	}
	hi := hours.index(hour) - 1
	n, neg := hours.sum(hi-7*24, hi)
	if n < 20 {
		return 0, ""
	}
	return float64(neg) / float64(n), "7 days"
}

// poissonTail is P(X ≥ k) for X Poisson of mean mu, summed from k up
// (only its upper tail matters: below the mean it is said to be 1).
func poissonTail(k int, mu float64) float64 {
	if float64(k) <= mu {
		return 1
	}
	lg, _ := math.Lgamma(float64(k) + 1)
	term := math.Exp(-mu + float64(k)*math.Log(mu) - lg)
	sum := term
	for i := k + 1; term > sum*1e-12 && i < k+100_000; i++ {
		term *= mu / float64(i)
		sum += term
	}
	return math.Min(sum, 1)
}

// binomialTail is P(X ≥ k) for X binomial of n trials of probability p,
// summed from k up (1 at or below the mean).
func binomialTail(k, n int, p float64) float64 {
	if float64(k) <= float64(n)*p || p >= 1 {
		return 1
	}
	lgn, _ := math.Lgamma(float64(n) + 1)
	lgk, _ := math.Lgamma(float64(k) + 1)
	lgnk, _ := math.Lgamma(float64(n-k) + 1)
	term := math.Exp(lgn - lgk - lgnk + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
	sum := term
	for i := k; i < n && term > sum*1e-12; i++ {
		term *= float64(n-i) / float64(i+1) * p / (1 - p)
		sum += term
	}
	return math.Min(sum, 1)
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return (xs[m-1] + xs[m]) / 2
}

// Episode is a rule's state between evaluations: a detector's condition
// held at Since and has not been false for a cool-down since LastTrue.
// It is saved with the rule, so a restart neither repeats an alert nor
// forgets an episode.
type Episode struct {
	Active   bool      `json:"active"`
	Since    time.Time `json:"since,omitzero"`
	LastTrue time.Time `json:"last_true,omitzero"`
	LastSent time.Time `json:"last_sent,omitzero"`
	LastHour int       `json:"last_hour,omitempty"` // the last hour's mentions when last sent
	Peak     int       `json:"peak,omitempty"`      // the most mentions in a window
	// Evaluated is the last moment evaluated: a backtest and the engine
	// resume after it.
	Evaluated time.Time `json:"evaluated,omitzero"`
}

// Step is what an episode's evaluation asks to send.
type Step int

// Steps of an episode.
const (
	None   Step = iota
	Fire        // the episode starts: an alert
	Update      // still rising: an update
	End         // the condition has been false a cool-down: the episode is over
)

func (s Step) String() string {
	return [...]string{"none", "alert", "update", "end"}[s]
}

// Advance moves the episode by a reading, under the rule's cool-down and
// update period, and says what to send.
func (e *Episode) Advance(r Reading, cooldown, updateEvery time.Duration) Step {
	e.Evaluated = r.At
	if r.Fired {
		if !e.Active {
			*e = Episode{Active: true, Since: r.At, LastTrue: r.At, LastSent: r.At, LastHour: r.LastHour, Peak: r.Count, Evaluated: r.At}
			return Fire
		}
		e.LastTrue = r.At
		e.Peak = max(e.Peak, r.Count)
		if r.At.Sub(e.LastSent) >= updateEvery && r.LastHour > e.LastHour {
			e.LastSent, e.LastHour = r.At, r.LastHour
			return Update
		}
		return None
	}
	if e.Active && r.At.Sub(e.LastTrue) >= cooldown {
		e.Active = false
		return End
	}
	return None
}

// Event is one step of a backtest.
type Event struct {
	Step    Step
	Reading Reading
}

// Backtest runs a spike or sentiment rule over a history at each of its
// intervals' ends, from its start (the first week's baselines are thin or
// missing, as a new monitor's are) and returns the alerts, updates and
// ends it would have sent.
func Backtest(r *vigie.AlertRule, fine Series) ([]Event, error) {
	return BacktestIn(r, fine, time.UTC)
}

// BacktestIn is Backtest with the baseline's hours of the week read on the
// zone's clock (the workspace's time zone), as the engine reads them.
func BacktestIn(r *vigie.AlertRule, fine Series, zone *time.Location) ([]Event, error) {
	d, err := NewDetector(r)
	if err != nil {
		return nil, err
	}
	d.Zone = zone
	if fine.Step <= 0 || fine.Step > time.Hour || time.Hour%fine.Step != 0 {
		return nil, fmt.Errorf("%w: a backtest needs counts per interval of an hour or less that divides the hour (1, 5, 15 minutes…); got %s", vigie.ErrInvalid, fine.Step)
	}
	hours := fine.Hours()
	var (
		ep  Episode
		out []Event
	)
	for i := range fine.N {
		at := fine.Start.Add(time.Duration(i+1)*fine.Step - time.Nanosecond)
		rd := d.Read(at, &fine, &hours)
		rd.At = fine.Start.Add(time.Duration(i+1) * fine.Step)
		if s := ep.Advance(rd, r.Cooldown(), r.UpdateEvery()); s != None {
			out = append(out, Event{Step: s, Reading: rd})
		}
	}
	return out, nil
}

// Describe says in figures what a reading shows, for a message or a
// backtest's line: "31 mentions in 2 minutes, 6.4 expected (baseline: 4
// weeks); 240 in the last hour".
func Describe(kind vigie.AlertKind, step Step, r Reading) string {
	switch {
	case step == End:
		return fmt.Sprintf("over: %d mentions in the last hour", r.LastHour)
	case step == Update && kind == vigie.AlertSentiment:
		return fmt.Sprintf("still negative: %.0f%% of %d mentions in %s, %.0f%% usually", 100*r.Observed, r.Count, minutes(r.Window), 100*r.Expected)
	case step == Update:
		return fmt.Sprintf("still rising: %d mentions in the last hour", r.LastHour)
	case kind == vigie.AlertSentiment:
		return fmt.Sprintf("%.0f%% negative of %d mentions in %s, %.0f%% usually (baseline: %s)", 100*r.Observed, r.Count, minutes(r.Window), 100*r.Expected, r.Baseline)
	}
	return fmt.Sprintf("%d mentions in %s, %.1f expected (baseline: %s)", r.Count, minutes(r.Window), r.Expected, r.Baseline)
}

func minutes(d time.Duration) string {
	if d == time.Minute {
		return "1 minute"
	}
	if d%time.Hour == 0 && d > 0 {
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}

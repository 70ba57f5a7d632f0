package main

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/simulator"
	"github.com/vigie-project/vigie/internal/text"
)

// alertsEval is a labelled evaluation of the spike and sentiment detectors
// (issue 12): the simulator's stream at the demo's rate, minute by minute,
// with crises of several sizes injected at known times, matched against
// the demo's monitors; each monitor's minute counts go through
// alert.Backtest, as the live engine reads them.
type alertsEval struct {
	Days  int
	Seed  int64
	Start time.Time // a Monday, 00:00 UTC
	// Warmup is the first stretch, without crises: a new monitor's
	// baselines are thin (24 hours of history, then 7 days, then 4
	// weeks), so its false alerts are counted apart.
	Warmup        time.Duration
	Sizes         []float64 // crisis sizes, 1 being the demo's
	PerSize       int       // crises of each size, the kinds alternating
	Kinds         []vigie.AlertKind
	Sensitivities []string
	// Zone is the workspace's time zone the detectors read the hours of
	// the week on: the demo university's, whose clock the simulator's
	// audience lives on.
	Zone *time.Location
}

// defaultAlertsEval is what `vigie eval alerts` runs and docs/alerts.md
// reports.
func defaultAlertsEval() alertsEval {
	return alertsEval{
		Days:          30,
		Seed:          1,
		Start:         time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC), // a Monday; summer time ends on the 25th
		Warmup:        7 * 24 * time.Hour,
		Sizes:         []float64{0.02, 0.05, 0.1, 0.25, 0.5, 1, 2},
		PerSize:       4,
		Kinds:         []vigie.AlertKind{vigie.AlertSpike, vigie.AlertSentiment},
		Sensitivities: []string{vigie.SensitivityMedium, vigie.SensitivityLow, vigie.SensitivityHigh},
		Zone:          demoZone(),
	}
}

// demoZone is the demo workspace's time zone: the fictional university's.
func demoZone() *time.Location {
	loc, err := time.LoadLocation(demoTimeZone) // time/tzdata is linked in
	if err != nil {
		panic(err)
	}
	return loc
}

// A crisis is alerted on when a monitor its posts match fires within its
// window; what fires later is not about it.
const (
	crisisWindow = 90 * time.Minute
	// crisisGap is the least time between two crises' starts: the first's
	// episode must be over (the cool-down runs an hour after the condition
	// last held) before the next may fire.
	crisisGap = 6 * time.Hour
)

// evalCrisis is one injected crisis and what it wrote.
type evalCrisis struct {
	Kind  string
	Size  float64
	At    time.Time
	Posts int            // posts it wrote
	Hits  map[string]int // monitor → its posts that matched it
	// Seen is, per detector and sensitivity ("spike/medium") and per
	// monitor it hits, how long after At that monitor's first alert came;
	// absent: missed.
	Seen map[string]map[string]time.Duration
}

// seen returns how soon a detector saw the crisis, on any monitor.
func (k *evalCrisis) seen(detector string) (first time.Duration, ok bool) {
	for _, d := range k.Seen[detector] {
		if !ok || d < first {
			first, ok = d, true
		}
	}
	return first, ok
}

// falseAlert is an alert that no crisis explains.
type falseAlert struct {
	Monitor string
	Event   alert.Event
	Warmup  bool // in the first week, on thin baselines
}

// detectorScore is one detector at one sensitivity over every monitor.
type detectorScore struct {
	Kind        vigie.AlertKind
	Sensitivity string
	True        int // alerts within a crisis's window on a monitor it hits
	False       []falseAlert
}

// alertsReport is the evaluation's outcome.
type alertsReport struct {
	Config   alertsEval
	Posts    int
	Mentions int            // (post, monitor) matches
	Monitors []string       // in DemoMonitors order
	PerMon   map[string]int // mentions per monitor
	Crises   []*evalCrisis
	Scores   []*detectorScore
	// NormalWeeks is the monitor-time after the warm-up outside the
	// windows of the crises that hit each monitor (Normal: per monitor);
	// WarmupWeeks the warm-up's.
	NormalWeeks, WarmupWeeks float64
	Normal                   map[string]float64
}

func (c *alertsEval) validate() error {
	if c.Days*24*60 > alert.MaxCountRows { // as many minutes as a backtest's history may hold
		return fmt.Errorf("%d days: at most %d", c.Days, alert.MaxCountRows/(24*60))
	}
	if time.Duration(c.Days)*24*time.Hour <= c.Warmup {
		return fmt.Errorf("%d days: the first %d are a warm-up without crises; use --days %d or more", c.Days, int(c.Warmup.Hours()/24), int(c.Warmup.Hours()/24)+2)
	}
	if c.Start.Weekday() != time.Monday || !c.Start.Equal(c.Start.Truncate(24*time.Hour)) {
		return fmt.Errorf("the evaluation starts on a Monday at 00:00 UTC, not %s", c.Start.Format("Monday 2006-01-02 15:04"))
	}
	span := time.Duration(c.Days)*24*time.Hour - c.Warmup
	if n := len(c.Sizes) * c.PerSize; n > 0 && span < time.Duration(n)*crisisGap {
		return fmt.Errorf("%d days leave %.0f hours after the warm-up for %d crises, %.0f hours apart at least: use --days %d or more",
			c.Days, span.Hours(), n, crisisGap.Hours(), int((c.Warmup+time.Duration(n)*crisisGap+24*time.Hour-1)/(24*time.Hour)))
	}
	for _, s := range c.Sizes {
		if !(s > 0 && s <= simulator.MaxCrisisSize) {
			return fmt.Errorf("crisis size %v: want more than 0 and at most %d", s, simulator.MaxCrisisSize)
		}
	}
	return nil
}

// schedule places the crises after the warm-up, one in each of equal
// slots, at a point of its slot that the golden ratio moves along from one
// to the next: starts fall at every hour of the day, by night and at
// weekends, at least crisisGap apart and a window before the end. Sizes
// take turns, one round after another, each round shifted by one so that
// a size does not keep the same slots of the day; each size alternates the
// simulator's kinds from round to round.
func (c *alertsEval) schedule() []*evalCrisis {
	n := len(c.Sizes) * c.PerSize
	if n == 0 {
		return nil
	}
	kinds := simulator.Crises()
	from := c.Start.Add(c.Warmup)
	slot := ((time.Duration(c.Days)*24*time.Hour - c.Warmup) / time.Duration(n)).Truncate(time.Minute)
	room := slot - crisisGap // the latest start in a slot, the next slot beginning a gap later
	out := make([]*evalCrisis, n)
	for i := range n {
		_, frac := math.Modf(float64(i+1) * (math.Sqrt(5) - 1) / 2)
		at := from.Add(time.Duration(i)*slot + time.Duration(frac*float64(room))).Truncate(time.Minute)
		round := i / len(c.Sizes)
		out[i] = &evalCrisis{
			Kind: kinds[round%len(kinds)],
			Size: c.Sizes[(i+round)%len(c.Sizes)],
			At:   at,
			Hits: map[string]int{},
			Seen: map[string]map[string]time.Duration{},
		}
	}
	return out
}

// run generates the stream, counts each monitor's mentions per minute,
// backtests every detector on every monitor and labels the alerts.
func (c alertsEval) run() (*alertsReport, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	mons := simulator.DemoMonitors()
	ix := match.NewIndex()
	rep := &alertsReport{Config: c, Crises: c.schedule(), PerMon: map[string]int{}}
	slot := map[string]int{}
	for i, m := range mons {
		q, err := query.Parse(m.Query)
		if err != nil {
			return nil, fmt.Errorf("monitor %s: %w", m.ID, err)
		}
		if err := ix.Add(m.ID, q); err != nil {
			return nil, fmt.Errorf("monitor %s: %w", m.ID, err)
		}
		rep.Monitors = append(rep.Monitors, m.ID)
		slot[m.ID] = i
	}
	minutes := c.Days * 24 * 60
	series := make([]alert.Series, len(mons))
	for i := range series {
		series[i] = alert.Series{Start: c.Start, Step: time.Minute, N: make([]int, minutes), Neg: make([]int, minutes)}
	}

	// One matcher and one analyser: a post is analysed once for matching,
	// language and sentiment, as the pipeline does.
	sim := simulator.New(simulator.Config{Seed: c.Seed, Rate: simulator.DemoRate, Start: c.Start})
	m := match.NewMatcher(ix)
	var (
		an   text.Analyzer
		hint string
	)
	m.DetectLang = func(d *text.Doc) string { return enrich.Language(d, hint) }
	active := map[string]*evalCrisis{} // kind → the crisis of that kind under way
	next := 0
	for i := range minutes {
		now := c.Start.Add(time.Duration(i) * time.Minute)
		for next < len(rep.Crises) && rep.Crises[next].At.Equal(now) {
			k := rep.Crises[next]
			if err := sim.TriggerCrisisSized(k.Kind, k.Size); err != nil {
				return nil, err
			}
			active[k.Kind] = k
			next++
		}
		posts, kinds := sim.NextLabelled(now.Add(time.Minute))
		for j := range posts {
			p := &posts[j]
			var k *evalCrisis
			if kinds[j] != "" {
				if k = active[kinds[j]]; k == nil {
					return nil, fmt.Errorf("a post of a %s crisis that was not triggered", kinds[j])
				}
				k.Posts++
			}
			rep.Posts++
			d := an.Analyze(p)
			hint = p.Lang
			ids := m.MatchDoc(d)
			if len(ids) == 0 {
				continue
			}
			lang := d.Lang
			if !m.LangDetected {
				lang = enrich.Language(d, p.Lang)
			}
			negative := enrich.Sentiment(d, lang).Label == "negative"
			at := int(p.PublishedAt.Sub(c.Start) / time.Minute)
			for _, id := range ids {
				rep.Mentions++
				rep.PerMon[id]++
				if k != nil {
					k.Hits[id]++
				}
				if at >= minutes { // published at the very end: the next minute
					continue
				}
				s := &series[slot[id]]
				s.N[at]++
				if negative {
					s.Neg[at]++
				}
			}
		}
	}

	// Backtest each detector on each monitor, on all cores.
	type job struct {
		score *detectorScore
		mon   int
		out   []alert.Event
		err   error
	}
	var jobs []*job
	for _, kind := range c.Kinds {
		for _, sens := range c.Sensitivities {
			sc := &detectorScore{Kind: kind, Sensitivity: sens}
			rep.Scores = append(rep.Scores, sc)
			for i := range mons {
				jobs = append(jobs, &job{score: sc, mon: i})
			}
		}
	}
	var wg sync.WaitGroup
	todo := make(chan *job)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range todo {
				rule := vigie.AlertRule{Kind: j.score.Kind, Sensitivity: j.score.Sensitivity}
				j.out, j.err = alert.BacktestIn(&rule, series[j.mon], c.Zone)
			}
		})
	}
	for _, j := range jobs {
		todo <- j
	}
	close(todo)
	wg.Wait()

	for _, j := range jobs {
		if j.err != nil {
			return nil, j.err
		}
		rep.label(j.score, mons[j.mon].ID, j.out)
	}
	for _, sc := range rep.Scores {
		slices.SortStableFunc(sc.False, func(a, b falseAlert) int { return a.Event.Reading.At.Compare(b.Event.Reading.At) })
	}
	rep.exposure()
	return rep, nil
}

// label sorts a detector's alerts on a monitor: an alert within the window
// of a crisis whose posts match the monitor is true (the crisis is seen),
// any other is false.
func (r *alertsReport) label(sc *detectorScore, monitor string, events []alert.Event) {
	warmEnd := r.Config.Start.Add(r.Config.Warmup)
	for _, e := range events {
		if e.Step != alert.Fire {
			continue
		}
		k := r.crisisAt(monitor, e.Reading.At)
		if k == nil {
			sc.False = append(sc.False, falseAlert{Monitor: monitor, Event: e, Warmup: e.Reading.At.Before(warmEnd)})
			continue
		}
		sc.True++
		seen := k.Seen[sc.name()]
		if seen == nil {
			seen = map[string]time.Duration{}
			k.Seen[sc.name()] = seen
		}
		if d, ok := seen[monitor]; !ok || e.Reading.At.Sub(k.At) < d {
			seen[monitor] = e.Reading.At.Sub(k.At)
		}
	}
}

// exposure sums the monitor-time of normal traffic: after the warm-up,
// outside the windows of the crises that hit each monitor; and the
// warm-up's.
func (r *alertsReport) exposure() {
	c := r.Config
	week := 7 * 24 * time.Hour
	warmEnd := c.Start.Add(c.Warmup)
	end := c.Start.Add(time.Duration(c.Days) * 24 * time.Hour)
	r.NormalWeeks, r.WarmupWeeks, r.Normal = 0, 0, map[string]float64{}
	for _, id := range r.Monitors {
		normal := end.Sub(warmEnd)
		for _, k := range r.Crises {
			if k.Hits[id] > 0 {
				normal -= crisisWindow
			}
		}
		r.Normal[id] = float64(normal) / float64(week)
		r.NormalWeeks += r.Normal[id]
		r.WarmupWeeks += float64(c.Warmup) / float64(week)
	}
}

// crisisAt returns the crisis whose window holds an alert on monitor id at
// t, when that crisis's posts match the monitor.
func (r *alertsReport) crisisAt(id string, t time.Time) *evalCrisis {
	for _, k := range r.Crises {
		if d := t.Sub(k.At); d > 0 && d <= crisisWindow && k.Hits[id] > 0 {
			return k
		}
	}
	return nil
}

func (s *detectorScore) name() string { return string(s.Kind) + "/" + s.Sensitivity }

// falseCount returns the false alerts after the warm-up and within it.
func (s *detectorScore) falseCount() (normal, warmup int) {
	for _, f := range s.False {
		if f.Warmup {
			warmup++
		} else {
			normal++
		}
	}
	return normal, warmup
}

// worstMonitor returns the monitor with the most false alerts a week of
// normal traffic, and that rate.
func (r *alertsReport) worstMonitor(s *detectorScore) (string, float64) {
	n := map[string]int{}
	for _, f := range s.False {
		if !f.Warmup {
			n[f.Monitor]++
		}
	}
	worst, rate := "", 0.0
	for _, id := range r.Monitors {
		if x := float64(n[id]) / r.Normal[id]; n[id] > 0 && x > rate {
			worst, rate = id, x
		}
	}
	return worst, rate
}

// detected returns the crises of a size (all when size is 0) and the
// times to detection of those seen.
func (r *alertsReport) detected(s *detectorScore, size float64) (n int, ttd []time.Duration) {
	for _, k := range r.Crises {
		if size != 0 && k.Size != size {
			continue
		}
		n++
		if d, ok := k.seen(s.name()); ok {
			ttd = append(ttd, d)
		}
	}
	slices.Sort(ttd)
	return n, ttd
}

// Markdown renders the report: the summary per detector, time to
// detection per size, the crises one by one and the false alerts at the
// default sensitivity.
func (r *alertsReport) Markdown() string {
	var b strings.Builder
	c := r.Config
	end := c.Start.Add(time.Duration(c.Days) * 24 * time.Hour)
	fmt.Fprintf(&b, "## Alerts: %d days of the simulator (seed %d)\n\n", c.Days, c.Seed)
	fmt.Fprintf(&b, "%s to %s (UTC), %d posts a minute at the daytime peak: %d posts, %d mentions on the %d demo monitors (%s).\n",
		c.Start.Format("Mon 2 Jan 2006 15:04"), end.Format("Mon 2 Jan 2006 15:04"), simulator.DemoRate, r.Posts, r.Mentions, len(r.Monitors), r.perMonitor())
	sizes := make([]string, len(c.Sizes))
	for i, s := range c.Sizes {
		sizes[i] = fmt.Sprint(s)
	}
	fmt.Fprintf(&b, "%d crises, %d of each size (%s; 1 is the demo's), alternating the kinds (%s), from day %d: the first %d days have none, their baselines being thin, and their false alerts are counted apart. "+
		"An alert is true when it fires on a monitor the crisis's posts match, within %d minutes of its start; a crisis is detected when one is; alerts and precision count those after the warm-up. "+
		"False alerts per monitor per week are counted over the %.1f monitor-weeks of normal traffic after the warm-up (%d monitors, crisis windows left out); the warm-up has %.1f.\n\n",
		len(r.Crises), c.PerSize, strings.Join(sizes, ", "), strings.Join(simulator.Crises(), ", "), int(c.Warmup/(24*time.Hour))+1, int(c.Warmup/(24*time.Hour)),
		int(crisisWindow/time.Minute), r.NormalWeeks, len(r.Monitors), r.WarmupWeeks)

	b.WriteString("| Detector | Sensitivity | Alerts | Precision | Recall |")
	for _, s := range c.Sizes {
		fmt.Fprintf(&b, " ×%v |", s)
	}
	b.WriteString(" Detection: median | worst | False alerts / monitor / week | Most on one monitor | In the warm-up |\n|---|---|---:|---:|---:|")
	for range c.Sizes {
		b.WriteString("---:|")
	}
	b.WriteString("---:|---:|---:|---|---:|\n")
	for _, s := range r.Scores {
		fn, fw := s.falseCount()
		n, ttd := r.detected(s, 0)
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %d/%d |", s.Kind, s.Sensitivity, s.True+fn, ratioText(s.True, s.True+fn), len(ttd), n)
		for _, size := range c.Sizes {
			n, ttd := r.detected(s, size)
			fmt.Fprintf(&b, " %d/%d |", len(ttd), n)
		}
		med, worst := "–", "–"
		if len(ttd) > 0 {
			med, worst = minutesText(medianDuration(ttd)), minutesText(ttd[len(ttd)-1])
		}
		most := "–"
		if id, rate := r.worstMonitor(s); id != "" {
			most = fmt.Sprintf("%.2f (%s)", rate, id)
		}
		fmt.Fprintf(&b, " %s | %s | %.2f (%d) | %s | %.2f (%d) |\n", med, worst, float64(fn)/r.NormalWeeks, fn, most, float64(fw)/r.WarmupWeeks, fw)
	}

	b.WriteString("\n### Time to detection by size (median / worst, minutes after the start)\n\n| Detector | Sensitivity |")
	for _, s := range c.Sizes {
		fmt.Fprintf(&b, " ×%v |", s)
	}
	b.WriteString("\n|---|---|")
	for range c.Sizes {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, s := range r.Scores {
		fmt.Fprintf(&b, "| %s | %s |", s.Kind, s.Sensitivity)
		for _, size := range c.Sizes {
			if _, ttd := r.detected(s, size); len(ttd) > 0 {
				fmt.Fprintf(&b, " %s / %s |", minutesText(medianDuration(ttd)), minutesText(ttd[len(ttd)-1]))
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}

	b.WriteString("\n### The crises\n\n| Start (UTC) | Zurich | Kind | Size | Posts | Matched on (posts) |")
	for _, s := range r.Scores {
		if s.Sensitivity == vigie.SensitivityMedium {
			fmt.Fprintf(&b, " %s, medium |", s.Kind)
		}
	}
	b.WriteString("\n|---|---|---|---:|---:|---|")
	for _, s := range r.Scores {
		if s.Sensitivity == vigie.SensitivityMedium {
			b.WriteString("---:|")
		}
	}
	b.WriteString("\n")
	for _, k := range r.Crises {
		var hits []string
		for _, id := range r.Monitors {
			if n := k.Hits[id]; n > 0 {
				hits = append(hits, fmt.Sprintf("%s %d", id, n))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %v | %d | %s |", k.At.Format("Mon 2 Jan 15:04"), zurichClock(k.At), k.Kind, k.Size, k.Posts, strings.Join(hits, ", "))
		for _, s := range r.Scores {
			if s.Sensitivity != vigie.SensitivityMedium {
				continue
			}
			d, ok := k.seen(s.name())
			if !ok {
				b.WriteString(" missed |")
				continue
			}
			// The monitors that saw it, soonest first.
			var on []string
			for _, id := range r.Monitors {
				if _, ok := k.Seen[s.name()][id]; ok {
					on = append(on, id)
				}
			}
			slices.SortStableFunc(on, func(a, b string) int { return cmp.Compare(k.Seen[s.name()][a], k.Seen[s.name()][b]) })
			for i, id := range on {
				on[i] = fmt.Sprintf("%s %g", id, k.Seen[s.name()][id].Minutes())
			}
			fmt.Fprintf(&b, " %s (%s) |", minutesText(d), strings.Join(on, ", "))
		}
		b.WriteString("\n")
	}

	b.WriteString("\n### False alerts by monitor (after the warm-up + in it)\n\n| Detector | Sensitivity |")
	for _, id := range r.Monitors {
		fmt.Fprintf(&b, " %s |", id)
	}
	b.WriteString("\n|---|---|")
	for range r.Monitors {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, s := range r.Scores {
		fmt.Fprintf(&b, "| %s | %s |", s.Kind, s.Sensitivity)
		for _, id := range r.Monitors {
			n, w := 0, 0
			for _, f := range s.False {
				switch {
				case f.Monitor != id:
				case f.Warmup:
					w++
				default:
					n++
				}
			}
			switch {
			case n+w == 0:
				b.WriteString(" · |")
			case w == 0:
				fmt.Fprintf(&b, " %d |", n)
			default:
				fmt.Fprintf(&b, " %d + %d |", n, w)
			}
		}
		b.WriteString("\n")
	}

	b.WriteString("\n### False alerts at medium\n\n")
	listed := false
	for _, s := range r.Scores {
		if s.Sensitivity != vigie.SensitivityMedium {
			continue
		}
		for _, f := range s.False {
			if !listed {
				b.WriteString("| Detector | Monitor | At (UTC) | Zurich | Warm-up | What it saw |\n|---|---|---|---|---|---|\n")
				listed = true
			}
			warm := ""
			if f.Warmup {
				warm = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", s.Kind, f.Monitor, f.Event.Reading.At.Format("Mon 2 Jan 15:04"), zurichClock(f.Event.Reading.At), warm,
				alert.Describe(s.Kind, alert.Fire, f.Event.Reading))
		}
	}
	if !listed {
		b.WriteString("None.\n")
	}
	return b.String()
}

func (r *alertsReport) perMonitor() string {
	parts := make([]string, len(r.Monitors))
	for i, id := range r.Monitors {
		parts[i] = fmt.Sprintf("%s %d", id, r.PerMon[id])
	}
	return strings.Join(parts, ", ")
}

func ratioText(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func medianDuration(ds []time.Duration) time.Duration {
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return (ds[m-1] + ds[m]) / 2
}

func minutesText(d time.Duration) string {
	return fmt.Sprintf("%g min", math.Round(d.Minutes()*10)/10)
}

// zurichClock is the wall clock in Zurich at t, where the simulator's
// audience lives (time/tzdata is embedded).
func zurichClock(t time.Time) string {
	loc, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		return "–"
	}
	return t.In(loc).Format("15:04")
}

// evalAlerts runs the evaluation of `vigie eval alerts`.
func evalAlerts(c alertsEval) (string, error) {
	rep, err := c.run()
	if err != nil {
		return "", err
	}
	return rep.Markdown(), nil
}

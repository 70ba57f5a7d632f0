package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/alert"
)

// TestEvalAlertsTargets runs the labelled evaluation on ten days (a week of
// warm-up, then three crises of the demo's size by day and by night) and
// checks issue 12's targets for the spike detector at the default
// sensitivity: every crisis of the demo's size seen within 3 minutes, at
// most one false alert per monitor per week. docs/alerts.md has the month.
func TestEvalAlertsTargets(t *testing.T) {
	c := defaultAlertsEval()
	c.Days, c.Sizes, c.PerSize = 10, []float64{1}, 3
	c.Sensitivities = []string{vigie.SensitivityMedium}
	rep, err := c.run()
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.Markdown())

	if len(rep.Crises) != 3 {
		t.Fatalf("%d crises, want 3", len(rep.Crises))
	}
	night := false
	for _, k := range rep.Crises {
		if h := k.At.Hour(); h < 6 || h >= 21 {
			night = true
		}
		// The labels: the crisis wrote posts, and they reached the monitor
		// of what it is about.
		about := map[string]string{"data-leak": "m-uval", "exam-outage": "m-valmontx"}[k.Kind]
		if k.Posts < 1000 || k.Hits[about] < k.Posts/2 {
			t.Errorf("%s crisis at %s: %d posts, %v matched", k.Kind, k.At, k.Posts, k.Hits)
		}
		if k.At.Before(c.Start.Add(c.Warmup)) {
			t.Errorf("a crisis at %s, in the warm-up", k.At)
		}
	}
	if !night {
		t.Errorf("no crisis at night: %v", rep.Crises)
	}

	for _, s := range rep.Scores {
		if s.Kind != vigie.AlertSpike {
			continue
		}
		for _, k := range rep.Crises {
			d, ok := k.seen(s.name())
			if !ok || d > 3*time.Minute {
				t.Errorf("spike, medium: the %s crisis at %s seen %v after its start (%v); want within 3 minutes", k.Kind, k.At, d, ok)
			}
		}
		normal, warmup := s.falseCount()
		if float64(normal) > rep.NormalWeeks {
			t.Errorf("spike, medium: %d false alerts in %.1f monitor-weeks of normal traffic; want at most one a week: %+v", normal, rep.NormalWeeks, s.False)
		}
		if float64(warmup) > rep.WarmupWeeks {
			t.Errorf("spike, medium: %d false alerts in the warm-up's %.1f monitor-weeks: %+v", warmup, rep.WarmupWeeks, s.False)
		}
	}
	if md := rep.Markdown(); !strings.Contains(md, "| spike | medium |") || !strings.Contains(md, "| sentiment | medium |") {
		t.Errorf("the table lacks a detector:\n%s", md)
	}
}

// TestEvalAlertsLabels: an alert is true within a crisis's window on a
// monitor its posts matched, false anywhere else.
func TestEvalAlertsLabels(t *testing.T) {
	c := defaultAlertsEval()
	c.Days = 14
	at := c.Start.Add(8*24*time.Hour + 10*time.Hour)
	k := &evalCrisis{Kind: "data-leak", Size: 1, At: at, Hits: map[string]int{"m-uval": 300, "m-crisis": 290},
		Seen: map[string]map[string]time.Duration{}}
	rep := &alertsReport{Config: c, Monitors: []string{"m-uval", "m-crisis", "m-desk"}, Crises: []*evalCrisis{k}}
	fire := func(t time.Time) alert.Event {
		return alert.Event{Step: alert.Fire, Reading: alert.Reading{At: t, Fired: true}}
	}
	sc := &detectorScore{Kind: vigie.AlertSpike, Sensitivity: vigie.SensitivityMedium}
	rep.label(sc, "m-uval", []alert.Event{
		fire(c.Start.Add(24 * time.Hour)), // warm-up
		fire(at),                          // at its start: before it
		fire(at.Add(2 * time.Minute)),     // true
		{Step: alert.Update, Reading: alert.Reading{At: at.Add(40 * time.Minute)}},
		{Step: alert.End, Reading: alert.Reading{At: at.Add(150 * time.Minute)}},
		fire(at.Add(crisisWindow + time.Minute)), // after the window
	})
	rep.label(sc, "m-crisis", []alert.Event{fire(at.Add(time.Minute))})
	rep.label(sc, "m-desk", []alert.Event{fire(at.Add(5 * time.Minute))}) // not about it
	if sc.True != 2 {
		t.Errorf("%d true alerts, want 2", sc.True)
	}
	normal, warmup := sc.falseCount()
	if normal != 3 || warmup != 1 {
		t.Errorf("%d false alerts after the warm-up, %d in it; want 3 and 1: %+v", normal, warmup, sc.False)
	}
	if d, ok := k.seen(sc.name()); !ok || d != time.Minute || k.Seen[sc.name()]["m-uval"] != 2*time.Minute {
		t.Errorf("seen after %v (%v), per monitor %v", d, ok, k.Seen)
	}
	rep.exposure()
	// Three monitors for a week after the warm-up, less the crisis's
	// window on the two it hit.
	if want := 3 - 2*crisisWindow.Hours()/(7*24); rep.NormalWeeks < want-1e-9 || rep.NormalWeeks > want+1e-9 || rep.WarmupWeeks != 3 {
		t.Errorf("normal %.4f monitor-weeks (want %.4f), warm-up %.4f (want 3)", rep.NormalWeeks, want, rep.WarmupWeeks)
	}
}

// The alerts part needs no shared data, and says how many days it needs.
func TestEvalAlertsCommand(t *testing.T) {
	code, _, errOut := runCLI(t, "eval", "--shared", t.TempDir(), "alerts", "--days", "9")
	if code != 2 || strings.Contains(errOut, "shared data") || !strings.Contains(errOut, "use --days") {
		t.Errorf("9 days: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "eval", "alerts", "--start", "2026-10-06"); code != 2 || !strings.Contains(errOut, "on a Monday") {
		t.Errorf("a Tuesday: exit %d, %s", code, errOut)
	}
}

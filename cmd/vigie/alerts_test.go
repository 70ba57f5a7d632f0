package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAlertsBacktest: a day of quiet minutes then a burst: the rule fires
// once, at the burst, and says it in figures.
func TestAlertsBacktest(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("timestamp,count\n")
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	for i := range 2 * 24 * 60 {
		n := i % 3 // about one a minute
		if i >= 24*60+600 && i < 24*60+620 {
			n += 25
		}
		fmt.Fprintf(&csv, "%s,%d\n", start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), n)
	}
	series := writeFile(t, "counts.csv", csv.String())
	rule := writeFile(t, "rule.json", `{"name":"brand","kind":"spike","sensitivity":"medium"}`)
	code, out, errOut := runCLI(t, "alerts", "backtest", "--rule", rule, "--series", series)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Count(out, "\talert\t") != 1 || !strings.HasPrefix(lines[0], "2026-11-03T10:0") || !strings.Contains(lines[0], "\talert\t") || !strings.Contains(lines[0], "mentions in 2 minutes") {
		t.Fatalf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "1 alert over 2.0 days: 2880 intervals of 1m") {
		t.Fatalf("stderr: %s", errOut)
	}
	for _, c := range []struct {
		rule, series, want string
	}{
		{`{"kind":"every"}`, csv.String(), "a backtest over counts runs spike and sentiment rules"},
		{`{"kind":"spike","sensitivity":"max"}`, csv.String(), `sensitivity "max"`},
		{`{"kind":"sentiment"}`, csv.String(), "needs a third column"},
		{`{"kind":"spike"`, csv.String(), "not a rule in JSON"},
		{`{"kind":"spike"}`, "2026-11-02T00:00:00Z,1\nnot a time,2\n", "line 2"},
	} {
		code, _, errOut := runCLI(t, "alerts", "backtest", "--rule", writeFile(t, "r.json", c.rule), "--series", writeFile(t, "c.csv", c.series))
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.rule, code, errOut, c.want)
		}
	}
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/alert"
)

// runAlertsBacktest runs a rule's detector over a history of counts from
// another tool, so a team can see when a rule would have fired before
// trusting it.
func runAlertsBacktest(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("alerts backtest", stderr)
	rulePath := fs.String("rule", "", "the rule, as JSON (the body of POST /api/v1/alerts; kind spike or sentiment)")
	seriesPath := fs.String("series", "", "CSV of timestamp,count[,negative] rows, one per interval of an hour or less ('-' for stdin)")
	all := fs.Bool("all", false, "print the ends of episodes too")
	tz := fs.String("tz", "UTC", "the time zone whose clock the audience lives on (the same hour of the week is read on it), e.g. Europe/Zurich")
	if err := fs.Parse(args); err != nil {
		return usageErr("%v", err)
	}
	if *rulePath == "" || *seriesPath == "" {
		return usageErr("usage: vigie alerts backtest --rule R.json --series counts.csv")
	}
	f, err := os.Open(*rulePath)
	if err != nil {
		return badInput(err)
	}
	// A rule is a small object: read at most a megabyte of it, and refuse
	// the fields a rule has not (as the API does).
	dec := json.NewDecoder(io.LimitReader(f, 1<<20))
	dec.DisallowUnknownFields()
	var rule vigie.AlertRule
	err = dec.Decode(&rule)
	f.Close()
	if err != nil {
		return badInput(fmt.Errorf("%s: not a rule in JSON (at most 1 MB, fields as in POST /api/v1/alerts): %v", *rulePath, err))
	}
	switch rule.Kind {
	case vigie.AlertSpike, vigie.AlertSentiment:
	default:
		return badInput(fmt.Errorf("%s: kind %q: a backtest over counts runs spike and sentiment rules", *rulePath, rule.Kind))
	}
	rule.Name = "backtest"
	rule.Channels = []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}
	if err := rule.Validate(); err != nil {
		return badInput(fmt.Errorf("%s: %w", *rulePath, err))
	}
	in := os.Stdin
	if *seriesPath != "-" {
		f, err := os.Open(*seriesPath)
		if err != nil {
			return badInput(err)
		}
		defer f.Close()
		in = f
	}
	series, err := alert.ReadCounts(in)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", *seriesPath, err))
	}
	if rule.Kind == vigie.AlertSentiment && series.Neg == nil {
		return badInput(errors.New("a sentiment rule needs a third column: the negative mentions of each interval"))
	}
	zone, err := time.LoadLocation(*tz)
	if err != nil {
		return badInput(fmt.Errorf("--tz %q: not a time zone; use an IANA name such as Europe/Zurich", *tz))
	}
	events, err := alert.BacktestIn(&rule, series, zone)
	if err != nil {
		return badInput(err)
	}
	alerts := 0
	for _, e := range events {
		if e.Step == alert.End && !*all {
			continue
		}
		if e.Step == alert.Fire {
			alerts++
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", e.Reading.At.Format("2006-01-02T15:04:05Z"), e.Step, alert.Describe(rule.Kind, e.Step, e.Reading))
	}
	days := float64(len(series.N)) * series.Step.Hours() / 24
	noun := "alerts"
	if alerts == 1 {
		noun = "alert"
	}
	fmt.Fprintf(stderr, "%d %s over %.1f days: %d intervals of %s (sensitivity %s, time zone %s)\n", alerts, noun, days, len(series.N),
		strings.TrimSuffix(strings.TrimSuffix(series.Step.String(), "0s"), "0m"), orDefault(rule.Sensitivity, vigie.SensitivityMedium), zone)
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

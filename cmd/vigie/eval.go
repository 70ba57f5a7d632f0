package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/enrich/lang"
	"github.com/vigie-project/vigie/internal/enrich/sentiment"
)

// evalParts are the measurements `vigie eval` can run, in order.
var evalParts = []string{"lang", "sentiment", "neardup", "alerts"}

// runEval measures enrichment quality on the shared evaluation data and
// prints the tables of docs/enrichment.md; its alerts part measures the
// detectors on the simulator's stream (docs/alerts.md) and needs no data.
func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", stderr)
	shared := fs.String("shared", defaultShared(), "the shared data folder (holding data/sentiment, data/langid, data/neardup)")
	alertDays := fs.Int("days", defaultAlertsEval().Days, "alerts: days of the simulator's stream")
	alertSeed := fs.Int64("seed", defaultAlertsEval().Seed, "alerts: the simulator's seed")
	alertStart := fs.String("start", defaultAlertsEval().Start.Format(time.DateOnly), "alerts: the first day, a Monday (UTC)")
	alertZone := fs.String("tz", demoTimeZone, "alerts: the workspace's time zone, whose hours of the week the baselines read")
	// Flags may come before or after the parts: vigie eval lang --shared DIR.
	var parts []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		parts = append(parts, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(parts) == 0 {
		parts = evalParts
	}
	for _, p := range parts {
		if !slices.Contains(evalParts, p) {
			return usageErr("unknown evaluation %q: one or more of %v", p, evalParts)
		}
	}
	data := filepath.Join(*shared, "data")
	if slices.ContainsFunc(parts, func(p string) bool { return p != "alerts" }) {
		if _, err := os.Stat(data); err != nil {
			return badInput(fmt.Errorf("shared data not found at %s: pass --shared DIR (the folder holding data/)", data))
		}
	}
	alerts := defaultAlertsEval()
	if slices.Contains(parts, "alerts") {
		start, err := time.Parse(time.DateOnly, *alertStart)
		if err != nil {
			return badInput(fmt.Errorf("eval alerts: --start %q: want a date, 2026-10-05", *alertStart))
		}
		alerts.Days, alerts.Seed, alerts.Start = *alertDays, *alertSeed, start
		if alerts.Zone, err = time.LoadLocation(*alertZone); err != nil {
			return badInput(fmt.Errorf("--tz %q: not a time zone; use an IANA name such as Europe/Zurich", *alertZone))
		}
		if err := alerts.validate(); err != nil {
			return badInput(fmt.Errorf("eval alerts: %w", err))
		}
	}
	for _, p := range parts {
		start := time.Now()
		var out string
		var err error
		switch p {
		case "lang":
			out, err = evalLang(data)
		case "sentiment":
			out, err = evalSentiment(data)
		case "neardup":
			out, err = evalNearDup(data)
		case "alerts":
			out, err = evalAlerts(alerts)
		}
		if err != nil {
			return badInput(fmt.Errorf("eval %s: %w", p, err))
		}
		fmt.Fprintf(stdout, "%s\n(%s in %.1fs)\n\n", out, p, time.Since(start).Seconds())
	}
	return nil
}

// defaultShared is ../shared next to the working directory, or $VIGIE_SHARED.
func defaultShared() string {
	if s := os.Getenv("VIGIE_SHARED"); s != "" {
		return s
	}
	return filepath.Join("..", "shared")
}

func evalLang(data string) (string, error) {
	tweets, err := lang.LoadUMSAB(filepath.Join(data, "sentiment", "umsab"), "val")
	if err != nil {
		return "", err
	}
	sentences, err := lang.LoadLinguaSentences(filepath.Join(data, "langid", "lingua-testdata", "sentences"))
	if err != nil {
		return "", err
	}
	return "## Language: UMSAB val tweets\n\n" + lang.Evaluate(tweets).Markdown() +
		"\n## Language: lingua test sentences (supported languages)\n\n" + lang.Evaluate(sentences).Markdown(), nil
}

func evalSentiment(data string) (string, error) {
	umsab, err := sentiment.LoadUMSAB(filepath.Join(data, "sentiment", "umsab"), "val", "en", "fr", "de", "it")
	if err != nil {
		return "", err
	}
	te, err := sentiment.LoadTweetEval(filepath.Join(data, "sentiment", "tweeteval-en"), "val")
	if err != nil {
		return "", err
	}
	// TweetEval and UMSAB English both come from SemEval-2017: most of
	// TweetEval's val tweets are in UMSAB's English train split, which the
	// model learnt from. Only the others measure anything.
	train, err := sentiment.LoadUMSAB(filepath.Join(data, "sentiment", "umsab"), "train", "en")
	if err != nil {
		return "", err
	}
	seen := make(map[string]bool, len(train))
	for _, s := range train {
		seen[s.Text] = true
	}
	unseen := te[:0:0]
	for _, s := range te {
		if !seen[s.Text] {
			unseen = append(unseen, s)
		}
	}
	return "## Sentiment: UMSAB val (macro-F1)\n\n" + sentiment.Evaluate(umsab).Markdown() +
		fmt.Sprintf("\n## Sentiment: TweetEval English val, the %d of %d tweets not in UMSAB's English train split\n\n", len(unseen), len(te)) +
		sentiment.Evaluate(unseen).Markdown(), nil
}

func evalNearDup(data string) (string, error) {
	pairs, originals, err := enrich.LoadNearDupPairs(filepath.Join(data, "neardup"))
	if err != nil {
		return "", err
	}
	return "## Near-duplicates: re-publications of MRPC / STS-B news sentences\n\n" +
		enrich.EvaluateNearDup(pairs, originals, enrich.NearDupDistance).Markdown(), nil
}

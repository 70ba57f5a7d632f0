package main

import (
	"bytes"
	"fmt"
	"log"
	"maps"
	"sort"
	"strings"

	"github.com/vigie-project/vigie/internal/enrich/lang"
)

// tune cross-validates the knobs on the UMSAB train tweets: for each fold,
// the tweet model is built without the fold and scored on it. The val split
// is not looked at.
func tune(linguaDir, umsabDir string, base config) {
	all, err := lang.LoadUMSAB(umsabDir, "train")
	if err != nil {
		log.Fatal(err)
	}
	// the fold of a tweet is its line number modulo folds, as in loadTweets
	perLang := map[string]int{}
	folds := make([]int, len(all))
	for i, s := range all {
		folds[i] = perLang[s.Lang] % base.folds
		perLang[s.Lang]++
	}
	src, err := loadSources(linguaDir, umsabDir, base)
	if err != nil {
		log.Fatal(err)
	}
	type knob struct {
		lambda float64
		params map[string]string
	}
	var knobs []knob
	for _, lambda := range []float64{0, 0.15, 0.3, 0.5} {
		for _, floor := range []string{"9", "12", "15"} {
			p := maps.Clone(base.params)
			for n := 1; n <= 5; n++ {
				p[fmt.Sprintf("floor%d", n)] = floor
			}
			knobs = append(knobs, knob{lambda, p})
		}
	}
	correct := make([]int, len(knobs))
	for f := 0; f < base.folds; f++ {
		cfg := base
		cfg.fold = f
		if err := loadTweets(src, umsabDir, cfg); err != nil {
			log.Fatal(err)
		}
		var test []lang.Sample
		for i, s := range all {
			if folds[i] == f {
				test = append(test, s)
			}
		}
		for lambdaDone := -1.0; ; {
			// build once per lambda, vary the runtime knobs
			next := -1.0
			for _, k := range knobs {
				if k.lambda > lambdaDone && (next < 0 || k.lambda < next) {
					next = k.lambda
				}
			}
			if next < 0 {
				break
			}
			lambdaDone = next
			cfg.lambda = next
			m := build(src, cfg)
			for ki, k := range knobs {
				if k.lambda != next {
					continue
				}
				m.Params = k.params
				var buf bytes.Buffer
				if err := m.Encode(&buf); err != nil {
					log.Fatal(err)
				}
				d, err := lang.NewDetector(buf.Bytes())
				if err != nil {
					log.Fatal(err)
				}
				r := lang.EvaluateFunc(test, d.Detect)
				correct[ki] += r.Correct
			}
		}
		log.Printf("fold %d done", f)
	}
	type row struct {
		k   knob
		acc float64
	}
	var rows []row
	for i, k := range knobs {
		rows = append(rows, row{k, float64(correct[i]) / float64(len(all))})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].acc > rows[j].acc })
	for _, r := range rows {
		var ps []string
		for _, k := range []string{"floor1", "w1", "w5", "hint", "temp"} {
			ps = append(ps, k+"="+r.k.params[k])
		}
		fmt.Printf("lambda=%.2f %s  cv-accuracy=%.4f\n", r.k.lambda, strings.Join(ps, " "), r.acc)
	}
}

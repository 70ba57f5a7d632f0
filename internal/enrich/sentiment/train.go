package sentiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
)

// Training: multinomial logistic regression over the hashed features,
// AdaGrad SGD with L2, fixed seed and fixed order, single-threaded, so the
// same data gives the same bytes. Every training post is seen twice: with its
// language's features (plus the generic ones when SharedInLang) and with the
// generic features only, which is how posts in languages without a trained
// model are analysed.

type trainSet struct {
	idx   []uint32
	val   []float32
	off   []int // sample i's features are idx[off[i]:off[i+1]]
	y     []uint8
	lang  []string
	gen   []bool // a generic-only copy
	texts []int  // index of the source sample
}

func labelIndex(l string) uint8 {
	switch l {
	case Negative:
		return 0
	case Neutral:
		return 1
	}
	return 2
}

// featurize extracts the features of samples (and their generic copies).
func featurize(t *tables, samples []Sample, withGeneric bool) *trainSet {
	ts := &trainSet{off: []int{0}}
	m := newModel(*t, nil)
	sc := &scratch{}
	add := func(i int, md *mode, gen bool) {
		tokenize(samples[i].Text, sc, &t.emoticons)
		t.extract(sc, md.li, md.nss)
		for _, f := range sc.feats {
			ts.idx = append(ts.idx, f.idx)
			ts.val = append(ts.val, f.val)
		}
		ts.off = append(ts.off, len(ts.idx))
		ts.y = append(ts.y, labelIndex(samples[i].Label))
		ts.lang = append(ts.lang, samples[i].Lang)
		ts.gen = append(ts.gen, gen)
		ts.texts = append(ts.texts, i)
	}
	for i, s := range samples {
		add(i, m.modeFor(s.Lang), false)
		if withGeneric {
			add(i, t.genericMode(s.Lang), true)
		}
	}
	return ts
}

// fit trains weights on the samples of ts whose source index is kept.
func fit(cfg Config, ts *trainSet, keep func(i int) bool) []float64 {
	n := 3 << cfg.HashBits
	w := make([]float64, n)
	g2 := make([]float64, n)
	order := make([]int, 0, len(ts.y))
	for i := range ts.y {
		if keep == nil || keep(ts.texts[i]) {
			order = append(order, i)
		}
	}
	rng := rand.New(rand.NewPCG(20240611, 1))
	const eps = 1e-8
	for ep := 0; ep < cfg.Iters; ep++ {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			idx, val := ts.idx[ts.off[i]:ts.off[i+1]], ts.val[ts.off[i]:ts.off[i+1]]
			var z [3]float64
			for k, j := range idx {
				v := float64(val[k])
				z[0] += w[j*3] * v
				z[1] += w[j*3+1] * v
				z[2] += w[j*3+2] * v
			}
			p := softmax(z)
			p[ts.y[i]] -= 1
			for k, j := range idx {
				v := float64(val[k])
				for c := 0; c < 3; c++ {
					q := int(j)*3 + c
					g := p[c]*v + cfg.Lambda*w[q]
					g2[q] += g * g
					w[q] -= cfg.LR * g / (math.Sqrt(g2[q]) + eps)
				}
			}
		}
	}
	return w
}

func toF32(w []float64) []float32 {
	out := make([]float32, len(w))
	for i, x := range w {
		out[i] = float32(x)
	}
	return out
}

// loadTrain reads the lexicons and the UMSAB train splits of the trained languages.
func loadTrain(shared string) (*mergedLexicons, []Sample, error) {
	raw, err := readLexicons(shared)
	if err != nil {
		return nil, nil, err
	}
	samples, err := LoadUMSAB(filepath.Join(shared, "data", "sentiment", "umsab"), "train", trainedLangs...)
	if err != nil {
		return nil, nil, err
	}
	return raw.merge(), samples, nil
}

// BuildModel trains a model on the UMSAB train splits and the shippable
// lexicons under shared (the project's shared folder, holding data/) and
// returns the model file. The same inputs always give the same bytes.
func BuildModel(shared string, cfg Config) ([]byte, error) {
	lx, samples, err := loadTrain(shared)
	if err != nil {
		return nil, err
	}
	t := newTables(cfg, lx)
	ts := featurize(&t, samples, true)
	w := fit(cfg, ts, nil)
	return encodeModel(cfg, lx, w), nil
}

// CVResult is the cross-validated macro-F1 of a configuration.
type CVResult struct {
	Config  Config
	Lang    map[string]float64 // per trained language
	Generic map[string]float64 // the same posts analysed without their language
	Mean    float64            // over en, fr, de, it
}

// CrossValidate runs k-fold cross-validation on the UMSAB train splits
// (folds by position, stratified by language) for each configuration.
func CrossValidate(shared string, k int, cfgs []Config, progress func(CVResult)) ([]CVResult, error) {
	lx, samples, err := loadTrain(shared)
	if err != nil {
		return nil, err
	}
	fold := make([]int, len(samples))
	perm := rand.New(rand.NewPCG(7, 7)).Perm(len(samples))
	for r, i := range perm {
		fold[i] = r % k
	}
	var out []CVResult
	var cache *trainSet
	var cacheCfg Config
	for _, cfg := range cfgs {
		t := newTables(cfg, lx)
		fcfg := cfg
		fcfg.Lambda, fcfg.Iters, fcfg.LR = 0, 0, 0
		if cache == nil || fcfg != cacheCfg {
			cache = featurize(&t, samples, true)
			cacheCfg = fcfg
		}
		ts := cache
		var predL, predG []Sample
		var goldL []Sample
		for f := 0; f < k; f++ {
			w := fit(cfg, ts, func(i int) bool { return fold[i] != f })
			m := newModel(t, toF32(w))
			for i, s := range samples {
				if fold[i] != f {
					continue
				}
				goldL = append(goldL, s)
				r := m.analyze(s.Text, s.Lang)
				predL = append(predL, Sample{Text: s.Text, Lang: s.Lang, Label: r.Label})
				gm := t.genericMode(s.Lang)
				sc := &scratch{}
				tokenize(s.Text, sc, &t.emoticons)
				st := t.extract(sc, gm.li, gm.nss)
				predG = append(predG, Sample{Text: s.Text, Lang: s.Lang, Label: decide(m.logits(sc), &st).Label})
			}
		}
		res := CVResult{Config: cfg, Lang: map[string]float64{}, Generic: map[string]float64{}}
		rl := scoreLabels(goldL, predL)
		rg := scoreLabels(goldL, predG)
		for _, l := range trainedLangs {
			res.Lang[l] = rl.byLang(l).MacroF1
			res.Generic[l] = rg.byLang(l).MacroF1
		}
		res.Mean = (res.Lang["en"] + res.Lang["fr"] + res.Lang["de"] + res.Lang["it"]) / 4
		out = append(out, res)
		if progress != nil {
			progress(res)
		}
	}
	return out, nil
}

func (r CVResult) String() string {
	s := fmt.Sprintf("mean4=%.4f", r.Mean)
	for _, l := range trainedLangs {
		s += fmt.Sprintf(" %s=%.3f/%.3f", l, r.Lang[l], r.Generic[l])
	}
	return s
}

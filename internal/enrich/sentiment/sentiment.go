// Package sentiment labels short social-media posts positive, neutral or
// negative, with a score in [-1, 1].
//
// The model is a multinomial logistic regression over hashed features (folded
// word unigrams with negation marking, bigrams, hashtags,
// emoji, emoticons) and dense lexicon features (VADER, AFINN, Pattern and
// machine-translated AFINN polarities, overridden by the project's curated
// lexicon of curated.go, with negation, intensifiers and "but" handled),
// trained on the UMSAB train splits by BuildModel (see README.md) and
// embedded in the binary. It runs offline, without a GPU.
package sentiment

import (
	_ "embed"
	"slices"
	"sync"
)

// Labels.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"
)

// Labels lists the labels by class index (UMSAB's 0, 1, 2).
var Labels = [3]string{Negative, Neutral, Positive}

// Result is a sentiment: Label is Positive, Neutral or Negative; Score is
// P(positive) − P(negative), in [-1, 1]. A positive label always has a
// positive score and a negative label a negative one.
type Result struct {
	Label string
	Score float64
}

//go:embed model.bin
var modelBin []byte

var (
	loadOnce sync.Once
	loaded   *model
	loadErr  error
)

func defaultModel() *model {
	loadOnce.Do(func() {
		loaded, loadErr = decodeModel(modelBin)
	})
	return loaded
}

// LoadError reports whether the embedded model could not be loaded (in which
// case Analyze answers neutral for everything).
func LoadError() error {
	defaultModel()
	return loadErr
}

// Analyze returns the sentiment of text written in lang (an ISO 639-1 code,
// possibly with a region, e.g. "fr-CA"; "" or an unsupported code uses the
// language-independent part of the model). It is safe for concurrent use.
func Analyze(text, lang string) Result {
	m := defaultModel()
	if m == nil {
		return Result{Label: Neutral}
	}
	return m.analyze(text, lang)
}

// AnalyzeLexicon is the lexicon-only baseline (no trained weight), for
// comparison: the VADER-style compound of the lexicon polarities, thresholds ±0.05.
func AnalyzeLexicon(text, lang string) Result {
	m := defaultModel()
	if m == nil {
		return Result{Label: Neutral}
	}
	return m.analyzeLexicon(text, lang)
}

// Languages lists the languages with a trained model.
func Languages() []string { return slices.Clone(trainedLangs) }

// LexiconLanguages lists the languages with a lexicon (trained or not).
func LexiconLanguages() []string {
	m := defaultModel()
	if m == nil {
		return nil
	}
	var out []string
	for l := range m.modes {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

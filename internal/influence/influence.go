// Package influence scores an author's influence on a conversation from
// its reach, its engagement and its activity.
package influence

import (
	"math"

	"github.com/vigie-project/vigie"
)

// Influence weights and the inputs at which each part saturates. An author
// with a million followers has full reach; a thousand likes, reposts and
// replies per mention is full engagement; a hundred mentions in the period
// is full activity. Logarithms keep a celebrity from drowning everyone else:
// ten times the followers adds a fixed amount, not ten times the score.
const (
	weightReach      = 0.5
	weightEngagement = 0.3
	weightActivity   = 0.2

	fullReachFollowers = 1e6
	fullEngagementPer  = 1e3
	fullActivity       = 100
)

// Formula describes the score in words, for the API and the docs.
const Formula = "score = 100 × (0.5 × reach + 0.3 × engagement + 0.2 × activity); " +
	"reach = log10(1+followers)/6, engagement = log10(1+engagement per mention)/3, " +
	"activity = log10(1+mentions)/2, each capped at 1"

// Score scores an author from its inputs.
func Score(in vigie.InfluenceInputs) (score float64, parts vigie.InfluenceParts) {
	per := 0.0
	if in.Mentions > 0 {
		per = float64(max(in.Engagement, 0)) / float64(in.Mentions)
	}
	parts = vigie.InfluenceParts{
		Reach:      logPart(float64(max(in.Followers, 0)), fullReachFollowers),
		Engagement: logPart(per, fullEngagementPer),
		Activity:   logPart(float64(max(in.Mentions, 0)), fullActivity),
	}
	score = 100 * (weightReach*parts.Reach + weightEngagement*parts.Engagement + weightActivity*parts.Activity)
	return math.Round(score*10) / 10, parts
}

// logPart maps x to log10(1+x)/log10(full), capped at 1 and rounded to
// three decimals so that the API shows stable figures.
func logPart(x, full float64) float64 {
	v := min(math.Log10(1+x)/math.Log10(full), 1)
	return math.Round(v*1000) / 1000
}

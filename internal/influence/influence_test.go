package influence

import (
	"testing"

	"github.com/vigie-project/vigie"
)

func TestInfluence(t *testing.T) {
	tests := []struct {
		name  string
		in    vigie.InfluenceInputs
		score float64
		parts vigie.InfluenceParts
	}{
		{"nobody", vigie.InfluenceInputs{}, 0, vigie.InfluenceParts{}},
		{"saturated", vigie.InfluenceInputs{Followers: 5e6, Mentions: 500, Engagement: 5e6}, 100, vigie.InfluenceParts{Reach: 1, Engagement: 1, Activity: 1}},
		// 999 followers: log10(1000)/6 = 0.5; 9 mentions with 9 engagements
		// each: log10(10)/3 = 0.333 and log10(10)/2 = 0.5.
		{"local voice", vigie.InfluenceInputs{Followers: 999, Mentions: 9, Engagement: 81}, 45, vigie.InfluenceParts{Reach: 0.5, Engagement: 0.333, Activity: 0.5}},
		// The examples of docs/enrichment.md.
		{"celebrity once", vigie.InfluenceInputs{Followers: 2e6, Mentions: 1, Engagement: 500}, 80, vigie.InfluenceParts{Reach: 1, Engagement: 0.9, Activity: 0.151}},
		{"journalist", vigie.InfluenceInputs{Followers: 20000, Mentions: 5, Engagement: 250}, 60.7, vigie.InfluenceParts{Reach: 0.717, Engagement: 0.569, Activity: 0.389}},
		{"student", vigie.InfluenceInputs{Followers: 120, Mentions: 10, Engagement: 50}, 35.5, vigie.InfluenceParts{Reach: 0.347, Engagement: 0.259, Activity: 0.521}},
		{"negative inputs are zero", vigie.InfluenceInputs{Followers: -5, Mentions: 0, Engagement: -3}, 0, vigie.InfluenceParts{}},
	}
	for _, tt := range tests {
		score, parts := Score(tt.in)
		if score != tt.score || parts != tt.parts {
			t.Errorf("%s: Score(%+v) = %v %+v, want %v %+v", tt.name, tt.in, score, parts, tt.score, tt.parts)
		}
	}
	// More followers never lowers the score.
	prev := -1.0
	for f := int64(0); f < 1e7; f = f*3 + 1 {
		s, _ := Score(vigie.InfluenceInputs{Followers: f, Mentions: 2, Engagement: 10})
		if s < prev {
			t.Fatalf("score fell from %v to %v at %d followers", prev, s, f)
		}
		prev = s
	}
}

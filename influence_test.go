package vigie

import "testing"

func TestInfluence(t *testing.T) {
	tests := []struct {
		name  string
		in    InfluenceInputs
		score float64
		parts InfluenceParts
	}{
		{"nobody", InfluenceInputs{}, 0, InfluenceParts{}},
		{"saturated", InfluenceInputs{Followers: 5e6, Mentions: 500, Engagement: 5e6}, 100, InfluenceParts{Reach: 1, Engagement: 1, Activity: 1}},
		// 999 followers: log10(1000)/6 = 0.5; 9 mentions with 9 engagements
		// each: log10(10)/3 = 0.333 and log10(10)/2 = 0.5.
		{"local voice", InfluenceInputs{Followers: 999, Mentions: 9, Engagement: 81}, 45, InfluenceParts{Reach: 0.5, Engagement: 0.333, Activity: 0.5}},
		// The examples of docs/enrichment.md.
		{"celebrity once", InfluenceInputs{Followers: 2e6, Mentions: 1, Engagement: 500}, 80, InfluenceParts{Reach: 1, Engagement: 0.9, Activity: 0.151}},
		{"journalist", InfluenceInputs{Followers: 20000, Mentions: 5, Engagement: 250}, 60.7, InfluenceParts{Reach: 0.717, Engagement: 0.569, Activity: 0.389}},
		{"student", InfluenceInputs{Followers: 120, Mentions: 10, Engagement: 50}, 35.5, InfluenceParts{Reach: 0.347, Engagement: 0.259, Activity: 0.521}},
		{"negative inputs are zero", InfluenceInputs{Followers: -5, Mentions: 0, Engagement: -3}, 0, InfluenceParts{}},
	}
	for _, tt := range tests {
		score, parts := ScoreInfluence(tt.in)
		if score != tt.score || parts != tt.parts {
			t.Errorf("%s: ScoreInfluence(%+v) = %v %+v, want %v %+v", tt.name, tt.in, score, parts, tt.score, tt.parts)
		}
	}
	// More followers never lowers the score.
	prev := -1.0
	for f := int64(0); f < 1e7; f = f*3 + 1 {
		s, _ := ScoreInfluence(InfluenceInputs{Followers: f, Mentions: 2, Engagement: 10})
		if s < prev {
			t.Fatalf("score fell from %v to %v at %d followers", prev, s, f)
		}
		prev = s
	}
}

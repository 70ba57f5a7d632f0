package publish

import (
	"testing"
	"time"
)

func TestNextSlot(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no time zone database")
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, zurich)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	slots := []string{"17:00", "09:00", "12:30"}
	tests := []struct {
		name  string
		slots []string
		now   string
		taken []string
		want  string // "" for none
	}{
		{"the next one today", slots, "2026-03-10 10:00", nil, "2026-03-10 12:30"},
		{"a slot at now is past", slots, "2026-03-10 12:30", nil, "2026-03-10 17:00"},
		{"after the last slot: tomorrow's first", slots, "2026-03-10 18:00", nil, "2026-03-11 09:00"},
		{"taken slots are skipped", slots, "2026-03-10 10:00", []string{"2026-03-10 12:30", "2026-03-10 17:00"}, "2026-03-11 09:00"},
		{"across the change to summer time", []string{"02:30", "09:00"}, "2026-03-28 23:00", nil, "2026-03-29 03:30"},
		{"no slots", nil, "2026-03-10 10:00", nil, ""},
		{"bad slots are ignored", []string{"nope", "09:00"}, "2026-03-10 10:00", nil, "2026-03-11 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			taken := map[time.Time]bool{}
			for _, s := range tt.taken {
				taken[at(s)] = true
			}
			got, ok := NextSlot(tt.slots, zurich, at(tt.now), func(x time.Time) bool { return taken[x] })
			if tt.want == "" {
				if ok {
					t.Fatalf("got %v, want none", got)
				}
				return
			}
			if !ok || !got.Equal(at(tt.want)) {
				t.Fatalf("got %v %v, want %s", got.In(zurich), ok, tt.want)
			}
		})
	}
	// Every slot taken for the whole horizon: none.
	if _, ok := NextSlot([]string{"09:00"}, time.UTC, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), func(time.Time) bool { return true }); ok {
		t.Error("a slot was found where all are taken")
	}
}

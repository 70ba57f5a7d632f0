package alert

import (
	"strings"
	"testing"
	"time"
)

func TestReadCounts(t *testing.T) {
	s, err := ReadCounts(strings.NewReader("\ufefftimestamp,count\n2026-11-02T14:00:00Z,3\n2026-11-02 14:10,5\n# gap\n\n1793628300,7\n"))
	if err != nil {
		t.Fatal(err)
	}
	// 14:00, 14:05 (Unix seconds 1793628300), 14:10 (rows in any order)
	if s.Step != 5*time.Minute || !s.Start.Equal(time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("step %s start %s", s.Step, s.Start)
	}
	if got := s.N; len(got) != 3 || got[0] != 3 || got[1] != 7 || got[2] != 5 || s.Neg != nil {
		t.Fatalf("counts %v neg %v", got, s.Neg)
	}
	s, err = ReadCounts(strings.NewReader("2026-11-02T14:00:00Z;10;2\n2026-11-02T14:01:00Z;4;4\n"))
	if err != nil || s.Step != time.Minute || s.Neg[1] != 4 {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestReadCountsErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2026-11-02T14:00:00Z,3\n", "two or more"},
		{"2026-11-02T14:00:00Z,3\nyesterday,4\n", "line 2: timestamp \"yesterday\""},
		{"2026-11-02T14:00:00Z,3\n2026-11-02T14:01:00Z,-1\n", "line 2: count \"-1\" is not a whole number"},
		{"2026-11-02T14:00:00Z,3,1\n2026-11-02T14:01:00Z,4\n", "same columns"},
		{"2026-11-02T14:00:00Z,3,4\n", "line 1: 4 negative of 3"},
		{"2026-11-02,3\n2026-11-03,4\n", "24h0m0s apart"},
		{"2026-11-02T14:00:00Z,3\n2026-11-02T14:07:00Z,4\n", "7m0s apart"},
		{"2026-11-02T14:00:00Z,3\n2026-11-02T14:05:00Z,4\n2026-11-02T14:12:00Z,4\n", "line 3: 2026-11-02T14:12:00Z is not on the 5m0s grid"},
		{"2026-11-02T14:00:00Z,3\n2026-11-02T14:00:00Z,4\n", "same timestamp"},
		{"a,b,c,d\n", "line 1"},
		{"2026-11-02T14:00:00Z,3\n" + strings.Repeat("x", 5000) + "\n", "longer than 4096 bytes"},
		{"1970-01-01T00:00:00Z,1\n1970-01-01T00:01:00Z,1\n2100-01-01T00:00:00Z,1\n", "over 600000 intervals"},
	} {
		_, err := ReadCounts(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: %v; want %q", c.in, err, c.want)
		}
	}
}

func FuzzReadCounts(f *testing.F) {
	f.Add("timestamp,count\n2026-11-02T14:00:00Z,3\n2026-11-02T14:05:00Z,5\n")
	f.Add("1793628000,1,0\n1793628060,2,1\n")
	f.Add("2026-11-02 14:00;3\n2026-11-02 14:15;0\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ReadCounts(strings.NewReader(in))
		if err != nil {
			return
		}
		if s.Step <= 0 || s.Step > time.Hour || len(s.N) < 1 || len(s.N) > MaxCountRows {
			t.Fatalf("bad series: step %s, %d intervals", s.Step, len(s.N))
		}
		for i, n := range s.N {
			if n < 0 || s.Neg != nil && (s.Neg[i] < 0 || s.Neg[i] > n) {
				t.Fatalf("interval %d: %d, neg %v", i, n, s.Neg)
			}
		}
		// Whatever the counts, a backtest runs.
		if len(s.N) < 5000 {
			if _, err := Backtest(&vigieSpike, s); err != nil {
				t.Fatal(err)
			}
		}
	})
}

var vigieSpike = spikeRule()

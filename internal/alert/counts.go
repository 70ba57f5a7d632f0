package alert

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// Limits of ReadCounts: a year of minutes.
const (
	MaxCountRows  = 600_000
	maxCountLine  = 4096
	maxCountValue = 1 << 40
)

// ReadCounts reads a history of counts as another tool exports it: one
// row per interval, "timestamp,count" or "timestamp,count,negative", with
// an optional header row, comma, semicolon or tab separated. Timestamps
// are RFC 3339 (2026-11-02T14:05:00Z), "2006-01-02 15:04[:05]" in UTC, or
// Unix seconds. The step is the smallest gap between rows; intervals
// without a row count zero. Errors name the line and say what to fix.
func ReadCounts(r io.Reader) (Series, error) {
	type row struct {
		at     time.Time
		n, neg int
		line   int
	}
	var (
		rows    []row
		withNeg = -1 // unknown until the first row
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxCountLine)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := splitCountRow(text)
		if len(fields) < 2 || len(fields) > 3 {
			return Series{}, fmt.Errorf("%w: line %d: %q: want timestamp,count or timestamp,count,negative", vigie.ErrInvalid, line, clip(text))
		}
		at, err := parseStamp(fields[0])
		if err != nil {
			if len(rows) == 0 && withNeg < 0 && !startsWithDigit(fields[0]) {
				continue // a header
			}
			return Series{}, fmt.Errorf("%w: line %d: %v", vigie.ErrInvalid, line, err)
		}
		n, err := parseCount(fields[1])
		if err != nil {
			return Series{}, fmt.Errorf("%w: line %d: count %v", vigie.ErrInvalid, line, err)
		}
		rw := row{at: at, n: n, line: line}
		has := 0
		if len(fields) == 3 {
			has = 1
			if rw.neg, err = parseCount(fields[2]); err != nil {
				return Series{}, fmt.Errorf("%w: line %d: negative count %v", vigie.ErrInvalid, line, err)
			}
			if rw.neg > rw.n {
				return Series{}, fmt.Errorf("%w: line %d: %d negative of %d mentions: the negative count is part of the count", vigie.ErrInvalid, line, rw.neg, rw.n)
			}
		}
		if withNeg >= 0 && has != withNeg {
			return Series{}, fmt.Errorf("%w: line %d: every row needs the same columns (the first row had %d)", vigie.ErrInvalid, line, 2+withNeg)
		}
		withNeg = has
		if len(rows) == MaxCountRows {
			return Series{}, fmt.Errorf("%w: more than %d rows; cut the history to a year of minutes or use coarser intervals", vigie.ErrInvalid, MaxCountRows)
		}
		rows = append(rows, rw)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Series{}, fmt.Errorf("%w: line %d is longer than %d bytes: is this a CSV of counts?", vigie.ErrInvalid, line+1, maxCountLine)
		}
		return Series{}, err
	}
	if len(rows) < 2 {
		return Series{}, fmt.Errorf("%w: %d rows of counts; a history needs two or more", vigie.ErrInvalid, len(rows))
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].at.Before(rows[j].at) })
	var step time.Duration
	for i := 1; i < len(rows); i++ {
		if d := rows[i].at.Sub(rows[i-1].at); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	if step == 0 {
		return Series{}, fmt.Errorf("%w: every row has the same timestamp", vigie.ErrInvalid)
	}
	if step > time.Hour || time.Hour%step != 0 {
		return Series{}, fmt.Errorf("%w: rows are %s apart; counts per interval of an hour or less that divides the hour (1, 5, 10, 15, 30, 60 minutes) are needed", vigie.ErrInvalid, step)
	}
	s := Series{Start: rows[0].at, Step: step}
	span := rows[len(rows)-1].at.Sub(s.Start)
	if span/step >= MaxCountRows {
		return Series{}, fmt.Errorf("%w: %.0f days between the first and last rows at a step of %s is over %d intervals", vigie.ErrInvalid,
			rows[len(rows)-1].at.Sub(rows[0].at).Hours()/24, step, MaxCountRows)
	}
	s.N = make([]int, span/step+1)
	if withNeg == 1 {
		s.Neg = make([]int, len(s.N))
	}
	for _, rw := range rows {
		off := rw.at.Sub(s.Start)
		if off%step != 0 {
			return Series{}, fmt.Errorf("%w: line %d: %s is not on the %s grid the other rows follow (from %s)", vigie.ErrInvalid, rw.line, rw.at.Format(time.RFC3339), step, s.Start.Format(time.RFC3339))
		}
		i := int(off / step)
		s.N[i] += rw.n
		if s.Neg != nil {
			s.Neg[i] += rw.neg
		}
		if s.N[i] > maxCountValue {
			return Series{}, fmt.Errorf("%w: line %d: the interval's count is over %d", vigie.ErrInvalid, rw.line, maxCountValue)
		}
	}
	return s, nil
}

func splitCountRow(s string) []string {
	sep := ","
	switch {
	case strings.Contains(s, "\t"):
		sep = "\t"
	case strings.Contains(s, ";"):
		sep = ";"
	}
	f := strings.Split(s, sep)
	for i := range f {
		f[i] = strings.Trim(strings.TrimSpace(f[i]), `"`)
	}
	return f
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func parseStamp(s string) (time.Time, error) {
	if s != "" && strings.Trim(s, "0123456789") == "" && len(s) <= 12 {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return time.Unix(sec, 0).UTC(), nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1970 || t.Year() > 9999 {
				return time.Time{}, fmt.Errorf("timestamp %q is out of range", clip(s))
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q: use RFC 3339 (2026-11-02T14:05:00Z), 2026-11-02 14:05 (UTC) or Unix seconds", clip(s))
}

func parseCount(s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxCountValue {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f >= 0 && f <= maxCountValue && f == float64(int64(f)) {
			return int(f), nil
		}
		return 0, fmt.Errorf("%q is not a whole number of mentions from 0 to %d", clip(s), int64(maxCountValue))
	}
	return int(n), nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

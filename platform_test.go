package vigie

import (
	"errors"
	"strings"
	"testing"
)

func TestValidMonitorID(t *testing.T) {
	long := strings.Repeat("a", MaxMonitorID)
	for _, id := range []string{"m", "m-epfl", "m-00001", "epfl-brand-3f9a2c", "e003", "M_1.fr:brand", long} {
		if err := ValidMonitorID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for id, why := range map[string]string{
		"":         "no id",
		"..":       "'.' at position 1",
		".a":       "'.' at position 1",
		"a/b":      "'/' at position 2",
		"?x#y":     "'?' at position 1",
		"x#y":      "'#' at position 2",
		"a b":      "' ' at position 2",
		" a":       "' ' at position 1",
		"a\x00b":   `'\x00' at position 2`,
		"a\nb":     `'\n' at position 2`,
		"café":     "non-ASCII character at position 4",
		"-a":       "'-' at position 1",
		long + "a": "at most 64",
		"a%2Fb":    "'%' at position 2",
	} {
		err := ValidMonitorID(id)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v, want ErrInvalid saying %q", id, err, why)
		}
	}
	m := Monitor{ID: "a/b", Query: "x"}
	if err := m.Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Validate accepts id %q", m.ID)
	}
}

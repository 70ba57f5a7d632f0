package vigie

import "testing"

func TestKnownLanguage(t *testing.T) {
	for code, want := range map[string]bool{"fr": true, "de": true, "en": true, "it": true, "rm": true, "zh": true,
		"xx": false, "FR": false, "fra": false, "": false, "f": false, "qq": false, "zz": false} {
		if got := KnownLanguage(code); got != want {
			t.Errorf("KnownLanguage(%q) = %v, want %v", code, got, want)
		}
	}
	if n := len(iso639_1); n != 184 {
		t.Errorf("%d ISO 639-1 codes, want 184", n)
	}
}

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

// TestNormalizeLang: a declared language is kept as a known ISO 639-1
// code, whatever its case or region; anything else is dropped.
func TestNormalizeLang(t *testing.T) {
	for in, want := range map[string]string{"fr": "fr", "FR": "fr", " De ": "de", "fr-CH": "fr", "EN_us": "en", "no": "no",
		"xx": "", "english": "", "fra": "", "zz-ZZ": "", "": "", "-": "", "12": ""} {
		p := Post{Lang: in}
		changed := p.NormalizeLang()
		if p.Lang != want || changed != (in != want) {
			t.Errorf("NormalizeLang(%q) = %q (changed %v), want %q", in, p.Lang, changed, want)
		}
	}
}

package vigie

import "strings"

// iso639_1 holds every ISO 639-1 code (two letters), the language codes a
// post, a filter or a correction may carry.
var iso639_1 = func() map[string]bool {
	const codes = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
		"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
		"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt " +
		"lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt " +
		"qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to " +
		"tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
	m := map[string]bool{}
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// KnownLanguage reports whether code is an ISO 639-1 language code, in
// lower case ("fr", not "FR", "fra" or "xx").
func KnownLanguage(code string) bool { return iso639_1[code] }

// NormalizeLang keeps the language a post declares ("lang") only when it
// names a known language, as its ISO 639-1 code: "FR", "fr-CH" and "fr_ch"
// become "fr". Anything else ("xx", "english", "fra") is dropped, as if no
// language were declared: the post is kept, and its language is detected
// from its text. It reports whether it changed the field.
func (p *Post) NormalizeLang() bool {
	code := strings.ToLower(strings.TrimSpace(p.Lang))
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	if !KnownLanguage(code) {
		code = ""
	}
	if code == p.Lang {
		return false
	}
	p.Lang = code
	return true
}

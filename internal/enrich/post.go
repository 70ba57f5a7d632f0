package enrich

import (
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/enrich/lang"
	"github.com/vigie-project/vigie/internal/enrich/sentiment"
	"github.com/vigie-project/vigie/internal/text"
)

// Language returns the language of an analysed post: the detected one, with
// the source's declared language (any BCP 47 tag, "fr-CH") as a hint — a
// feed's declaration is often its site's default, not the post's truth —
// or the declared one when the text is too short to tell.
func Language(d *text.Doc, declared string) string {
	hint := DeclaredLang(declared)
	if r := lang.DetectHint(d.Plain, hint); r.Lang != "" {
		return r.Lang
	}
	return hint
}

// DeclaredLang reduces a declared language tag to its ISO 639-1 code:
// "fr-CH" → "fr", "EN_us" → "en"; anything else to "".
func DeclaredLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) != 2 || tag[0] < 'a' || tag[0] > 'z' || tag[1] < 'a' || tag[1] > 'z' {
		return ""
	}
	return tag
}

// Sentiment returns the sentiment of an analysed post written in lang.
func Sentiment(d *text.Doc, lang string) vigie.Sentiment {
	r := sentiment.Analyze(d.Plain, lang)
	return vigie.Sentiment{Label: r.Label, Score: r.Score}
}

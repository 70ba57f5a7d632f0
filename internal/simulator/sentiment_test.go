package simulator

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/enrich/sentiment"
)

var slotRE = regexp.MustCompile(`\{[^{}]*\}`)

// fillSimple fills a template's slots the simple way: negative and positive
// emoji slots get 😡 and 🎉, the neutral one nothing, every other slot
// "Valmont".
func fillSimple(tpl string) string {
	s := strings.NewReplacer("{emo-}", "😡", "{emo+}", "🎉", "{emo}", "").Replace(tpl)
	s = slotRE.ReplaceAllString(s, "Valmont")
	return strings.Join(strings.Fields(s), " ")
}

// TestTemplateSentiment checks that the sentiment model reads the demo
// stream as it is meant: per language, most complaint posts and crisis posts
// are negative and most praise posts positive.
func TestTemplateSentiment(t *testing.T) {
	type group struct {
		name, want string
		texts      byLang
	}
	crisis := byLang{}
	for _, sc := range scenarios {
		for lang, ps := range sc.posts {
			crisis[lang] = append(crisis[lang], ps...)
		}
	}
	groups := []group{
		{"complaint", sentiment.Negative, social["complaint"]},
		{"crisis", sentiment.Negative, crisis},
		{"praise", sentiment.Positive, social["praise"]},
	}
	for _, g := range groups {
		for _, lang := range []string{"en", "fr", "de", "it"} {
			tpls := g.texts[lang]
			if len(tpls) == 0 {
				t.Fatalf("%s: no %s templates", g.name, lang)
			}
			right := 0
			for _, tpl := range tpls {
				text := fillSimple(tpl)
				r := sentiment.Analyze(text, lang)
				if r.Label == g.want {
					right++
				} else {
					t.Logf("%s %s: %q → %s %+.2f", g.name, lang, text, r.Label, r.Score)
				}
			}
			t.Logf("%s %s: %d/%d %s", g.name, lang, right, len(tpls), g.want)
			if right*2 <= len(tpls) {
				t.Errorf("%s %s: only %d of %d posts are %s", g.name, lang, right, len(tpls), g.want)
			}
		}
	}
}

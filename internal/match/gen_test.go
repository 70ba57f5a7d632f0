package match

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// A small world so that random queries and random posts meet often: words in
// several surface forms, tags, mentions, links, languages.
var (
	genWords = []string{"epfl", "EPFL", "Epfl", "ethz", "ETHZ", "zurich", "Zürich", "ecole", "École", "lab",
		"ranking", "classement", "innovation", "innovative", "innov", "spam", "news", "robot", "robotique",
		"woman", "women", "wombat", "cafe", "café", "apple", "Apple", "APPLE", "nestle", "Nestlé", "jobs",
		"science", "sciences", "report", "rapport", "l'EPFL", "d’EPFL", "ETH-Zürich", "node.js", "東京", "京",
		"straße", "strasse", "Œuvre", "a", "b", "c", "x", "2026"}
	genFill  = []string{"the", "le", "der", "and", "et", "und", "is", "in", "on", "new", "today", "!!!", "—", ",", ".", "🙂", "(", ")"}
	genTags  = []string{"#epfl", "#EPFL", "#epflnews", "#innovation", "#Apple", "#lab_news", "#東京"}
	genMents = []string{"@epfl", "@EPFL", "@epfl_en", "@epfl@mastodon.social", "@ethz@sigmoid.social", "@alice.bsky.social", "@apple"}
	genURLs  = []string{"https://news.epfl.ch/x", "https://www.epfl.ch/research/labs", "https://epfl.com/a", "https://notepfl.ch/b",
		"http://ETHZ.ch/News?utm_source=x", "www.apple.com/fr/"}
	genHandles = []string{"@epfl@mastodon.social", "@epfl", "EPFL", "ethz", "@alice.bsky.social", "someone", ""}
	genLangs   = []string{"en", "fr", "de", "it", ""}
	genSources = []string{"rss", "mastodon", "bluesky", "reddit"}
)

func genPost(r *rand.Rand, id int) *vigie.Post {
	var b strings.Builder
	n := 1 + r.IntN(25)
	for i := 0; i < n; i++ {
		if i > 0 && r.IntN(6) != 0 {
			b.WriteByte(' ')
		}
		switch k := r.IntN(20); {
		case k < 9:
			b.WriteString(genWords[r.IntN(len(genWords))])
		case k < 14:
			b.WriteString(genFill[r.IntN(len(genFill))])
		case k < 16:
			b.WriteString(genTags[r.IntN(len(genTags))])
		case k < 18:
			b.WriteString(genMents[r.IntN(len(genMents))])
		default:
			b.WriteString(genURLs[r.IntN(len(genURLs))])
		}
	}
	p := &vigie.Post{
		ID: fmt.Sprintf("p%d", id), Source: genSources[r.IntN(len(genSources))],
		PublishedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Text:        b.String(),
		Lang:        genLangs[r.IntN(len(genLangs))],
		Author:      vigie.Author{Handle: genHandles[r.IntN(len(genHandles))]},
	}
	if r.IntN(3) == 0 {
		p.Title = genWords[r.IntN(len(genWords))] + " " + genWords[r.IntN(len(genWords))]
	}
	if r.IntN(4) == 0 {
		p.Links = []string{genURLs[r.IntN(len(genURLs))]}
	}
	if r.IntN(5) == 0 {
		p.Text = "<p>" + p.Text + "</p><script>epfl</script>"
	}
	return p
}

// Query atoms, written as users write them.
var (
	qWords    = []string{"epfl", "ethz", "zurich", "Zürich", "ecole", "lab", "ranking", "innovation", "spam", "news", "robot", "woman", "cafe", "apple", "nestlé", "jobs", "science", "report", "l'epfl", "eth-zurich", "node.js", "東京", "strasse", "oeuvre", "a", "b", "2026", "the"}
	qPatterns = []string{"innov*", "robot*", "wom?n", "sci*", "ep*", "rep?rt", "ca*e", "ranki*g"}
	qCase     = []string{"{Apple}", "{EPFL}", "{Nestlé}", "{apple}"}
	qTags     = []string{"#epfl", "#epflnews", "#innovation", "#apple", "#lab_news"}
	qMents    = []string{"@epfl", "@epfl_en", "@epfl@mastodon.social", "@alice.bsky.social", "@ethz"}
	qFields   = []string{"author:epfl", "author:@alice.bsky.social", "site:epfl.ch", "site:apple.com", "url:/research/", "url:utm_source"}
	qFilters  = []string{"lang:fr", "lang:en", "lang:(fr OR de)", "source:mastodon", "country:ch"}
)

// genQuery returns a random query of about depth d.
func genQuery(r *rand.Rand, d int) string {
	if d <= 0 || r.IntN(3) == 0 {
		return genAtom(r)
	}
	switch r.IntN(9) {
	case 0, 1:
		return genQuery(r, d-1) + " AND " + genQuery(r, d-1)
	case 2, 3:
		return "(" + genQuery(r, d-1) + " OR " + genQuery(r, d-1) + ")"
	case 4:
		return genQuery(r, d-1) + " " + genQuery(r, d-1)
	case 5:
		return genQuery(r, d-1) + " NOT " + genAtom(r)
	case 6:
		return genQuery(r, d-1) + " -" + genAtom(r)
	case 7:
		op := fmt.Sprintf(" NEAR/%d", 1+r.IntN(4))
		if r.IntN(3) == 0 {
			op += "f"
		}
		return "(" + genNearOperand(r) + op + " " + genNearOperand(r) + ")"
	default:
		return genQuery(r, d-1) + " " + qFilters[r.IntN(len(qFilters))]
	}
}

func genNearOperand(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return "(" + genWordish(r) + " OR " + genWordish(r) + ")"
	case 1:
		return `"` + qWords[r.IntN(len(qWords))] + " " + qWords[r.IntN(len(qWords))] + `"`
	}
	return genWordish(r)
}

func genWordish(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0:
		return qPatterns[r.IntN(len(qPatterns))]
	case 1:
		return qTags[r.IntN(len(qTags))]
	}
	return qWords[r.IntN(len(qWords))]
}

func genAtom(r *rand.Rand) string {
	switch r.IntN(14) {
	case 0:
		return qPatterns[r.IntN(len(qPatterns))]
	case 1:
		return qCase[r.IntN(len(qCase))]
	case 2:
		return qTags[r.IntN(len(qTags))]
	case 3:
		return qMents[r.IntN(len(qMents))]
	case 4:
		return qFields[r.IntN(len(qFields))]
	case 5:
		return `"` + qWords[r.IntN(len(qWords))] + " " + qWords[r.IntN(len(qWords))] + `"`
	case 6:
		return fmt.Sprintf(`"%s %s"~%d`, qWords[r.IntN(len(qWords))], qWords[r.IntN(len(qWords))], r.IntN(4))
	case 7:
		return "title:" + qWords[r.IntN(len(qWords))]
	case 8:
		return "title:(" + qWords[r.IntN(len(qWords))] + " OR " + genWordish(r) + ")"
	}
	return qWords[r.IntN(len(qWords))]
}

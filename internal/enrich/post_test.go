package enrich

import (
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

func TestDeclaredLang(t *testing.T) {
	for in, want := range map[string]string{"fr": "fr", "fr-CH": "fr", " EN_us ": "en", "": "", "french": "", "f": "", "1a": ""} {
		if got := DeclaredLang(in); got != want {
			t.Errorf("DeclaredLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLanguageHint(t *testing.T) {
	tests := []struct{ text, declared, want string }{
		{"Les étudiants de Valmont manifestent devant le rectorat ce matin", "en", "fr"}, // the text wins
		{"", "de-CH", "de"}, // nothing to detect: the declared language stays
		{"👍 🎉", "it", "it"}, // no letters
		{"", "", ""},
		{"Rival is bad", "", ""},     // a guess (Estonian, 0.18): unknown rather than wrong
		{"Rival is bad", "en", "en"}, // the declared language decides
		{"merci beaucoup", "", "fr"}, // short but sure
		{"Great news", "", "en"},     // 0.64
	}
	for _, tt := range tests {
		d := text.Analyze(&vigie.Post{Text: tt.text})
		if got := Language(d, tt.declared); got != tt.want {
			t.Errorf("Language(%q, declared %q) = %q, want %q", tt.text, tt.declared, got, tt.want)
		}
	}
}

// enrichPosts are tweet-length posts in the languages Vigie meets most.
var enrichPosts = []vigie.Post{
	{Text: "RT @uval: La Université de Valmont ouvre un nouveau centre de robotique pour les étudiants 🤖 #robotique https://news.uval.example/robotique?utm_source=bsky"},
	{Text: "Honestly the new library at Valmont is amazing, best place to study on campus! #studentlife"},
	{Text: "Die Prüfungsplattform der Uni ist schon wieder ausgefallen. Nicht gut, gar nicht gut @uval_news"},
	{Text: "Non è accettabile: la mensa dell'università è chiusa da una settimana e nessuno risponde"},
	{Title: "Valmont researchers win EU grant", Text: "The University of Valmont received a €2.5M grant to study glacier melt in the Alps, the university said on Tuesday. via @swissinfo"},
	{Text: "La universidad de Valmont anuncia nuevas becas para estudiantes internacionales 🎓"},
}

// BenchmarkEnrichPost is the per-post cost of enrichment on one core:
// language, sentiment, simhash and entities of an analysed post.
func BenchmarkEnrichPost(b *testing.B) {
	docs := make([]*text.Doc, len(enrichPosts))
	for i := range enrichPosts {
		docs[i] = text.Analyze(&enrichPosts[i])
	}
	Sentiment(docs[0], Language(docs[0], "")) // load the models
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d := docs[i%len(docs)]
		l := Language(d, "")
		Sentiment(d, l)
		Simhash(d)
		Extract(d)
		i++
	}
}

func TestPrefix(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"aé", 2, "a"}, {"éé", 3, "é"}, {"", 0, ""}} {
		if got := prefix(tt.s, tt.n); got != tt.want {
			t.Errorf("prefix(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

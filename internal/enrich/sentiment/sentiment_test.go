package sentiment

import (
	"math"
	"slices"
	"sync"
	"testing"
)

func checkResult(t testing.TB, text, lang string, r Result) {
	t.Helper()
	if math.IsNaN(r.Score) || r.Score < -1 || r.Score > 1 {
		t.Fatalf("Analyze(%q, %q): score %v out of [-1, 1]", text, lang, r.Score)
	}
	switch r.Label {
	case Positive:
		if r.Score <= 0 {
			t.Fatalf("Analyze(%q, %q) = %+v: positive label with score ≤ 0", text, lang, r)
		}
	case Negative:
		if r.Score >= 0 {
			t.Fatalf("Analyze(%q, %q) = %+v: negative label with score ≥ 0", text, lang, r)
		}
	case Neutral:
	default:
		t.Fatalf("Analyze(%q, %q): bad label %q", text, lang, r.Label)
	}
}

func analyze(t *testing.T, text, lang string) Result {
	t.Helper()
	r := Analyze(text, lang)
	checkResult(t, text, lang, r)
	return r
}

func TestModelLoads(t *testing.T) {
	if err := LoadError(); err != nil {
		t.Fatal(err)
	}
	if got := Languages(); !slices.Equal(got, []string{"en", "fr", "de", "it", "es", "pt"}) {
		t.Errorf("Languages() = %v", got)
	}
	if !slices.Contains(LexiconLanguages(), "nl") {
		t.Errorf("LexiconLanguages() = %v, want nl in it", LexiconLanguages())
	}
}

// label cases: the label a text must get.
type labelCase struct {
	lang, text, want string
}

func TestLabels(t *testing.T) {
	cases := []labelCase{
		// English
		{"en", "This movie is good, I loved it", Positive},
		{"en", "This movie is not good at all", Negative},
		{"en", "I hate this, worst service ever", Negative},
		{"en", "The meeting is scheduled for Tuesday at 3pm", Neutral},
		{"en", "Just finished the game 😍😍", Positive},
		{"en", "My flight got cancelled again #fail", Negative},
		{"en", "Spending the weekend with my family #love", Positive},
		{"en", "The food was great but the service was terrible", Negative},
		// French
		{"fr", "Ce film est vraiment bon, j'ai adoré", Positive},
		{"fr", "Ce film n'est pas bon du tout", Negative},
		{"fr", "Quel service nul, je suis déçu", Negative},
		{"fr", "Le produit est bien mais le service est nul", Negative},
		{"fr", "Encore une panne de train #JeSuisFurieux", Negative},
		{"fr", "Super soirée avec les amis 😂❤️", Positive},
		// German
		{"de", "Das Essen war sehr gut, ich bin begeistert", Positive},
		{"de", "Das Essen war nicht gut", Negative},
		{"de", "So ein schrecklicher Tag, alles ist schiefgelaufen", Negative},
		{"de", "Das Hotel war schön, aber das Personal war unfreundlich", Negative},
		{"de", "Endlich Wochenende 😊", Positive},
		// Italian
		{"it", "Questo film è molto bello, lo adoro", Positive},
		{"it", "Questo film non è bello", Negative},
		{"it", "Che schifo, servizio pessimo", Negative},
		{"it", "Il prodotto è buono ma il servizio è pessimo", Negative},
		{"it", "Grazie mille a tutti! 😍", Positive},
		// Best effort: es, pt, nl and unknown languages.
		{"es", "Me encanta esta canción, es maravillosa 😍", Positive},
		{"pt", "Que dia horrível, odeio isso 😡", Negative},
		{"nl", "Wat een geweldige dag 😍", Positive},
		{"", "😡😡😡", Negative},
		{"xx", "😍😍 ❤️", Positive},
	}
	for _, c := range cases {
		if r := analyze(t, c.text, c.lang); r.Label != c.want {
			t.Errorf("Analyze(%q, %q) = %+v, want %s", c.text, c.lang, r, c.want)
		}
	}
}

// less cases: the first text must score strictly lower than the second.
func TestOrder(t *testing.T) {
	cases := []struct{ lang, lower, higher string }{
		// negation
		{"en", "not good", "good"},
		{"en", "this is bad", "this is not bad"},
		{"fr", "pas bon", "bon"},
		{"fr", "ce n'est pas génial", "c'est génial"},
		{"fr", "je n'aime jamais ça", "j'aime ça"},
		{"de", "nicht gut", "gut"},
		{"de", "das ist kein guter Film", "das ist ein guter Film"},
		{"it", "non è bello", "è bello"},
		{"it", "non mi piace mai", "mi piace"},
		// intensifiers
		{"en", "good", "very good"},
		{"fr", "bien", "très bien"},
		{"de", "gut", "sehr gut"},
		{"it", "bello", "molto bello"},
		{"en", "very bad", "bad"},
		{"fr", "très mauvais", "mauvais"},
		// emoji and emoticons
		{"en", "the concert tonight", "the concert tonight 😍"},
		{"en", "the concert tonight 😡", "the concert tonight"},
		{"fr", "le concert ce soir :(", "le concert ce soir :)"},
		{"de", "das Konzert heute 😭", "das Konzert heute 😂"},
		{"it", "il concerto stasera", "il concerto stasera ❤️"},
		{"xx", "abc 😡", "abc 😍"},
		// contrast: the clause after "but" weighs more
		{"en", "the food is good but the service is terrible", "the food is terrible but the service is good"},
		{"fr", "le produit est bien mais le service est nul", "le service est nul mais le produit est bien"},
		{"de", "das Essen ist gut aber der Service ist schlecht", "der Service ist schlecht aber das Essen ist gut"},
		{"it", "il cibo è buono ma il servizio è pessimo", "il servizio è pessimo ma il cibo è buono"},
		{"it", "il cibo è buono però il servizio è pessimo", "il servizio è pessimo però il cibo è buono"},
		// hashtags, camel case split
		{"en", "monday morning #fail", "monday morning #love"},
		{"fr", "lundi matin #JeSuisFurieux", "lundi matin"},
		{"en", "new phone #WorstDayEver", "new phone #BestDayEver"},
	}
	for _, c := range cases {
		lo, hi := analyze(t, c.lower, c.lang), analyze(t, c.higher, c.lang)
		if !(lo.Score < hi.Score) {
			t.Errorf("%s: %q → %+v should score lower than %q → %+v", c.lang, c.lower, lo, c.higher, hi)
		}
	}
}

func TestContrastNegativeLeaning(t *testing.T) {
	for _, c := range []struct{ lang, text string }{
		{"fr", "le produit est bien mais le service est nul"},
		{"en", "the product is fine but the service is awful"},
		{"de", "das Produkt ist gut aber der Service ist schrecklich"},
		{"it", "il prodotto è bello ma il servizio è pessimo"},
	} {
		if r := analyze(t, c.text, c.lang); r.Score >= 0 {
			t.Errorf("%s: %q → %+v, want a negative score", c.lang, c.text, r)
		}
	}
}

func TestTokenizeHashtag(t *testing.T) {
	sc := &scratch{}
	m := defaultModel()
	tokenize("#JeSuisFurieux #fail #JSONParser2024 #no_way @user http://x.y/z don't l'amour", sc, &m.emoticons)
	var got []string
	for i := range sc.toks {
		tk := &sc.toks[i]
		switch tk.kind {
		case tkWord:
			got = append(got, sc.str(tk))
		case tkHashtag:
			got = append(got, "#"+sc.str(tk))
		case tkMention:
			got = append(got, "@")
		case tkURL:
			got = append(got, "URL")
		}
	}
	want := []string{"#jesuisfurieux", "je", "suis", "furieux", "#fail", "fail", "#jsonparser2024", "json", "parser", "2024",
		"#no_way", "no", "way", "@", "URL", "do", "not", "l", "amour"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens = %q\nwant %q", got, want)
	}
}

func TestEdgeCases(t *testing.T) {
	for _, s := range []string{"", " ", "!!!", "http", "@user", "#", "😀", "\xff\xfe", "ÉNORME!!!", "loooooove", ":-)", "<3"} {
		for _, lang := range []string{"en", "fr", "", "fr-CA", "ZZ"} {
			analyze(t, s, lang)
		}
	}
	if r := Analyze("", "en"); r.Label != Neutral {
		t.Errorf("empty text: %+v", r)
	}
}

func TestConcurrent(t *testing.T) {
	texts := benchTexts()
	want := make([]Result, len(texts))
	for i, s := range texts {
		want[i] = Analyze(s.text, s.lang)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				for i, s := range texts {
					if got := Analyze(s.text, s.lang); got != want[i] {
						t.Errorf("concurrent Analyze(%q) = %+v, want %+v", s.text, got, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range benchTexts() {
		f.Add(s.text, s.lang)
	}
	f.Add("#JeSuisFurieux :-( pas bon", "fr")
	f.Add("\u200d\ufe0f🏻#_@", "")
	f.Fuzz(func(t *testing.T, text, lang string) {
		checkResult(t, text, lang, Analyze(text, lang))
		checkResult(t, text, lang, AnalyzeLexicon(text, lang))
	})
}

type benchText struct{ text, lang string }

// benchTexts are tweet-length posts written for the benchmark and tests.
func benchTexts() []benchText {
	return []benchText{
		{"Just got my new phone and honestly the battery life is amazing, best upgrade in years 😍 #happy", "en"},
		{"@user the train was late AGAIN this morning, third time this week. Not impressed at all http", "en"},
		{"Le nouveau restaurant en bas de chez moi est vraiment top, mais le service est un peu lent…", "fr"},
		{"Je n'arrive pas à croire qu'ils aient annulé la série, c'est n'importe quoi #JeSuisFurieux", "fr"},
		{"Heute endlich die Ergebnisse bekommen und alles bestanden!!! Ich bin so erleichtert 😊", "de"},
		{"Der Kundenservice ist echt eine Katastrophe, seit zwei Wochen keine Antwort. Nie wieder.", "de"},
		{"Che bella giornata al mare con gli amici, non vedo l'ora di tornarci ☀️", "it"},
		{"Il governo annuncia nuove misure per l'economia, ma i dettagli non sono ancora chiari http", "it"},
		{"Hoy es un gran día para salir con amigos 😂", "es"},
		{"Meeting notes from today's planning session are in the shared folder", ""},
	}
}

func BenchmarkAnalyze(b *testing.B) {
	texts := benchTexts()
	Analyze("warm up", "en")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := texts[i%len(texts)]
		Analyze(s.text, s.lang)
	}
}

package lang

import (
	"slices"
	"strings"
	"testing"
)

// Hand-written, tweet-like samples (written for these tests).
var shortTexts = []Sample{
	{"Je suis trop content de vous retrouver ce soir au concert, merci à tous !", "fr"},
	{"Quelle journée… le train est encore en retard ce matin #SNCF", "fr"},
	{"Ich habe heute keine Lust auf die Arbeit, das Wetter ist einfach zu schön.", "de"},
	{"Warum ist die Bahn schon wieder zu spät? Unglaublich! @user", "de"},
	{"Stasera andiamo tutti a mangiare la pizza da Mario, chi viene?", "it"},
	{"Che bella giornata oggi a Roma, il sole splende finalmente!", "it"},
	{"Just landed in Paris, can't wait to explore the city this weekend!", "en"},
	{"This is the worst customer service I have ever seen. Never again. http://t.co/x", "en"},
	{"¿Alguien sabe a qué hora empieza el partido del Real Madrid mañana?", "es"},
	{"Qué ganas tengo de que lleguen las vacaciones de verano 😍", "es"},
	{"Não acredito que o jogo acabou empatado de novo, que vergonha!", "pt"},
	{"Bom dia a todos, hoje vai ser um dia incrível #segunda", "pt"},
	{"Vanavond gaan we met de hele familie uit eten, ik heb er zin in!", "nl"},
	{"Waarom duurt het altijd zo lang voordat de trein komt?", "nl"},
	{"Dzisiaj jest piękna pogoda, idziemy na spacer do parku.", "pl"},
	{"Idag är det fint väder, vi ska gå till stranden.", "sv"},
	{"Сегодня отличная погода, идём гулять в парк.", "ru"},
	{"Сьогодні чудова погода, ми йдемо гуляти в парк.", "uk"},
	{"الطقس جميل اليوم، سنذهب إلى الحديقة", "ar"},
	{"Ο καιρός είναι υπέροχος σήμερα", "el"},
	{"今日はとても良い天気ですね", "ja"},
	{"今天天气很好，我们去公园散步吧", "zh"},
	{"오늘 날씨가 정말 좋네요", "ko"},
	{"שלום לכולם, מה שלומכם היום?", "he"},
}

func TestDetectShortTexts(t *testing.T) {
	for _, s := range shortTexts {
		if got := Detect(s.Text); got != s.Lang {
			t.Errorf("Detect(%q) = %q, want %q", s.Text, got, s.Lang)
		}
	}
}

func TestDetectNothing(t *testing.T) {
	for _, s := range []string{
		"", "   ", "😂😂😂 🔥", "http://example.com/page", "https://t.co/abc123 http",
		"@user @another_user", "12:45 — 3/4 !!!", "#1", "ok", "www.example.org", "a@b.com",
	} {
		if got := DetectHint(s, "fr"); got.Lang != "" {
			t.Errorf("DetectHint(%q) = %+v, want no language", s, got)
		}
	}
}

func TestHint(t *testing.T) {
	// Ambiguous short texts follow the hint…
	for _, c := range []struct{ text, hint string }{
		{"Hotel Restaurant", "nl"},
		{"Final Destination", "en"},
		{"Radio Nacional", "es"},
		{"Radio Nacional", "pt"},
		{"Ok, super!", "fr"},
		{"Ok, super!", "de"},
	} {
		if got := DetectHint(c.text, c.hint); got.Lang != c.hint {
			t.Errorf("DetectHint(%q, %q) = %+v, want the hint", c.text, c.hint, got)
		}
	}
	// …a clear text ignores a wrong one.
	for _, s := range shortTexts {
		for _, hint := range []string{"en", "de", "pt-BR", "no"} {
			if hint[:2] == s.Lang {
				continue
			}
			if got := DetectHint(s.Text, hint); got.Lang != s.Lang {
				t.Errorf("DetectHint(%q, %q) = %+v, want %q", s.Text, hint, got, s.Lang)
			}
		}
	}
	// Norwegian aliases and tags.
	for _, hint := range []string{"no", "nb", "nn", "NO", "nb-NO"} {
		if got := normHint(hint); got != "nb" {
			t.Errorf("normHint(%q) = %q", hint, got)
		}
	}
	if got := normHint("pt-BR"); got != "pt" {
		t.Errorf("normHint(pt-BR) = %q", got)
	}
}

func TestConfidence(t *testing.T) {
	clear := DetectHint("Ich habe heute keine Lust auf die Arbeit, das Wetter ist einfach zu schön.", "")
	vague := DetectHint("Hotel Restaurant", "")
	if clear.Confidence < 0.95 || clear.Confidence > 1 {
		t.Errorf("clear text: confidence %v", clear.Confidence)
	}
	if vague.Confidence >= clear.Confidence || vague.Confidence <= 0 {
		t.Errorf("vague text: confidence %v (clear %v)", vague.Confidence, clear.Confidence)
	}
}

func TestSupported(t *testing.T) {
	s := Supported()
	if !slices.IsSorted(s) {
		t.Errorf("not sorted: %v", s)
	}
	for _, l := range []string{"ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "he", "hr", "hu", "it", "ja", "ko", "lt", "lv", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr", "uk", "zh"} {
		if !slices.Contains(s, l) {
			t.Errorf("%s not supported", l)
		}
	}
	if slices.Contains(s, "no") {
		t.Error(`"no" is only a hint alias`)
	}
}

func TestConcurrent(t *testing.T) {
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			ok := true
			for i := 0; i < 200; i++ {
				s := shortTexts[i%len(shortTexts)]
				ok = ok && Detect(s.Text) == s.Lang
			}
			done <- ok
		}()
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Error("wrong answer under concurrency")
		}
	}
}

func TestNoAllocs(t *testing.T) {
	text := shortTexts[0].Text
	Detect(text)
	if n := testing.AllocsPerRun(100, func() { DetectHint(text, "fr-FR") }); n != 0 {
		t.Errorf("%v allocations per detection", n)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range shortTexts {
		f.Add(s.Text, s.Lang)
	}
	f.Add("@user http #tag &amp; 123", "")
	f.Add("\xff\xfe broken utf-8 \xc3", "xx")
	f.Fuzz(func(t *testing.T, text, hint string) {
		r := DetectHint(text, hint)
		if r.Confidence < 0 || r.Confidence > 1 || r.Confidence != r.Confidence {
			t.Fatalf("confidence %v", r.Confidence)
		}
		if r.Lang == "" {
			return
		}
		if !slices.Contains(def().supported, r.Lang) {
			t.Fatalf("unsupported answer %q", r.Lang)
		}
	})
}

// benchTexts are tweet-length texts written for the benchmark.
var benchTexts = []string{
	"@user Je ne comprends vraiment pas pourquoi la mairie a fermé la piscine tout l'été, c'est n'importe quoi #Lyon http",
	"Heute Abend spielt Bayern gegen Dortmund und ich habe noch keine Karten. Wer kann mir helfen? @user",
	"Finally finished my thesis after three years of hard work! Time to celebrate with friends tonight 🎉🎉",
	"Oggi sono andato al mercato e ho comprato delle fragole buonissime, domani faccio una torta per la nonna",
	"No me puedo creer que hayan cancelado el concierto a última hora, llevaba meses esperando 😡 #fail",
	"Alguém sabe se o metrô vai funcionar amanhã durante a greve? Preciso chegar cedo no trabalho http",
	"Wat een prachtige zonsondergang vanavond aan het strand van Scheveningen, echt genieten!",
	"Rząd zapowiedział nowe przepisy dotyczące transportu publicznego, które wejdą w życie w styczniu.",
}

func BenchmarkDetect(b *testing.B) {
	Detect("warm up")
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		t := benchTexts[i%len(benchTexts)]
		n += len(t)
		Detect(t)
	}
}

// TestLongText: a very long text is judged on its beginning, without the
// scores overflowing.
func TestLongText(t *testing.T) {
	long := strings.Repeat("Les étudiants de l'université manifestent devant le rectorat ce matin. ", 60000) // ≈ 4 MB
	if got := Detect(long); got != "fr" {
		t.Fatalf("Detect(4 MB of French) = %q", got)
	}
}

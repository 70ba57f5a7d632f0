package sentiment

import "testing"

// domainCases are posts written for this test in the style of a university's
// social media (the demo stream of internal/simulator is about the fictional
// Université de Valmont): complaints, crisis reactions, praise, and neutral
// questions and announcements. It is the in-domain regression test of the
// curated lexicon (curated.go).
var domainCases = []labelCase{
	// Complaints and crisis reactions.
	{"fr", "Inadmissible.", Negative},
	{"fr", "Honteux.", Negative},
	{"fr", "J'ai reçu le mail aussi 😡", Negative},
	{"fr", "Piratage à l'Université de Valmont, les données des étudiants dans la nature. Qui est responsable ? 😡", Negative},
	{"fr", "ValmontX en panne en plein examen, on fait comment ?! 😡 #ValmontXdown", Negative},
	{"fr", "Le serveur de l'Université de Valmont est en panne", Negative},
	{"fr", "Le wifi de la bibliothèque ne marche toujours pas, c'est lamentable", Negative},
	{"fr", "Fuite de données à l'Université de Valmont : c'est un scandale", Negative},
	{"de", "Unfassbar.", Negative},
	{"de", "Bei mir auch 😡", Negative},
	{"de", "Valmont was ist mit dem Datenleck? Wir wollen sofort Antworten! 😡", Negative},
	{"de", "Schon wieder ist die Mensa der Valmont völlig überfüllt 😡", Negative},
	{"de", "Seit drei Wochen keine Antwort vom Sekretariat der Uni Valmont. Eine Frechheit.", Negative},
	{"de", "Skandal.", Negative},
	{"en", "Disgraceful.", Negative},
	{"en", "Got the email too 😡", Negative},
	{"en", "Valmont University got hacked and our records are out there. Unacceptable.", Negative},
	{"en", "Another outage of the Valmont student portal during registration 👎", Negative},
	{"en", "😡", Negative},
	{"it", "Inaccettabile.", Negative},
	{"it", "Vergogna.", Negative},
	{"it", "Anche per me 😡", Negative},
	{"it", "Ennesimo disservizio all'Università di Valmont, mensa chiusa senza preavviso", Negative},
	{"it", "Scandalo all'Università di Valmont: fuga di dati degli studenti", Negative},
	// Praise and thanks.
	{"en", "Shout-out to the Valmont Student Desk, problem solved in ten minutes 🎉", Positive},
	{"en", "Congrats to all Valmont University graduates! 🎓🎉", Positive},
	{"en", "Thanks Valmont University for a perfect open day 👏", Positive},
	{"fr", "Merci au guichet étudiant de l'Université de Valmont, problème réglé en dix minutes 🎉", Positive},
	{"fr", "Bravo à toute l'équipe de l'Université de Valmont, félicitations !", Positive},
	{"fr", "Génial, la nouvelle bibliothèque de l'Université de Valmont est ouverte 😍", Positive},
	{"de", "Danke ans Studierendensekretariat der Universität Valmont, Problem in zehn Minuten gelöst 🎉", Positive},
	{"de", "Herzlichen Glückwunsch an alle Absolventinnen und Absolventen der Uni Valmont! 🥳", Positive},
	{"de", "Super Vortrag heute an der Uni Valmont 👍", Positive},
	{"it", "Complimenti all'Università di Valmont per la cerimonia di laurea 👏", Positive},
	{"it", "Grazie mille allo sportello studenti dell'Università di Valmont, fantastico! 🎉", Positive},
	// Neutral questions and announcements.
	{"en", "Does anyone know if the Valmont Student Desk is open on Saturdays?", Neutral},
	{"en", "Valmont University Open Days on Saturday 14 March, programme on the website", Neutral},
	{"fr", "Quelqu'un sait si le guichet étudiant de l'Université de Valmont est ouvert le samedi ?", Neutral},
	{"fr", "Les inscriptions au semestre de printemps de l'Université de Valmont ferment le 15 mars.", Neutral},
	{"de", "Wie bekomme ich eine Immatrikulationsbestätigung der Universität Valmont auf Englisch?", Neutral},
	{"de", "Öffentlicher Vortrag am Donnerstag in der Aula der Universität Valmont", Neutral},
	{"it", "Qualcuno sa se lo sportello studenti dell'Università di Valmont è aperto il sabato?", Neutral},
	{"it", "Le iscrizioni all'Università di Valmont per il semestre primaverile chiudono il 15 marzo.", Neutral},
}

// domainKnownMisses are cases of domainCases the model still gets wrong.
// Both are neutral announcements that the weights read as polar (neutral is
// the model's weakest class, README.md); the curated lexicon, which lists
// strongly polar words only, does not address them. They are reported, not
// asserted.
var domainKnownMisses = map[string]bool{
	"Quelqu'un sait si le guichet étudiant de l'Université de Valmont est ouvert le samedi ?":  true,
	"Les inscriptions au semestre de printemps de l'Université de Valmont ferment le 15 mars.": true,
}

func TestDomainLabels(t *testing.T) {
	right := 0
	for _, c := range domainCases {
		r := analyze(t, c.text, c.lang)
		switch {
		case r.Label == c.want:
			right++
			if domainKnownMisses[c.text] {
				t.Logf("known miss now right: %q (%s) = %s %+.2f", c.text, c.lang, r.Label, r.Score)
			}
		case domainKnownMisses[c.text]:
			t.Logf("known miss: Analyze(%q, %q) = %s %+.2f, want %s", c.text, c.lang, r.Label, r.Score, c.want)
		default:
			t.Errorf("Analyze(%q, %q) = %s %+.2f, want %s", c.text, c.lang, r.Label, r.Score, c.want)
		}
	}
	t.Logf("%d of %d in-domain posts labelled as expected", right, len(domainCases))
}

// TestCuratedOverrides checks that the model holds the curated polarities
// where they disagree with the shipped lexicons.
func TestCuratedOverrides(t *testing.T) {
	m := defaultModel()
	if m == nil {
		t.Fatal(LoadError())
	}
	for _, c := range []struct {
		lang, word string
		want       float32
	}{
		{"fr", "inadmissible", -0.8}, // Pattern fr: +0.30
		{"fr", "panne", -0.6},        // in no shipped lexicon
		{"de", "danke", 0.7},         // shipped: +1.0
		{"", "inadmissible", -0.8},   // the union used for other languages
	} {
		li := m.gen.li
		if c.lang != "" {
			li = m.modes[c.lang].li
		}
		if p, ok := li.lex[c.word]; !ok || p != c.want || !li.isCurated(c.word) {
			t.Errorf("%s %q: polarity %v (%v, curated %v), want curated %v", c.lang, c.word, p, ok, li.isCurated(c.word), c.want)
		}
	}
	if p := m.emoji['😡']; p != -0.8 {
		t.Errorf("😡: polarity %v, want -0.8", p)
	}
	if p := m.emoji['🔥']; p != 0.3 {
		t.Errorf("🔥: polarity %v, want 0.3", p)
	}
}

// TestCuratedPhrases checks phrase matching, across a hyphen too, and the
// adjective reading of "nul".
func TestCuratedPhrases(t *testing.T) {
	for _, c := range []labelCase{
		{"en", "shout-out", Positive},
		{"en", "shout out", Positive},
		{"fr", "l'imprimante est hors service", Negative},
		{"it", "la stampante è fuori servizio", Negative},
		{"fr", "le service est nul.", Negative},
	} {
		if r := analyze(t, c.text, c.lang); r.Label != c.want {
			t.Errorf("Analyze(%q, %q) = %+v, want %s", c.text, c.lang, r, c.want)
		}
	}
	if _, err := parseCurated(map[string]string{"fr": "-0.8 honte, honte"}); err == nil {
		t.Error("parseCurated accepted a duplicate")
	}
}

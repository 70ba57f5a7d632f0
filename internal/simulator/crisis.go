package simulator

import (
	"math"
	"time"

	"github.com/vigie-project/vigie"
)

// A crisis is a burst of negative posts about one incident on top of the
// normal stream. Its random posts arrive at up to crisisPeak times the
// daytime peak rate (times its size, 1 for the demo's): the intensity
// ramps up over the first minutes, peaks about three minutes in, then
// falls by a factor e every crisisDecay — a third of the peak after 15
// minutes, under a tenth after 30, nothing after crisisLength. Scripted posts (news articles, the institution's statement)
// come at fixed delays.
const (
	crisisPeak   = 6.0
	crisisRamp   = 90 * time.Second
	crisisDecay  = 10 * time.Minute
	crisisLength = 90 * time.Minute
)

// peak is the rate of the crisis's random posts at full intensity, the
// normal stream's daytime peak being rate. At size 1 it is exactly
// crisisPeak × rate, so the demo's crisis draws what it always drew.
func (k *crisis) peak(rate float64) float64 { return crisisPeak * k.size * rate }

// crisisShape is the crisis's intensity, between 0 and 1, d after it began.
func crisisShape(d time.Duration) float64 {
	if d < 0 || d > crisisLength {
		return 0
	}
	return (1 - math.Exp(-d.Seconds()/crisisRamp.Seconds())) * math.Exp(-d.Seconds()/crisisDecay.Seconds())
}

// scenario is the script of one kind of crisis.
type scenario struct {
	kind    string
	posts   byLang // what people post about it; each names the institution close to the problem
	replies byLang
	script  []scripted
}

// scripted is a post published at a fixed delay after the crisis began.
type scripted struct {
	after  time.Duration
	source string // rss, mastodon, bluesky, youtube, hackernews
	by     string // account key or handle of org.go, the outlet's domain for rss; "" for anyone
	lang   string
	post   article
}

var scenarios = []scenario{
	{
		kind: "data-leak",
		posts: byLang{
			"fr": {
				"Fuite de données à l'{uni} : nos noms et adresses seraient en ligne ?! {emo-}",
				"Je viens de recevoir un mail de l'{uni} : mes données ont fuité. Personne n'a prévenu avant ?! 😡",
				"{@uval} c'est quoi cette fuite de données ? On attend des explications. {emo-}",
				"Fuite massive à l'{uni} : les dossiers de {k} 000 étudiants exposés. Honteux. #UVALleak",
				"Piratage à l'{uni}, les données des étudiants dans la nature. Qui est responsable ? {emo-}",
				"Franchement, confier nos données à l'{uni} après cette fuite… plus jamais. #UVALleak",
			},
			"de": {
				"Datenleck an der {uni}: Namen und Adressen von Studierenden im Netz?! {emo-}",
				"Gerade eine Mail der {uni}: meine Daten sind vom Datenleck betroffen 😡",
				"{@uval} was ist mit dem Datenleck? Wir wollen sofort Antworten! {emo-}",
				"Hackerangriff auf die {uni}: Daten von {k}'000 Studierenden offen im Netz. Skandal. #UVALleak",
				"Nach dem Datenleck an der {uni} frage ich mich, wer dafür verantwortlich ist.",
			},
			"en": {
				"Data breach at {uni}: student names and addresses leaked online?! {emo-}",
				"Just got an email from {uni}: my data was leaked. Nobody thought to warn us?! 😡",
				"{@uval} data leak?! What happened? We need answers now. {emo-}",
				"Massive {uni} leak: records of {k},000 students exposed. Shameful. #UVALleak",
				"{uni} got hacked and our student records are out there. Who is accountable? {emo-}",
			},
			"it": {
				"Fuga di dati all'{uni}: nomi e indirizzi degli studenti online?! {emo-}",
				"Appena ricevuta una mail dall'{uni}: violazione dei dati, anche i miei sono esposti 😡",
				"{@uval} cosa è successo con la fuga di dati? Vogliamo risposte! {emo-}",
				"Attacco informatico all'{uni}: esposti i dati di {k}.000 studenti. Vergogna. #UVALleak",
			},
		},
		replies: byLang{
			"fr": {"Inadmissible.", "Il faut changer ses mots de passe ?", "J'ai reçu le mail aussi 😡", "Honteux.", "Les étudiants méritent mieux que ça."},
			"de": {"Unfassbar.", "Muss man jetzt alle Passwörter ändern?", "Hab die Mail auch bekommen 😡", "Skandal."},
			"en": {"Unbelievable.", "Should we all change our passwords?", "Got the email too 😡", "Shameful."},
			"it": {"Inaccettabile.", "Bisogna cambiare le password?", "Ricevuta anche io la mail 😡", "Vergogna."},
		},
		script: []scripted{
			{4 * time.Minute, "rss", "quotidien-valmont.example", "fr", article{"Fuite de données à l'Université de Valmont : des milliers d'étudiants concernés", "Les noms, adresses et numéros d'immatriculation de plusieurs milliers d'étudiants de l'UVAL ont été publiés sur un forum. L'université confirme une cyberattaque et a déposé plainte. https://www.uval.example/securite"}},
			{8 * time.Minute, "mastodon", "uval", "fr", article{"", "Communiqué : l'UVAL confirme une fuite de données touchant des dossiers étudiants. Les personnes concernées sont informées par e-mail. FAQ : https://www.uval.example/securite"}},
			{8 * time.Minute, "bluesky", "uval", "en", article{"", "Statement: UVAL confirms a data leak affecting student records. Those affected are being contacted by email. FAQ: https://www.uval.example/security"}},
			{9 * time.Minute, "bluesky", "uval", "de", article{"", "Mitteilung: Die UVAL bestätigt ein Datenleck bei Studierendendaten. Betroffene werden per E-Mail informiert. FAQ: https://www.uval.example/sicherheit"}},
			{9 * time.Minute, "mastodon", "uval", "it", article{"", "Comunicato: l'UVAL conferma una fuga di dati che riguarda gli studenti. Le persone coinvolte vengono informate via e-mail. https://www.uval.example/sicurezza"}},
			{12 * time.Minute, "rss", "valmonter-tagblatt.example", "de", article{"Datenleck an der Universität Valmont: Tausende Studierende betroffen", "Nach einem Hackerangriff auf die UVAL sind Namen und Adressen von Studierenden im Netz aufgetaucht. Die Universität hat Anzeige erstattet."}},
			{16 * time.Minute, "youtube", "@ValmontInfoTV", "fr", article{"Cyberattaque à l'UVAL : ce que l'on sait", "Fuite de données à l'Université de Valmont : le point avec nos journalistes."}},
			{20 * time.Minute, "rss", "campus-observer.example", "en", article{"Valmont University confirms student data breach", "Thousands of UVAL students had names and addresses exposed after a cyberattack, the university said."}},
			{25 * time.Minute, "rss", "gazzetta-lavena.example", "it", article{"Fuga di dati all'Università di Valmont, migliaia di studenti coinvolti", "L'UVAL conferma un attacco informatico: pubblicati nomi e indirizzi degli studenti."}},
			{30 * time.Minute, "hackernews", "", "en", article{"Valmont University leaked records of thousands of students", "https://campus-observer.example/news/valmont-data-breach"}},
			{35 * time.Minute, "bluesky", "rector", "fr", article{"", "Je présente mes excuses aux étudiantes et étudiants touchés par la fuite de données à l'UVAL. Nous renforçons immédiatement notre sécurité."}},
		},
	},
	{
		kind: "exam-outage",
		posts: byLang{
			"fr": {
				"ValmontX en panne en plein examen, on fait comment ?! {emo-} #ValmontXdown",
				"{@valmontx} panne depuis 20 minutes et l'examen est chronométré !!",
				"Panne de ValmontX pendant l'examen final, merci l'{uni} 😡",
				"Troisième panne de ValmontX ce semestre. L'{uni} doit réagir. #ValmontXdown",
			},
			"de": {
				"ValmontX hat eine Störung mitten in der Prüfung?! {emo-} #ValmontXdown",
				"Ausfall von ValmontX mitten in der Prüfung, danke {uni} 😡",
				"{@valmontx} seit 20 Minuten Störung, die Prüfung läuft!!",
			},
			"en": {
				"ValmontX outage in the middle of the exam?! {emo-} #ValmontXdown",
				"{@valmontx} 20 minutes of outage during a timed exam!!",
				"ValmontX crashed during the final exam. Thanks {uni} 😡",
			},
			"it": {
				"Guasto su ValmontX durante l'esame?! {emo-} #ValmontXdown",
				"{@valmontx} piattaforma bloccata da 20 minuti, guasto in pieno esame!!",
			},
		},
		replies: byLang{
			"fr": {"Pareil ici 😡", "L'examen sera annulé ?", "Incroyable."},
			"de": {"Bei mir auch 😡", "Wird die Prüfung wiederholt?"},
			"en": {"Same here 😡", "Will the exam be rescheduled?"},
			"it": {"Anche per me 😡", "L'esame verrà ripetuto?"},
		},
		script: []scripted{
			{6 * time.Minute, "mastodon", "valmontx", "fr", article{"", "Nous rencontrons une panne de ValmontX. Les examens en cours seront reprogrammés, aucun étudiant ne sera pénalisé."}},
			{6 * time.Minute, "bluesky", "valmontx", "en", article{"", "ValmontX is experiencing an outage. Exams in progress will be rescheduled; no student will be penalised."}},
			{7 * time.Minute, "bluesky", "valmontx", "de", article{"", "ValmontX hat eine Störung. Laufende Prüfungen werden verschoben, niemand wird benachteiligt."}},
			{7 * time.Minute, "mastodon", "valmontx", "it", article{"", "ValmontX ha un guasto. Gli esami in corso saranno riprogrammati."}},
			{15 * time.Minute, "rss", "rvi.example", "fr", article{"Panne géante de ValmontX en pleine session d'examens", "La plateforme de cours en ligne de l'Université de Valmont est restée inaccessible pendant une heure."}},
			{22 * time.Minute, "rss", "edutech-weekly.example", "en", article{"ValmontX outage disrupts Valmont University exams", "Thousands of students were locked out of timed exams."}},
		},
	},
}

// Crises lists the crisis scenarios TriggerCrisis knows.
func Crises() []string {
	kinds := make([]string, len(scenarios))
	for i, sc := range scenarios {
		kinds[i] = sc.kind
	}
	return kinds
}

// crisisSources are where people post about a crisis.
var crisisSources = []weighted{{"mastodon", 35}, {"bluesky", 40}, {"reddit", 25}}

// crisisPost writes one of a crisis's random posts: an outraged post, or a
// repost of or a reply to one.
func (c *composer) crisisPost(k *crisis, t time.Time) vigie.Post {
	src := pickW(c.rng, crisisSources)
	r := c.rng.Float64()
	rg := k.ring(src)
	switch {
	case r < 0.45 && src != "reddit":
		if parent := rg.popular(c.rng, 3); parent != nil {
			return c.repost(t, src, c.person(src), parent)
		}
	case r < 0.6:
		if parent := rg.popular(c.rng, 2); parent != nil {
			p := c.reply(t, src, parent, k.sc)
			c.remember(p, "reply", parent)
			return p
		}
	}
	a := c.person(src)
	if r > 0.985 && len(c.pop.press[src]) > 0 {
		a = oneOf(c.rng, c.pop.press[src])
	}
	lang := c.langOf(a)
	text := c.fill(oneOf(c.rng, k.sc.posts[lang]), lang, src, "crisis")
	var p vigie.Post
	if src == "reddit" {
		p = c.thread(t, a, text, lang, "crisis", "uval")
	} else {
		p = c.remember(c.post(t, src, a, "", text, lang), "crisis", nil)
	}
	p.Metrics = boost(p.Metrics, 3)
	c.rememberIn(rg, p, "crisis", &recent{sub: "uval"})
	return p
}

// scriptedPost writes the crisis's next scripted post.
func (c *composer) scriptedPost(k *crisis, t time.Time) vigie.Post {
	sp := k.sc.script[k.step]
	var p vigie.Post
	switch sp.source {
	case "rss":
		for _, o := range outlets {
			if o.domain == sp.by {
				p = c.article(t, o, sp.post, "crisis")
			}
		}
	case "youtube":
		p = c.video(t, c.account(sp.by, sp.source), sp.post, sp.lang, "crisis")
	case "hackernews":
		p = c.story(t, c.person(sp.source), sp.post, "crisis")
	default:
		a := c.account(sp.by, sp.source)
		p = c.remember(c.post(t, sp.source, a, sp.post.title, c.fill(sp.post.text, sp.lang, sp.source, "crisis"), sp.lang), "crisis", nil)
	}
	p.Metrics = boost(p.Metrics, 5)
	c.rememberIn(k.ring(sp.source), p, "crisis", nil)
	return p
}

func (k *crisis) ring(src string) *ring {
	r := k.recent[src]
	if r == nil {
		r = &ring{}
		k.recent[src] = r
	}
	return r
}

func boost(m vigie.Metrics, f int64) vigie.Metrics {
	return vigie.Metrics{Likes: m.Likes * f, Reposts: m.Reposts * f, Replies: m.Replies * f, Views: m.Views * f}
}

package simulator

// The texts of the stream, as data. Slots in braces are filled from vocab
// (vocab.go) or computed in compose.go: {uni} {comp} {fac} {prof} {finding}
// {ranking} {course} {date} {weekday} {n} {rank} {k} {price}, links {link}
// {careerslink} {learnlink} {rivallink}, handles {@uval} {@desk} {@careers}
// {@valmontx} in the shape of the post's network, a hashtag of the topic {#}
// and emoji {emo+} {emo-} {emo}.

// byLang holds the variants of something in each language.
type byLang map[string][]string

// article is a text with a title: news articles, videos, Hacker News stories.
type article struct{ title, text string }

// topic is a subject people post about, with its share of on-topic posts.
type topic struct {
	name   string
	weight float64
	mood   int // -1 negative, 0 mixed or neutral, +1 positive: picks the emoji
}

var topics = []topic{
	{"research", 11, 1}, {"ranking", 5, 0}, {"studentlife", 12, 0}, {"event", 9, 1},
	{"jobs", 7, 0}, {"complaint", 13, -1}, {"praise", 9, 1}, {"question", 10, 0},
	{"competitor", 9, 0}, {"mooc", 8, 0}, {"people", 7, 0}, {"incident", 1.5, -1},
}

// social are the posts of people on Mastodon, Bluesky and Reddit, by topic.
var social = map[string]byLang{
	"research": {
		"fr": {
			"Des chercheurs de l'{uni} annoncent : {finding}. Impressionnant ! {emo+} {link}",
			"Nouvelle étude de la {fac} de l'{uni} : {finding}. {#}",
			"Étude intéressante de l'{uni} ({finding}), mais j'attends de voir si les résultats se confirment 🤔",
			"Bravo à l'équipe de {prof} à l'{uni} : {finding} {emo+}",
			"Lu ce matin : {finding}. Le travail vient de l'{uni}, bien vulgarisé en plus {link}",
		},
		"de": {
			"Forschende der {uni} melden: {finding}. Beeindruckend! {emo+} {link}",
			"Neue Studie der {fac} an der {uni}: {finding}. {#}",
			"Spannende Studie der {uni} ({finding}), aber ich warte mal ab, ob sich das bestätigt 🤔",
			"Glückwunsch an das Team von {prof} an der {uni}: {finding} {emo+}",
			"Heute gelesen: {finding}. Kommt von der {uni}, sogar verständlich erklärt {link}",
		},
		"en": {
			"Researchers at {uni} report {finding}. Impressive! {emo+} {link}",
			"New study from the {fac} at {uni}: {finding}. {#}",
			"Interesting paper from {uni} ({finding}), but I'd like to see it replicated 🤔",
			"Congrats to {prof}'s team at {uni}: {finding} {emo+}",
			"Read this morning: {finding}. The work is from {uni} and nicely explained {link}",
		},
		"it": {
			"I ricercatori dell'{uni} annunciano: {finding}. Impressionante! {emo+} {link}",
			"Nuovo studio della {fac} dell'{uni}: {finding}. {#}",
			"Studio interessante dell'{uni} ({finding}), ma aspetto di vedere se i risultati reggono 🤔",
			"Complimenti al gruppo di {prof} all'{uni}: {finding} {emo+}",
		},
	},
	"ranking": {
		"fr": {
			"L'{uni} gagne {n} places au classement {ranking} {emo+} {link}",
			"Classement {ranking} : l'{uni} {rank}e, {comp} devant. On en parle ?",
			"Les classements comme le {ranking} ne disent rien de la qualité de l'enseignement, franchement. Même quand l'{uni} monte.",
			"L'{uni} perd {n} places au classement {ranking} {emo-}",
		},
		"de": {
			"Die {uni} steigt im Ranking {ranking} um {n} Plätze {emo+} {link}",
			"Rangliste {ranking}: die {uni} auf Platz {rank}, {comp} knapp davor.",
			"Hochschulranking: die {uni} verliert {n} Plätze {emo-}",
			"Ehrlich, Rankings wie das {ranking} sagen wenig über die Lehre aus. Auch wenn die {uni} gut abschneidet.",
		},
		"en": {
			"{uni} climbs {n} places in the {ranking} rankings {emo+} {link}",
			"{ranking}: {uni} ranked #{rank}, {comp} just ahead.",
			"{uni} drops {n} places in the {ranking} ranking {emo-}",
			"Rankings like the {ranking} say nothing about teaching quality. Even when {uni} goes up.",
		},
		"it": {
			"L'{uni} guadagna {n} posizioni nella classifica {ranking} {emo+} {link}",
			"Classifica {ranking}: l'{uni} al {rank}° posto, {comp} appena davanti.",
			"L'{uni} perde {n} posizioni nella classifica {ranking} {emo-}",
		},
	},
	"studentlife": {
		"fr": {
			"Premier jour à l'{uni}, le campus est immense 😅 {#}",
			"Révisions à la bibliothèque de l'{uni} jusqu'à minuit, qui est là ? 📚",
			"La fête de rentrée de l'{uni} était incroyable hier soir {emo+} {#}",
			"Cherche colocation près de l'{uni}, budget {price} CHF, des pistes ?",
			"Le resto U de l'{uni} a enfin des options végé correctes 🥗",
			"Session d'examens à l'{uni} dans deux semaines, le stress monte {emo-}",
		},
		"de": {
			"Erster Tag an der {uni}, der Campus ist riesig 😅 {#}",
			"Lernen in der Bibliothek der {uni} bis Mitternacht, wer ist noch da? 📚",
			"Die Semesterparty der {uni} gestern war der Hammer {emo+} {#}",
			"Suche WG-Zimmer in der Nähe der {uni}, Budget {price} CHF, Tipps?",
			"Die Mensa der {uni} hat endlich gute vegetarische Menüs 🥗",
			"Prüfungsphase an der {uni} in zwei Wochen, der Stress steigt {emo-}",
		},
		"en": {
			"First day at {uni}, the campus is huge 😅 {#}",
			"Studying in the {uni} library until midnight, who else is here? 📚",
			"The {uni} welcome party last night was amazing {emo+} {#}",
			"Looking for a flatshare near {uni}, budget {price} CHF, any leads?",
			"The {uni} canteen finally has decent veggie options 🥗",
			"Exams at {uni} in two weeks and the stress is real {emo-}",
		},
		"it": {
			"Primo giorno all'{uni}, il campus è enorme 😅 {#}",
			"Si studia nella biblioteca dell'{uni} fino a mezzanotte, chi c'è? 📚",
			"La festa di inizio anno dell'{uni} ieri sera era pazzesca {emo+} {#}",
			"Cerco stanza vicino all'{uni}, budget {price} CHF, idee?",
			"Sessione d'esami all'{uni} tra due settimane, ansia {emo-}",
		},
	},
	"event": {
		"fr": {
			"Portes ouvertes de l'{uni} le samedi {date} ! Programme : {link} #UVALOpenDays",
			"J'étais aux portes ouvertes de l'{uni} aujourd'hui, super ambiance {emo+} #UVALOpenDays",
			"Conférence publique de {prof} {weekday} soir à l'aula de l'{uni} {link}",
			"La Nuit de la science revient à l'{uni} le {date} {emo+} {#}",
		},
		"de": {
			"Tag der offenen Tür an der {uni} am Samstag, {date}! {link} #UVALOpenDays",
			"Heute am Tag der offenen Tür der {uni} gewesen, tolle Stimmung {emo+} #UVALOpenDays",
			"Öffentlicher Vortrag von {prof} am {weekday} in der Aula der {uni} {link}",
			"Die Nacht der Wissenschaft an der {uni} ist zurück, am {date} {emo+}",
		},
		"en": {
			"{uni} Open Days this Saturday, {date}! Come and visit 👉 {link} #UVALOpenDays",
			"Went to the {uni} open days today, great vibe {emo+} #UVALOpenDays",
			"Public lecture by {prof} on {weekday} evening at {uni} {link}",
			"Science Night is back at {uni} on {date} {emo+} {#}",
		},
		"it": {
			"Porte aperte all'{uni} sabato {date}! Programma: {link} #UVALOpenDays",
			"Oggi alle porte aperte dell'{uni}, bellissima atmosfera {emo+} #UVALOpenDays",
			"Conferenza pubblica di {prof} {weekday} sera all'{uni} {link}",
		},
	},
	"jobs": {
		"fr": {
			"Forum Emploi de l'{uni} le {date} : {n} entreprises présentes {careerslink} #UVALjobs",
			"Offre d'emploi : assistant·e doctorant·e à la {fac} de l'{uni} {careerslink}",
			"Le centre de carrières de l'{uni} m'a aidé à refaire mon CV, top {emo+}",
			"Quelqu'un a déjà passé un entretien avec UVAL Careers ? Ça vaut le coup ?",
		},
		"de": {
			"Jobmesse der {uni} am {date}: {n} Firmen vor Ort {careerslink} #UVALjobs",
			"Stellenangebot: Doktorand/in an der {fac} der {uni} {careerslink}",
			"Das Karrierezentrum der {uni} hat mir beim Lebenslauf echt geholfen {emo+}",
			"Hat jemand Erfahrung mit dem Coaching von UVAL Careers?",
		},
		"en": {
			"{uni} career fair on {date}: {n} employers on campus {careerslink} #UVALjobs",
			"Job opening: PhD position at the {fac}, {uni} {careerslink}",
			"The {uni} career centre helped me rewrite my CV, really good {emo+}",
			"Anyone been to a UVAL Careers coaching session? Worth it?",
		},
		"it": {
			"Fiera del lavoro dell'{uni} il {date}: {n} aziende presenti {careerslink} #UVALjobs",
			"Offerta di lavoro: dottorando/a alla {fac} dell'{uni} {careerslink}",
			"Il centro carriere dell'{uni} mi ha aiutato a rifare il CV {emo+}",
		},
	},
	"complaint": {
		"fr": {
			"Encore une fois la cafétéria de l'{uni} fermée à midi… {emo-}",
			"Trois semaines que j'attends une réponse du guichet étudiant de l'{uni}. Inadmissible.",
			"Le wifi de la bibliothèque de l'{uni} est inutilisable depuis {weekday} {emo-}",
			"Les taxes d'études augmentent encore à l'{uni}. Qui peut encore payer ? {emo-}",
			"{@uval} pourquoi les notes ne sont toujours pas publiées ? {emo-}",
		},
		"de": {
			"Schon wieder ist die Mensa der {uni} völlig überfüllt {emo-}",
			"Seit drei Wochen keine Antwort vom Studierendensekretariat der {uni}. Unmöglich.",
			"Das WLAN in der Bibliothek der {uni} geht seit {weekday} nicht {emo-}",
			"Die Studiengebühren an der {uni} steigen schon wieder. Wer soll das bezahlen? {emo-}",
			"Wasserschaden in der Bibliothek der {uni}, der Lesesaal ist zu 🙄",
			"{@uval} warum sind die Noten immer noch nicht online? {emo-}",
		},
		"en": {
			"The {uni} cafeteria closed at lunchtime again… {emo-}",
			"Three weeks waiting for an answer from the {uni} Student Desk. Unacceptable.",
			"Library wifi at {uni} has been dead since {weekday} {emo-}",
			"Tuition at {uni} is going up again. Who can still afford this? {emo-}",
			"{@uval} why are the grades still not published? {emo-}",
		},
		"it": {
			"Di nuovo la mensa dell'{uni} chiusa a pranzo… {emo-}",
			"Tre settimane senza risposta dallo sportello studenti dell'{uni}. Inaccettabile.",
			"Il wifi della biblioteca dell'{uni} non funziona da {weekday} {emo-}",
			"Le tasse all'{uni} aumentano ancora. Chi può permetterselo? {emo-}",
		},
	},
	// Small incidents: the everyday false alarms of a crisis monitor.
	"incident": {
		"fr": {"Fuite d'eau à la bibliothèque de l'{uni}, la salle de lecture est fermée 🙄", "ValmontX encore en panne la veille de l'examen, merci l'{uni} 😤"},
		"de": {"Wasserschaden in der Bibliothek der {uni}, der Lesesaal ist zu 🙄", "ValmontX hat schon wieder eine Störung, kurz vor der Prüfung. Danke, {uni} 😤"},
		"en": {"There's a leak in the {uni} library roof and the reading room is closed 🙄", "ValmontX outage the night before the exam. Thanks {uni} 😤"},
		"it": {"Guasto su ValmontX la sera prima dell'esame, grazie {uni} 😤", "Infiltrazioni d'acqua nella biblioteca dell'{uni}, sala lettura chiusa 🙄"},
	},
	"praise": {
		"fr": {
			"Franchement, les cours de la {fac} de l'{uni} sont excellents {emo+}",
			"Merci au guichet étudiant de l'{uni}, problème réglé en dix minutes {emo+}",
			"Diplôme de l'{uni} en poche aujourd'hui ! 🎓 {#}",
			"Le nouveau bâtiment de l'{uni} est magnifique {emo+}",
			"{@uval} merci pour l'organisation de la remise des diplômes, c'était parfait {emo+}",
		},
		"de": {
			"Ehrlich, die Vorlesungen an der {fac} der {uni} sind top {emo+}",
			"Danke ans Studierendensekretariat der {uni}, Problem in zehn Minuten gelöst {emo+}",
			"Heute Abschluss an der {uni}! 🎓 {#}",
			"Das neue Gebäude der {uni} ist wunderschön {emo+}",
			"{@uval} danke für die tolle Diplomfeier {emo+}",
		},
		"en": {
			"Honestly, the courses at the {uni} {fac} are excellent {emo+}",
			"Shout-out to the {uni} Student Desk, problem solved in ten minutes {emo+}",
			"Graduated from {uni} today! 🎓 {#}",
			"The new {uni} building is gorgeous {emo+}",
			"{@uval} thanks for a perfect graduation ceremony {emo+}",
		},
		"it": {
			"Sinceramente i corsi della {fac} dell'{uni} sono ottimi {emo+}",
			"Grazie allo sportello studenti dell'{uni}, problema risolto in dieci minuti {emo+}",
			"Laurea all'{uni} conquistata oggi! 🎓 {#}",
			"{@uval} grazie per la cerimonia di laurea, perfetta {emo+}",
		},
	},
	"question": {
		"fr": {
			"{@desk} bonjour, quand ferment les inscriptions au semestre de printemps à l'{uni} ?",
			"Quelqu'un sait si le guichet étudiant de l'{uni} est ouvert le samedi ?",
			"{@desk} comment obtenir une attestation d'immatriculation de l'{uni} en anglais ?",
			"Question bête : on peut changer de filière à l'{uni} après le premier semestre ?",
		},
		"de": {
			"{@desk} Hallo, bis wann läuft die Einschreibung an der {uni} fürs Frühjahrssemester?",
			"Weiss jemand, ob das Studierendensekretariat der {uni} in den Ferien offen hat?",
			"{@desk} wie bekomme ich eine Immatrikulationsbestätigung der {uni} auf Englisch?",
			"Kann man an der {uni} nach dem ersten Semester den Studiengang wechseln?",
		},
		"en": {
			"{@desk} hi! When does spring semester registration at {uni} close?",
			"Does anyone know if the {uni} Student Desk is open on Saturdays?",
			"{@desk} how do I get an English enrolment certificate from {uni}?",
			"Can you switch programmes at {uni} after the first semester?",
		},
		"it": {
			"{@desk} buongiorno, quando chiudono le iscrizioni all'{uni} per il semestre primaverile?",
			"Qualcuno sa se lo sportello studenti dell'{uni} è aperto il sabato?",
			"{@desk} come ottengo un certificato di iscrizione dell'{uni} in inglese?",
		},
	},
	"competitor": {
		"fr": {
			"J'hésite entre l'{uni} et {comp} pour mon master, des avis ? {#}",
			"{Comp} ouvre un master en IA, l'{uni} va devoir suivre.",
			"Le campus de {comp} est plus moderne, mais l'ambiance à l'{uni} est imbattable {emo+}",
			"{Comp} annonce un nouveau centre de robotique {emo}",
			"Taxes d'études : l'{uni} plus chère que {comp}, c'est normal ? {emo-}",
		},
		"de": {
			"{uni} oder {comp}? Ich kann mich für den Master nicht entscheiden {#}",
			"{Comp} startet einen KI-Master, die {uni} muss nachziehen.",
			"Der Campus in Lorvaux ist moderner, aber die Stimmung an der {uni} ist unschlagbar {emo+}",
			"{Comp} eröffnet ein neues Robotikzentrum {emo}",
		},
		"en": {
			"Torn between {uni} and {comp} for my master's, thoughts? {#}",
			"{Comp} launches an AI master's, {uni} will have to follow.",
			"{Comp} has the shinier campus, but the vibe at {uni} is unbeatable {emo+}",
			"{Comp} opens a new robotics centre {emo} {rivallink}",
			"Why is {uni} more expensive than {comp}? {emo-}",
		},
		"it": {
			"Non so se scegliere l'{uni} o {comp} per la magistrale, consigli? {#}",
			"{Comp} lancia una magistrale in IA, l'{uni} dovrà seguire.",
			"{Comp} apre un nuovo centro di robotica {emo}",
		},
	},
	"mooc": {
		"fr": {
			"Je viens de finir le cours « {course} » sur ValmontX, vraiment bien fait {emo+} {learnlink}",
			"ValmontX lance {n} nouveaux cours en ligne gratuits cet automne {learnlink}",
			"L'interface de ValmontX est lente ce soir, quelqu'un d'autre ? {emo-}",
			"Certificat ValmontX obtenu ! {emo+} #ValmontX",
		},
		"de": {
			"Gerade den Kurs «{course}» auf ValmontX abgeschlossen, richtig gut gemacht {emo+} {learnlink}",
			"ValmontX startet {n} neue kostenlose Onlinekurse {learnlink}",
			"ValmontX ist heute Abend extrem langsam, nur bei mir? {emo-}",
			"ValmontX-Zertifikat geschafft! {emo+} #ValmontX",
		},
		"en": {
			"Just finished \"{course}\" on ValmontX, really well made {emo+} {learnlink}",
			"ValmontX launches {n} new free online courses this term {learnlink}",
			"ValmontX is painfully slow tonight, anyone else? {emo-}",
			"Got my ValmontX certificate! {emo+} #ValmontX",
		},
		"it": {
			"Ho appena finito il corso «{course}» su ValmontX, fatto benissimo {emo+} {learnlink}",
			"ValmontX lancia {n} nuovi corsi online gratuiti {learnlink}",
			"Certificato ValmontX ottenuto! {emo+} #ValmontX",
		},
	},
	"people": {
		"fr": {
			"La rectrice de l'{uni}, Hélène Marchetti, promet {n}00 nouveaux logements étudiants {link}",
			"Excellente intervention de {prof} (l'{uni}) ce matin à la radio {emo+}",
			"Hélène Marchetti, rectrice de l'{uni}, plaide pour plus de bourses {emo}",
			"{prof} de l'{uni} au débat de ce soir sur le climat, à ne pas manquer",
		},
		"de": {
			"Rektorin Hélène Marchetti verspricht {n}00 neue Wohnheimplätze an der {uni} {link}",
			"Starkes Interview mit {prof} von der {uni} heute Morgen im Radio {emo+}",
			"Hélène Marchetti, Rektorin der {uni}, fordert mehr Stipendien {emo}",
		},
		"en": {
			"{uni} rector Hélène Marchetti promises {n}00 new student rooms {link}",
			"Great interview with {prof} of {uni} on the radio this morning {emo+}",
			"Hélène Marchetti, rector of {uni}, calls for more scholarships {emo}",
		},
		"it": {
			"La rettrice dell'{uni}, Hélène Marchetti, promette {n}00 nuovi alloggi per studenti {link}",
			"Ottima intervista a {prof} dell'{uni} stamattina alla radio {emo+}",
		},
	},
}

// officialPosts are what the named accounts of org.go publish, by account key.
var officialPosts = map[string]byLang{
	"uval": {
		"fr": {"📣 Nouvelle étude de la {fac} : {finding}. Tous les détails 👉 {link} #UVALnews", "Les portes ouvertes, c'est le {date} ! Programme complet : {link} #UVALOpenDays", "Félicitations à {prof} pour sa bourse de recherche européenne {emo+} #UVALnews"},
		"de": {"📣 Neue Studie der {fac}: {finding}. Alle Details 👉 {link} #UVALnews", "Tag der offenen Tür am {date}! Das Programm: {link} #UVALOpenDays"},
		"en": {"📣 New study from our {fac}: {finding}. Read more 👉 {link} #UVALnews", "Open Days are on {date}! Full programme: {link} #UVALOpenDays", "Congratulations to {prof} on a European research grant {emo+} #UVALnews"},
		"it": {"📣 Nuovo studio della {fac}: {finding}. Tutti i dettagli 👉 {link} #UVALnews", "Porte aperte il {date}! Programma: {link} #UVALOpenDays"},
	},
	"desk": {
		"fr": {"Rappel : les inscriptions au semestre de printemps ferment le {date}. Questions ? Écrivez-nous. {link}", "Le guichet étudiant sera fermé {weekday} (jour férié). Réouverture le lendemain à 8h30."},
		"de": {"Erinnerung: Die Einschreibung fürs Frühjahrssemester endet am {date}. Fragen? Schreibt uns. {link}", "Das Studierendensekretariat bleibt am {weekday} geschlossen."},
		"en": {"Reminder: spring semester registration closes on {date}. Questions? Message us. {link}", "The Student Desk is closed on {weekday} (public holiday). Back the next day at 8:30."},
		"it": {"Promemoria: le iscrizioni al semestre primaverile chiudono il {date}. Domande? Scriveteci. {link}"},
	},
	"careers": {
		"fr": {"Forum Emploi Valmont le {date} : {n} employeurs, entrée libre {careerslink} #UVALjobs", "Atelier CV et LinkedIn {weekday} midi au centre de carrières {careerslink}"},
		"de": {"Jobmesse Valmont am {date}: {n} Arbeitgeber, Eintritt frei {careerslink} #UVALjobs"},
		"en": {"Valmont Career Fair on {date}: {n} employers, free entry {careerslink} #UVALjobs", "CV clinic on {weekday} at the career centre, drop in! {careerslink}"},
		"it": {"Fiera del lavoro di Valmont il {date}: {n} aziende, ingresso libero {careerslink} #UVALjobs"},
	},
	"valmontx": {
		"fr": {"Nouveau cours sur ValmontX : « {course} ». Inscriptions ouvertes 👉 {learnlink} #ValmontX"},
		"de": {"Neu auf ValmontX: «{course}». Jetzt einschreiben 👉 {learnlink} #ValmontX"},
		"en": {"New on ValmontX: \"{course}\". Enrol now 👉 {learnlink} #ValmontX"},
		"it": {"Nuovo su ValmontX: «{course}». Iscrizioni aperte 👉 {learnlink} #ValmontX"},
	},
	"rector": {
		"fr": {"Heureuse d'accueillir les nouveaux étudiants de l'{uni} aujourd'hui. Bienvenue à toutes et tous ! 🎓", "Le logement étudiant est notre priorité pour les prochaines années. {link}"},
		"de": {"Herzlich willkommen an alle neuen Studierenden der {uni}! 🎓"},
		"en": {"Delighted to welcome our new students to {uni} today! 🎓", "Student housing is our top priority for the coming years. {link}"},
		"it": {"Benvenute e benvenuti a tutti i nuovi studenti dell'{uni}! 🎓"},
	},
	"prof": {
		"fr": {"Notre article est en ligne : {finding}. Merci à toute l'équipe ! {link}"},
		"de": {"Unser Paper ist online: {finding}. Danke ans ganze Team! {link}"},
		"en": {"Our paper is out: {finding}. Huge thanks to the whole team! {link}", "Giving a public lecture at {uni} on {weekday}, come along {emo}"},
		"it": {"Il nostro articolo è online: {finding}. Grazie a tutto il gruppo! {link}"},
	},
	"rival": {
		"fr": {"Nouveau master en intelligence artificielle dès la rentrée {emo+} {rivallink}", "Journée découverte le {date}, inscrivez-vous ! {rivallink}"},
		"de": {"Neuer Master in künstlicher Intelligenz ab Herbst {emo+} {rivallink}"},
		"en": {"New master's in artificial intelligence starting this autumn {emo+} {rivallink}", "Discovery day on {date}, sign up! {rivallink}"},
		"it": {"Nuova magistrale in intelligenza artificiale dal prossimo autunno {emo+} {rivallink}"},
	},
}

// deskAnswers are the Student Desk's replies to questions.
var deskAnswers = byLang{
	"fr": {"Bonjour ! Les inscriptions ferment le {date}. Toutes les infos ici : {link}", "Bonjour, vous pouvez la télécharger depuis votre espace étudiant. Sinon, passez au guichet, on s'en occupe."},
	"de": {"Hallo! Die Einschreibung endet am {date}. Alle Infos hier: {link}", "Hallo, die Bestätigung gibt es im Studierendenportal. Sonst einfach am Schalter vorbeikommen."},
	"en": {"Hi! Registration closes on {date}. Everything is here: {link}", "Hi, you can download it from your student portal, or drop by the desk and we'll sort it out."},
	"it": {"Buongiorno! Le iscrizioni chiudono il {date}. Tutte le info qui: {link}"},
}

// replies are what people answer to a post, in its language.
var replies = byLang{
	"fr": {"Merci pour l'info !", "Pas du tout d'accord.", "Source ?", "Même chose pour moi 🙄", "Bien vu 👏", "C'est une blague ?", "Ça fait plaisir à lire {emo+}", "Quelqu'un a plus de détails ?", "Toujours la même histoire avec l'{uni}…", "Enfin une bonne nouvelle !", "Haha exactement", "Je plussoie."},
	"de": {"Danke für die Info!", "Sehe ich anders.", "Quelle?", "Bei mir genauso 🙄", "Stark 👏", "Ist das ernst gemeint?", "Schön zu lesen {emo+}", "Hat jemand mehr Details?", "Typisch {uni}…", "Endlich mal gute Nachrichten!", "Haha, genau so", "Das."},
	"en": {"Thanks for sharing!", "Strongly disagree.", "Source?", "Same here 🙄", "Nice 👏", "Is this a joke?", "Great to hear {emo+}", "Anyone have more details?", "Classic {uni}…", "Finally some good news!", "This.", "Underrated take."},
	"it": {"Grazie per l'info!", "Non sono d'accordo.", "Fonte?", "Anche per me 🙄", "Bravi 👏", "È uno scherzo?", "Che bello leggerlo {emo+}", "Qualcuno ha più dettagli?", "Sempre la solita storia con l'{uni}…", "Finalmente una buona notizia!"},
}

// noise are posts about everything else: the city of Valmont, the weather,
// trains, football… Some share words with the monitors (Valmont, Lorvaux,
// Rivebourg, Keller, leak, classement) without being about the institution.
var noise = byLang{
	"fr": {
		"Il pleut encore sur Valmont, troisième week-end de suite ☔ #Valmont",
		"Le FC Valmont remonte à la 4e place du classement, enfin ! ⚽ #foot",
		"Quelqu'un connaît un bon plombier ? Fuite d'eau dans la cuisine depuis ce matin 😩",
		"Retard de {n} minutes sur la ligne Valmont–Lorvaux, comme d'habitude 🚆",
		"Marché de Noël de Rivebourg ce week-end, qui vient ? 🎄",
		"Recette du jour : risotto aux bolets 🍄 #cuisine",
		"Mon chat a encore décidé que 5h du matin était l'heure du petit-déjeuner 🐈",
		"Les vacances de ski à Lorvaux sont hors de prix cette année",
		"Très bon concert hier soir à la salle des fêtes de Valmont 🎶",
		"Révisions pour le bac, plus que trois semaines… 📚",
		"Mise à jour du téléphone et la batterie tient deux heures. Super.",
		"Débat ce soir au conseil communal sur les pistes cyclables 🚲",
		"Quelqu'un a des recommandations de séries pour le week-end ?",
		"Ma fac ferme la bibliothèque à 18h, c'est une blague",
	},
	"de": {
		"Schon wieder Regen in Valmont ☔ #Wetter",
		"Unser Keller steht nach dem Gewitter schon wieder unter Wasser 😩",
		"Zug nach Lorvaux fällt aus, Ersatzbus irgendwann 🚆",
		"FC Valmont gewinnt 2:1, die Tabelle sieht endlich besser aus ⚽ #Fussball",
		"Heute Abend Fondue mit Freunden 🧀",
		"Der Weihnachtsmarkt in Rivebourg war wunderschön 🎄",
		"Neues Handy, alte Probleme: Akku nach drei Stunden leer",
		"Wer kennt ein gutes Café in der Altstadt von Valmont? ☕",
		"Abstimmungssonntag: Resultate ab 17 Uhr 🗳️",
		"Meine Katze hat den Weihnachtsbaum umgeworfen 🐈🎄",
		"Im Keller von Oma ein altes Fotoalbum gefunden 📷",
		"Montagmorgen, Kaffee Nummer drei ☕",
	},
	"en": {
		"Rain again in Valmont. Third weekend in a row ☔ #Valmont",
		"Anyone else's train to Lorvaux cancelled this morning? 🚆",
		"Hot take: tabs are better than spaces. Fight me.",
		"Made sourdough for the first time and it actually worked 🍞 #baking",
		"That leaked trailer for the new space game looks amazing 🚀",
		"My cat has decided 5am is breakfast time 🐈",
		"Ski season in Lorvaux opens next week ⛷️",
		"Listening to old jazz records on a Sunday, perfect",
		"Why is every meeting at 9am on a Monday",
		"Ranking my favourite pizza places in Rivebourg, a thread 🧵🍕",
		"Finally fixed the leak under the kitchen sink 🔧",
		"My uni's library closes at 6pm, what a joke",
	},
	"it": {
		"Piove di nuovo su Valmont ☔",
		"Treno per Lorvaux soppresso, ancora una volta 🚆",
		"Stasera risotto ai funghi porcini 🍄 #cucina",
		"Il FC Valmont sale al quarto posto in classifica ⚽ #calcio",
		"Il mio gatto ha deciso che le 5 sono l'ora della colazione 🐈",
		"Mercatino di Natale a Rivebourg questo weekend 🎄",
		"Qualcuno conosce un buon idraulico? Perdita d'acqua in cucina 😩",
		"Nuovo telefono e la batteria dura due ore. Bene.",
		"Concerto bellissimo ieri sera in piazza a Valmont 🎶",
		"Esami di maturità tra tre settimane, aiuto 📚",
	},
}

// news are RSS articles about the institution, by topic.
var news = map[string]map[string][]article{
	"research": {
		"fr": {{"Recherche à l'UVAL : {finding}", "Des chercheurs de la {fac} de l'Université de Valmont publient leurs résultats cette semaine. « C'est une étape importante », estime {prof}. {link}"}},
		"de": {{"Forschung an der Universität Valmont: {finding}", "Ein Team der {fac} der UVAL hat seine Ergebnisse veröffentlicht. «Ein wichtiger Schritt», sagt {prof}. {link}"}},
		"en": {{"Valmont University study: {finding}", "A team from the {fac} at UVAL published its results this week. \"An important step,\" says {prof}. {link}"}},
		"it": {{"Ricerca all'Università di Valmont: {finding}", "Un gruppo della {fac} dell'UVAL ha pubblicato i risultati. «Un passo importante», spiega {prof}. {link}"}},
	},
	"ranking": {
		"fr": {{"Classement {ranking} : l'UVAL gagne {n} places", "L'Université de Valmont progresse dans le classement {ranking} publié ce mardi. PolyLorvaux reste devant. {link}"}},
		"de": {{"Ranking {ranking}: Universität Valmont legt zu", "Die UVAL steigt im Ranking {ranking} um {n} Plätze. Das PolyLorvaux bleibt knapp vorne. {link}"}},
		"en": {{"{ranking}: Valmont University up {n} places", "UVAL climbed in the {ranking} rankings released on Tuesday, while Rivebourg University slipped. {link}"}},
		"it": {{"Classifica {ranking}: l'UVAL guadagna {n} posizioni", "L'Università di Valmont sale nella classifica {ranking} pubblicata martedì. {link}"}},
	},
	"complaint": {
		"fr": {{"Hausse des taxes d'études à l'Université de Valmont : les étudiants protestent", "L'association des étudiants de l'UVAL dénonce une augmentation de {n} % des taxes dès la rentrée prochaine."}},
		"de": {{"Studiengebühren an der Uni Valmont steigen: Studierende protestieren", "Die Studierendenschaft der UVAL kritisiert eine Erhöhung um {n} Prozent ab dem nächsten Semester."}},
		"en": {{"Students protest tuition rise at Valmont University", "The UVAL student union condemned a {n}% increase in fees from next term."}},
		"it": {{"Tasse in aumento all'Università di Valmont, protestano gli studenti", "L'associazione studentesca dell'UVAL contesta un aumento del {n}% delle tasse."}},
	},
	"people": {
		"fr": {{"Hélène Marchetti : « Le logement étudiant est notre priorité »", "La rectrice de l'Université de Valmont détaille son plan pour {n}00 nouveaux logements d'ici 2030. {link}"}},
		"de": {{"Rektorin Marchetti: «Wohnraum für Studierende hat Priorität»", "Die Rektorin der Universität Valmont stellt ihren Plan für {n}00 neue Wohnheimplätze vor. {link}"}},
		"en": {{"Valmont University rector sets out student housing plan", "Rector Hélène Marchetti wants {n}00 new rooms by 2030. {link}"}},
		"it": {{"Marchetti: «Gli alloggi per studenti sono la priorità»", "La rettrice dell'Università di Valmont presenta un piano per {n}00 nuovi alloggi. {link}"}},
	},
	"competitor": {
		"fr": {{"PolyLorvaux inaugure un centre de robotique à {n}0 millions", "La Polytechnique de Lorvaux mise sur la robotique. L'Université de Valmont prépare sa réponse. {rivallink}"}},
		"de": {{"Universität Rivebourg lanciert KI-Master", "Die Uni Rivebourg bietet ab Herbst einen Master in künstlicher Intelligenz an. {rivallink}"}},
		"en": {{"PolyLorvaux opens ${n}0m robotics centre", "Lorvaux Polytechnic bets on robotics as competition with Valmont University heats up. {rivallink}"}},
		"it": {{"Il Politecnico di Lorvaux inaugura un centro di robotica", "Investimento da {n}0 milioni per il PolyLorvaux. {rivallink}"}},
	},
	"mooc": {
		"fr": {{"ValmontX dépasse le million d'inscrits", "La plateforme de cours en ligne de l'Université de Valmont compte {n} nouveaux cours cette année. {learnlink}"}},
		"en": {{"ValmontX passes one million learners", "The online course platform of Valmont University adds {n} new courses this year. {learnlink}"}},
	},
}

// newsNoise are RSS articles about everything else.
var newsNoise = map[string][]article{
	"fr": {{"Valmont : la ligne de tram 3 fermée pour travaux", "Les travaux dureront {n} semaines, des bus de remplacement circulent."}, {"Météo : un week-end pluvieux sur la région", "Jusqu'à {n} mm de pluie attendus samedi."}, {"Le FC Valmont s'impose face à Lorvaux", "Victoire 2-1 au terme d'un match serré."}, {"Rivebourg : le marché de Noël attire les foules", "Plus de {n} 000 visiteurs le premier week-end."}},
	"de": {{"Valmont: Tramlinie 3 wegen Bauarbeiten gesperrt", "Die Arbeiten dauern {n} Wochen, Ersatzbusse fahren."}, {"Wetter: Regnerisches Wochenende", "Bis zu {n} Millimeter Regen am Samstag erwartet."}, {"FC Valmont siegt gegen Lorvaux", "2:1 nach einem engen Spiel."}, {"Gemeinderat Rivebourg beschliesst neues Budget", "Mehr Geld für Velowege und Schulen."}},
	"en": {{"Valmont tram line 3 closed for works", "Works will last {n} weeks; replacement buses run."}, {"Startup raises funds to recycle coffee grounds", "The company plans to hire {n} people next year."}, {"Weekend weather: rain, then sun", "Up to {n} mm of rain expected on Saturday."}, {"City council debates bike lanes", "A vote is expected next month."}},
	"it": {{"Valmont, linea del tram 3 chiusa per lavori", "I lavori dureranno {n} settimane."}, {"Meteo: weekend piovoso", "Fino a {n} mm di pioggia sabato."}, {"Il FC Valmont batte il Lorvaux", "Vittoria 2-1 dopo una partita combattuta."}},
}

// videos are YouTube videos about the institution, and noiseVideos the rest.
var videos = map[string][]article{
	"fr": {{"Visite du campus de l'UVAL 🎓 | Vlog de rentrée", "Je vous emmène sur le campus de l'Université de Valmont ! {link}"}, {"{prof} explique : {finding}", "Une conférence de la Nuit de la science à l'UVAL. {link}"}, {"Portes ouvertes UVAL : tout ce qu'il faut savoir", "Mon avis honnête sur la journée. #UVALOpenDays"}},
	"de": {{"Ein Tag an der Uni Valmont | Vlog", "Komm mit an die Universität Valmont! #Studium"}, {"Tag der offenen Tür an der UVAL – lohnt es sich?", "Meine ehrliche Meinung. #UVALOpenDays"}},
	"en": {{"A day in my life at Valmont University 📚", "Lectures, library and too much coffee. #studentlife"}, {"UVAL vs PolyLorvaux: which one should you choose?", "My honest comparison after two years."}, {"Study with me: 3 hours at the UVAL library", "Lo-fi and focus. #studentlife"}},
	"it": {{"Una giornata all'Università di Valmont | vlog", "Vieni con me all'UVAL! #vitauniversitaria"}, {"UVAL o Università di Rivebourg? La mia esperienza", "Pro e contro dopo un anno."}},
}

var noiseVideos = map[string][]article{
	"fr": {{"Recette express : pâtes au citron en 10 minutes", "Simple et rapide."}, {"Randonnée sur la crête de Lorvaux ⛰️", "Le plus beau coucher de soleil de l'année."}},
	"de": {{"Fondue wie bei Oma 🧀", "Das Originalrezept."}, {"Wanderung auf den Lorvauxgrat ⛰️", "Die schönste Tour im Herbst."}},
	"en": {{"Lofi beats to study to 🎧", "3 hours of calm."}, {"Unboxing my new camera", "First impressions."}, {"10-minute pasta recipe", "Quick and easy."}},
	"it": {{"Tiramisù perfetto in 15 minuti", "La ricetta della nonna."}, {"Escursione sul crinale di Lorvaux ⛰️", "Tramonto mozzafiato."}},
}

// hnStories are Hacker News stories (English): a title and the link, or the
// text of an Ask HN.
var hnStories = []article{
	{"Valmont University researchers: {finding}", "{link}"},
	{"ValmontX open-sources its autograder", "{learnlink}"},
	{"UVAL's free course on compilers is now on ValmontX", "{learnlink}"},
	{"Ask HN: Master's at UVAL or PolyLorvaux for systems research?", "I'm choosing between the two for next year. Anyone with first-hand experience of the labs and the supervision?"},
}

var hnNoise = []article{
	{"Show HN: A tiny Lisp interpreter in 400 lines of C", "https://git.example/tinylisp"},
	{"The hidden cost of microservices", "https://blog.example/microservices-cost"},
	{"Why I went back to plain-text notes", "https://notes.example/plain-text"},
	{"A visual guide to B-trees", "https://viz.example/btrees"},
	{"Ask HN: How do you keep up with papers?", "Between preprints, newsletters and conferences I feel permanently behind. What works for you?"},
	{"Writing a key-value store in a weekend", "https://blog.example/kv-weekend"},
	{"The physics of espresso extraction", "https://science.example/espresso"},
	{"Show HN: I built a calendar that only shows free time", "https://freetime.example"},
}

// hnComments are Hacker News replies.
var hnComments = []string{
	"The methodology section is thinner than the headline suggests.",
	"I did my master's at UVAL, happy to answer questions.",
	"This is the kind of thing that should have been a blog post, not a paper.",
	"Genuinely impressive. Is the code available?",
	"We tried something similar at work and it fell over at scale.",
	"Previous discussion on this was quite good.",
	"Not sure why this is on the front page.",
}

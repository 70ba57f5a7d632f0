package simulator

// vocab fills the {slots} of templates. A slot is looked up in the post's
// language, then under "*" (any language). Values may contain slots of their
// own. A slot written with a capital ({Comp}) is capitalised. Slots computed
// rather than listed (numbers, links, handles) are in compose.go.
var vocab = map[string]map[string][]string{
	// The institution, without article: templates supply "l'", "die", "the"…
	"uni": {
		"fr": {"UVAL", "UVAL", "Université de Valmont"},
		"de": {"UVAL", "Uni Valmont", "Universität Valmont"},
		"en": {"UVAL", "UVAL", "Valmont University"},
		"it": {"UVAL", "UVAL", "Università di Valmont"},
	},
	// Competitors, as each language names them in a sentence.
	"comp": {
		"fr": {"l'Université de Rivebourg", "PolyLorvaux", "la Polytechnique de Lorvaux"},
		"de": {"die Uni Rivebourg", "die Universität Rivebourg", "das PolyLorvaux", "das Polytechnikum Lorvaux"},
		"en": {"Rivebourg University", "PolyLorvaux", "Lorvaux Polytechnic"},
		"it": {"l'Università di Rivebourg", "il Politecnico di Lorvaux", "PolyLorvaux"},
	},
	"fac": {
		"fr": {"Faculté des sciences", "Faculté de droit", "Faculté de médecine", "Faculté des lettres", "Faculté d'informatique", "Faculté des géosciences"},
		"de": {"Fakultät für Informatik", "Medizinischen Fakultät", "Rechtswissenschaftlichen Fakultät", "Philosophischen Fakultät", "Fakultät für Geowissenschaften"},
		"en": {"Faculty of Science", "Faculty of Law", "School of Medicine", "School of Computer Science", "Faculty of Humanities", "Institute of Geosciences"},
		"it": {"Facoltà di Medicina", "Facoltà di Giurisprudenza", "Facoltà di Scienze", "Facoltà di Informatica", "Facoltà di Lettere"},
	},
	"prof": {"*": {"Prof. Jonas Keller", "Prof. Chiara Benedetti", "Prof. Amélie Vautrin"}},
	// Research results, in headline form.
	"finding": {
		"fr": {"une batterie au sodium se recharge en six minutes", "une IA repère les tumeurs plus tôt", "le glacier de Valmont fond à un rythme record", "un nouveau catalyseur pour l'hydrogène vert", "le logement pèse lourd sur le budget des étudiants", "un capteur à 20 francs mesure la pollution de l'air", "des abeilles sauvages de retour en ville"},
		"de": {"Natrium-Batterie lädt in sechs Minuten", "KI erkennt Tumore früher", "Valmont-Gletscher schmilzt so schnell wie nie", "neuer Katalysator für grünen Wasserstoff", "Wohnkosten belasten Studierende stark", "ein Sensor für 20 Franken misst die Luftqualität", "Wildbienen kehren in die Stadt zurück"},
		"en": {"a sodium battery that charges in six minutes", "an AI model that spots tumours earlier", "Valmont glacier melting at a record pace", "a new catalyst for green hydrogen", "housing costs squeezing students", "a 20-franc sensor that measures air pollution", "wild bees returning to the city"},
		"it": {"una batteria al sodio si ricarica in sei minuti", "un'IA individua i tumori in anticipo", "il ghiacciaio di Valmont fonde a ritmo record", "un nuovo catalizzatore per l'idrogeno verde", "l'affitto pesa sul bilancio degli studenti", "un sensore da 20 franchi misura l'inquinamento", "le api selvatiche tornano in città"},
	},
	"ranking": {"*": {"World Campus Ranking", "EuroUni Index", "Global Research Table"}},
	"course": {
		"fr": {"Introduction au machine learning", "Climat et glaciers", "Droit du numérique", "Statistique pour tous", "Écrire pour le web"},
		"de": {"Einführung in maschinelles Lernen", "Klima und Gletscher", "Digitales Recht", "Statistik für alle", "Schreiben fürs Web"},
		"en": {"Introduction to Machine Learning", "Climate and Glaciers", "Digital Law", "Statistics for Everyone", "Writing for the Web"},
		"it": {"Introduzione al machine learning", "Clima e ghiacciai", "Diritto digitale", "Statistica per tutti", "Scrivere per il web"},
	},
	"weekday": {
		"fr": {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		"de": {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		"en": {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		"it": {"lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
	},
	"month": {
		"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "septembre", "octobre", "novembre", "décembre"},
		"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "September", "Oktober", "November", "Dezember"},
		"en": {"January", "February", "March", "April", "May", "June", "September", "October", "November", "December"},
		"it": {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "settembre", "ottobre", "novembre", "dicembre"},
	},
	"date": {
		"fr": {"{day} {month}"},
		"de": {"{day}. {month}"},
		"en": {"{day} {month}"},
		"it": {"{day} {month}"},
	},
	"emo+": {"*": {"🎉", "👏", "🚀", "💡", "😍", "🙌", "✨", "🎓", "💪", "🥳"}},
	"emo-": {"*": {"😡", "🙄", "😤", "👎", "😩", "💸", "🤦", "😒"}},
	"emo":  {"*": {"📅", "📍", "👉", "🤔", "📚", "🔎", "📣"}},
}

// hashtags offered to posts of each topic, by language. The institution's
// house tags (#UVALnews, #UVALOpenDays, #UVALjobs, #ValmontX) are among them.
var hashtags = map[string]map[string][]string{
	"research":    {"fr": {"#recherche", "#science", "#UVALnews"}, "de": {"#Forschung", "#Wissenschaft", "#UVALnews"}, "en": {"#research", "#science", "#UVALnews"}, "it": {"#ricerca", "#scienza", "#UVALnews"}},
	"ranking":     {"fr": {"#classement", "#enseignementsupérieur"}, "de": {"#Hochschulranking", "#Hochschule"}, "en": {"#rankings", "#HigherEd"}, "it": {"#classifica", "#università"}},
	"studentlife": {"fr": {"#viedétudiante", "#étudiants", "#UVAL"}, "de": {"#Studium", "#Studileben", "#UVAL"}, "en": {"#studentlife", "#unilife", "#UVAL"}, "it": {"#vitauniversitaria", "#studenti", "#UVAL"}},
	"event":       {"*": {"#UVALOpenDays", "#UVAL"}, "fr": {"#PortesOuvertesUVAL"}},
	"jobs":        {"fr": {"#UVALjobs", "#emploi", "#carrière"}, "de": {"#UVALjobs", "#Jobs", "#Karriere"}, "en": {"#UVALjobs", "#careers", "#jobs"}, "it": {"#UVALjobs", "#lavoro"}},
	"mooc":        {"*": {"#ValmontX", "#MOOC", "#elearning"}},
	"complaint":   {"fr": {"#étudiants", "#galère"}, "de": {"#Studium", "#Frust"}, "en": {"#fail", "#studentlife"}, "it": {"#studenti", "#uffa"}},
	"praise":      {"*": {"#UVAL", "#proud"}, "fr": {"#fierté"}, "de": {"#stolz"}, "it": {"#orgoglio"}},
	"question":    {"fr": {"#étudiants"}, "de": {"#Studium"}, "en": {"#studentlife"}, "it": {"#studenti"}},
	"competitor":  {"fr": {"#master", "#orientation"}, "de": {"#Master", "#Studienwahl"}, "en": {"#masters", "#gradschool"}, "it": {"#magistrale", "#orientamento"}},
	"people":      {"*": {"#UVALnews"}},
}

package simulator

// The fictional world of the demo: the Université de Valmont (UVAL), its
// services and people, two competitors, the news outlets that cover them and
// the accounts that talk about them. Every name, person, brand and domain is
// invented; websites use the reserved .example top-level domain.

// langs are the languages of the stream, with their share of authors.
var langs = []string{"fr", "de", "en", "it"}

var langWeights = []float64{0.34, 0.30, 0.24, 0.12}

// account is a named account of the demo world: the institution's own
// accounts, its rector and professors, competitors, journalists and
// influencers.
type account struct {
	key       string // what templates and scripts call it: "uval", "desk", …
	source    string
	handle    string
	name      string
	followers int64
	lang      string // "" for accounts that post in every language
	country   string
}

// accounts lists the notable accounts. Keys with an "official" role post the
// templates of officialPosts; the others are journalists and influencers who
// pick up on-topic stories more often than anyone else.
var accounts = []account{
	// The institution.
	{"uval", "mastodon", "@uval@social.uval.example", "UVAL – Université de Valmont", 48211, "", "ch"},
	{"uval", "bluesky", "uval.example", "Université de Valmont", 62470, "", "ch"},
	{"uval", "youtube", "@UniversiteValmont", "Université de Valmont", 121800, "", "ch"},
	{"desk", "mastodon", "@uval_students@social.uval.example", "UVAL Student Desk · Guichet étudiant", 6230, "", "ch"},
	{"desk", "bluesky", "uvalstudents.bsky.social", "UVAL Student Desk", 4870, "", "ch"},
	{"desk", "reddit", "u/UVAL_StudentDesk", "UVAL_StudentDesk", 1240, "", "ch"},
	{"careers", "mastodon", "@uval_careers@social.uval.example", "UVAL Careers", 4120, "", "ch"},
	{"careers", "bluesky", "uvalcareers.bsky.social", "UVAL Careers", 5310, "", "ch"},
	{"valmontx", "mastodon", "@valmontx@social.uval.example", "ValmontX", 9840, "", "ch"},
	{"valmontx", "bluesky", "valmontx.bsky.social", "ValmontX – online courses", 12650, "", "ch"},
	{"valmontx", "youtube", "@ValmontX", "ValmontX", 45300, "", "ch"},
	{"rector", "mastodon", "@marchetti@social.uval.example", "Hélène Marchetti", 12040, "", "ch"},
	{"rector", "bluesky", "hmarchetti.bsky.social", "Hélène Marchetti", 18320, "", "ch"},
	{"prof", "mastodon", "@jkeller@scholar.social.example", "Prof. Jonas Keller", 21400, "", "ch"},
	{"prof", "bluesky", "cbenedetti.bsky.social", "Chiara Benedetti", 33150, "", "ch"},
	// Competitors.
	{"rival", "mastodon", "@polylorvaux@social.polylorvaux.example", "PolyLorvaux", 39120, "", "ch"},
	{"rival", "bluesky", "unirivebourg.example", "Université de Rivebourg", 41280, "", "fr"},
	// Journalists and influencers with large audiences.
	{"press", "bluesky", "tomashdown.bsky.social", "Tom Ashdown", 241000, "en", "gb"},
	{"press", "bluesky", "nadiaberthoud.bsky.social", "Nadia Berthoud", 152300, "fr", "ch"},
	{"press", "mastodon", "@katrinvogt@journalism.example", "Katrin Vogt", 85400, "de", "de"},
	{"press", "bluesky", "giuliaferrante.bsky.social", "Giulia Ferrante", 60750, "it", "it"},
	{"press", "mastodon", "@campusleo@pouet.example", "Léo du Campus", 45100, "fr", "ch"},
	{"press", "youtube", "@CampusAvecLeo", "Léo du Campus", 420000, "fr", "ch"},
	{"press", "youtube", "@StudyWithMia", "Study with Mia", 812000, "en", "gb"},
	{"press", "youtube", "@JanaStudiert", "Jana studiert", 210500, "de", "de"},
	{"press", "youtube", "@ValmontInfoTV", "Valmont Info TV", 150200, "fr", "ch"},
}

// outlet is a news site whose RSS feed the demo reads.
type outlet struct {
	name, domain, section, lang string
	audience                    int64
	bylines                     []string
}

var outlets = []outlet{
	{"Le Quotidien de Valmont", "quotidien-valmont.example", "region", "fr", 180000, []string{"Claire Dufaux", "Pierre-Alain Vuille", "Sophie Rapin"}},
	{"Radio Valmont Info", "rvi.example", "actu", "fr", 90000, []string{"Julien Amstutz", "Nadia Berthoud"}},
	{"Valmonter Tagblatt", "valmonter-tagblatt.example", "region", "de", 140000, []string{"Andrea Gsell", "Reto Imhof"}},
	{"Alpenländer Zeitung", "alpenlaender-zeitung.example", "bildung", "de", 320000, []string{"Katrin Vogt", "Stefan Ammann"}},
	{"The Campus Observer", "campus-observer.example", "news", "en", 260000, []string{"Tom Ashdown", "Maya Collins"}},
	{"EduTech Weekly", "edutech-weekly.example", "stories", "en", 75000, []string{"Priya Raman"}},
	{"Gazzetta di Lavena", "gazzetta-lavena.example", "cronaca", "it", 110000, []string{"Giulia Ferrante", "Marco Sala"}},
}

// Mastodon instances by language. Only the institution's own accounts live on
// social.uval.example: every post there links to the institution's site.
var instances = map[string][]string{
	"fr": {"pouet.example", "toot-romand.example", "mastodon.example"},
	"de": {"troet.example", "alpen.social.example", "mastodon.example"},
	"en": {"mastodon.example", "scholar.social.example", "fedi.example"},
	"it": {"ciaone.example", "mastodon.example"},
}

// Names for the generated authors.
var firstNames = map[string][]string{
	"fr": {"Léa", "Camille", "Chloé", "Manon", "Julie", "Sarah", "Emma", "Inès", "Clara", "Lucie", "Lucas", "Hugo", "Théo", "Louis", "Nathan", "Julien", "Maxime", "Antoine", "Thomas", "Quentin", "Yasmine", "Karim", "Mehdi", "Aurélie", "Noémie"},
	"de": {"Anna", "Lena", "Laura", "Sophie", "Lea", "Mia", "Nina", "Jana", "Katharina", "Lukas", "Felix", "Leon", "Tim", "Niklas", "Jan", "David", "Simon", "Fabian", "Tobias", "Elias", "Selin", "Deniz", "Urs", "Reto", "Andrea"},
	"en": {"Emma", "Olivia", "Amelia", "Grace", "Chloe", "Hannah", "Ruby", "Jack", "Oliver", "Harry", "James", "Noah", "Samuel", "Daniel", "Ethan", "Ryan", "Priya", "Aisha", "Omar", "Kenji"},
	"it": {"Giulia", "Francesca", "Sara", "Martina", "Elena", "Alessia", "Valentina", "Sofia", "Luca", "Marco", "Matteo", "Alessandro", "Davide", "Lorenzo", "Andrea", "Simone", "Federico", "Riccardo", "Giorgio", "Paolo"},
}

var lastNames = map[string][]string{
	"fr": {"Dubois", "Moreau", "Girard", "Rochat", "Bonvin", "Perret", "Mercier", "Fontaine", "Chevalier", "Lambert", "Gauthier", "Morel", "Roux", "Blanc", "Meylan", "Pittet", "Cuendet", "Jaquet", "Bovet", "Monnier"},
	"de": {"Müller", "Meier", "Schmid", "Brunner", "Huber", "Baumann", "Fischer", "Weber", "Zimmermann", "Frei", "Gerber", "Steiner", "Graf", "Moser", "Wyss", "Hofmann", "Roth", "Bachmann", "Kaufmann", "Lehmann"},
	"en": {"Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Green", "Hall", "Clarke", "Patel", "Khan", "Murphy", "Kelly", "Cooper", "Ward", "Price", "Bennett", "Reid"},
	"it": {"Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Greco", "Bruno", "Galli", "Conti", "Costa", "Fontana", "Moretti", "Lombardi", "Barbieri", "Ferrara", "Santoro", "Rinaldi", "Caruso", "Pellegrini", "Gatti"},
}

// Pseudonyms, the usual shape of Reddit and Hacker News names.
var (
	nickAdjectives = []string{"quiet", "sleepy", "angry", "lucky", "brave", "lazy", "curious", "grumpy", "tiny", "cosmic", "salty", "rusty", "witty", "nerdy", "spicy", "feral", "polite", "sober"}
	nickNouns      = []string{"otter", "panda", "falcon", "badger", "lynx", "marmot", "heron", "pretzel", "raclette", "gnocchi", "waffle", "compiler", "kernel", "penguin", "ibex", "fondue", "tortellini", "lemming"}
)

// countries where authors of each language live, with weights.
var countries = map[string][]weighted{
	"fr": {{"ch", 5}, {"fr", 4}, {"be", 1}},
	"de": {{"ch", 5}, {"de", 4}, {"at", 1.5}},
	"en": {{"gb", 3}, {"us", 3}, {"ch", 2}, {"ie", 1}, {"ca", 1}},
	"it": {{"ch", 4}, {"it", 6}},
}

// subreddits by language; on-topic threads go to r/uval most of the time.
var subreddits = map[string][]string{
	"fr": {"valmont", "etudiants_valmont", "vie_etudiante"},
	"de": {"valmont", "studium_valmont", "studileben"},
	"en": {"valmont", "unilife", "phd_life"},
	"it": {"valmont", "studenti_valmont", "vita_universitaria"},
}

// weighted is a choice and its weight.
type weighted struct {
	v string
	w float64
}

package sentiment

import (
	"strings"
	"unsafe"
)

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Function-word roles (flags in langInfo.fw).
const (
	fwNeg      = 1 << iota // negator: flips the next few words
	fwBoost                // intensifier: strengthens the next word
	fwDimin                // diminisher: weakens the next word
	fwContrast             // "but": the clause after it weighs more
)

// Folded function words per language. They are part of the code, not of the
// model: they are the rules the features are built with.
var functionWords = map[string][4]string{
	"en": {
		"not no never nothing nobody none neither nor cannot without dont doesnt didnt isnt wasnt arent werent cant couldnt wont wouldnt shouldnt aint havent hasnt hadnt nope nah",
		"very really so extremely totally absolutely too super most quite incredibly highly truly utterly completely especially fucking damn sooo soo",
		"slightly somewhat barely hardly little kinda sorta bit",
		"but however yet though nevertheless nonetheless",
	},
	"fr": {
		"ne n pas jamais rien personne aucun aucune sans ni nul nulle guere",
		"tres trop vraiment tellement super hyper si extremement totalement absolument completement vachement grave archi ultra particulierement fort",
		"peu legerement assez plutot",
		"mais cependant pourtant toutefois neanmoins",
	},
	"de": {
		"nicht kein keine keinen keinem keiner keines nie niemals nichts ohne weder nimmer",
		"sehr so echt wirklich total voll extrem absolut ganz mega richtig besonders zu super hoch ziemlich tierisch",
		"etwas wenig kaum bisschen",
		"aber doch jedoch trotzdem sondern allerdings dennoch",
	},
	"it": {
		"non mai niente nulla nessuno nessuna nessun senza ne nemmeno neanche neppure",
		"molto troppo davvero veramente proprio tanto cosi super estremamente assolutamente totalmente completamente davvero parecchio assai",
		"poco appena leggermente",
		"ma pero tuttavia eppure invece comunque",
	},
	"es": {
		"no nunca jamas nada nadie ninguno ninguna ningun sin tampoco ni",
		"muy tan realmente demasiado super bastante totalmente absolutamente completamente sumamente re",
		"poco apenas",
		"pero sino aunque embargo",
	},
	"pt": {
		"nao nunca jamais nada ninguem nenhum nenhuma sem nem",
		"muito tao realmente demais super bem totalmente absolutamente completamente bastante",
		"pouco",
		"mas porem contudo entretanto todavia",
	},
	"nl": {
		"niet geen nooit niets niemand zonder noch",
		"heel erg zeer echt super zo totaal enorm ontzettend hartstikke",
		"beetje weinig nauwelijks",
		"maar echter toch",
	},
}

// ambiguous function words are left out of the generic (unknown language)
// set: they mean something else in another language ("ma" = my in French).
var genericSkip = map[string]bool{"ma": true, "ne": true, "n": true, "si": true, "so": true, "re": true, "mai": true, "mas": true,
	"toch": true, "doch": true, "zu": true, "fort": true, "bem": true, "bit": true, "ni": true, "most": true, "too": true,
	"tan": true, "tao": true, "assez": true, "yet": true, "nie": true, "ohne": true, "bien": true, "peu": true, "poco": true, "pouco": true}

func buildFunctionWords() map[string]map[string]uint8 {
	out := make(map[string]map[string]uint8)
	gen := make(map[string]uint8)
	for lang, groups := range functionWords {
		m := make(map[string]uint8)
		for k, g := range groups {
			for _, w := range strings.Fields(g) {
				m[w] |= 1 << k
				if !genericSkip[w] {
					gen[w] |= 1 << k
				}
			}
		}
		out[lang] = m
	}
	out[""] = gen
	return out
}

// Inflection suffixes tried, longest first, when a word is not in the
// lexicon (the German Pattern lexicon holds lemmas only).
var lexSuffixes = map[string][]string{
	"de": {"sten", "ste", "en", "er", "es", "em", "e", "n", "s", "t"},
	"fr": {"ement", "es", "s", "e"},
	"it": {"issimo", "issima", "issimi", "issime", "i", "e", "a", "o"},
	"es": {"isimo", "isima", "es", "s"},
	"pt": {"issimo", "issima", "es", "s"},
	"nl": {"e", "en", "s"},
	"en": {"s", "ed", "ly"},
}

// italianSwap: an Italian adjective in -a/-i/-e is often listed in -o.
var stemAppend = map[string]string{"it": "o", "es": "o", "pt": "o"}

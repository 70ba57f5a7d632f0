package sentiment

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The curated lexicon is written by the Vigie project itself (same licence as
// the rest of the code). It lists the strongly polar words, phrases and emoji
// of institutional communication and of crises: complaints, outrage, outages,
// data leaks, scandals, praise, thanks and congratulations. Its polarities are
// on the package's scale ([-1, 1]; about ±0.8 for an unambiguous verdict such
// as "inadmissible" or "bravo", ±0.5–0.6 for an incident or a thank-you).
//
// Curated entries override the shipped lexicons (VADER, AFINN, Pattern,
// machine-translated AFINN) where both list a word: the merged lexicon stored
// in model.bin holds the curated polarity. They also feed two dense features
// of their own and the curated-signal rule of model.analyze (README.md).
//
// Each line is a polarity followed by comma-separated entries. An entry of two
// or three words is a phrase (a hyphen counts as a space: "shout-out" is
// "shout out"); it is matched on consecutive words and takes the place of its
// last word's own polarity. Entries are folded like posts (case, diacritics),
// and inflected forms the suffix fallback of lookup does not reach are listed
// explicitly. Only words that are polar in nearly every use are listed.
var curatedText = map[string]string{
	"fr": `
-0.8 inadmissible, inadmissibles, inacceptable, inacceptables, intolérable, intolérables, inexcusable, inexcusables
-0.8 honteux, honteuse, honteuses, scandale, scandales, scandaleux, scandaleuse, scandaleuses, lamentable, lamentables
-0.8 pitoyable, pitoyables, minable, minables, déplorable, déplorables, catastrophique, catastrophiques, désastre, désastreux, désastreuse
-0.8 révoltant, révoltante, révoltants, fiasco, foutage de gueule, ras le bol
-0.7 honte, indigne, indignes, arnaque, arnaques, catastrophe, incompétence, incompétent, incompétente, incompétents, incompétentes
-0.7 furieux, furieuse, furieuses, furax, dégoûté, dégoûtée, dégoûtés, écœurant, écœurante, écœuré, écœurée
-0.6 nul, nulle, nuls, nulles, panne, pannes, piratage, piratages, pagaille, bordel, marre, mépris, inutilisable, inutilisables
-0.6 hors service, chaos, cyberattaque, cyberattaques
-0.5 fuite, fuites, piraté, piratée, piratés, piratées, galère, galères, saturé, saturée, saturés, bondé, bondée
+0.8 bravo, félicitations, félicitation, génial, géniale, géniaux, géniales, excellent, excellente, excellents, excellentes
+0.8 magnifique, magnifiques, formidable, formidables, merveilleux, merveilleuse, remerciements
+0.7 merci, parfait, parfaite, parfaits, parfaites, impeccable, impeccables, ravi, ravie, ravis, ravies
+0.6 super, fier, fière, fiers, fières
`,
	"de": `
-0.8 inakzeptabel, skandal, skandale, skandalös, frechheit, unverschämt, unverschämtheit, zumutung, sauerei, armutszeugnis
-0.8 katastrophal, desaster, miserabel
-0.7 schande, katastrophe, peinlich, enttäuschend, enttäuscht, ärgerlich, wütend, ätzend, lächerlich, totalausfall
-0.6 unfassbar, datenleck, datenlecks, datenpanne, ausfall, ausfälle, gehackt, mies, nervt, nervig, versagt, versagen, chaos
-0.5 störung, störungen, hackerangriff, cyberangriff, überfüllt, überlastet
-0.4 unmöglich
+0.8 glückwunsch, glückwünsche, gratulation, gratuliere, gratulieren, bravo, dankeschön, genial, großartig, hervorragend
+0.8 wunderbar, wunderschön, exzellent, fantastisch
+0.7 danke, toll, perfekt, begeistert
+0.6 super, stolz
`,
	"en": `
-0.8 disgraceful, disgrace, unacceptable, outrageous, shameful, scandalous, appalling, pathetic, disgusting, inexcusable
-0.8 fiasco, furious, infuriating, terrible, awful, horrible, worst
-0.7 outrage, outraged, scandal, scandals, incompetent, incompetence, useless, fed up, rip off, ripoff
-0.6 outage, outages, hacked, shame, ridiculous
-0.5 leak, leaks, leaked, breach, breaches, breached, crashed, mess
+0.8 congrats, congratulations, kudos, bravo, well done, awesome, amazing, excellent, brilliant, fantastic, wonderful, superb
+0.7 grateful, thankful, impressive, perfect, gorgeous
+0.6 thanks, thank, thx, shout out, shoutout, proud
`,
	"it": `
-0.8 inaccettabile, inaccettabili, vergogna, vergognoso, vergognosa, vergognosi, vergognose, scandalo, scandali
-0.8 scandaloso, scandalosa, scandalosi, scandalose, indecente, indecenti, indegno, indegna, indegni, indegne
-0.8 pessimo, pessima, pessimi, pessime, schifo, disastro, disastroso, disastrosa
-0.7 disservizio, disservizi, delusione, deluso, delusa, delusi, deluse, arrabbiato, arrabbiata, arrabbiati
-0.7 incompetenti, incompetente, incompetenza
-0.6 guasto, guasti, fuga di dati, furto di dati, assurdo, assurda, ridicolo, ridicola, caos
-0.5 fuori servizio, attacco informatico, violazione dei dati, uffa
+0.8 complimenti, congratulazioni, fantastico, fantastica, fantastici, fantastiche, ottimo, ottima, ottimi, ottime
+0.8 eccellente, eccellenti, splendido, splendida, meraviglioso, meravigliosa, stupendo, stupenda, bravissimo, bravissimi
+0.7 grazie, perfetto, perfetta, bravo, brava, bravi, brave, auguri
+0.6 orgoglioso, orgogliosa, orgogliosi, fiero, fiera, fieri
`,
}

// curatedEmoji are the language-independent curated polarities of emoji.
var curatedEmoji = map[rune]float64{
	'😡': -0.8, '🤬': -0.9, '😠': -0.7, '👎': -0.6, '💩': -0.6, '😤': -0.5, '😢': -0.5,
	'😭': -0.4, '🙄': -0.5, '😒': -0.5, '🤦': -0.5, '⚠': -0.3, '😩': -0.5, '😞': -0.5,
	'💔': -0.6,
	'👍': 0.6, '🎉': 0.7, '❤': 0.7, '😍': 0.8, '🥳': 0.7, '💪': 0.5, '👏': 0.7,
	'🙏': 0.4, '✨': 0.4, '🔥': 0.3, '🙌': 0.6, '🥰': 0.8,
}

// curatedLex is the parsed curated lexicon: per language, folded words and
// phrases (words joined by one space) and their polarities.
type curatedLex struct {
	words   map[string]map[string]float64 // lang → folded word → polarity
	phrases map[string]map[string]float64 // lang → "w1 w2[ w3]" → polarity
}

var (
	curatedOnce sync.Once
	curatedVal  *curatedLex
)

// curated returns the parsed curated lexicon. It panics on a malformed
// entry: the text is part of the code.
func curated() *curatedLex {
	curatedOnce.Do(func() {
		c, err := parseCurated(curatedText)
		if err != nil {
			panic(err)
		}
		curatedVal = c
	})
	return curatedVal
}

func parseCurated(src map[string]string) (*curatedLex, error) {
	c := &curatedLex{words: map[string]map[string]float64{}, phrases: map[string]map[string]float64{}}
	for lang, text := range src {
		ws, ps := map[string]float64{}, map[string]float64{}
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			num, rest, _ := strings.Cut(line, " ")
			p, err := strconv.ParseFloat(num, 64)
			if err != nil || p < -1 || p > 1 || p == 0 {
				return nil, fmt.Errorf("curated %s: bad polarity in %q", lang, line)
			}
			for _, e := range strings.Split(rest, ",") {
				var parts []string
				for _, w := range strings.Fields(strings.ReplaceAll(e, "-", " ")) {
					if !isWordEntry(w) || strings.ContainsFunc(w, isApostrophe) {
						return nil, fmt.Errorf("curated %s: bad entry %q", lang, e)
					}
					f, _, _ := appendFoldedWord(nil, w)
					parts = append(parts, string(f))
				}
				if len(parts) == 0 || len(parts) > 3 {
					return nil, fmt.Errorf("curated %s: bad entry %q", lang, e)
				}
				m := ws
				if len(parts) > 1 {
					m = ps
				}
				k := strings.Join(parts, " ")
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("curated %s: %q listed twice", lang, k)
				}
				m[k] = p
			}
		}
		c.words[lang], c.phrases[lang] = ws, ps
	}
	return c, nil
}

// applyCurated makes the curated polarities override the merged shipped
// lexicons: per language, in the union used for other languages (the mean of
// the curated polarities when several languages list a word) and for emoji.
func (m *mergedLexicons) applyCurated(c *curatedLex) {
	union := map[string][]float64{}
	for _, lang := range sortedKeys(c.words) {
		lex := m.words[lang]
		if lex == nil {
			lex = map[string]float32{}
			m.words[lang] = lex
		}
		for w, p := range c.words[lang] {
			lex[w] = quant(p)
			union[w] = append(union[w], p)
		}
	}
	gen := m.words[""]
	for w, ps := range union {
		gen[w] = quant(mean(ps))
	}
	for e, p := range curatedEmoji {
		m.emoji[e] = quant(p)
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// setCurated gives li the curated words and phrases of lang ("" = all
// languages), as the runtime uses them.
func (li *langInfo) setCurated(lang string) {
	c := curated()
	li.cur, li.phr, li.phrLast = map[string]bool{}, map[string]float32{}, map[string]bool{}
	add := func(l string) {
		for w := range c.words[l] {
			li.cur[w] = true
		}
		for ph, p := range c.phrases[l] {
			li.phr[ph] = quant(p)
			li.phrLast[ph[strings.LastIndexByte(ph, ' ')+1:]] = true
		}
	}
	if lang == "" {
		for _, l := range sortedKeys(c.words) {
			add(l)
		}
		return
	}
	add(lang)
}

// isCuratedEmoji reports whether r has a curated polarity.
func isCuratedEmoji(r rune) bool {
	_, ok := curatedEmoji[r]
	return ok
}

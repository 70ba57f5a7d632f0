package match

import "strings"

// stopWords are function words of the languages Vigie listens in. They occur
// in most posts, so a branch is never anchored on them when it can be anchored
// on anything else. Folded forms (no accents).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
a an the and or not no nor but if of to in on at by for from with without as is are was were be been being
am do does did done have has had having it its it's this that these those there here he she we you they i me my
mine your yours his her hers our ours their them him us who whom whose which what when where why how all any
both each few more most other some such only own same so than too very can will just should now also about
after before into over under again then once up down out off new one two get got like via rt amp
le la les un une des du de d l et ou mais donc or ni car ce cet cette ces mon ma mes ton ta tes son sa ses
notre nos votre vos leur leurs je tu il elle on nous vous ils elles me te se lui y en ne pas plus moins tres
est sont etait ete etre avoir a ai as avons avez ont qui que quoi dont ou au aux par pour sur dans avec sans
sous chez entre comme si tout tous toute toutes c s qu n j m t aussi bien fait faire peut encore deja
der die das den dem des ein eine einer eines einem einen und oder aber nicht kein keine ist sind war waren
sein hat haben wird werden wurde ich du er sie es wir ihr mich mir dich dir sich uns euch mit von zu im am
auf aus bei fur uber unter nach vor um an als wie wenn dass auch noch nur schon so sehr mehr ja nein was
il lo gli le una uno dei degli delle della dello del di da e ed o ma non che chi cui per con su tra fra
sono era essere ha hanno ho io tu lui lei noi voi loro mi ti ci vi si anche come piu molto questo questa
el los las y pero no que por para con sin sobre es son fue ser se su sus al lo mi tu muy mas como este esta
o os as um uma e mas nao com sem por para em na no nas nos do da dos das ao que se sua seu muito
de het een en of maar niet is zijn was met voor op aan bij van te dat die dit ik je hij zij wij ze er
`) {
		m[w] = true
	}
	return m
}()

// IsStopWord reports whether the folded word w is a function word of one of
// the languages Vigie listens in.
func IsStopWord(w string) bool { return stopWords[w] }

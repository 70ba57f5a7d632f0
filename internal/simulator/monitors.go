package simulator

import "github.com/vigie-project/vigie"

// The demo workspace's names of the institution, shared by several monitors
// (a professional would paste the same group into each).
const uvalNames = `uval OR "université de valmont" OR "universität valmont" OR "uni valmont" OR "università di valmont" OR "valmont university" OR "university of valmont"`

// DemoMonitors returns the monitors of the demo workspace: the institution,
// three of its services, its two competitors, rankings, its campaign, its
// rector and professors, and a crisis watch. They are written the way
// docs/query-language.md teaches, in the four languages of the stream.
func DemoMonitors() []vigie.Monitor {
	return []vigie.Monitor{
		{
			ID: "m-uval", Name: "Université de Valmont (brand)", Kind: vigie.KindBrand,
			// House accounts and tags are listed: @uval_students is the word
			// uval_students, never uval. Job ads go to the careers monitor.
			Query: `(` + uvalNames + ` OR uvalnews OR @uval_students OR @uval_careers OR uvalstudents OR uvalcareers OR site:uval.example)` +
				` -("offre d'emploi" OR stellenangebot OR "job opening" OR "offerta di lavoro" OR #uvaljobs)`,
		},
		{
			ID: "m-careers", Name: "UVAL Careers (careers centre)", Kind: vigie.KindProduct,
			Query: `"uval careers" OR uvaljobs OR @uval_careers OR uvalcareers OR author:uval_careers OR author:uvalcareers.bsky.social OR site:careers.uval.example` +
				` OR (("centre de carrières" OR "career centre" OR "career center" OR karrierezentrum OR "centro carriere" OR "forum emploi" OR jobmesse OR "career fair" OR "fiera del lavoro") NEAR/6 (uval OR valmont))`,
		},
		{
			ID: "m-desk", Name: "Student Desk", Kind: vigie.KindProduct,
			Query: `@uval_students OR uvalstudents OR author:uval_students OR author:uvalstudents.bsky.social OR author:u/uval_studentdesk` +
				` OR (("guichet étudiant" OR "student desk" OR studierendensekretariat OR "sportello studenti" OR inscription* OR einschreibung OR immatrikulation* OR iscrizion* OR registration OR enrolment)` +
				` NEAR/8 (` + uvalNames + `))`,
		},
		{
			ID: "m-valmontx", Name: "ValmontX (online courses)", Kind: vigie.KindProduct,
			Query: `valmontx OR valmontxdown OR author:valmontx OR author:valmontx.bsky.social OR site:learn.uval.example`,
		},
		{
			ID: "m-rivebourg", Name: "Université de Rivebourg", Kind: vigie.KindCompetitor,
			// Rivebourg alone is also a town: its Christmas market is not a competitor.
			// unirivebourg finds @unirivebourg.example and #UniRivebourg.
			Query: `"université de rivebourg" OR "universität rivebourg" OR "uni rivebourg" OR "rivebourg university" OR "università di rivebourg" OR unirivebourg OR author:unirivebourg.example OR site:unirivebourg.example`,
		},
		{
			ID: "m-polylorvaux", Name: "PolyLorvaux", Kind: vigie.KindCompetitor,
			Query: `polylorvaux OR "polytechnique de lorvaux" OR "lorvaux polytechnic" OR "polytechnikum lorvaux" OR "politecnico di lorvaux" OR author:polylorvaux OR site:polylorvaux.example`,
		},
		{
			ID: "m-rankings", Name: "Rankings", Kind: vigie.KindKeyword,
			Query: `(` + uvalNames + ` OR polylorvaux OR "université de rivebourg" OR "rivebourg university")` +
				` NEAR/5 (ranking* OR classement* OR rangliste OR hochschulranking OR classifica OR "world campus ranking" OR "eurouni index" OR "global research table")`,
		},
		{
			ID: "m-opendays", Name: "Open Days campaign", Kind: vigie.KindCampaign,
			// The plain word finds the hashtag and the tag written without #.
			Query: `uvalopendays OR portesouvertesuval` +
				` OR (("portes ouvertes" OR "open days" OR "open day" OR "tag der offenen tür" OR "porte aperte") NEAR/5 (` + uvalNames + `))`,
		},
		{
			ID: "m-rector", Name: "Rector Hélène Marchetti", Kind: vigie.KindInfluencer,
			Query: `author:marchetti OR author:hmarchetti.bsky.social OR "hélène marchetti"` +
				` OR ((rectrice OR rektorin OR rettrice OR rector) NEAR/3 marchetti)`,
		},
		{
			ID: "m-professors", Name: "Professors in the public eye", Kind: vigie.KindInfluencer,
			// Keller is also the German for cellar: require the first name or a title.
			Query: `author:jkeller OR author:cbenedetti.bsky.social OR "jonas keller" OR "chiara benedetti" OR "amélie vautrin"` +
				` OR ((prof OR professor OR professorin OR professeur OR professeure OR professoressa) NEAR/2 (keller OR benedetti OR vautrin))`,
		},
		{
			ID: "m-crisis", Name: "Crisis watch", Kind: vigie.KindKeyword,
			// NEAR, not AND: the institution and the incident in the same sentence.
			// hacked/hacker, not hack*, which would fire on every hackathon.
			Query: `(` + uvalNames + ` OR valmontx) NEAR/5 (leak OR leaks OR leaked OR breach OR fuite OR fuites OR datenleck OR datenpanne` +
				` OR "fuga di dati" OR violazione OR hacked OR hacker OR hackers OR hackerangriff OR piratage OR cyberattaque OR cyberangriff OR "attacco informatico"` +
				` OR panne OR outage OR ausfall OR störung OR guasto OR crash*)`,
		},
	}
}

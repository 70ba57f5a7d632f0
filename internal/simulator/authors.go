package simulator

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie"
)

// author is one account of the stream.
type author struct {
	vigie.Author
	source   string
	key      string // account key of org.go for notable accounts, "" for everyone else
	lang     string // "" for accounts that post in every language
	country  string
	audience int64 // followers, or what stands for reach where a network has none (karma, subscribers)
}

// population is the pool of authors, by network.
type population struct {
	people   map[string][]*author          // ordinary authors by source
	press    map[string][]*author          // journalists and influencers by source
	official map[string]map[string]*author // account key → source → account
}

// Pool sizes per network: a few thousand authors in all.
var poolSizes = []struct {
	source string
	n      int
	xm     float64 // Pareto scale: the typical small account
	alpha  float64 // Pareto shape: lower is heavier-tailed
	max    float64
}{
	{"mastodon", 900, 8, 1.1, 400_000},
	{"bluesky", 1100, 15, 1.05, 900_000},
	{"reddit", 700, 2, 1.2, 60_000},
	{"hackernews", 350, 20, 1.0, 150_000}, // karma
	{"youtube", 120, 150, 0.9, 3_000_000},
}

// newPopulation draws the pool of authors.
func newPopulation(r *rand.Rand) *population {
	pop := &population{
		people:   map[string][]*author{},
		press:    map[string][]*author{},
		official: map[string]map[string]*author{},
	}
	taken := map[string]bool{}
	for _, acc := range accounts {
		a := &author{source: acc.source, key: acc.key, lang: acc.lang, country: acc.country, audience: acc.followers}
		a.Handle, a.Name, a.Followers = acc.handle, acc.name, acc.followers
		a.ID, a.URL = accountID(r, acc.source, acc.handle), profileURL(acc.source, acc.handle)
		taken[acc.source+" "+strings.ToLower(acc.handle)] = true
		if acc.key == "press" {
			pop.press[acc.source] = append(pop.press[acc.source], a)
			continue
		}
		if pop.official[acc.key] == nil {
			pop.official[acc.key] = map[string]*author{}
		}
		pop.official[acc.key][acc.source] = a
	}
	for _, ps := range poolSizes {
		for range ps.n {
			a := newPerson(r, ps.source, taken)
			followers := pareto(r, ps.xm, ps.alpha, ps.max)
			a.audience = followers
			if ps.source != "hackernews" { // Hacker News has karma, not followers
				a.Followers = followers
			}
			pop.people[ps.source] = append(pop.people[ps.source], a)
		}
	}
	return pop
}

// newPerson invents a person on a network, with a handle in its shape.
func newPerson(r *rand.Rand, source string, taken map[string]bool) *author {
	lang := pick(r, langs, langWeights)
	if source == "hackernews" && r.Float64() < 0.7 {
		lang = "en"
	}
	first, last := oneOf(r, firstNames[lang]), oneOf(r, lastNames[lang])
	f, l := asciiLower(first), asciiLower(last)
	nick := oneOf(r, nickAdjectives) + "_" + oneOf(r, nickNouns)
	a := &author{source: source, lang: lang, country: pickW(r, countries[lang])}
	a.Name = first + " " + last
	var local string
	switch source {
	case "mastodon":
		local = oneOf(r, []string{f + l, f + "_" + l, f[:1] + l, f + strconv.Itoa(r.IntN(99)+1), nick})
		inst := oneOf(r, instances[lang])
		local = unique(taken, source, local, func(s string) string { return "@" + s + "@" + inst })
		a.Handle = "@" + local + "@" + inst
	case "bluesky":
		local = oneOf(r, []string{f + l, f + "-" + l, f[:1] + l, f + strconv.Itoa(r.IntN(99)+1)})
		local = unique(taken, source, local, func(s string) string { return s + ".bsky.social" })
		a.Handle = local + ".bsky.social"
	case "reddit":
		if r.Float64() < 0.7 {
			local = capitalizeWords(nick) + "_" + strconv.Itoa(r.IntN(9000)+100)
		} else {
			local = f + "_" + l[:min(3, len(l))]
		}
		local = unique(taken, source, local, func(s string) string { return "u/" + s })
		a.Handle, a.Name = "u/"+local, local
	case "hackernews":
		local = oneOf(r, []string{strings.ReplaceAll(nick, "_", ""), f[:1] + l, f + l[:min(3, len(l))], nick})
		local = unique(taken, source, local, func(s string) string { return s })
		a.Handle, a.Name = local, local
	case "youtube":
		if r.Float64() < 0.4 {
			a.Name = first + " · Vlogs"
		}
		local = unique(taken, source, capitalize(f)+capitalize(l), func(s string) string { return "@" + s })
		a.Handle = "@" + local
	}
	a.ID, a.URL = accountID(r, source, a.Handle), profileURL(source, a.Handle)
	return a
}

// unique returns local, with digits appended if the handle it makes is taken.
func unique(taken map[string]bool, source, local string, handle func(string) string) string {
	try := local
	for i := 2; taken[source+" "+strings.ToLower(handle(try))]; i++ {
		try = local + strconv.Itoa(i)
	}
	taken[source+" "+strings.ToLower(handle(try))] = true
	return try
}

// accountID is an account id in the network's shape.
func accountID(r *rand.Rand, source, handle string) string {
	switch source {
	case "mastodon":
		return strconv.FormatUint(109_000_000_000_000_000+r.Uint64N(9_000_000_000_000_000), 10)
	case "bluesky":
		return "did:plc:" + randString(r, "abcdefghijklmnopqrstuvwxyz234567", 24)
	case "reddit":
		return "t2_" + randString(r, "abcdefghijklmnopqrstuvwxyz0123456789", 8)
	case "youtube":
		return "UC" + randString(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 22)
	}
	return handle
}

// profileURL is the address of an account's profile.
func profileURL(source, handle string) string {
	switch source {
	case "mastodon":
		user, host, _ := strings.Cut(strings.TrimPrefix(handle, "@"), "@")
		return "https://" + host + "/@" + user
	case "bluesky":
		return "https://bsky.example/profile/" + handle
	case "reddit":
		return "https://www.reddit.example/user/" + strings.TrimPrefix(handle, "u/")
	case "hackernews":
		return "https://news.ycombinator.example/user?id=" + handle
	case "youtube":
		return "https://www.youtube.example/" + handle
	}
	return ""
}

// pareto draws from a Pareto distribution, capped at max.
func pareto(r *rand.Rand, xm, alpha, max float64) int64 {
	u := 1 - r.Float64() // (0, 1]
	return int64(math.Min(xm/math.Pow(u, 1/alpha), max))
}

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// asciiFold spells names the way handles do.
var asciiFold = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "ae", "á", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ô", "o", "ö", "oe", "ó", "o", "ù", "u", "û", "u", "ü", "ue", "ú", "u",
	"ß", "ss", "'", "", "’", "", " ", "-", "·", "",
)

func asciiLower(s string) string { return asciiFold.Replace(strings.ToLower(s)) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	for i := range s {
		if i > 0 {
			return strings.ToUpper(s[:i]) + s[i:]
		}
	}
	return strings.ToUpper(s)
}

func capitalizeWords(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		parts[i] = capitalize(p)
	}
	return strings.Join(parts, "_")
}

package simulator

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
)

// DemoNetwork names the demo's own social network: the fictional
// university's account there publishes into memory, and the simulated
// public asks it questions, so that the demo shows publishing and the
// shared inbox on a machine without the internet.
const DemoNetwork vigie.Network = "demo"

// DemoHandle is the university's account on the demo network.
const DemoHandle = "@valmont@social.demo"

// Network is the demo network's client (the publish.Client of the
// "demo" network). Posts live in memory: a restart forgets them, which a
// demo does not mind. Mentions of the account come at First after Start,
// then every Every; each is the same for the same Start.
type Network struct {
	Start time.Time
	First time.Duration // default 20 s
	Every time.Duration // default 90 s
	Now   func() time.Time

	mu    sync.Mutex
	posts map[string]vigie.RemotePost // by idempotency key
}

func (n *Network) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// Verify describes the university's account.
func (n *Network) Verify(context.Context, *vigie.AccountLink) (vigie.Profile, error) {
	return vigie.Profile{RemoteID: "valmont", Handle: DemoHandle, DisplayName: "Université de Valmont",
		Limits: vigie.AccountLimits{MaxChars: 500, URLChars: 23, MaxMedia: 4}}, nil
}

// Publish keeps the post, once per key.
func (n *Network) Publish(_ context.Context, _ *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.posts == nil {
		n.posts = map[string]vigie.RemotePost{}
	}
	if p, ok := n.posts[d.Key]; ok {
		return p, nil
	}
	id := strconv.Itoa(len(n.posts) + 1)
	p := vigie.RemotePost{ID: id, URI: "demo:post/" + id}
	n.posts[d.Key] = p
	return p, nil
}

// Lookup finds a post published with d's key.
func (n *Network) Lookup(_ context.Context, _ *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p, ok := n.posts[d.Key]
	return p, ok, nil
}

// questions the simulated public asks the university, in its languages.
var questions = []struct{ name, handle, lang, text string }{
	{"Camille Rochat", "camille_r", "fr", "Bonjour, jusqu'à quand peut-on s'inscrire au master en sciences de l'environnement ?"},
	{"Sam Whitfield", "samw", "en", "Is the library open on Sunday during the exam session?"},
	{"Lena Baumann", "lena_b", "de", "Gibt es am Tag der offenen Tür auch Führungen auf Deutsch?"},
	{"Giulia Conti", "giuliac", "it", "Buongiorno, dove trovo il calendario degli esami di febbraio?"},
	{"Hugo Favre", "hugofavre", "fr", "Le lien vers le formulaire de bourse ne fonctionne plus, pouvez-vous vérifier ?"},
	{"Priya Nair", "priya_n", "en", "Great lecture yesterday on climate policy, will the slides be online?"},
	{"Jonas Keller", "jkeller", "de", "Wann werden die Ergebnisse der Aufnahmeprüfung veröffentlicht?"},
	{"Mia Jensen", "miaj", "en", "My student card still hasn't arrived after three weeks, who should I contact?"},
}

// Notifications returns the mentions that came since cursor (the number
// of the last one read), at most 20, oldest first.
func (n *Network) Notifications(_ context.Context, _ *vigie.AccountLink, cursor string) ([]vigie.Notification, string, error) {
	first, every := n.First, n.Every
	if first <= 0 {
		first = 20 * time.Second
	}
	if every <= 0 {
		every = 90 * time.Second
	}
	since := 0
	if cursor != "" {
		var err error
		if since, err = strconv.Atoi(cursor); err != nil || since < 0 {
			return nil, cursor, fmt.Errorf("%w: demo inbox cursor %q", vigie.ErrInvalid, cursor)
		}
	}
	elapsed := n.now().Sub(n.Start) - first
	if elapsed < 0 {
		return nil, cursor, nil
	}
	last := int(elapsed/every) + 1 // mentions 1..last have come
	from := max(since+1, last-19)
	var out []vigie.Notification
	for k := from; k <= last; k++ {
		q := questions[(k-1)%len(questions)]
		at := n.Start.Add(first + time.Duration(k-1)*every)
		id := strconv.FormatInt(n.Start.Unix(), 10) + "-" + strconv.Itoa(k)
		out = append(out, vigie.Notification{
			RemoteID: "demo:mention/" + id, Kind: vigie.NotifyMention,
			Post:     vigie.RemoteRef{ID: id, URI: "demo:mention/" + id},
			AuthorID: q.handle, AuthorName: q.name, AuthorHandle: "@" + q.handle + "@social.demo",
			Text: "@valmont " + q.text, Language: q.lang, CreatedAt: at.UTC(),
		})
	}
	if last < since {
		last = since
	}
	return out, strconv.Itoa(last), nil
}

package simulator

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// The shape of the stream.
var sources = []weighted{
	{"mastodon", 32}, {"bluesky", 35}, {"reddit", 19}, {"hackernews", 6}, {"rss", 5}, {"youtube", 3},
}

const (
	onTopicShare  = 0.40 // original posts about the demo world; the rest is background noise
	officialShare = 0.07 // on-topic social posts published by the institution's accounts
	pressShare    = 0.04 // … and by journalists and influencers
	replyShare    = 0.20 // social posts that reply to an earlier post
	repostShare   = 0.12 // Mastodon and Bluesky posts that repost an earlier one
	recentSize    = 400  // earlier posts per network that replies and reposts can refer to
)

// recent is an earlier post that replies and reposts can refer to.
type recent struct {
	id, handle, lang, title, text, topic string
	links                                []string
	followers                            int64
	thread, sub                          string // Reddit: the thread's id and subreddit
}

// ring keeps the last recentSize posts of a network.
type ring struct {
	buf  []recent
	next int
}

func (r *ring) add(p recent) {
	if len(r.buf) < recentSize {
		r.buf = append(r.buf, p)
		return
	}
	r.buf[r.next] = p
	r.next = (r.next + 1) % recentSize
}

// popular picks an earlier post, favouring those of large accounts.
func (r *ring) popular(rng *rand.Rand, tries int) *recent {
	if len(r.buf) == 0 {
		return nil
	}
	best := &r.buf[rng.IntN(len(r.buf))]
	for range tries - 1 {
		if c := &r.buf[rng.IntN(len(r.buf))]; c.followers > best.followers {
			best = c
		}
	}
	return best
}

// composer writes posts. It holds the simulator's random source, so that
// everything it writes follows from the seed.
type composer struct {
	rng    *rand.Rand
	pop    *population
	seq    uint64 // posts written so far: makes ids unique
	idSalt uint64
	recent map[string]*ring
}

// background writes one post of the normal stream.
func (c *composer) background(t time.Time) vigie.Post {
	src := pickW(c.rng, sources)
	r := c.rng.Float64()
	switch src {
	case "rss":
		return c.newsPost(t)
	case "youtube":
		return c.videoPost(t)
	case "hackernews":
		if r < 0.6 {
			if parent := c.ring(src).popular(c.rng, 2); parent != nil {
				return c.remember(c.reply(t, src, parent, nil), "reply", parent)
			}
		}
		return c.storyPost(t)
	case "reddit":
		if r < 0.45 {
			if parent := c.ring(src).popular(c.rng, 2); parent != nil {
				return c.remember(c.reply(t, src, parent, nil), "reply", parent)
			}
		}
	default:
		if r < replyShare {
			if parent := c.ring(src).popular(c.rng, 2); parent != nil {
				return c.remember(c.reply(t, src, parent, nil), "reply", parent)
			}
		} else if r < replyShare+repostShare {
			if parent := c.ring(src).popular(c.rng, 3); parent != nil {
				return c.repost(t, src, c.person(src), parent)
			}
		}
	}
	return c.original(t, src)
}

// original writes a new post on a social network: on topic or background noise.
func (c *composer) original(t time.Time, src string) vigie.Post {
	a := c.person(src)
	lang := c.langOf(a)
	onTopic, r := c.rng.Float64() < onTopicShare, c.rng.Float64()
	var official *author
	if onTopic && r < officialShare {
		official = c.officialOn(src)
	}
	var tpl, name string
	mood := 0
	switch {
	case !onTopic:
		tpl, name = oneOf(c.rng, noise[lang]), "noise"
	case official != nil:
		a, lang = official, c.langOf(official)
		tpl, name, mood = oneOf(c.rng, officialPosts[a.key][lang]), "official:"+a.key, 1
	default:
		if r < officialShare+pressShare && len(c.pop.press[src]) > 0 {
			a = oneOf(c.rng, c.pop.press[src])
			lang = c.langOf(a)
		}
		tp := c.topic()
		tpl, name, mood = oneOf(c.rng, social[tp.name][lang]), tp.name, tp.mood
	}
	text := c.decorate(c.fill(tpl, lang, src, name), lang, name, mood)
	if src == "reddit" {
		sub := oneOf(c.rng, subreddits[lang])
		if name != "noise" && c.rng.Float64() < 0.7 {
			sub = "uval"
		}
		return c.thread(t, a, text, lang, name, sub)
	}
	return c.remember(c.post(t, src, a, "", text, lang), name, nil)
}

// thread writes a Reddit thread: the first sentence of text is its title.
func (c *composer) thread(t time.Time, a *author, text, lang, topic, sub string) vigie.Post {
	title, body := splitTitle(text)
	for _, l := range links(title) { // a link post: the link goes with the body
		title = strings.Join(strings.Fields(strings.Replace(title, l, "", 1)), " ")
		body = strings.TrimSpace(l + "\n\n" + body)
	}
	p := c.post(t, "reddit", a, title, body, lang)
	p.URL = "https://www.reddit.example/r/" + sub + "/comments/" + redditID(p.ID) + "/" + slug(title, 50) + "/"
	return c.remember(p, topic, &recent{sub: sub})
}

// reply writes an answer to parent, from the crisis's replies when crisis is set.
func (c *composer) reply(t time.Time, src string, parent *recent, sc *scenario) vigie.Post {
	lang := parent.lang
	a := c.person(src)
	var text string
	switch {
	case sc != nil:
		text = oneOf(c.rng, sc.replies[lang])
	case src == "hackernews":
		text = oneOf(c.rng, hnComments)
	case parent.topic == "question" && c.official("desk", src) != nil && c.rng.Float64() < 0.5:
		a = c.official("desk", src)
		text = c.fill(oneOf(c.rng, deskAnswers[lang]), lang, src, "official:desk")
	default:
		text = oneOf(c.rng, replies[lang])
	}
	text = c.fill(text, lang, src, "reply")
	if src == "mastodon" || src == "bluesky" {
		text = mention(src, parent.handle) + " " + text
	}
	p := c.post(t, src, a, "", text, lang)
	p.ReplyTo = parent.id
	if src == "reddit" {
		p.URL = "https://www.reddit.example/r/" + parent.sub + "/comments/" + parent.thread + "/comment/" + redditID(p.ID) + "/"
	}
	return p
}

// repost shares parent again under a's name.
func (c *composer) repost(t time.Time, src string, a *author, parent *recent) vigie.Post {
	p := c.post(t, src, a, parent.title, parent.text, parent.lang)
	p.RepostOf = parent.id
	p.Links = parent.links
	p.Metrics = vigie.Metrics{}
	return p
}

// newsPost writes an article of a news site's feed.
func (c *composer) newsPost(t time.Time) vigie.Post {
	o := oneOf(c.rng, outlets)
	var art article
	name := "noise"
	if c.rng.Float64() < onTopicShare {
		tp := c.topic()
		if arts := news[tp.name][o.lang]; len(arts) > 0 {
			art, name = oneOf(c.rng, arts), tp.name
		}
	}
	if name == "noise" {
		art = oneOf(c.rng, newsNoise[o.lang])
	}
	return c.article(t, o, art, name)
}

func (c *composer) article(t time.Time, o outlet, art article, topic string) vigie.Post {
	title, text := c.fill(art.title, o.lang, "rss", topic), c.fill(art.text, o.lang, "rss", topic)
	byline := oneOf(c.rng, o.bylines)
	a := &author{source: "rss", lang: o.lang, audience: o.audience}
	a.ID = "rss:" + o.domain + "/" + slug(byline, 40)
	a.Name = byline
	a.URL = "https://www." + o.domain + "/authors/" + slug(byline, 40)
	p := c.post(t, "rss", a, title, text, o.lang)
	n := strings.TrimPrefix(p.ID, "rss:"+o.domain+":")
	p.URL = "https://www." + o.domain + "/" + o.section + "/" + t.Format("2006/01/02") + "/" + slug(title, 60) + "-" + n
	return c.remember(p, topic, nil)
}

// videoPost writes a YouTube video.
func (c *composer) videoPost(t time.Time) vigie.Post {
	a := c.person("youtube")
	if c.rng.Float64() < 0.15 {
		a = oneOf(c.rng, c.pop.press["youtube"])
	}
	lang := c.langOf(a)
	art, name := oneOf(c.rng, noiseVideos[lang]), "noise"
	if c.rng.Float64() < onTopicShare {
		art, name = oneOf(c.rng, videos[lang]), "video"
	}
	return c.video(t, a, art, lang, name)
}

func (c *composer) video(t time.Time, a *author, art article, lang, topic string) vigie.Post {
	p := c.post(t, "youtube", a, c.fill(art.title, lang, "youtube", topic), c.fill(art.text, lang, "youtube", topic), lang)
	return c.remember(p, topic, nil)
}

// storyPost writes a Hacker News story.
func (c *composer) storyPost(t time.Time) vigie.Post {
	art, name := oneOf(c.rng, hnNoise), "noise"
	if c.rng.Float64() < 0.25 {
		art, name = oneOf(c.rng, hnStories), "story"
	}
	return c.story(t, c.person("hackernews"), art, name)
}

func (c *composer) story(t time.Time, a *author, art article, topic string) vigie.Post {
	// A story links somewhere; an Ask HN has a text instead.
	title, text := c.fill(art.title, "en", "hackernews", topic), c.fill(art.text, "en", "hackernews", topic)
	link := ""
	if strings.HasPrefix(text, "https://") {
		link, text = text, ""
	}
	p := c.post(t, "hackernews", a, title, text, "en")
	if link != "" {
		p.Links = []string{link}
	}
	return c.remember(p, topic, nil)
}

// post assembles a post with the id, address and metrics of its network.
func (c *composer) post(t time.Time, src string, a *author, title, text, lang string) vigie.Post {
	c.seq++
	p := vigie.Post{
		Source:      src,
		PublishedAt: t.UTC(),
		Author:      a.Author,
		Title:       title,
		Text:        text,
		Lang:        lang,
		Links:       links(title + " " + text),
	}
	if a.country != "" && c.rng.Float64() < 0.3 {
		p.Country = a.country
	}
	// Posts are published on whole seconds: ids spread them over the second.
	switch src {
	case "mastodon": // a snowflake: milliseconds and a sequence number
		n := strconv.FormatUint(uint64(t.UnixMilli()+int64(c.seq%1000))<<16|c.seq&0xffff, 10)
		p.ID, p.URL = "mastodon:"+n, a.URL+"/"+n
	case "bluesky":
		tid := blueskyTID(t, c.seq)
		p.ID, p.URL = "bluesky:"+tid, "https://bsky.example/profile/"+a.Handle+"/post/"+tid
	case "reddit":
		prefix := "t3_"
		if title == "" {
			prefix = "t1_" // a comment
		}
		p.ID = "reddit:" + prefix + strconv.FormatUint(1_900_000_000+c.seq, 36)
	case "hackernews":
		n := strconv.FormatUint(42_000_000+c.seq, 10)
		p.ID, p.URL = "hackernews:"+n, "https://news.ycombinator.example/item?id="+n
	case "rss":
		domain, _, _ := strings.Cut(strings.TrimPrefix(a.ID, "rss:"), "/")
		p.ID = "rss:" + domain + ":" + strconv.FormatUint(100_000+c.seq, 10)
	case "youtube":
		v := videoID(mix64(c.seq ^ c.idSalt))
		p.ID, p.URL = "youtube:"+v, "https://www.youtube.example/watch?v="+v
	}
	p.Metrics = c.metrics(src, a.audience)
	return p
}

// metrics are engagement counters that grow with the author's audience.
func (c *composer) metrics(src string, audience int64) vigie.Metrics {
	aud := float64(audience)
	lognormal := func(median, sigma float64) float64 { return median * math.Exp(c.rng.NormFloat64()*sigma) }
	var m vigie.Metrics
	switch src {
	case "mastodon", "bluesky":
		m.Likes = int64(aud*lognormal(0.01, 1)) + c.rng.Int64N(3)
		m.Reposts = int64(float64(m.Likes) * (0.05 + 0.25*c.rng.Float64()))
		m.Replies = int64(float64(m.Likes) * (0.02 + 0.13*c.rng.Float64()))
	case "reddit":
		m.Likes = int64(lognormal(6, 1.3)) + 1
		m.Replies = int64(float64(m.Likes) * (0.1 + 0.4*c.rng.Float64()))
	case "hackernews":
		m.Likes = pareto(c.rng, 1, 1.1, 2500)
		m.Replies = int64(float64(m.Likes) * 0.6 * c.rng.Float64())
	case "youtube":
		m.Views = int64(aud*lognormal(0.05, 1.2)) + c.rng.Int64N(50)
		m.Likes = int64(float64(m.Views) * lognormal(0.03, 0.5))
		m.Replies = int64(float64(m.Likes) * 0.05 * c.rng.Float64())
	}
	return m
}

// remember keeps p for later replies and reposts, and returns it.
func (c *composer) remember(p vigie.Post, topic string, parent *recent) vigie.Post {
	c.rememberIn(c.ring(p.Source), p, topic, parent)
	return p
}

func (c *composer) rememberIn(r *ring, p vigie.Post, topic string, parent *recent) {
	e := recent{id: p.ID, handle: p.Author.Handle, lang: p.Lang, title: p.Title, text: p.Text,
		topic: topic, links: p.Links, followers: p.Author.Followers}
	if p.Source == "reddit" {
		e.thread = redditID(p.ID)
		if parent != nil {
			e.sub = parent.sub
			if parent.thread != "" {
				e.thread = parent.thread
			}
		}
	}
	r.add(e)
}

func (c *composer) ring(src string) *ring {
	r := c.recent[src]
	if r == nil {
		r = &ring{}
		c.recent[src] = r
	}
	return r
}

// person picks an ordinary author of a network.
func (c *composer) person(src string) *author { return oneOf(c.rng, c.pop.people[src]) }

func (c *composer) official(key, src string) *author { return c.pop.official[key][src] }

// account finds a named account by key or handle, or picks anyone.
func (c *composer) account(keyOrHandle, src string) *author {
	if a := c.official(keyOrHandle, src); a != nil {
		return a
	}
	for _, a := range c.pop.press[src] {
		if a.Handle == keyOrHandle {
			return a
		}
	}
	return c.person(src)
}

// officialOn picks one of the named accounts on a network.
func (c *composer) officialOn(src string) *author {
	var keys []string
	for _, k := range []string{"uval", "desk", "careers", "valmontx", "rector", "prof", "rival"} {
		if c.pop.official[k][src] != nil {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return c.pop.official[oneOf(c.rng, keys)][src]
}

// langOf picks the language of a post by a: mostly the author's own, with
// some posting in English; accounts of the institution post in all four.
func (c *composer) langOf(a *author) string {
	switch {
	case a.lang == "":
		return pick(c.rng, langs, langWeights)
	case a.lang != "en" && c.rng.Float64() < 0.07:
		return "en"
	}
	return a.lang
}

func (c *composer) topic() topic {
	total := 0.0
	for _, t := range topics {
		total += t.weight
	}
	x := c.rng.Float64() * total
	for _, t := range topics {
		if x -= t.weight; x < 0 {
			return t
		}
	}
	return topics[len(topics)-1]
}

// decorate adds the hashtags and emoji people add.
func (c *composer) decorate(text, lang, topic string, mood int) string {
	if c.rng.Float64() < 0.3 && !strings.Contains(text, "#") {
		if tag := c.hashtag(lang, topic); tag != "" {
			text += " " + tag
		}
	}
	if c.rng.Float64() < 0.15 {
		text += " " + c.fill(map[int]string{-1: "{emo-}", 0: "{emo}", 1: "{emo+}"}[mood], lang, "", topic)
	}
	return text
}

func (c *composer) hashtag(lang, topic string) string {
	topic = strings.TrimPrefix(topic, "official:")
	tags := append(append([]string(nil), hashtags[topic][lang]...), hashtags[topic]["*"]...)
	if len(tags) == 0 {
		return ""
	}
	return oneOf(c.rng, tags)
}

// fill replaces the {slots} of a template.
func (c *composer) fill(tpl, lang, src, topic string) string {
	return strings.TrimSpace(c.fillDepth(tpl, lang, src, topic, 0))
}

func (c *composer) fillDepth(tpl, lang, src, topic string, depth int) string {
	if depth > 3 || !strings.Contains(tpl, "{") {
		return tpl
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(tpl, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(tpl[open:], '}')
		if end < 0 {
			break
		}
		b.WriteString(tpl[:open])
		b.WriteString(c.fillDepth(c.slot(tpl[open+1:open+end], lang, src, topic), lang, src, topic, depth+1))
		tpl = tpl[open+end+1:]
	}
	b.WriteString(tpl)
	return b.String()
}

func (c *composer) slot(name, lang, src, topic string) string {
	r, _ := utf8.DecodeRuneInString(name)
	if unicode.IsUpper(r) {
		return capitalize(c.slot(strings.ToLower(name[:1])+name[1:], lang, src, topic))
	}
	n := func(lo, hi int) string { return strconv.Itoa(lo + c.rng.IntN(hi-lo+1)) }
	switch name {
	case "n":
		return n(2, 30)
	case "rank":
		return n(20, 180)
	case "k":
		return n(5, 45)
	case "day":
		return n(1, 28)
	case "price":
		return strconv.Itoa(600 + 50*c.rng.IntN(13))
	case "link": // the institution's news, or an article about it shared on social media
		if src != "rss" && !strings.HasPrefix(topic, "official:") && c.rng.Float64() < 0.3 {
			o := oneOf(c.rng, outlets)
			return "https://www." + o.domain + "/" + o.section + "/uval-" + n(1000, 99999)
		}
		return "https://news.uval.example/" + lang + "/" + n(1000, 9999)
	case "careerslink":
		return "https://careers.uval.example/jobs/" + n(1000, 9999)
	case "learnlink":
		return "https://learn.uval.example/courses/" + n(100, 999)
	case "rivallink":
		return oneOf(c.rng, []string{"https://www.polylorvaux.example/news/", "https://www.unirivebourg.example/actualites/"}) + n(100, 9999)
	case "#":
		return c.hashtag(lang, topic)
	case "@uval", "@desk", "@careers", "@valmontx":
		key := name[1:]
		if a := c.official(key, src); a != nil {
			return mention(src, a.Handle)
		}
		return map[string]string{"uval": "UVAL", "desk": "UVAL Student Desk", "careers": "UVAL Careers", "valmontx": "ValmontX"}[key]
	}
	if v := vocab[name]; v != nil {
		if vs := v[lang]; len(vs) > 0 {
			return oneOf(c.rng, vs)
		}
		if vs := v["*"]; len(vs) > 0 {
			return oneOf(c.rng, vs)
		}
	}
	return "{" + name + "}"
}

// mention is how a network writes a mention of handle in a post.
func mention(src, handle string) string {
	if src == "bluesky" {
		return "@" + handle
	}
	return handle
}

// splitTitle turns a social text into a Reddit title and body: the first
// sentence is the title, unless what follows it is too short to be a body.
func splitTitle(text string) (string, string) {
	for i := 10; i < len(text)-1; i++ {
		if strings.IndexByte(".!?", text[i]) >= 0 && text[i+1] == ' ' && !strings.HasSuffix(text[:i], "Prof") {
			if body := strings.TrimSpace(text[i+2:]); len(body) >= 25 {
				return text[:i+1], body
			}
			break
		}
	}
	return text, ""
}

// links lists the URLs written in a text.
func links(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "https://")
		if i < 0 {
			return out
		}
		s = s[i:]
		j := strings.IndexFunc(s, unicode.IsSpace)
		if j < 0 {
			j = len(s)
		}
		out = append(out, strings.TrimRight(s[:j], ".,;:!?)»\""))
		s = s[j:]
	}
}

// slug is a URL path segment made of the words of s.
func slug(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range asciiLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= max {
			break
		}
	}
	return b.String()
}

// redditID is the base-36 id inside a Reddit post id.
func redditID(id string) string { return id[strings.LastIndexByte(id, '_')+1:] }

// blueskyTID is a Bluesky record key: microseconds and a clock id, in
// base32-sortable.
func blueskyTID(t time.Time, seq uint64) string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(t.UnixMicro()+int64(seq%1_000_000))<<10 | seq&0x3ff
	b := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		b[i] = alphabet[v&31]
		v >>= 5
	}
	return string(b)
}

// videoID spells 64 bits as an 11-character YouTube id.
func videoID(v uint64) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 11)
	for i := 10; i >= 0; i-- {
		b[i] = alphabet[v&63]
		v >>= 6
	}
	return string(b)
}

// mix64 is a bijection on 64 bits (the SplitMix64 finaliser).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func oneOf[T any](r *rand.Rand, items []T) T { return items[r.IntN(len(items))] }

// pick chooses among items with the given weights.
func pick(r *rand.Rand, items []string, weights []float64) string {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x -= w; x < 0 {
			return items[i]
		}
	}
	return items[len(items)-1]
}

func pickW(r *rand.Rand, items []weighted) string {
	total := 0.0
	for _, it := range items {
		total += it.w
	}
	x := r.Float64() * total
	for _, it := range items {
		if x -= it.w; x < 0 {
			return it.v
		}
	}
	return items[len(items)-1].v
}

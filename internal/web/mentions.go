package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/mention"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

var sentiments = []string{vigie.Positive, vigie.Neutral, vigie.Negative}

// pageSize is the number of mentions a stream page shows.
const pageSize = 50

// streamFilter is the stream's filters, from the URL.
type streamFilter struct {
	Monitor, Source, Lang, Country, Sentiment, Q, Period string
	Tag                                                  string
	Irrelevant                                           bool   // show the mentions tagged irrelevant
	From, To                                             string // RFC 3339 or dates, from the dashboard's links
	from, to                                             time.Time
	query                                                *query.Query
	QueryError                                           string
	QueryColumn                                          int
}

// parseWhen reads a time from a URL: RFC 3339 or a date (midnight UTC).
// Anything else is ignored.
func parseWhen(s string) (time.Time, string) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), s
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, s
	}
	return time.Time{}, ""
}

// periods of the stream's filter, as URL values.
var periods = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// The stream's other periods: any time (which drops a dashboard link's
// from/to), and that range itself.
const (
	periodAll   = "all"
	periodRange = "range"
)

// readFilter reads the filters; a query's error is in locale.
func readFilter(r *http.Request, locale string) streamFilter {
	q := r.URL.Query()
	f := streamFilter{Monitor: q.Get("monitor"), Source: q.Get("source"), Lang: strings.ToLower(q.Get("lang")), Country: strings.ToLower(q.Get("country")),
		Sentiment: q.Get("sentiment"), Q: strings.TrimSpace(q.Get("q")), Period: q.Get("period")}
	if _, ok := periods[f.Period]; !ok && f.Period != periodAll && f.Period != periodRange {
		f.Period = ""
	}
	if !vigie.ValidSentiment(f.Sentiment) {
		f.Sentiment = ""
	}
	f.Tag, f.Irrelevant = strings.ToLower(strings.TrimSpace(q.Get("tag"))), q.Get("irrelevant") == "1"
	// A dashboard link's range holds until another period is chosen.
	if f.Period == "" || f.Period == periodRange {
		f.from, f.From = parseWhen(q.Get("from"))
		f.to, f.To = parseWhen(q.Get("to"))
	}
	switch {
	case f.From != "" || f.To != "":
		f.Period = periodRange
	case f.Period == periodRange:
		f.Period = ""
	}
	if f.Q != "" {
		pq, err := monitor.Check("", f.Q)
		var qe *monitor.QueryError
		if errors.As(err, &qe) {
			f.QueryError, f.QueryColumn = queryText(locale, qe.Err.Code, qe.Err.Args, qe.Err.Msg), qe.Err.Column
		} else {
			f.query = pq
		}
	}
	return f
}

// values returns the filters as URL parameters (for links and the live stream).
func (f streamFilter) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"monitor": f.Monitor, "source": f.Source, "lang": f.Lang, "country": f.Country, "sentiment": f.Sentiment, "q": f.Q, "period": f.Period, "from": f.From, "to": f.To, "tag": f.Tag} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.Irrelevant {
		v.Set("irrelevant", "1")
	}
	return v
}

func (f streamFilter) mentionFilter(ws int64, now time.Time) vigie.MentionFilter {
	mf := vigie.MentionFilter{WorkspaceID: ws, MonitorID: f.Monitor, Source: f.Source, Lang: f.Lang, Country: f.Country,
		Sentiment: f.Sentiment, Limit: pageSize,
		Tag: f.Tag, HideIrrelevant: !f.Irrelevant && f.Tag != store.TagIrrelevant}
	if f.query != nil {
		mf.Query = f.Q
	}
	if d, ok := periods[f.Period]; ok {
		mf.From = now.Add(-d)
	}
	if !f.from.IsZero() {
		mf.From = f.from
	}
	if !f.to.IsZero() {
		mf.To = f.to
	}
	return mf
}

// keeps reports whether a newly stored mention passes the filters.
func (f streamFilter) keeps(m *vigie.Mention) bool {
	switch {
	case f.Monitor != "" && !slices.Contains(m.MonitorIDs, f.Monitor),
		f.Source != "" && !strings.EqualFold(m.Post.Source, f.Source),
		f.Lang != "" && m.Post.Lang != noneAsEmpty(f.Lang),
		f.Country != "" && !strings.EqualFold(m.Post.Country, noneAsEmpty(f.Country)),
		f.Sentiment != "" && m.Sentiment.Label != f.Sentiment,
		!f.to.IsZero() && !m.Post.PublishedAt.Before(f.to),
		!f.from.IsZero() && m.Post.PublishedAt.Before(f.from),
		f.Tag != "" && !slices.Contains(m.Tags, f.Tag),
		f.QueryError != "":
		return false
	case f.query != nil:
		return match.Eval(f.query.Root, text.Analyze(&m.Post))
	}
	return true
}

// RangeText shows a dashboard link's range in the period filter.
func (f streamFilter) RangeText() string {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "…"
		}
		return t.Format("2006-01-02 15:04")
	}
	return at(f.from) + " – " + at(f.to) + " UTC"
}

// noneAsEmpty maps vigie.FilterNone to the empty value of "unknown".
func noneAsEmpty(v string) string {
	if v == vigie.FilterNone {
		return ""
	}
	return v
}

// row is one line of the stream: a mention and the near-copies folded into it.
type row struct {
	M        vigie.Mention
	Title    []segment
	Body     []segment
	Copies   []vigie.Mention
	Monitors []string // names
	When     string
	Ago      string
}

// segment is a piece of a post's text, marked when it matched the search.
type segment struct {
	Text string
	Mark bool
}

// rows folds near-duplicates: a mention whose original is also on the page
// joins the original's row, placed where the story's newest post is, and
// prepares each row's text with the search's words marked.
func (w *Web) rows(v *visit, ms []vigie.Mention, hl *query.Query, names map[string]string) []row {
	now := w.Now()
	onPage := make(map[int64]int, len(ms))
	for i, m := range ms {
		onPage[m.ID] = i
	}
	var out []row
	rowOf := map[int64]int{} // original's id → its row
	for _, m := range ms {
		root := m.ID
		if _, ok := onPage[m.NearDuplicateOf]; ok && m.NearDuplicateOf != 0 {
			root = m.NearDuplicateOf
		}
		i, ok := rowOf[root]
		if !ok {
			i = len(out)
			rowOf[root] = i
			out = append(out, row{})
		}
		if root != m.ID {
			m.Post.Text = clipText(m.Post.Text, maxShownText)
			out[i].Copies = append(out[i].Copies, m)
			continue
		}
		r := &out[i]
		r.When = m.Post.PublishedAt.UTC().Format("2006-01-02 15:04 UTC")
		r.Ago = ago(v, now.Sub(m.Post.PublishedAt))
		r.Title, r.Body = highlight(&m.Post, hl)
		r.Title, r.Body = clip(r.Title, maxShownTitle), clip(r.Body, maxShownText)
		r.M = m
		for _, id := range m.MonitorIDs {
			r.Monitors = append(r.Monitors, names[id])
		}
	}
	return out
}

// What a mention list shows of a post, in characters, as the API's lists.
const (
	maxShownText  = vigie.ListTextChars
	maxShownTitle = vigie.ListTitleChars
)

// ellipsis ends a text cut for display.
const ellipsis = "…"

// clip keeps the first max characters of segments, ending with an ellipsis
// when it cut.
func clip(segs []segment, max int) []segment {
	left := max
	for i, sg := range segs {
		n := utf8.RuneCountInString(sg.Text)
		if n <= left {
			left -= n
			continue
		}
		out := append(segs[:i:i], segment{Text: clipRunes(sg.Text, left), Mark: sg.Mark})
		return append(out, segment{Text: ellipsis})
	}
	return segs
}

// clipText keeps the first max characters of s, ending with an ellipsis
// when it cut.
func clipText(s string, max int) string {
	if c, cut := vigie.ClipRunes(s, max); cut {
		return c + ellipsis
	}
	return s
}

// clipRunes returns the first n characters of s.
func clipRunes(s string, n int) string {
	c, _ := vigie.ClipRunes(s, n)
	return c
}

// highlight splits a post's title and text into segments, marking the
// words a search's positive terms match.
func highlight(p *vigie.Post, q *query.Query) (title, body []segment) {
	d := text.Analyze(p)
	var words map[string]bool
	var prefixes []string
	if q != nil {
		words = map[string]bool{}
		var walk func(n *query.Node, neg bool)
		walk = func(n *query.Node, neg bool) {
			if n.Op == query.OpNot {
				neg = !neg
			}
			if n.Op == query.OpTerm && !neg {
				for _, part := range n.Parts {
					if part.Pattern {
						if part.Prefix != "" {
							prefixes = append(prefixes, part.Prefix)
						}
					} else {
						words[part.Fold] = true
					}
				}
			}
			for _, c := range n.Children {
				walk(c, neg)
			}
		}
		walk(q.Root, false)
	}
	var marks [][2]int32
	for i := range d.Tokens {
		w := d.Word(i)
		hit := words[w]
		for _, pre := range prefixes {
			hit = hit || strings.HasPrefix(w, pre)
		}
		if hit {
			marks = append(marks, [2]int32{d.Tokens[i].Start, d.Tokens[i].End})
		}
	}
	plain := d.Plain
	split := -1
	if p.Title != "" && p.Text != "" {
		// Plain is the title, a newline, the text (each as plain text): the
		// title's own length says where it ends (it may hold newlines).
		if t := text.Analyze(&vigie.Post{Title: p.Title}).Plain; strings.HasPrefix(plain, t+"\n") {
			split = len(t)
		}
	}
	segs := func(from, to int) []segment {
		var out []segment
		pos := from
		for _, m := range marks {
			a, b := int(m[0]), int(m[1])
			if a < from || b > to || a < pos {
				continue
			}
			if a > pos {
				out = append(out, segment{Text: plain[pos:a]})
			}
			out = append(out, segment{Text: plain[a:b], Mark: true})
			pos = b
		}
		if pos < to {
			out = append(out, segment{Text: plain[pos:to]})
		}
		return out
	}
	if split < 0 {
		return nil, segs(0, len(plain))
	}
	return segs(0, split), segs(split+1, len(plain))
}

// ago says how long ago, in the visit's language.
func ago(v *visit, d time.Duration) string {
	switch {
	case d < time.Minute:
		return v.T("ago.now")
	case d < time.Hour:
		return v.T("ago.minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return v.T("ago.hours", int(d.Hours()))
	}
	return v.T("ago.days", int(d.Hours()/24))
}

func (w *Web) monitorNames(r *http.Request, v *visit) (map[string]string, []vigie.MonitorRecord, error) {
	ms, err := w.Store.FindMonitors(r.Context(), v.Workspace.ID)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, m := range ms {
		names[m.ID] = m.Name
		if m.Name == "" {
			names[m.ID] = m.ID
		}
	}
	return names, ms, nil
}

// mentionsPage is the stream: filters, search, the newest mentions with
// near-copies folded, and a live connection for what comes next.
func (w *Web) mentionsPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	f := readFilter(r, v.Locale)
	names, monitors, err := w.monitorNames(r, v)
	if err != nil {
		return err
	}
	last, err := w.Store.LastPostID(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	// The kinds the workspace's mentions have (and the one asked for).
	kinds, err := w.sourceKinds(r, v.Workspace.ID)
	if err != nil {
		return err
	}
	if f.Source != "" && !slices.Contains(kinds, f.Source) {
		kinds = append(slices.Clone(kinds), f.Source)
	}
	data := map[string]any{"F": f, "Monitors": monitors, "Sentiments": sentiments, "Back": r.URL.RequestURI(), "Sources": kinds,
		"SentToInbox": sentToInbox(r)}
	mf := f.mentionFilter(v.Workspace.ID, w.Now())
	mf.Cursor = r.URL.Query().Get("cursor")
	if f.QueryError == "" {
		total, approx, counted, err := w.countFromRollups(r, v, f, mf)
		if err != nil {
			return err
		}
		mf.NoCount = counted
		page, err := w.Store.FindMentions(r.Context(), mf)
		if err != nil && !errors.Is(err, vigie.ErrInvalid) {
			return err
		}
		if counted {
			page.Total, page.Approximate = total, approx
		}
		data["Rows"] = w.rows(v, page.Mentions, f.query, names)
		data["Total"] = page.Total
		data["Approximate"] = page.Approximate
		if page.NextCursor != "" {
			vals := f.values()
			vals.Set("cursor", page.NextCursor)
			data["Next"] = "?" + vals.Encode()
		}
	}
	data["CSV"] = workspacePath(v.Workspace, "export/csv") + "?" + f.values().Encode()
	data["JSON"] = workspacePath(v.Workspace, "export/json") + "?" + f.values().Encode()
	live := f.values()
	live.Set("after", strconv.FormatInt(last, 10))
	data["LiveURL"] = workspacePath(v.Workspace, "mentions/live") + "?" + live.Encode()
	data["Live"] = mf.Cursor == "" // only the first page follows the stream
	return w.render(rw, v, http.StatusOK, "mentions", data)
}

// countFromRollups counts the stream's mentions from the dashboard's
// rollups when the filters allow it (no search, at most one of sentiment,
// source, language and country): reading them costs milliseconds where counting a
// large archive's mentions costs seconds. Periods not on whole hours are
// counted over the hours they touch, and said to be approximate.
func (w *Web) countFromRollups(r *http.Request, v *visit, f streamFilter, mf vigie.MentionFilter) (total int, approx, ok bool, err error) {
	dims := 0
	for _, x := range []string{f.Sentiment, f.Source, f.Lang, f.Country} {
		if x != "" {
			dims++
		}
	}
	if f.Q != "" || dims > 1 || f.Tag != "" {
		return 0, false, false, nil
	}
	to := mf.To
	if to.IsZero() {
		to = w.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	}
	from := mf.From
	if from.IsZero() {
		from = to.Add(-(vigie.MaxOverviewBuckets - 1) * 24 * time.Hour)
	}
	if !from.Before(to) {
		return 0, false, false, nil
	}
	bucket := time.Hour
	if span := to.Sub(from); span > 72*time.Hour && (span%(24*time.Hour) == 0 || span > 999*time.Hour) {
		bucket = 24 * time.Hour
	}
	of := vigie.OverviewFilter{WorkspaceID: v.Workspace.ID, From: from, To: to, Bucket: bucket, Limit: 1}
	if f.Monitor != "" {
		of.MonitorIDs = []string{f.Monitor}
	}
	ov, err := w.Store.Overview(r.Context(), of)
	if errors.Is(err, vigie.ErrInvalid) {
		return 0, false, false, nil // an unknown monitor: let the listing say so
	}
	if err != nil {
		return 0, false, false, err
	}
	switch {
	case f.Sentiment != "":
		st := ov.SentimentTotal
		total = map[string]int{vigie.Positive: st.Positive, vigie.Neutral: st.Neutral, vigie.Negative: st.Negative}[f.Sentiment]
	case f.Source != "":
		total = keyCount(ov.BySource, strings.ToLower(strings.TrimSpace(f.Source)))
	case f.Lang != "":
		total = keyCount(ov.ByLang, noneAsEmpty(f.Lang))
	case f.Country != "":
		total = keyCount(ov.ByCountry, noneAsEmpty(f.Country))
	default:
		total = ov.Total
	}
	if !mf.HideIrrelevant {
		// The rollups leave out the mentions marked irrelevant: add them back.
		n, err := w.Store.CountTagged(r.Context(), mf, store.TagIrrelevant)
		if err != nil {
			return 0, false, false, err
		}
		total += n
	}
	// Overview counts whole buckets: a period it widened is approximate.
	approx = !ov.From.Equal(from) || !ov.To.Equal(to)
	if mf.From.IsZero() {
		// "Any time" counts the rollups' last 999 days: older posts (an
		// imported archive) make the count a lower bound.
		oldest, err := w.Store.OldestPost(r.Context())
		if err != nil {
			return 0, false, false, err
		}
		approx = approx || (!oldest.IsZero() && oldest.Before(from))
	}
	return total, approx, true, nil
}

func keyCount(kc []vigie.KeyCount, key string) int {
	for _, k := range kc {
		if k.Key == key {
			return k.Count
		}
	}
	return 0
}

// Live stream batching: at most one update per interval, at most maxBatch
// rows each, so that a burst of a hundred mentions a second arrives as a
// few updates the browser can draw.
const (
	liveInterval  = 500 * time.Millisecond
	liveMaxBatch  = 100
	liveKeepAlive = 25 * time.Second
	liveReplay    = 1000 // stored posts a reconnecting stream may catch up on
)

// mentionsLive streams the rows of newly stored mentions that pass the
// page's filters, as Server-Sent Events carrying rendered HTML.
func (w *Web) mentionsLive(rw http.ResponseWriter, r *http.Request, v *visit) error {
	f := readFilter(r, v.Locale)
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id // a reconnecting browser resumes where it stopped
	}
	// A stream follows what is new: it resumes at most liveReplay posts
	// back, and never from beyond the last stored post.
	last, err := w.Store.LastPostID(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	after = min(max(after, last-liveReplay), last)
	names, _, err := w.monitorNames(r, v)
	if err != nil {
		return err
	}
	t := w.pages["mentions"]
	// A live row's forms (tags, corrections) come back to the stream as it
	// is filtered: the live request carries the page's filters.
	back := workspacePath(v.Workspace, "mentions")
	if q := r.URL.Query(); len(q) > 0 {
		q.Del("after")
		q.Del("cursor")
		if len(q) > 0 {
			back += "?" + q.Encode()
		}
	}
	return w.liveStream(rw, r, v, 3*time.Second, func(ctx context.Context) (bool, error) {
		ms, err := w.Store.NewMentions(ctx, v.Workspace.ID, after, liveMaxBatch)
		if err != nil || len(ms) == 0 {
			return false, err
		}
		after = ms[len(ms)-1].ID
		kept := ms[:0]
		for i := range ms {
			if f.keeps(&ms[i]) {
				kept = append(kept, ms[i])
			}
		}
		if len(kept) > 0 {
			slices.Reverse(kept) // newest first, as the page
			var buf bytes.Buffer
			if err := t.ExecuteTemplate(&buf, "rows", map[string]any{"V": v, "Rows": w.rows(v, kept, f.query, names),
				"Sentiments": sentiments, "Back": back}); err != nil {
				return false, err
			}
			writeEvent(rw, after, "mentions", buf.String())
		}
		return len(ms) == liveMaxBatch, nil // more waiting
	})
}

// editMention applies the team's changes to a mention from the stream:
// corrected sentiment or language, tags, irrelevant. Editors and admins.
func (w *Web) editMention(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.CorrectMention) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	m, err := w.Store.FindMention(r.Context(), v.Workspace.ID, id)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if s := r.PostFormValue("sentiment"); s != "" && s != m.Sentiment.Label {
		fields[store.FieldSentiment] = s
	}
	if l := strings.ToLower(strings.TrimSpace(r.PostFormValue("lang"))); l != "" && l != m.Post.Lang {
		fields[store.FieldLang] = l
	}
	by := "user:" + v.User.Email
	if len(fields) > 0 {
		var c mention.Correction
		if l, ok := fields[store.FieldLang]; ok {
			c.Lang = &l
		}
		if s, ok := fields[store.FieldSentiment]; ok {
			c.Sentiment = &s
		}
		_, err := (&mention.Service{Store: w.Store}).Correct(r.Context(), v.Workspace.ID, id, c, by)
		if errors.Is(err, vigie.ErrInvalid) {
			return &pageError{http.StatusBadRequest, "mention.badcorrection"}
		}
		if err != nil {
			return err
		}
	}
	var tags []string
	for _, t := range strings.Split(r.PostFormValue("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, store.TagIrrelevant) {
			tags = append(tags, t)
		}
	}
	if r.PostFormValue("irrelevant") == "1" {
		tags = append(tags, store.TagIrrelevant)
	}
	if err := w.Store.SetTags(r.Context(), v.Workspace.ID, id, tags, by); err != nil {
		if errors.Is(err, vigie.ErrInvalid) {
			return &pageError{http.StatusBadRequest, "mention.badtag"}
		}
		return err
	}
	// Back where the mention is, marked (:target) as the one just saved.
	next := safeNext(r.PostFormValue("next"))
	if !strings.Contains(next, "#") {
		next += "#m-" + strconv.FormatInt(id, 10)
	}
	http.Redirect(rw, r, next, http.StatusSeeOther)
	return nil
}

// stillMember reports whether the visit's session is still valid and its
// user still a member of the workspace.
func (w *Web) stillMember(r *http.Request, v *visit) (bool, error) {
	if _, err := w.Store.FindSession(r.Context(), v.tokenHash); err != nil {
		if errors.Is(err, vigie.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	ms, err := w.Store.Memberships(r.Context(), v.User.ID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.WorkspaceID == v.Workspace.ID {
			return true, nil
		}
	}
	return false, nil
}

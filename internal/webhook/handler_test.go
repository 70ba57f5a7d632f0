package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
)

// env is a store on SQLite with two workspaces, each with a "valmont"
// monitor, and the hook handler over them, at a fixed time.
type env struct {
	t       *testing.T
	ctx     context.Context
	st      *store.Store
	h       *Handler
	srv     *httptest.Server
	now     time.Time
	a, b    vigie.Workspace
	key     []byte // the signing key of signed sources
	keyText string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "vigie.db"), store.WithSecrets(box))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, ctx: ctx, st: st, now: time.Now().UTC().Truncate(time.Second)}
	e.a, err = st.EnsureWorkspace(ctx, "a", "A")
	if err != nil {
		t.Fatal(err)
	}
	e.b, err = st.EnsureWorkspace(ctx, "b", "B")
	if err != nil {
		t.Fatal(err)
	}
	ix := match.NewIndex()
	for _, ws := range []int64{e.a.ID, e.b.ID} {
		saved, err := st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "valmont", Kind: vigie.KindBrand, Query: "valmont"}, WorkspaceID: ws})
		if err != nil {
			t.Fatal(err)
		}
		q, err := query.Parse("valmont")
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.AddOwned(saved.Key, ws, q); err != nil {
			t.Fatal(err)
		}
	}
	p := ingest.NewPipeline(ix, st)
	p.Now = func() time.Time { return e.now }
	e.h = &Handler{Store: st, Pipeline: p, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return e.now }}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/{token}", e.h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.keyText = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	e.key, err = ParseSigningKey(e.keyText)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// source creates a webhook source through the kind's Check, as the API
// does.
func (e *env) source(ws int64, name string, settings map[string]string, enabled bool) vigie.Source {
	e.t.Helper()
	k, ok := connector.Lookup(vigie.SourceWebhook)
	if !ok {
		e.t.Fatal("the webhook kind is not registered")
	}
	src := vigie.Source{WorkspaceID: ws, Kind: vigie.SourceWebhook, Name: name, Settings: settings, Interval: k.Interval, Enabled: enabled}
	if err := k.Check(&src); err != nil {
		e.t.Fatal(err)
	}
	saved, err := e.st.CreateSource(e.ctx, src)
	if err != nil {
		e.t.Fatal(err)
	}
	return saved
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.raw) }

func (r reply) message() string {
	e, _ := r.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func (r reply) num(k string) int {
	f, _ := r.body[k].(float64)
	return int(f)
}

func (r reply) rejected() []map[string]any {
	var out []map[string]any
	list, ok := r.body["rejected"].([]any)
	if !ok {
		panic(fmt.Sprintf("no list of rejected items in %s", r))
	}
	for _, x := range list {
		out = append(out, x.(map[string]any))
	}
	return out
}

// post sends a delivery to the path with the headers (name, value pairs).
func (e *env) post(path, contentType string, body []byte, headers ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		e.t.Fatalf("answer is not JSON: %s", r)
	}
	return r
}

// signed sends a delivery signed with the key at ts.
func (e *env) signed(path string, body []byte, id string, ts time.Time, key []byte) reply {
	e.t.Helper()
	return e.post(path, "application/json", body, HeaderID, id, HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10), HeaderSignature, Sign(key, id, ts, body))
}

func (e *env) mentions(ws int64) []vigie.Mention {
	e.t.Helper()
	page, err := e.st.FindMentions(e.ctx, vigie.MentionFilter{WorkspaceID: ws})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Mentions
}

func (e *env) reread(src vigie.Source) vigie.Source {
	e.t.Helper()
	s, err := e.st.FindSourceByID(e.ctx, src.WorkspaceID, src.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) postJSON(id, text string) string {
	return fmt.Sprintf(`{"id":%q,"text":%q,"published_at":%q}`, id, text, e.now.Add(-time.Hour).Format(time.RFC3339))
}

// TestDeliveryBecomesMention: a post delivered to a source's hook is
// matched against its workspace's monitors and stored as a mention of
// that source, known as a "webhook" post; the source's health says so; the
// same post again is a duplicate.
func TestDeliveryBecomesMention(t *testing.T) {
	e := newEnv(t)
	src := e.source(e.a.ID, "cms", nil, true)
	path := Path(&src)
	r := e.post(path, "application/json", []byte(e.postJSON("cms:1", "Valmont opens a new campus")))
	if r.status != http.StatusAccepted || r.num("received") != 1 || r.num("stored") != 1 || r.num("mentions") != 1 || len(r.rejected()) != 0 {
		t.Fatalf("delivery: %s", r)
	}
	ms := e.mentions(e.a.ID)
	if len(ms) != 1 || ms[0].Post.ID != "cms:1" || ms[0].Post.Source != DefaultSource || ms[0].SourceID != src.ID || ms[0].MonitorIDs[0] != "valmont" {
		t.Fatalf("mentions: %+v", ms)
	}
	if got := e.mentions(e.b.ID); len(got) != 0 {
		t.Fatalf("another workspace got the post: %+v", got)
	}
	s := e.reread(src)
	if s.PostsSeen != 1 || !s.LastSuccessAt.Equal(e.now) || s.ErrorCount != 0 {
		t.Errorf("health: %+v", s.SourceState)
	}
	r = e.post(path, "application/json", []byte(e.postJSON("cms:1", "Valmont opens a new campus")))
	if r.status != http.StatusAccepted || r.num("stored") != 0 || r.num("duplicates") != 1 {
		t.Fatalf("the same post again: %s", r)
	}

	// The example files, in every form the body takes.
	r = e.post(path, "application/json; charset=utf-8", readTestdata(t, "post.json"))
	if r.status != http.StatusAccepted || r.num("stored") != 1 {
		t.Fatalf("post.json: %s", r)
	}
	r = e.post(path, "application/x-ndjson", readTestdata(t, "lines.jsonl"))
	if r.status != http.StatusAccepted || r.num("received") != 4 || r.num("stored") != 2 || len(r.rejected()) != 1 || r.rejected()[0]["line"].(float64) != 3 {
		t.Fatalf("lines.jsonl: %s", r)
	}
	r = e.post(path, "", readTestdata(t, "envelope.json")) // no Content-Type: JSON
	if r.status != http.StatusAccepted || r.num("received") != 4 || r.num("accepted") != 4 || r.num("stored") != 2 {
		t.Fatalf("envelope.json: %s", r)
	}
}

// TestPartialBatch: the bad posts of a batch are refused by their place,
// with why; the good ones are stored.
func TestPartialBatch(t *testing.T) {
	e := newEnv(t)
	src := e.source(e.a.ID, "forms", nil, true)
	future := e.now.Add(48 * time.Hour).Format(time.RFC3339)
	body := "[" + strings.Join([]string{
		e.postJSON("f:1", "Valmont one"),
		`{"id":"f:2","published_at":"2026-11-20T09:00:00Z"}`,
		e.postJSON("f:3", "Valmont three"),
		`{"id":"f:4","text":"Valmont in the future","published_at":"` + future + `"}`,
		`{"id":"f:5","text":"Valmont","published_at":"yesterday"}`,
		`{"id":"f:6","text":"Valmont","metrics":{"likes":-1},"published_at":"2026-11-20T09:00:00Z"}`,
	}, ",") + "]"
	r := e.post(Path(&src), "application/json", []byte(body))
	if r.status != http.StatusAccepted || r.num("received") != 6 || r.num("accepted") != 2 || r.num("stored") != 2 {
		t.Fatalf("partial batch: %s", r)
	}
	var got []string
	for _, x := range r.rejected() {
		got = append(got, fmt.Sprintf("%v:%v", x["index"], x["id"]))
		if x["error"] == "" {
			t.Errorf("no reason: %v", x)
		}
	}
	if strings.Join(got, " ") != "1:f:2 3:f:4 4:f:5 5:f:6" {
		t.Errorf("rejected %v", got)
	}
	rej := r.rejected()
	for i, want := range []string{`neither "text" nor "title"`, "more than a day after now", "published_at", `"metrics.likes" is -1`} {
		if !strings.Contains(rej[i]["error"].(string), want) {
			t.Errorf("rejection %d: %q, want it to say %q", i, rej[i]["error"], want)
		}
	}
	if n := len(e.mentions(e.a.ID)); n != 2 {
		t.Errorf("%d mentions, want 2", n)
	}
}

// TestDeleteAndEdit: a post sent before is deleted by {"deleted": […]}
// (its mention goes); an edit matched again updates the stored post.
func TestDeleteAndEdit(t *testing.T) {
	e := newEnv(t)
	src := e.source(e.a.ID, "forum", nil, true)
	path := Path(&src)
	body := `[` + e.postJSON("p:1", "Valmont rocks") + `,` + strings.Replace(e.postJSON("p:2", "Valmont rolls"), `{`, `{"source":"forum",`, 1) + `]`
	if r := e.post(path, "application/json", []byte(body)); r.num("stored") != 2 {
		t.Fatalf("posts: %s", r)
	}
	// p:2 was sent as a "forum" post: its deletion says so.
	r := e.post(path, "application/json", []byte(`{"deleted":[{"id":"p:1"},{"id":"p:2","source":"forum"},{"id":"never-sent"}]}`))
	if r.status != http.StatusAccepted || r.num("deleted") != 2 || r.num("received") != 3 {
		t.Fatalf("deletion: %s", r)
	}
	if ms := e.mentions(e.a.ID); len(ms) != 0 {
		t.Fatalf("deleted posts still mentions: %+v", ms)
	}
	// A deleted post sent again stays deleted.
	if r := e.post(path, "application/json", []byte(e.postJSON("p:1", "Valmont rocks"))); r.num("stored") != 0 || len(e.mentions(e.a.ID)) != 0 {
		t.Fatalf("a deleted post came back: %s", r)
	}

	if r := e.post(path, "application/json", []byte(e.postJSON("p:3", "Valmont, first words"))); r.num("stored") != 1 {
		t.Fatalf("p:3: %s", r)
	}
	r = e.post(path, "application/json", []byte(`{"edited":[`+e.postJSON("p:3", "Valmont, second thoughts")+`]}`))
	if r.status != http.StatusAccepted || r.num("edited") != 1 {
		t.Fatalf("edit: %s", r)
	}
	if ms := e.mentions(e.a.ID); len(ms) != 1 || ms[0].Post.Text != "Valmont, second thoughts" {
		t.Fatalf("after the edit: %+v", ms)
	}
}

// TestTokensAreTheSources: a token opens its own source only: another
// workspace's hook stores into that workspace, and cannot delete this
// one's posts; an unknown token, a malformed one and the address's hash
// are all the same 404.
func TestTokensAreTheSources(t *testing.T) {
	e := newEnv(t)
	srcA := e.source(e.a.ID, "cms", nil, true)
	srcB := e.source(e.b.ID, "cms", nil, true)
	if r := e.post(Path(&srcA), "application/json", []byte(e.postJSON("x:1", "Valmont in A"))); r.num("stored") != 1 {
		t.Fatalf("A: %s", r)
	}
	// B sends the same id, and deletes it: only B's copy is concerned.
	if r := e.post(Path(&srcB), "application/json", []byte(e.postJSON("x:1", "Valmont in B"))); r.num("stored") != 1 {
		t.Fatalf("B: %s", r)
	}
	if r := e.post(Path(&srcB), "application/json", []byte(`{"deleted":[{"id":"x:1"}]}`)); r.num("deleted") != 1 {
		t.Fatalf("B's deletion: %s", r)
	}
	if ms := e.mentions(e.a.ID); len(ms) != 1 || ms[0].Post.Text != "Valmont in A" || ms[0].SourceID != srcA.ID {
		t.Fatalf("A's mentions after B's deletion: %+v", ms)
	}
	if ms := e.mentions(e.b.ID); len(ms) != 0 {
		t.Fatalf("B's mentions: %+v", ms)
	}

	var first reply
	for i, path := range []string{
		"/hooks/" + NewToken(), // well formed, unknown
		"/hooks/x",             // malformed
		"/hooks/" + strings.TrimPrefix(srcA.URL, URLPrefix), // the hash is not the token
		"/hooks/" + otherLast(srcA.Settings[SettingToken]),  // one character off
	} {
		r := e.post(path, "application/json", []byte(e.postJSON("x:2", "Valmont")))
		if r.status != http.StatusNotFound {
			t.Fatalf("%s: %s", path, r)
		}
		if i == 0 {
			first = r
		} else if r.raw != first.raw {
			t.Errorf("%s answered %q, the unknown token %q", path, r.raw, first.raw)
		}
	}
	if strings.Contains(first.raw, "token") && strings.Contains(first.raw, srcA.Settings[SettingToken]) {
		t.Fatal("the answer names a token")
	}

	// An address edited by hand without the token does not open a source.
	tokX, tokY := NewToken(), NewToken()
	forged := vigie.Source{WorkspaceID: e.b.ID, Kind: vigie.SourceWebhook, Name: "forged", URL: URLOf(tokX), Enabled: true,
		Settings: map[string]string{SettingToken: tokY}}
	if _, err := e.st.CreateSource(e.ctx, forged); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{tokX, tokY} {
		if r := e.post("/hooks/"+tok, "application/json", []byte(e.postJSON("x:4", "Valmont"))); r.raw != first.raw {
			t.Fatalf("a source whose address and token disagree: %s", r)
		}
	}
	// Two sources with one token: neither takes deliveries.
	dup := e.source(e.b.ID, "copy", map[string]string{SettingToken: srcA.Settings[SettingToken]}, true)
	if r := e.post(Path(&dup), "application/json", []byte(e.postJSON("x:3", "Valmont"))); r.status != http.StatusNotFound {
		t.Fatalf("a token two sources have: %s", r)
	}
}

// TestSignedDeliveries: a source with a signing key takes only
// deliveries signed with it, within five minutes, once per webhook-id.
func TestSignedDeliveries(t *testing.T) {
	e := newEnv(t)
	src := e.source(e.a.ID, "signed", map[string]string{SettingSigningKey: e.keyText}, true)
	path := Path(&src)
	body := []byte(e.postJSON("s:1", "Valmont, signed"))
	other, _ := ParseSigningKey("whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	ts := strconv.FormatInt(e.now.Unix(), 10)
	good := Sign(e.key, "msg_1", e.now, body)

	for _, tt := range []struct {
		name    string
		headers []string
		body    []byte
		say     string
	}{
		{"no headers", nil, body, "missing header webhook-id, webhook-timestamp, webhook-signature"},
		{"no signature", []string{HeaderID, "msg_1", HeaderTimestamp, ts}, body, "missing header webhook-signature"},
		{"wrong key", []string{HeaderID, "msg_1", HeaderTimestamp, ts, HeaderSignature, Sign(other, "msg_1", e.now, body)}, body, "no v1 signature matches"},
		{"tampered body", []string{HeaderID, "msg_1", HeaderTimestamp, ts, HeaderSignature, good}, []byte(e.postJSON("s:1", "Valmont, forged")), "no v1 signature matches"},
		{"other id", []string{HeaderID, "msg_2", HeaderTimestamp, ts, HeaderSignature, good}, body, "no v1 signature matches"},
		{"only v1a", []string{HeaderID, "msg_1", HeaderTimestamp, ts, HeaderSignature, "v1a," + strings.TrimPrefix(good, "v1,")}, body, "no v1 signature"},
		{"timestamp not a number", []string{HeaderID, "msg_1", HeaderTimestamp, "2026-12-07", HeaderSignature, good}, body, "not a Unix time"},
		{"old", []string{HeaderID, "msg_1", HeaderTimestamp, strconv.FormatInt(e.now.Add(-5*time.Minute-time.Second).Unix(), 10),
			HeaderSignature, Sign(e.key, "msg_1", e.now.Add(-5*time.Minute-time.Second), body)}, body, "5m1s old"},
		{"future", []string{HeaderID, "msg_1", HeaderTimestamp, strconv.FormatInt(e.now.Add(6*time.Minute).Unix(), 10),
			HeaderSignature, Sign(e.key, "msg_1", e.now.Add(6*time.Minute), body)}, body, "in the future"},
		{"id with a space", []string{HeaderID, "msg 1", HeaderTimestamp, ts, HeaderSignature, Sign(e.key, "msg 1", e.now, body)}, body, "space"},
	} {
		r := e.post(path, "application/json", tt.body, tt.headers...)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.message(), tt.say) {
			t.Errorf("%s: %s, want 401 saying %q", tt.name, r, tt.say)
		}
	}
	if ms := e.mentions(e.a.ID); len(ms) != 0 {
		t.Fatalf("refused deliveries stored: %+v", ms)
	}
	if s := e.reread(src); s.ErrorCount == 0 || !strings.Contains(s.LastError, "refused (HTTP 401)") {
		t.Errorf("the refusals are not on the source's health: %+v", s.SourceState)
	}

	// Valid, among others (a rotation), at the edge of the window.
	edge := e.now.Add(-Tolerance)
	sigs := "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,xx " + Sign(e.key, "msg_1", edge, body) + " v1,!!"
	r := e.post(path, "application/json", body, HeaderID, "msg_1", HeaderTimestamp, strconv.FormatInt(edge.Unix(), 10), HeaderSignature, sigs)
	if r.status != http.StatusAccepted || r.num("stored") != 1 {
		t.Fatalf("valid signature among others: %s", r)
	}
	if s := e.reread(src); s.ErrorCount != 0 || s.LastError != "" {
		t.Errorf("a delivery taken leaves the source failing: %+v", s.SourceState)
	}
	// The same delivery again (a retry, or a replay): answered, not redone.
	r = e.post(path, "application/json", body, HeaderID, "msg_1", HeaderTimestamp, strconv.FormatInt(edge.Unix(), 10), HeaderSignature, sigs)
	if r.status != http.StatusOK || r.body["duplicate"] != true {
		t.Fatalf("replayed webhook-id: %s", r)
	}
	// Nor with a new timestamp and signature.
	if r := e.signed(path, body, "msg_1", e.now, e.key); r.status != http.StatusOK || r.body["duplicate"] != true {
		t.Fatalf("webhook-id re-signed: %s", r)
	}
	// Another source's ids are its own.
	src2 := e.source(e.a.ID, "signed too", map[string]string{SettingSigningKey: e.keyText}, true)
	if r := e.signed(Path(&src2), body, "msg_1", e.now, e.key); r.status != http.StatusAccepted {
		t.Fatalf("the same id to another source: %s", r)
	}
	// Past the memory, an id is new again (its old signature being too
	// old by then anyway).
	e.now = e.now.Add(remember + time.Second)
	if r := e.signed(path, body, "msg_1", e.now, e.key); r.status != http.StatusAccepted || r.num("duplicates") != 1 {
		t.Fatalf("an id past the memory: %s", r)
	}

	// Unsigned sources dedupe on webhook-id too.
	plain := e.source(e.a.ID, "plain", nil, true)
	for i, want := range []int{http.StatusAccepted, http.StatusOK} {
		if r := e.post(Path(&plain), "application/json", body, HeaderID, "retry-1"); r.status != want {
			t.Fatalf("unsigned delivery %d: %s", i, r)
		}
	}
}

// TestSignatureVector: the Standard Webhooks reference libraries' vector.
func TestSignatureVector(t *testing.T) {
	key, err := ParseSigningKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	h := http.Header{}
	h.Set(HeaderID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set(HeaderTimestamp, "1614265330")
	h.Set(HeaderSignature, got)
	if id, err := Verify(key, h, []byte(`{"test": 2432232314}`), time.Unix(1614265330+299, 0)); err != nil || id != "msg_p5jXN8AQM9LWM0D4loKWxJek" {
		t.Fatalf("Verify: %q %v", id, err)
	}
	if _, err := Verify(key, h, []byte(`{"test": 2432232314}`), time.Unix(1614265330+301, 0)); !isSignature(err) {
		t.Fatalf("Verify, 301 s later: %v", err)
	}
}

// TestRefusedBodies: the answers to what is not a delivery, each saying
// what and where.
func TestRefusedBodies(t *testing.T) {
	e := newEnv(t)
	src := e.source(e.a.ID, "cms", nil, true)
	path := Path(&src)

	r := e.post(path, "application/json", []byte("[\n"+e.postJSON("m:1", "Valmont")+",\n  {\"id\": \"m:2\" \"text\": \"x\"}\n]"))
	if r.status != http.StatusBadRequest || r.body["error"].(map[string]any)["line"].(float64) != 3 ||
		r.body["error"].(map[string]any)["column"].(float64) != 16 || !strings.Contains(r.message(), "line 3, column 16") {
		t.Fatalf("malformed JSON: %s", r)
	}
	if ms := e.mentions(e.a.ID); len(ms) != 0 {
		t.Fatalf("a malformed body stored posts: %+v", ms)
	}
	if r := e.post(path, "application/json", []byte(`"Valmont"`)); r.status != http.StatusBadRequest || !strings.Contains(r.message(), "JSON string") {
		t.Fatalf("a string: %s", r)
	}
	if r := e.post(path, "application/x-www-form-urlencoded", []byte("text=Valmont")); r.status != http.StatusUnsupportedMediaType || !strings.Contains(r.message(), "application/json") {
		t.Fatalf("a form: %s", r)
	}
	if r := e.post(path, "application/json; charset=latin1", []byte(`{}`)); r.status != http.StatusUnsupportedMediaType {
		t.Fatalf("latin1: %s", r)
	}
	if r := e.post(path, "application/json", []byte(`{}`), "Content-Encoding", "gzip"); r.status != http.StatusUnsupportedMediaType {
		t.Fatalf("gzip: %s", r)
	}

	// Over 5 MB: refused whole, whether the length is announced or not.
	big := append([]byte(`[`+e.postJSON("big:1", "Valmont")+`,{"id":"big:2","published_at":"2026-11-20T09:00:00Z","text":"`),
		bytes.Repeat([]byte("a"), MaxBody)...)
	big = append(big, `"}]`...)
	if r := e.post(path, "application/json", big); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.message(), "5 MB") {
		t.Fatalf("over 5 MB: %s", r)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+path, io.MultiReader(bytes.NewReader(big))) // chunked: no length
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("over 5 MB, chunked: HTTP %d", resp.StatusCode)
	}
	// Over 1000 items.
	many := "[" + strings.Repeat(e.postJSON("n", "Valmont")+",", MaxItems) + e.postJSON("n", "Valmont") + "]"
	if r := e.post(path, "application/json", []byte(many)); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.message(), "at most 1000") {
		t.Fatalf("1001 posts: %s", r)
	}
	if ms := e.mentions(e.a.ID); len(ms) != 0 {
		t.Fatalf("refused bodies stored posts: %+v", ms)
	}
	if s := e.reread(src); s.ErrorCount != 8 || !strings.Contains(s.LastError, "(HTTP 413)") {
		t.Errorf("health after the refusals: %+v", s.SourceState)
	}
}

// TestDisabledAndRateLimited: a disabled source answers 409; past its
// burst, a source answers 429 with Retry-After.
func TestDisabledAndRateLimited(t *testing.T) {
	e := newEnv(t)
	off := e.source(e.a.ID, "off", nil, false)
	if r := e.post(Path(&off), "application/json", []byte(e.postJSON("d:1", "Valmont"))); r.status != http.StatusConflict || !strings.Contains(r.message(), "disabled") {
		t.Fatalf("disabled: %s", r)
	}
	e.h.Burst, e.h.Rate = 3, 0.5 // read at the first request: this handler has had one
	e.h.sources = map[int64]*hookState{}
	src := e.source(e.a.ID, "busy", nil, true)
	for i := range 3 {
		if r := e.post(Path(&src), "application/json", []byte(e.postJSON(fmt.Sprint("r:", i), "Valmont"))); r.status != http.StatusAccepted {
			t.Fatalf("delivery %d: %s", i, r)
		}
	}
	r := e.post(Path(&src), "application/json", []byte(e.postJSON("r:3", "Valmont")))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" {
		t.Fatalf("past the burst: %s (Retry-After %q)", r, r.header.Get("Retry-After"))
	}
	other := e.source(e.a.ID, "quiet", nil, true)
	if r := e.post(Path(&other), "application/json", []byte(e.postJSON("q:1", "Valmont"))); r.status != http.StatusAccepted {
		t.Fatalf("another source is limited too: %s", r)
	}
	e.now = e.now.Add(2 * time.Second)
	if r := e.post(Path(&src), "application/json", []byte(e.postJSON("r:3", "Valmont"))); r.status != http.StatusAccepted {
		t.Fatalf("after Retry-After: %s", r)
	}
}

// TestCheck: Check makes a token and the address from it, keeps a given
// token, makes a new one for an empty one, normalises the signing key and
// refuses what it cannot take without repeating a secret.
func TestCheck(t *testing.T) {
	src := vigie.Source{Kind: vigie.SourceWebhook, Name: "x"}
	if err := Check(&src); err != nil {
		t.Fatal(err)
	}
	tok := src.Settings[SettingToken]
	if !validToken(tok) || src.URL != URLOf(tok) || len(src.URL) != len(URLPrefix)+64 || Path(&src) != "/hooks/"+tok {
		t.Fatalf("checked: %+v", src)
	}
	again := src
	if err := Check(&again); err != nil || again.Settings[SettingToken] != tok || again.URL != src.URL {
		t.Fatalf("checked again: %+v %v", again, err)
	}
	rotated := vigie.Source{Kind: vigie.SourceWebhook, Name: "x", URL: src.URL, Settings: map[string]string{SettingToken: ""}}
	if err := Check(&rotated); err != nil || rotated.Settings[SettingToken] == tok || rotated.URL == src.URL {
		t.Fatalf("rotated: %+v %v", rotated, err)
	}
	raw := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)) // unpadded, URL alphabet
	keyed := vigie.Source{Kind: vigie.SourceWebhook, Settings: map[string]string{SettingSigningKey: " " + raw + " "}}
	if err := Check(&keyed); err != nil || keyed.Settings[SettingSigningKey] != "whsec_"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)) {
		t.Fatalf("signing key: %+v %v", keyed.Settings, err)
	}
	secret := "whsec_c2hvcnQ=" // "short"
	for _, tt := range []struct {
		name string
		src  vigie.Source
		say  string
	}{
		{"unknown setting", vigie.Source{Settings: map[string]string{"signing_secret": "whsec_x"}}, `no setting "signing_secret"`},
		{"an address", vigie.Source{URL: "https://example.org/hook"}, "takes no address"},
		{"a short token", vigie.Source{Settings: map[string]string{SettingToken: "abc"}}, "not a hook token"},
		{"a token with padding", vigie.Source{Settings: map[string]string{SettingToken: base64.URLEncoding.EncodeToString(make([]byte, 32))}}, "not a hook token"},
		{"not base64", vigie.Source{Settings: map[string]string{SettingSigningKey: "whsec_not base64!"}}, "not a Standard Webhooks secret"},
		{"too short", vigie.Source{Settings: map[string]string{SettingSigningKey: secret}}, "holds 5 bytes"},
		{"too long", vigie.Source{Settings: map[string]string{SettingSigningKey: "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65))}}, "holds 65 bytes"},
	} {
		err := Check(&tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.say) || !errorsIsInvalid(err) {
			t.Errorf("%s: %v, want ErrInvalid saying %q", tt.name, err, tt.say)
		}
		if err != nil && strings.Contains(err.Error(), "c2hvcnQ") {
			t.Errorf("%s: the error repeats the key: %v", tt.name, err)
		}
	}
	if !vigie.SecretSetting(SettingToken) || !vigie.SecretSetting(SettingSigningKey) {
		t.Error("the settings are not secret settings")
	}
	// The runner has nothing to fetch and keeps the state.
	k, _ := connector.Lookup(vigie.SourceWebhook)
	if k.Interval != Interval || k.Poll == nil {
		t.Fatalf("kind: %+v", k)
	}
	st := vigie.Source{SourceState: vigie.SourceState{Cursor: "c", PostsSeen: 3}}
	b, err := k.Poll(connector.Deps{}).Run(context.Background(), &st)
	if err != nil || len(b.Posts)+len(b.Edits)+len(b.Deletes) != 0 || b.State != st.SourceState {
		t.Fatalf("run: %+v %v", b, err)
	}
}

func errorsIsInvalid(err error) bool { return errors.Is(err, vigie.ErrInvalid) }

// TestYearZero: a post dated in year 0 (UTC), which the store refuses
// with the whole batch, is refused alone.
func TestYearZero(t *testing.T) {
	e := newEnv(t)
	src := e.source(e.a.ID, "cms", nil, true)
	r := e.post(Path(&src), "application/json", []byte(`[{"id":"y:0","text":"Valmont","published_at":"0001-01-01T00:30:00+01:00"},`+e.postJSON("y:1", "Valmont")+`]`))
	if r.status != http.StatusAccepted || r.num("stored") != 1 || len(r.rejected()) != 1 || !strings.Contains(r.rejected()[0]["error"].(string), "year 0") {
		t.Fatalf("%s", r)
	}
}

// otherLast is tok with its last character changed (to "A", or "B" when it
// was "A": a fixed "A" was the token itself once in 64 runs).
func otherLast(tok string) string {
	last := "A"
	if strings.HasSuffix(tok, "A") {
		last = "B"
	}
	return tok[:len(tok)-1] + last
}

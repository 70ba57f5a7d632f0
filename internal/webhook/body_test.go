package webhook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestDecodeShapes(t *testing.T) {
	// One post: its source kept.
	b, err := DecodeJSON(readTestdata(t, "post.json"))
	if err != nil || len(b.Posts) != 1 || len(b.Rejected) != 0 {
		t.Fatalf("post.json: %+v, %v", b, err)
	}
	if p := b.Posts[0].Post; p.Source != "cms" || p.Author.Handle != "press-office" || p.PublishedAt.IsZero() || b.Posts[0].Where != "the post" {
		t.Errorf("post.json: %+v", b.Posts[0])
	}

	// An array: posts without a source are the webhook's; decoding
	// leaves validation (the empty text) to the handler.
	b, err = DecodeJSON(readTestdata(t, "posts.json"))
	if err != nil || len(b.Posts) != 3 || len(b.Rejected) != 0 {
		t.Fatalf("posts.json: %+v, %v", b, err)
	}
	for i, it := range b.Posts {
		if it.Post.Source != DefaultSource || it.Index != i || it.Where != fmt.Sprintf("[%d]", i) {
			t.Errorf("posts.json[%d]: %+v", i, it)
		}
	}

	// An envelope: posts, edits, deletions of posts and of an author.
	b, err = DecodeJSON(readTestdata(t, "envelope.json"))
	if err != nil || len(b.Posts) != 1 || len(b.Edits) != 1 || len(b.Deletes) != 2 || len(b.Rejected) != 0 {
		t.Fatalf("envelope.json: %+v, %v", b, err)
	}
	if d := b.Deletes[0]; d.Kind != "forum" || d.ID != "forum:t/70/p/3" || d.Where != "deleted[0]" {
		t.Errorf("deletion 0: %+v", d)
	}
	if d := b.Deletes[1]; d.Kind != "forum" || d.AuthorID != "spammer-9" || d.ID != "" {
		t.Errorf("deletion 1: %+v", d)
	}
	if b.Edits[0].Where != "edited[0]" || b.Edits[0].Post.Source != "forum" {
		t.Errorf("edit: %+v", b.Edits[0])
	}

	// JSON Lines: blank lines skipped, a bad line refused with its
	// number and column, an envelope line, leading spaces.
	b, err = DecodeLines(readTestdata(t, "lines.jsonl"))
	if err != nil || len(b.Posts) != 2 || len(b.Deletes) != 1 || len(b.Rejected) != 1 {
		t.Fatalf("lines.jsonl: %+v, %v", b, err)
	}
	if r := b.Rejected[0]; r.Line != 3 || r.Index != 1 || !strings.Contains(r.Error, "column 72") {
		t.Errorf("bad line: %+v", r)
	}
	if b.Posts[1].Line != 5 || b.Posts[1].Post.ID != "chat:3" || b.Deletes[0].Where != "line 4: deleted[0]" || b.Deletes[0].Kind != DefaultSource {
		t.Errorf("lines: %+v / %+v", b.Posts[1], b.Deletes[0])
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		line, col  int    // of a *SyntaxError
		shape      string // in a *ShapeError
	}{
		{name: "empty", body: "  \n", shape: "empty"},
		{name: "a string", body: `"hello"`, shape: "JSON string"},
		{name: "a number", body: `12`, shape: "JSON number"},
		{name: "truncated array", body: "[\n {\"id\":\"a\"},\n {\"id\":", line: 3, col: 8},
		{name: "bad token", body: "[\n {\"id\":\"a\"},\n {\"id\" \"b\"}]", line: 3, col: 8},
		{name: "garbage after", body: `{"id":"a"} x`, line: 1, col: 12},
		{name: "two objects", body: "{\"id\":\"a\"}\n{\"id\":\"b\"}", line: 2, col: 1},
		{name: "posts not a list", body: `{"posts": {"id":"a"}}`, shape: `"posts" must be an array`},
		{name: "deleted a string", body: `{"deleted": "a"}`, shape: `"deleted" must be an array`},
	} {
		_, err := DecodeJSON([]byte(tt.body))
		var se *SyntaxError
		var sh *ShapeError
		switch {
		case tt.shape != "":
			if !errors.As(err, &sh) || !strings.Contains(sh.Msg, tt.shape) {
				t.Errorf("%s: %v, want a shape error saying %q", tt.name, err, tt.shape)
			}
		case !errors.As(err, &se) || se.Line != tt.line || se.Column != tt.col:
			t.Errorf("%s: %v (%+v), want a syntax error at line %d column %d", tt.name, err, se, tt.line, tt.col)
		}
	}

	// Items refused one by one, the others kept, in order.
	b, err := DecodeJSON([]byte(`{"posts": [{"id":"a","text":"x"}, 7, {"id":"c","text":5}, {"id":"d","text":"y"}],
		"deleted": [{"id":"e"}, {"id":"f","author_id":"g"}, {}, {"ID":"h","reason":"spam"}, "i"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range b.Rejected {
		got = append(got, fmt.Sprintf("%s#%d", r.Where, r.Index))
	}
	want := "posts[1]#1 posts[2]#2 deleted[1]#1 deleted[2]#2 deleted[3]#3 deleted[4]#4"
	if strings.Join(got, " ") != want || len(b.Posts) != 2 || len(b.Deletes) != 1 {
		t.Fatalf("rejected %v, want %s; posts %d deletes %d", got, want, len(b.Posts), len(b.Deletes))
	}
	for _, r := range b.Rejected {
		if r.Error == "" {
			t.Errorf("%s: no reason", r.Where)
		}
	}
	if !strings.Contains(b.Rejected[1].Error, `"text" must be a string`) || !strings.Contains(b.Rejected[4].Error, `unknown field "reason"`) {
		t.Errorf("reasons: %+v", b.Rejected)
	}

	// Too many items, in any form.
	many := "[" + strings.Repeat(`{"id":"x"},`, MaxItems) + `{"id":"y"}]`
	if _, err := DecodeJSON([]byte(many)); !errors.As(err, new(*TooManyError)) {
		t.Errorf("%d posts: %v", MaxItems+1, err)
	}
	env := `{"posts":[` + strings.Repeat(`{"id":"x"},`, MaxItems/2) + `{"id":"y"}],"deleted":[` + strings.Repeat(`{"id":"x"},`, MaxItems/2) + `{"id":"y"}]}`
	if _, err := DecodeJSON([]byte(env)); !errors.As(err, new(*TooManyError)) {
		t.Errorf("envelope of %d items: %v", MaxItems+2, err)
	}
	lines := strings.Repeat("{\"id\":\"x\"}\n", MaxItems+1)
	if _, err := DecodeLines([]byte(lines)); !errors.As(err, new(*TooManyError)) {
		t.Errorf("%d lines: %v", MaxItems+1, err)
	}
	if b, err := DecodeLines([]byte(strings.Repeat("{\"id\":\"x\"}\n", MaxItems))); err != nil || len(b.Posts) != MaxItems {
		t.Errorf("%d lines: %v", MaxItems, err)
	}
}

// FuzzDecode: no body makes the decoders panic, and what they return is
// consistent: within the limits, every post with a source, every refusal
// with a reason and a place, deletions naming one thing.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"post.json", "posts.json", "envelope.json", "lines.jsonl"} {
		f.Add(readTestdata(f, name))
	}
	for _, s := range []string{"", "[]", "{}", "null", `{"posts":null}`, `{"deleted":[{"id":""}]}`, "\xef\xbb\xbf[{\"id\":1}]", "[{\"text\":\"\x00\"}]", `{"posts":[1,"a",null,[]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range []func([]byte) (*Body, error){DecodeJSON, DecodeLines} {
			b, err := decode(data)
			if err != nil {
				if b != nil {
					t.Fatalf("%q: a body with an error", data)
				}
				continue
			}
			if n := b.Items(); n > MaxItems {
				t.Fatalf("%q: %d items", data, n)
			}
			for _, it := range append(b.Posts, b.Edits...) {
				if it.Post.Source == "" || it.Where == "" || it.Seq == 0 {
					t.Fatalf("%q: item %+v", data, it)
				}
			}
			for _, d := range b.Deletes {
				if (d.ID == "") == (d.AuthorID == "") || d.Kind == "" || d.Where == "" {
					t.Fatalf("%q: deletion %+v", data, d)
				}
			}
			for _, r := range b.Rejected {
				if r.Error == "" || r.Where == "" || r.Seq == 0 {
					t.Fatalf("%q: rejection %+v", data, r)
				}
			}
		}
	})
}

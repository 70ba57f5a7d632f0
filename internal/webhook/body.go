package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/postjson"
)

// Limits of one delivery.
const (
	// MaxBody is the most a delivery's body may weigh.
	MaxBody = 5 << 20
	// MaxItems is the most posts, edited posts and deletions one delivery
	// may carry, together.
	MaxItems = 1000
)

// DefaultSource is the "source" of a post that names none.
const DefaultSource = "webhook"

// Body is a delivery decoded: its posts, edited posts and deletions, and
// the items refused, each with where it was.
type Body struct {
	Posts    []Item
	Edits    []Item
	Deletes  []Deletion
	Rejected []Rejection
	n        int // items met so far, for Seq
}

// seq numbers the body's items in the order they come.
func (b *Body) seq() int { b.n++; return b.n }

// Item is a post of a delivery and where it was.
type Item struct {
	Post  vigie.Post
	Index int
	Line  int
	Where string
	Seq   int // place in the body, from 1
}

// Deletion is a deletion of a delivery and where it was.
type Deletion struct {
	connector.Deletion
	Index int
	Line  int
	Where string
	Seq   int
}

// Rejection is an item of a delivery that was refused: Index is its place
// in its list (the body's array, or "posts", "edited" or "deleted" of an
// envelope; 0 for a single post; for JSON Lines, the line's place from 0),
// Line its line (JSON Lines), Where both in words.
type Rejection struct {
	Index int    `json:"index"`
	Line  int    `json:"line,omitempty"`
	Where string `json:"where"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
	Seq   int    `json:"-"` // place in the body, from 1
}

// Items counts the items of the body, refused ones included.
func (b *Body) Items() int { return len(b.Posts) + len(b.Edits) + len(b.Deletes) + len(b.Rejected) }

// SyntaxError is a body that is not JSON (or a JSON Lines body that is
// not made of lines of JSON), with where.
type SyntaxError struct {
	Line, Column int // 1-based
	Offset       int // bytes before the error
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// ShapeError is a body whose JSON is well formed but not a delivery.
type ShapeError struct{ Msg string }

func (e *ShapeError) Error() string { return e.Msg }

// TooManyError is a body with more than MaxItems items.
type TooManyError struct{ N int }

func (e *TooManyError) Error() string {
	return fmt.Sprintf("the body holds %d items (posts, edited posts and deletions); at most %d per delivery: send them in several", e.N, MaxItems)
}

const shapeHelp = `give one post ({"id":…,"source":…,"text":…,"published_at":…}), an array of posts, an object {"posts":[…],"edited":[…],"deleted":[{"id":…}]}, or JSON Lines (Content-Type: application/x-ndjson)`

// DecodeJSON decodes a JSON body: one post, an array of posts, or an
// envelope {"posts": […], "edited": […], "deleted": […]}. A body that is
// not JSON is a *SyntaxError saying where; one of another shape a
// *ShapeError; over MaxItems items a *TooManyError. Each post or deletion
// that cannot be taken is a Rejection, and the others are kept.
func DecodeJSON(data []byte) (*Body, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte order mark, as some editors save
	b := &Body{}
	switch first(data) {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(data, &elems); err != nil {
			return nil, jsonError(data, err)
		}
		if len(elems) > MaxItems {
			return nil, &TooManyError{len(elems)}
		}
		for i, raw := range elems {
			b.post(raw, i, 0, fmt.Sprintf("[%d]", i), &b.Posts)
		}
	case '{':
		env, isEnv, err := envelopeOf(data)
		if err != nil {
			return nil, jsonError(data, err)
		}
		if !isEnv {
			b.post(data, 0, 0, "the post", &b.Posts)
			break
		}
		if err := b.envelope(env, 0); err != nil {
			return nil, err
		}
	case 0:
		return nil, &ShapeError{"the body is empty: " + shapeHelp}
	default:
		if err := json.Unmarshal(data, new(any)); err != nil {
			return nil, jsonError(data, err)
		}
		return nil, &ShapeError{"the body is a JSON " + jsonKind(first(data)) + ": " + shapeHelp}
	}
	if n := b.Items(); n > MaxItems {
		return nil, &TooManyError{n}
	}
	return b, nil
}

// DecodeLines decodes a JSON Lines body: each line a post or an envelope,
// blank lines skipped. A line that is not JSON, or not a post, is refused
// with its number (as `vigie import` does) and the others are kept.
func DecodeLines(data []byte) (*Body, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	b := &Body{}
	lineNo, start, index := 0, 0, 0
	for start < len(data) {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
		}
		line := bytes.TrimSpace(data[start:end])
		lineStart := start
		start = end + 1
		lineNo++
		if len(line) == 0 {
			continue
		}
		idx := index
		index++
		where := fmt.Sprintf("line %d", lineNo)
		if line[0] != '{' {
			err := json.Unmarshal(line, new(any))
			msg := "not a JSON object: each line is one post, or an object {\"posts\":…,\"edited\":…,\"deleted\":…}"
			if err != nil {
				msg = "invalid JSON: " + err.Error()
				if se, ok := jsonError(line, err).(*SyntaxError); ok {
					msg = fmt.Sprintf("invalid JSON at column %d: %s", se.Offset+1, se.Msg)
				}
			}
			b.Rejected = append(b.Rejected, Rejection{Index: idx, Line: lineNo, Where: where, Error: msg, Seq: b.seq()})
			continue
		}
		env, isEnv, err := envelopeOf(line)
		if err != nil {
			// Where in the line: the column counts from the line's own start.
			lead := len(data[lineStart:end]) - len(bytes.TrimLeft(data[lineStart:end], " \t\r"))
			se := jsonError(line, err)
			if s, ok := se.(*SyntaxError); ok {
				b.Rejected = append(b.Rejected, Rejection{Index: idx, Line: lineNo, Where: where,
					Error: fmt.Sprintf("invalid JSON at column %d: %s", s.Offset+lead+1, s.Msg), Seq: b.seq()})
			} else {
				b.Rejected = append(b.Rejected, Rejection{Index: idx, Line: lineNo, Where: where, Error: se.Error(), Seq: b.seq()})
			}
			continue
		}
		if !isEnv {
			b.post(line, idx, lineNo, where, &b.Posts)
		} else if err := b.envelope(env, lineNo); err != nil {
			b.Rejected = append(b.Rejected, Rejection{Index: idx, Line: lineNo, Where: where, Error: err.Error(), Seq: b.seq()})
		}
		if n := b.Items(); n > MaxItems {
			return nil, &TooManyError{n}
		}
	}
	return b, nil
}

// envelope is the object form of a delivery.
type envelope struct {
	Posts   json.RawMessage `json:"posts"`
	Edited  json.RawMessage `json:"edited"`
	Deleted json.RawMessage `json:"deleted"`
}

// envelopeOf reads an object: an envelope when it has "posts", "edited"
// or "deleted" (no post has), else a post. The error is the JSON's.
func envelopeOf(data []byte) (envelope, bool, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// "posts": "x" and the like: an envelope with a bad list,
			// said by envelope below.
			return envelopeLoose(data)
		}
		return env, false, err
	}
	return env, env.Posts != nil || env.Edited != nil || env.Deleted != nil, nil
}

// envelopeLoose reads the lists of an envelope as raw values, whatever
// their types.
func envelopeLoose(data []byte) (envelope, bool, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return envelope{}, false, err
	}
	var env envelope
	for k, v := range m {
		switch strings.ToLower(k) {
		case "posts":
			env.Posts = v
		case "edited":
			env.Edited = v
		case "deleted":
			env.Deleted = v
		}
	}
	return env, env.Posts != nil || env.Edited != nil || env.Deleted != nil, nil
}

func (b *Body) envelope(env envelope, line int) error {
	lists := []struct {
		name string
		raw  json.RawMessage
	}{{"posts", env.Posts}, {"edited", env.Edited}, {"deleted", env.Deleted}}
	elems := make([][]json.RawMessage, len(lists))
	n := 0
	for i, l := range lists {
		if l.raw == nil || string(l.raw) == "null" {
			continue
		}
		if err := json.Unmarshal(l.raw, &elems[i]); err != nil {
			return &ShapeError{fmt.Sprintf("%q must be an array; %s", l.name, shapeHelp)}
		}
		if n += len(elems[i]); n > MaxItems {
			return &TooManyError{n}
		}
	}
	prefix := ""
	if line > 0 {
		prefix = fmt.Sprintf("line %d: ", line)
	}
	b.postsAt(elems[0], prefix+"posts", line, &b.Posts)
	b.postsAt(elems[1], prefix+"edited", line, &b.Edits)
	for i, raw := range elems[2] {
		where := fmt.Sprintf("%sdeleted[%d]", prefix, i)
		d, err := decodeDeletion(raw)
		if err != nil {
			b.Rejected = append(b.Rejected, Rejection{Index: i, Line: line, Where: where, ID: d.ID, Error: err.Error(), Seq: b.seq()})
			continue
		}
		b.Deletes = append(b.Deletes, Deletion{Deletion: d, Index: i, Line: line, Where: where, Seq: b.seq()})
	}
	return nil
}

func (b *Body) postsAt(elems []json.RawMessage, list string, line int, dst *[]Item) {
	for i, raw := range elems {
		b.post(raw, i, line, fmt.Sprintf("%s[%d]", list, i), dst)
	}
}

// post decodes one post; one that is not an object, or whose fields have
// the wrong types, is refused.
func (b *Body) post(raw []byte, index, line int, where string, dst *[]Item) {
	if c := first(raw); c != '{' {
		b.Rejected = append(b.Rejected, Rejection{Index: index, Line: line, Where: where,
			Error: "a post is a JSON object, not a " + jsonKind(c), Seq: b.seq()})
		return
	}
	var p vigie.Post
	if err := postjson.Decode(raw, &p); err != nil {
		b.Rejected = append(b.Rejected, Rejection{Index: index, Line: line, Where: where, ID: p.ID, Error: "not a post: " + err.Error(), Seq: b.seq()})
		return
	}
	if p.Source == "" {
		p.Source = DefaultSource
	}
	*dst = append(*dst, Item{Post: p, Index: index, Line: line, Where: where, Seq: b.seq()})
}

// decodeDeletion reads {"id": …} (a post gone) or {"author_id": …} (all
// the author's posts gone), with the "source" the posts were sent with
// (DefaultSource when left out).
func decodeDeletion(raw []byte) (connector.Deletion, error) {
	var in struct {
		ID       *string `json:"id"`
		AuthorID *string `json:"author_id"`
		Source   *string `json:"source"`
	}
	if c := first(raw); c != '{' {
		return connector.Deletion{}, fmt.Errorf("a deletion is an object {\"id\": …} or {\"author_id\": …}, not a %s", jsonKind(c))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return connector.Deletion{}, fmt.Errorf("a deletion is {\"id\": …} or {\"author_id\": …}, with \"source\" if the posts had one: %v", err)
	}
	d := connector.Deletion{Kind: DefaultSource}
	if in.Source != nil && strings.TrimSpace(*in.Source) != "" {
		d.Kind = strings.TrimSpace(*in.Source)
	}
	if in.ID != nil {
		d.ID = *in.ID
	}
	if in.AuthorID != nil {
		d.AuthorID = *in.AuthorID
	}
	switch {
	case d.ID == "" && d.AuthorID == "":
		return d, errors.New(`a deletion names a post ("id") or an author ("author_id")`)
	case d.ID != "" && d.AuthorID != "":
		return d, errors.New(`a deletion names a post ("id") or an author ("author_id"), not both: send two`)
	case len(d.ID) > vigie.MaxIDBytes || len(d.AuthorID) > vigie.MaxIDBytes || len(d.Kind) > vigie.MaxIDBytes:
		return connector.Deletion{}, fmt.Errorf("an id of the deletion is over %d bytes", vigie.MaxIDBytes)
	case strings.ContainsRune(d.ID+d.AuthorID+d.Kind, 0):
		return d, errors.New("the deletion holds a NUL character")
	}
	return d, nil
}

// first returns the first byte that is not JSON white space, or 0.
func first(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

func jsonKind(c byte) string {
	switch {
	case c == '"':
		return "string"
	case c == '[':
		return "array"
	case c == '{':
		return "object"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || '0' <= c && c <= '9':
		return "number"
	}
	return "value"
}

// jsonError turns encoding/json's error about data into a *SyntaxError
// with its line and column, or a *ShapeError for a type mismatch.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off := int(min(max(se.Offset, 0), int64(len(data))))
		// encoding/json's offset is past the offending byte; point at it.
		at := max(off-1, 0)
		if se.Error() == "unexpected end of JSON input" {
			at = len(data)
		}
		line := 1 + bytes.Count(data[:at], []byte{'\n'})
		col := at - bytes.LastIndexByte(data[:at], '\n')
		return &SyntaxError{Line: line, Column: col, Offset: at, Msg: se.Error()}
	case errors.As(err, &te):
		return &ShapeError{fmt.Sprintf("at %q: a JSON %s where %s was expected; %s", te.Field, te.Value, te.Type, shapeHelp)}
	}
	return &ShapeError{err.Error()}
}

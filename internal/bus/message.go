package bus

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/store"
)

// A message on the posts stream is one post, or one whole batch when the
// batch edits or deletes: a deletion and a post of the same id in one
// batch must meet in one worker (connector.Batch), where posts alone may
// be matched by any worker in any order. Its headers say which source it
// came from; its id lets the server drop a re-send.
const (
	hdrSource = "Vigie-Source" // "workspace.source", both ids
	hdrKind   = "Vigie-Kind"   // kindPost or kindBatch
	hdrMsgID  = "Nats-Msg-Id"

	kindPost  = "post"
	kindBatch = "batch"
)

// sourceRef names a source with its workspace, as the store wants.
type sourceRef struct{ Workspace, Source int64 }

func (r sourceRef) String() string {
	return strconv.FormatInt(r.Workspace, 10) + "." + strconv.FormatInt(r.Source, 10)
}

func parseSourceRef(s string) (sourceRef, error) {
	a, b, ok := strings.Cut(s, ".")
	ws, err1 := strconv.ParseInt(a, 10, 64)
	src, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || ws <= 0 || src <= 0 {
		return sourceRef{}, fmt.Errorf("header %s is %q, want two ids, workspace.source", hdrSource, s)
	}
	return sourceRef{ws, src}, nil
}

// postMsgID is a post's message id: its source and its identity in the
// store (store.StoredID), hashed to a fixed length. The source is part of
// it because two sources, of two workspaces, may deliver the same post and
// each workspace gets its mentions; the server drops the same source's
// re-send within the stream's duplicate window, and the store drops it
// after.
func postMsgID(src *vigie.Source, p *vigie.Post) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s", src.ID, strings.ToLower(p.Source), store.StoredID(src.Kind, src.ID, p.Source, p.ID))
	return "p-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// batchMsgID is a whole batch's message id: its source and its content.
func batchMsgID(src *vigie.Source, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00", src.ID)
	h.Write(body)
	return "b-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// wireBatch is a whole batch on the wire.
type wireBatch struct {
	Posts   []vigie.Post         `json:"posts,omitempty"`
	Edits   []vigie.Post         `json:"edits,omitempty"`
	Deletes []connector.Deletion `json:"deletes,omitempty"`
}

func encodeBatch(b connector.Batch) ([]byte, error) {
	return json.Marshal(wireBatch{Posts: b.Posts, Edits: b.Edits, Deletes: b.Deletes})
}

// message is a decoded message.
type message struct {
	ref   sourceRef
	kind  string
	post  vigie.Post      // kindPost
	batch connector.Batch // kindBatch
}

// errBadMessage marks a message no worker can ever take: it is reported
// and removed from the stream, never redelivered.
var errBadMessage = errors.New("bad message")

// decodeMessage reads a message from its two headers and body.
func decodeMessage(source, kind string, data []byte) (message, error) {
	var m message
	ref, err := parseSourceRef(source)
	if err != nil {
		return m, fmt.Errorf("%w: %v", errBadMessage, err)
	}
	m.ref, m.kind = ref, kind
	switch kind {
	case kindPost:
		if err := postjson.Decode(data, &m.post); err != nil {
			return m, fmt.Errorf("%w: not a post: %v", errBadMessage, err)
		}
	case kindBatch:
		var w wireBatch
		if err := json.Unmarshal(data, &w); err != nil {
			return m, fmt.Errorf("%w: not a batch: %v", errBadMessage, err)
		}
		m.batch = connector.Batch{Posts: w.Posts, Edits: w.Edits, Deletes: w.Deletes}
	default:
		return m, fmt.Errorf("%w: header %s is %q, want %q or %q", errBadMessage, hdrKind, kind, kindPost, kindBatch)
	}
	return m, nil
}

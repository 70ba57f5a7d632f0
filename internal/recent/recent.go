// Package recent is the recent window: the posts a source delivered that
// matched no monitor, kept for a few days (VIGIE_RECENT_WINDOW, 7 days by
// default) so that a query tried before it is saved, and the backfill of a
// new monitor, see every post received rather than only those another
// monitor matched.
//
// They are kept compactly, not as rows of posts: chunks of a few thousand
// posts as JSON Lines in the post format (docs/formats.md), compressed
// with zstd (it compressed the benchmark's posts 3.3× at 170 MB/s and read
// them back at 860 MB/s, where compress/flate's fastest level gave 2.8×,
// 74 MB/s and 100 MB/s: reading is what a test waits for). The pipeline
// packs them on its matching workers; the store writes them in the
// batch's transaction (store.SaveBatch), with a key per post so that a
// post delivered again is kept once.
package recent

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"strconv"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/store"
)

// A chunk holds at most this many posts, or this much JSON (a longer post
// has a chunk of its own): small enough that a test stopped by its time
// budget has read whole chunks and little more, large enough to compress
// well.
const (
	chunkPosts = 4096
	chunkBytes = 4 << 20
)

// maxChunkBytes bounds what decoding one chunk may produce: a chunk holds
// at most chunkBytes of JSON, or one post (2 MB of text and title and its
// other fields); anything larger is not one of ours.
const maxChunkBytes = 16 << 20

// Key is the key a kept post is de-duplicated by: a 64-bit hash (FNV-1a) of
// the source that delivered it and the id it is stored under. It includes
// the source even where the network's id is authoritative, so that two
// workspaces' sources each keep their copy. Two posts of the window share
// a key with a probability of about n²/2⁶⁵ (one in three hundred thousand
// for ten million posts): the second is then not kept.
func Key(sourceID int64, ref store.PostRef) uint64 {
	h := fnv.New64a()
	var b [20]byte
	h.Write(strconv.AppendInt(b[:0], sourceID, 10))
	h.Write([]byte{0})
	h.Write([]byte(ref.Kind))
	h.Write([]byte{0})
	h.Write([]byte(ref.ID))
	return h.Sum64()
}

// Keepable reports whether a post can be kept: its publication year fits
// the post format's dates (RFC 3339). The pipeline refuses the others
// before; this guards the chunk that would hold one.
func Keepable(p *vigie.Post) bool {
	y := p.PublishedAt.Year()
	return y >= 1 && y <= 9999
}

var (
	encoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			panic(err) // only for invalid options
		}
		return e
	})
	decoder = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithDecoderMaxMemory(maxChunkBytes))
		if err != nil {
			panic(err)
		}
		return d
	})
)

// Pack encodes posts (and their keys, in the same order) into chunks ready
// for store.SaveBatch, compressing them on up to workers goroutines. Posts
// that are not Keepable are left out.
func Pack(posts []*vigie.Post, keys []uint64, workers int) []store.RecentChunk {
	// Split first (by count and size of the JSON), then encode and compress
	// each chunk on its own goroutine.
	type span struct{ lo, hi int }
	var spans []span
	lo, size := 0, 0
	for i, p := range posts {
		n := len(p.Text) + len(p.Title) + 256
		if i > lo && (i-lo == chunkPosts || size+n > chunkBytes) {
			spans = append(spans, span{lo, i})
			lo, size = i, 0
		}
		size += n
	}
	if lo < len(posts) {
		spans = append(spans, span{lo, len(posts)})
	}
	out := make([]store.RecentChunk, len(spans))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(workers, 1))
	for i, sp := range spans {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = pack(posts[sp.lo:sp.hi], keys[sp.lo:sp.hi])
		}()
	}
	wg.Wait()
	kept := out[:0]
	for _, c := range out {
		if c.Posts > 0 {
			kept = append(kept, c)
		}
	}
	return kept
}

func pack(posts []*vigie.Post, keys []uint64) store.RecentChunk {
	var c store.RecentChunk
	buf := make([]byte, 0, len(posts)*512)
	for i, p := range posts {
		if !Keepable(p) {
			continue
		}
		buf = postjson.Append(buf, p)
		buf = append(buf, '\n')
		c.Keys = append(c.Keys, keys[i])
		c.Posts++
		if c.FirstPublished.IsZero() || p.PublishedAt.Before(c.FirstPublished) {
			c.FirstPublished = p.PublishedAt
		}
		if p.PublishedAt.After(c.LastPublished) {
			c.LastPublished = p.PublishedAt
		}
	}
	if c.Posts > 0 {
		c.Data = encoder().EncodeAll(buf, make([]byte, 0, len(buf)/3))
	}
	return c
}

// ErrUnreadable is the error of a chunk that cannot be read back: its
// data is damaged, or not a chunk.
var ErrUnreadable = errors.New("unreadable chunk of kept posts")

// Unpack decodes the posts of a chunk, in the order they were packed. A
// chunk that cannot be read whole is an error wrapping ErrUnreadable that
// says where; none of its posts is returned.
func Unpack(c *store.RecentChunk) ([]vigie.Post, error) {
	data, err := decoder().DecodeAll(c.Data, nil)
	if err != nil {
		return nil, fmt.Errorf("%w %d (source %d): %v", ErrUnreadable, c.ID, c.SourceID, err)
	}
	// Sized by what the data holds, not by the row's count, which may be
	// as damaged as the data.
	posts := make([]vigie.Post, 0, bytes.Count(data, []byte{'\n'}))
	for line := 1; len(data) > 0; line++ {
		end := bytes.IndexByte(data, '\n')
		if end < 0 {
			return nil, fmt.Errorf("%w %d (source %d): line %d does not end", ErrUnreadable, c.ID, c.SourceID, line)
		}
		var p vigie.Post
		if err := postjson.Decode(data[:end], &p); err != nil {
			return nil, fmt.Errorf("%w %d (source %d): line %d: %v", ErrUnreadable, c.ID, c.SourceID, line, err)
		}
		posts = append(posts, p)
		data = data[end+1:]
	}
	if len(posts) != c.Posts {
		return nil, fmt.Errorf("%w %d (source %d): %d posts where %d were kept", ErrUnreadable, c.ID, c.SourceID, len(posts), c.Posts)
	}
	return posts, nil
}

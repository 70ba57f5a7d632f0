package recent

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/store"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func testPosts(n int) []vigie.Post {
	out := make([]vigie.Post, n)
	for i := range out {
		out[i] = vigie.Post{ID: fmt.Sprint("p", i), Source: "mastodon", Text: fmt.Sprintf("post %d about \"things\"\n<b>%d</b>", i, i*i),
			PublishedAt: t0.Add(time.Duration(i%97) * time.Minute), Lang: []string{"", "fr", "en"}[i%3],
			Author: vigie.Author{Handle: fmt.Sprint("@u", i%10), Followers: int64(i)}, Links: []string{fmt.Sprint("https://x.example/", i)}}
	}
	return out
}

func ptrs(ps []vigie.Post) []*vigie.Post {
	out := make([]*vigie.Post, len(ps))
	for i := range ps {
		out[i] = &ps[i]
	}
	return out
}

// TestPackUnpack: posts come back as they were packed, in chunks of at
// most chunkPosts with their keys and publication span; a post whose date
// the post format cannot write is left out, not the chunk.
func TestPackUnpack(t *testing.T) {
	posts := testPosts(chunkPosts + 10)
	posts[7].PublishedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	keys := make([]uint64, len(posts))
	for i := range keys {
		keys[i] = uint64(i) * 7919
	}
	cs := Pack(ptrs(posts), keys, 2)
	if len(cs) != 2 || cs[0].Posts != chunkPosts-1 || cs[1].Posts != 10 || len(cs[0].Keys) != chunkPosts-1 || cs[1].Keys[0] != keys[chunkPosts] {
		t.Fatalf("chunks: %d, posts %d and %d", len(cs), cs[0].Posts, cs[len(cs)-1].Posts)
	}
	if !cs[0].FirstPublished.Equal(t0) || !cs[0].LastPublished.Equal(t0.Add(96*time.Minute)) {
		t.Fatalf("span %v – %v", cs[0].FirstPublished, cs[0].LastPublished)
	}
	want := append(append([]vigie.Post(nil), posts[:7]...), posts[8:]...)
	var got []vigie.Post
	for i := range cs {
		ps, err := Unpack(&cs[i])
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ps...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("unpacked posts differ, e.g. %+v and %+v", got[0], want[0])
	}
	if ratio := float64(len(want)*200) / float64(len(cs[0].Data)+len(cs[1].Data)); ratio < 2 {
		t.Errorf("compressed only %.1f×", ratio)
	}
}

// TestKeyNamesTheSource: the same post delivered by two sources has two
// keys (each workspace keeps its copy), and the key is stable.
func TestKeyNamesTheSource(t *testing.T) {
	ref := store.PostRef{Kind: "bluesky", ID: "at://x/1"}
	if Key(1, ref) == Key(2, ref) || Key(1, ref) != Key(1, store.PostRef{Kind: "bluesky", ID: "at://x/1"}) || Key(1, store.PostRef{Kind: "bluesk", ID: "yat://x/1"}) == Key(1, ref) {
		t.Fatal("keys do not tell sources and ids apart")
	}
}

func zstdOf(s string) []byte { return encoder().EncodeAll([]byte(s), nil) }

// TestUnpackUnreadable: a chunk that cannot be read whole is an error
// naming the chunk and what is wrong, never a panic nor some of its posts.
func TestUnpackUnreadable(t *testing.T) {
	good := Pack(ptrs(testPosts(3)), []uint64{1, 2, 3}, 1)[0]
	flipped := append([]byte(nil), good.Data...)
	flipped[len(flipped)/2] ^= 0x40
	line := string(postjson.Append(nil, &testPosts(1)[0]))
	for name, c := range map[string]store.RecentChunk{
		"truncated":         {Data: good.Data[:len(good.Data)/2], Posts: 3},
		"a flipped bit":     {Data: flipped, Posts: 3},
		"not zstd":          {Data: []byte("{\"id\":\"x\"}\n"), Posts: 1},
		"empty":             {Data: nil, Posts: 1},
		"not a post":        {Data: zstdOf("hello\n"), Posts: 1},
		"no final newline":  {Data: zstdOf(line), Posts: 1},
		"fewer posts":       {Data: zstdOf(line + "\n"), Posts: 2},
		"too large to open": {Data: zstdOf(strings.Repeat(" ", maxChunkBytes+1)), Posts: 1},
	} {
		c.ID, c.SourceID = 42, 7
		ps, err := Unpack(&c)
		if !errors.Is(err, ErrUnreadable) || ps != nil || !strings.Contains(err.Error(), "chunk of kept posts 42 (source 7)") {
			t.Errorf("%s: %d posts, error %v", name, len(ps), err)
		}
		if name == "too large to open" && !strings.Contains(err.Error(), "exceeds") {
			t.Errorf("%s: not stopped by the size limit: %v", name, err)
		}
	}
}

// FuzzUnpack: whatever the data, Unpack returns posts or an error.
func FuzzUnpack(f *testing.F) {
	good := Pack(ptrs(testPosts(3)), []uint64{1, 2, 3}, 1)[0]
	f.Add(good.Data, 3)
	f.Add(zstdOf("{}\n"), 1)
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd}, 0)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		c := store.RecentChunk{Data: data, Posts: n}
		ps, err := Unpack(&c)
		if err == nil && len(ps) != n {
			t.Fatalf("%d posts for %d", len(ps), n)
		}
		if err != nil && !errors.Is(err, ErrUnreadable) {
			t.Fatalf("error %v does not wrap ErrUnreadable", err)
		}
	})
}

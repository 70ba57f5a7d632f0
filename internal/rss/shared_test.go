package rss

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/apptest"
)

// TestParseSharedFeeds runs the parser over every file of the shared feed
// corpus (real feeds and parser edge cases, read in place: the content is
// third-party). Non-feeds may fail; nothing may panic, and whatever parses
// must give valid posts with unique ids.
func TestParseSharedFeeds(t *testing.T) {
	dir := apptest.Shared(t, "data/feeds")
	var files, parsed, withPosts, posts int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		var res Result
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic: %v", rel, r)
				}
			}()
			res, err = Parse(data, fetchTime)
		}()
		if err != nil {
			return nil
		}
		parsed++
		if len(res.Posts) > 0 {
			withPosts++
		}
		posts += len(res.Posts)
		seen := make(map[string]bool, len(res.Posts))
		for _, p := range res.Posts {
			if err := p.Validate(); err != nil {
				t.Errorf("%s: %v", rel, err)
			}
			if seen[p.ID] {
				t.Errorf("%s: id %q twice", rel, p.ID)
			}
			seen[p.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files: %d parsed as feeds (%d with posts, %d posts), %d not feeds", files, parsed, withPosts, posts, files-parsed)
	if parsed == 0 {
		t.Fatal("no file of the shared corpus parsed as a feed")
	}
}

// TestParseRealFeedsIndex checks the real-world corpora against their
// index.tsv (file, detected format, …, item count): every file indexed as
// a feed parses, every file indexed as something else is refused.
func TestParseRealFeedsIndex(t *testing.T) {
	dir := apptest.Shared(t, "data/feeds")
	for _, corpus := range []struct {
		dir, feedsDir string
		itemsCol      int
	}{
		{"feeds-real-feedjira", "", 2},
		{"feeds-real-rsparser", "feeds", 3},
	} {
		t.Run(corpus.dir, func(t *testing.T) {
			index, err := os.ReadFile(filepath.Join(dir, corpus.dir, "index.tsv"))
			if err != nil {
				t.Skipf("no index.tsv: %v", err)
			}
			var feeds, items, posts int
			for i, line := range strings.Split(strings.TrimSpace(string(index)), "\n") {
				cols := strings.Split(line, "\t")
				if i == 0 || len(cols) <= corpus.itemsCol {
					continue
				}
				name, format := cols[0], cols[1]
				data, err := os.ReadFile(filepath.Join(dir, corpus.dir, corpus.feedsDir, name))
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				res, err := Parse(data, fetchTime)
				isFeed := !strings.HasPrefix(format, "not-a-feed") && format != "opml" &&
					!strings.Contains(format, "invalid") && format != "jsonfeed-?"
				switch {
				case isFeed && err != nil:
					t.Errorf("%s (%s): %v", name, format, err)
				case !isFeed && !errors.Is(err, ErrNotFeed):
					t.Errorf("%s (%s): error %v, want ErrNotFeed", name, format, err)
				case isFeed:
					feeds++
					n, _ := strconv.Atoi(cols[corpus.itemsCol])
					items += n
					posts += len(res.Posts)
				}
			}
			t.Logf("%s: %d feeds parsed, %d posts from %d indexed items", corpus.dir, feeds, posts, items)
		})
	}
}

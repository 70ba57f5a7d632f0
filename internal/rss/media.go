package rss

import (
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

// Media RSS (http://search.yahoo.com/mrss/), as video feeds use it: a
// YouTube channel's Atom feed has no <summary> or <content>, its entries'
// text is in <media:group><media:description>, their views in
// <media:community><media:statistics views="…"/>. gofeed keeps these
// elements as extensions under the prefix the document gives them, which
// is "media" in every feed seen.

// mediaDescription is the item's <media:description>, in a <media:group>
// or directly under the item, trimmed; "" if none.
func mediaDescription(it *gofeed.Item) string {
	for _, e := range mediaElements(it, "description") {
		if s := strings.TrimSpace(e.Value); s != "" {
			return s
		}
	}
	return ""
}

// mediaViews is the views count of the item's <media:statistics>, 0 when
// none is given or it is not a count.
func mediaViews(it *gofeed.Item) int64 {
	for _, c := range mediaElements(it, "community") {
		for _, st := range c.Children["statistics"] {
			if n, err := strconv.ParseInt(strings.TrimSpace(st.Attrs["views"]), 10, 64); err == nil && n >= 0 {
				return n
			}
		}
	}
	return 0
}

// mediaElements are the item's Media RSS elements of that name, those in
// its <media:group> elements first.
func mediaElements(it *gofeed.Item, name string) []ext.Extension {
	media := it.Extensions["media"]
	if media == nil {
		return nil
	}
	var out []ext.Extension
	for _, g := range media["group"] {
		out = append(out, g.Children[name]...)
	}
	return append(out, media[name]...)
}

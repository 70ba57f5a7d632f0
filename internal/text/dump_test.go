package text

import (
	"fmt"
	"testing"

	"github.com/vigie-project/vigie"
)

func dump(d *Doc) string {
	s := ""
	for i, t := range d.Tokens {
		s += fmt.Sprintf("%d:%s", t.Pos, d.Word(i))
		if t.Kind == Hashtag {
			s += "(#" + d.Tag(i) + ")"
		}
		if t.Kind == Mention {
			s += "(@" + d.Tag(i) + "@" + d.Host(i) + ")"
		}
		s += "[" + d.Span(i) + "] "
	}
	return s
}

func TestDump(t *testing.T) {
	for _, s := range []string{"Fier de l'EPFL ! #EPFLnews @EPFL_en @epfl@mastodon.social ETH-Zürich", "see https://example.com/x more (www.epfl.ch).", "私は東に京 Straße Œuvre ½ é", "<p>Hello <b>wo</b>rld</p><script>x</script>&amp; <a href='https://x.ch/y'>l</a>", "@alice.bsky.social hi. mail foo@bar.com C# #1"} {
		d := Analyze(&vigie.Post{Title: "T", Text: s})
		t.Log(dump(d), d.Links, d.Hosts, d.TitleEnd)
	}
}

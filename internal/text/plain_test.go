package text

import (
	"slices"
	"testing"
)

func TestPlainText(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		links          []string
	}{
		{"plain", "no markup here", "no markup here", nil},
		{"references", "it&#x27;s &quot;fine&quot; &amp; done", `it's "fine" & done`, nil},
		{"hn paragraphs", "First.<p>Second &gt; third.<p>Last", "First.\nSecond > third.\nLast", nil},
		{"discourse cooked", `<p>Hello <a href="https://example.org/x">there</a></p>` + "\n" + `<p>See <a href="/t/topic/1">this</a></p>`,
			"Hello there\n\nSee this", []string{"https://example.org/x"}},
		{"script dropped", `<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>`, "a\n\nb", nil},
		{"br", "one<br>two<br/>three", "one\ntwo\nthree", nil},
		{"pre keeps indentation", "<pre><code>if x {\n    y()\n}</code></pre>", "if x {\n    y()\n}", nil},
		{"a less-than in text", "a<b then", "a<b then", nil},
		{"crlf and spaces", "  x  \r\n\r\n\r\n\r\n y \t", "  x\n\n y", nil},
		{"empty", "", "", nil},
		{"markup only", "<p></p><br>", "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, links := PlainText(c.in)
			if got != c.want {
				t.Errorf("PlainText(%q) = %q, want %q", c.in, got, c.want)
			}
			if !slices.Equal(links, c.links) {
				t.Errorf("links = %q, want %q", links, c.links)
			}
		})
	}
}

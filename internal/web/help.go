package web

import (
	"bytes"
	"html/template"
	"net/http"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"

	"github.com/vigie-project/vigie/docs"
)

// queryGuide is the query language guide, rendered once from the Markdown
// in the binary (goldmark leaves out raw HTML: the guide has none).
var queryGuide = sync.OnceValues(func() (template.HTML, error) {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithParserOptions(parser.WithAutoHeadingID()))
	var buf bytes.Buffer
	if err := md.Convert([]byte(docs.QueryLanguage), &buf); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
})

// helpQuery shows the query language guide.
func (w *Web) helpQuery(rw http.ResponseWriter, r *http.Request, v *visit) error {
	guide, err := queryGuide()
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "help", map[string]any{"Guide": guide})
}

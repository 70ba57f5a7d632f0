package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// The inbox's tabs link to their status with the page's filters: their
// = and & must reach the browser as such (the new-user trial's tabs all
// showed the open items: "?status%3ddone").
func TestInboxTabLinks(t *testing.T) {
	f := inboxFilter{Status: tabOpen, Assignee: "me"}
	tpl := template.Must(template.New("t").Parse(`<a href="{{.F.TabHref "done"}}">`))
	var b bytes.Buffer
	if err := tpl.Execute(&b, map[string]any{"F": f}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, `href="?assignee=me&amp;status=done"`) {
		t.Errorf("tab link %s", got)
	}
}

package web

import (
	"fmt"

	"github.com/vigie-project/vigie/internal/query"
)

// exampleCodes are the query messages that end with an example of the
// field named by their first argument; the example is translated too.
var exampleCodes = map[string]bool{query.CodeFieldNoValue: true, query.CodeFieldInvalid: true, query.CodeFieldEmpty: true}

// queryText is a query error's or warning's message in locale, from its code
// ("query."+code in the catalogue) and arguments. The catalogue's English
// repeats the query package's, word for word (TestQueryMessages); a code
// the catalogue lacks shows the package's English.
func queryText(locale, code string, args []string, english string) string {
	msg, ok := messages[locale]["query."+code]
	if !ok {
		return english
	}
	a := make([]any, 0, len(args)+1)
	for _, s := range args {
		a = append(a, s)
	}
	if exampleCodes[code] && len(args) > 0 {
		a = append(a, tr(locale, "query.example."+args[0]))
	}
	return fmt.Sprintf(msg, a...)
}

// queryError is e's message in the visit's language.
func (v *visit) queryError(e *query.Error) string {
	return queryText(v.Locale, e.Code, e.Args, e.Msg)
}

// queryWarning is w's message in the visit's language.
func (v *visit) queryWarning(w query.Warning) string {
	return queryText(v.Locale, w.Code, w.Args, w.Message)
}

// Package docs carries the guides that Vigie serves itself, so that an
// installation without Internet access still has them.
package docs

import _ "embed"

// QueryLanguage is the guide to writing monitors (Markdown).
//
//go:embed query-language.md
var QueryLanguage string

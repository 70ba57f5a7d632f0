// Package mention is what a team does to a mention, the same from the web
// app and from the API.
package mention

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

// Service corrects mentions.
type Service struct {
	Store *store.Store
}

// Correction is what a person corrects: the language, the tone, or both
// (nil: unchanged).
type Correction struct {
	Lang, Sentiment *string
}

// Correct records a workspace's correction of a mention, in one
// transaction: a language corrected without the tone has its tone read
// anew in that language (recorded as such), so that the mention never
// shows a tone read in the wrong language. A mention the workspace does
// not have is ErrNotFound; a bad value is ErrInvalid, and nothing changes.
func (s *Service) Correct(ctx context.Context, workspaceID, id int64, c Correction, by string) (vigie.Mention, error) {
	if c.Lang == nil && c.Sentiment == nil {
		return vigie.Mention{}, fmt.Errorf(`%w: nothing to correct: give a language and/or a sentiment`, vigie.ErrInvalid)
	}
	fields := map[string]store.Correction{}
	if c.Sentiment != nil {
		fields[store.FieldSentiment] = store.Correction{Value: *c.Sentiment, By: by}
	}
	if c.Lang != nil {
		lang := strings.ToLower(strings.TrimSpace(*c.Lang))
		fields[store.FieldLang] = store.Correction{Value: lang, By: by}
		if c.Sentiment == nil {
			m, err := s.Store.FindMention(ctx, workspaceID, id)
			if err != nil {
				return vigie.Mention{}, err
			}
			if t := enrich.Sentiment(text.Analyze(&m.Post), lang); t.Label != m.Sentiment.Label && vigie.ValidSentiment(t.Label) {
				fields[store.FieldSentiment] = store.Correction{Value: t.Label, By: by + " (tone re-read in " + lang + ")"}
			}
		}
	}
	return s.Store.CorrectFields(ctx, workspaceID, id, fields)
}

package vigie

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Snippet kinds: a saved reply (the inbox's reply box offers them) and a
// snippet (a piece of text the composer inserts).
const (
	SnippetReply = "reply"
	SnippetText  = "snippet"
)

// Limits of a snippet, in characters.
const (
	MaxSnippetName = 100
	MaxSnippetText = 5000
)

// Snippet is a saved text of a workspace.
type Snippet struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"-"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	Text        string    `json:"text"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate trims the snippet's name and text and checks them.
func (s *Snippet) Validate() error {
	s.Name, s.Text = strings.TrimSpace(s.Name), strings.TrimSpace(s.Text)
	switch {
	case s.Kind != SnippetReply && s.Kind != SnippetText:
		return fmt.Errorf("%w: kind %q must be reply or snippet", ErrInvalid, s.Kind)
	case !utf8.ValidString(s.Name) || !utf8.ValidString(s.Text) || strings.ContainsRune(s.Name+s.Text, 0):
		return fmt.Errorf("%w: a snippet is UTF-8 text without NUL characters", ErrInvalid)
	case s.Name == "" || utf8.RuneCountInString(s.Name) > MaxSnippetName:
		return fmt.Errorf("%w: a snippet's name has 1 to %d characters", ErrInvalid, MaxSnippetName)
	case s.Text == "" || utf8.RuneCountInString(s.Text) > MaxSnippetText:
		return fmt.Errorf("%w: a snippet's text has 1 to %d characters", ErrInvalid, MaxSnippetText)
	}
	return nil
}

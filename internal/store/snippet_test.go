package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
)

func TestSnippets(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		thanks := must(s.CreateSnippet(ctx, vigie.Snippet{WorkspaceID: f.ws.ID, Kind: vigie.SnippetReply, Name: "  Thanks ", Text: "Thank you, we look into it.\n"}))(t)
		if thanks.ID == 0 || thanks.Name != "Thanks" || thanks.Text != "Thank you, we look into it." || thanks.CreatedAt.IsZero() {
			t.Fatalf("created %+v", thanks)
		}
		must(s.CreateSnippet(ctx, vigie.Snippet{WorkspaceID: f.ws.ID, Kind: vigie.SnippetText, Name: "Signature", Text: "— The team"}))(t)
		must(s.CreateSnippet(ctx, vigie.Snippet{WorkspaceID: f.other.ID, Kind: vigie.SnippetReply, Name: "Other's", Text: "secret of Other"}))(t)

		for _, bad := range []vigie.Snippet{
			{WorkspaceID: f.ws.ID, Kind: "macro", Name: "x", Text: "y"},
			{WorkspaceID: f.ws.ID, Kind: vigie.SnippetReply, Name: " ", Text: "y"},
			{WorkspaceID: f.ws.ID, Kind: vigie.SnippetReply, Name: "x", Text: ""},
			{WorkspaceID: f.ws.ID, Kind: vigie.SnippetReply, Name: strings.Repeat("n", vigie.MaxSnippetName+1), Text: "y"},
			{WorkspaceID: f.ws.ID, Kind: vigie.SnippetReply, Name: "x", Text: strings.Repeat("é", vigie.MaxSnippetText+1)},
			{WorkspaceID: f.ws.ID, Kind: vigie.SnippetReply, Name: "x", Text: "\xff"},
			{WorkspaceID: 0, Kind: vigie.SnippetReply, Name: "x", Text: "y"},
		} {
			if _, err := s.CreateSnippet(ctx, bad); !errors.Is(err, vigie.ErrInvalid) {
				t.Errorf("created %+v: %v", bad, err)
			}
		}
		// The longest name and text are accepted (counted in characters).
		must(s.CreateSnippet(ctx, vigie.Snippet{WorkspaceID: f.ws.ID, Kind: vigie.SnippetReply, Name: strings.Repeat("é", vigie.MaxSnippetName),
			Text: strings.Repeat("é", vigie.MaxSnippetText)}))(t)

		replies := must(s.FindSnippets(ctx, f.ws.ID, vigie.SnippetReply))(t)
		if len(replies) != 2 || replies[0].Name != "Thanks" {
			t.Errorf("replies: %+v", replies)
		}
		if all := must(s.FindSnippets(ctx, f.ws.ID, ""))(t); len(all) != 3 {
			t.Errorf("all: %d", len(all))
		}
		for _, sn := range must(s.FindSnippets(ctx, f.ws.ID, ""))(t) {
			if strings.Contains(sn.Text, "Other") {
				t.Errorf("another workspace's snippet listed: %+v", sn)
			}
		}

		// Another workspace neither finds, changes nor deletes it.
		if _, err := s.FindSnippet(ctx, f.other.ID, thanks.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("found from another workspace: %v", err)
		}
		if _, err := s.UpdateSnippet(ctx, f.other.ID, thanks.ID, "Hacked", "hacked"); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("updated from another workspace: %v", err)
		}
		if err := s.DeleteSnippet(ctx, f.other.ID, thanks.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("deleted from another workspace: %v", err)
		}
		if got := must(s.FindSnippet(ctx, f.ws.ID, thanks.ID))(t); got.Name != "Thanks" {
			t.Errorf("changed by another workspace: %+v", got)
		}

		up := must(s.UpdateSnippet(ctx, f.ws.ID, thanks.ID, "Thanks!", "Thanks, we are on it."))(t)
		if up.Name != "Thanks!" || up.Kind != vigie.SnippetReply {
			t.Errorf("updated: %+v", up)
		}
		if _, err := s.UpdateSnippet(ctx, f.ws.ID, thanks.ID, "", "x"); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("update to an empty name: %v", err)
		}
		if got := must(s.FindSnippet(ctx, f.ws.ID, thanks.ID))(t); got.Text != "Thanks, we are on it." {
			t.Errorf("after update: %+v", got)
		}
		if err := s.DeleteSnippet(ctx, f.ws.ID, thanks.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindSnippet(ctx, f.ws.ID, thanks.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("found after delete: %v", err)
		}
		if err := s.DeleteSnippet(ctx, f.ws.ID, thanks.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("deleted twice: %v", err)
		}
		if other := must(s.FindSnippets(ctx, f.other.ID, ""))(t); len(other) != 1 {
			t.Errorf("other's snippets: %+v", other)
		}
	})
}

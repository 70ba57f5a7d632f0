package ingest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
)

type countingRunner struct{ runs atomic.Int32 }

func (r *countingRunner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	r.runs.Add(1)
	return connector.Batch{}, nil
}

func (r *countingRunner) Stream(ctx context.Context, src *vigie.Source, sink connector.Sink) error {
	r.runs.Add(1)
	return nil
}

// TestUndecryptableCredentialFails: a source whose token was sealed with
// a key the process no longer has is not run, polled or streamed: its
// health says the secret key changed and to enter the credential again,
// and it is tried again later like any failing source.
func TestUndecryptableCredentialFails(t *testing.T) {
	ctx := context.Background()
	u := "sqlite:" + filepath.Join(t.TempDir(), "vigie.db")
	box := func() *secret.Box {
		b, err := secret.New(secret.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before, err := store.Open(ctx, u, store.WithSecrets(box()))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := before.EnsureWorkspace(ctx, "main", "Main")
	if err != nil {
		t.Fatal(err)
	}
	const token = "tok-0123456789abcdefXYZ"
	for _, kind := range []vigie.SourceKind{"polled", "streamed"} {
		if _, err := before.CreateSource(ctx, vigie.Source{WorkspaceID: ws.ID, Kind: kind, Name: string(kind), Enabled: true,
			Settings: map[string]string{"token": token}}); err != nil {
			t.Fatal(err)
		}
	}
	before.Close()

	st, err := store.Open(ctx, u, store.WithSecrets(box())) // the key file was lost
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &countingRunner{}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := &Scheduler{Pipeline: NewPipeline(match.NewIndex(), st), Runners: map[vigie.SourceKind]Runner{"polled": r},
		Streamers: map[vigie.SourceKind]connector.Streamer{"streamed": r}, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	due, err := st.FindDueSources(ctx, now, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due sources: %d %v", len(due), err)
	}
	for i := range due {
		src := &due[i]
		if src.Kind == "streamed" {
			s.RunStream(ctx, r, src)
		} else {
			s.RunSource(ctx, src)
		}
		got, err := st.FindSourceByID(ctx, ws.ID, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ErrorCount != 1 || !strings.Contains(got.LastError, `the credential "token" cannot be decrypted: the secret key changed; enter it again`) ||
			!got.NextCheckAt.After(now) {
			t.Errorf("%s: health %d %q, next check %v", src.Kind, got.ErrorCount, got.LastError, got.NextCheckAt)
		}
		if strings.Contains(got.LastError, token) {
			t.Errorf("%s: the error shows the token", src.Kind)
		}
	}
	if n := r.runs.Load(); n != 0 {
		t.Errorf("the connector ran %d times without its credential", n)
	}
}

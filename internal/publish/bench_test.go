package publish

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/mastodon"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
	"github.com/vigie-project/vigie/internal/store"
)

// BenchmarkPublishLatency measures how late posts reach the network after
// their scheduled time: b.N posts scheduled 20 ms apart, a publisher
// running on the real clock (SQLite, a local Mastodon). It reports the
// delay's p50, p99 and maximum in milliseconds.
//
//	go test ./internal/publish -run '^$' -bench PublishLatency -benchtime 200x
func BenchmarkPublishLatency(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openURL(b, testURLFor(b, store.SQLite))
	ws, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "Bench", Slug: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	m := mastodontest.New(b)
	clients := map[vigie.Network]Client{vigie.NetworkMastodon: mastodonClient{&mastodon.Publisher{Client: &http.Client{Timeout: 10 * time.Second}}}}
	svc := &Service{Store: st, Clients: clients}
	acc, err := svc.ConnectAccount(ctx, ws.ID, Connect{Network: vigie.NetworkMastodon, InstanceURL: m.URL, AccessToken: mastodontest.DefaultToken})
	if err != nil {
		b.Fatal(err)
	}
	admin := Actor{Name: "bench", Role: "admin"}
	start := time.Now().Add(time.Second).Truncate(time.Millisecond)
	due := map[string]time.Time{}
	for i := range b.N {
		at := start.Add(time.Duration(i) * 20 * time.Millisecond)
		text := fmt.Sprintf("Scheduled post %d", i)
		if _, err := svc.Create(ctx, ws.ID, admin, Compose{Accounts: []int64{acc.ID}, Text: text, ScheduledAt: at}); err != nil {
			b.Fatal(err)
		}
		due[text] = at
	}
	pub := &Publisher{Store: st, Clients: clients}
	svc.Wake = pub.Wake
	b.ResetTimer()
	done := make(chan struct{})
	go func() { pub.Run(ctx); close(done) }()
	for {
		list, err := st.FindPublications(ctx, store.PublicationFilter{WorkspaceID: ws.ID, Statuses: []vigie.PostStatus{vigie.PostPublished}, Limit: 500})
		if err != nil {
			b.Fatal(err)
		}
		if len(list) >= min(b.N, 500) && len(m.Posts()) >= b.N {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling a condition
	}
	b.StopTimer()
	cancel()
	<-done
	var delays []float64
	for _, p := range m.Posts() {
		delays = append(delays, float64(p.CreatedAt.Sub(due[p.Text]).Microseconds())/1000)
	}
	slices.Sort(delays)
	q := func(f float64) float64 { return delays[min(len(delays)-1, int(f*float64(len(delays))))] }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(delays[len(delays)-1], "max-ms")
	b.ReportMetric(delays[0], "min-ms")
}

package publish

import (
	"context"
	"slices"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

// The queue: "Add to queue" gives a post the next free time slot of its
// workspace (PublishSettings.Slots, times of day in the workspace's time
// zone) that no other post to one of the same accounts holds.

// queueHorizon is how far ahead a free slot is looked for.
const queueHorizon = 60 * 24 * time.Hour

// NextSlot returns the first slot strictly after now, in loc, for which
// taken is false; ok is false when slots is empty or every slot of the
// horizon is taken.
func NextSlot(slots []string, loc *time.Location, now time.Time, taken func(time.Time) bool) (time.Time, bool) {
	var times [][2]int
	for _, s := range slots {
		t, err := time.Parse("15:04", s)
		if err != nil {
			continue
		}
		times = append(times, [2]int{t.Hour(), t.Minute()})
	}
	if len(times) == 0 {
		return time.Time{}, false
	}
	slices.SortFunc(times, func(a, b [2]int) int { return (a[0]*60 + a[1]) - (b[0]*60 + b[1]) })
	local := now.In(loc)
	y, m, d := local.Date()
	for day := 0; day <= int(queueHorizon/(24*time.Hour)); day++ {
		for _, hm := range times {
			at := time.Date(y, m, d+day, hm[0], hm[1], 0, 0, loc).UTC()
			if !at.After(now) || taken(at) {
				continue
			}
			return at, true
		}
	}
	return time.Time{}, false
}

// QueueSlot finds the next free slot of the workspace for a post to
// accounts: one at which no post to any of them is scheduled (or waits
// for approval, or is being published) in the same minute.
func QueueSlot(ctx context.Context, st *store.Store, workspaceID int64, loc *time.Location, now time.Time, accounts []int64) (time.Time, bool, error) {
	settings, err := st.PublishSettings(ctx, workspaceID)
	if err != nil {
		return time.Time{}, false, err
	}
	posts, err := st.FindPublications(ctx, store.PublicationFilter{WorkspaceID: workspaceID, From: now.Add(-time.Minute), To: now.Add(queueHorizon + 24*time.Hour),
		Statuses: []vigie.PostStatus{vigie.PostScheduled, vigie.PostPendingApproval, vigie.PostPublishing}, Limit: 500})
	if err != nil {
		return time.Time{}, false, err
	}
	busy := map[time.Time]bool{}
	for _, p := range posts {
		if p.ScheduledAt.IsZero() {
			continue
		}
		for _, t := range p.Targets {
			if slices.Contains(accounts, t.AccountID) {
				busy[p.ScheduledAt.UTC().Truncate(time.Minute)] = true
			}
		}
	}
	at, ok := NextSlot(settings.Slots, loc, now, func(t time.Time) bool { return busy[t.UTC().Truncate(time.Minute)] })
	return at, ok, nil
}

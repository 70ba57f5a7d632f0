package ingest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// keptKeys remembers the keys (recent.Key) of the posts each source kept in
// the recent window, so that a post delivered again is kept once. They are
// read from the store (store.RecentKeys: one row per chunk) and held in
// memory, 8 bytes a post, per source the pipeline has seen lately: a row
// per post in the store was the costliest write of an import's
// transaction, and the one writer is the import's critical path.
type keptKeys struct {
	mu      sync.Mutex
	sources map[int64]*sourceKeys
	swept   time.Time
}

// sourceKeys are one source's kept keys: sorted, plus runs of keys read
// since the last merge (each sorted), plus those of batches prepared and
// not yet committed.
type sourceKeys struct {
	mu          sync.Mutex
	loaded      bool
	first, last int64 // the lowest and highest chunk ids read
	sorted      []uint64
	runs        [][]uint64
	runKeys     int
	pending     map[uint64]bool
	used        time.Time
}

// idleSource is how long a source's keys stay in memory unused: a deleted
// or disabled source's go, and are read again if it comes back.
const idleSource = time.Hour

func newKeptKeys() *keptKeys { return &keptKeys{sources: map[int64]*sourceKeys{}} }

func (k *keptKeys) source(id int64) *sourceKeys {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	if now.Sub(k.swept) > time.Minute {
		k.swept = now
		for sid, sk := range k.sources {
			sk.mu.Lock()
			idle := now.Sub(sk.used) > idleSource && len(sk.pending) == 0
			sk.mu.Unlock()
			if idle {
				delete(k.sources, sid)
			}
		}
	}
	sk := k.sources[id]
	if sk == nil {
		sk = &sourceKeys{pending: map[uint64]bool{}, used: now}
		k.sources[id] = sk
	}
	return sk
}

// claim returns which of keys are new to the source, and holds them as
// pending until release: neither kept before (in the store, read now) nor
// held by a batch prepared and not yet committed, nor twice in keys.
func (k *keptKeys) claim(ctx context.Context, st *store.Store, sourceID int64, keys []uint64) ([]bool, error) {
	sk := k.source(sourceID)
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.used = time.Now()
	if err := sk.refresh(ctx, st, sourceID); err != nil {
		return nil, err
	}
	fresh := make([]bool, len(keys))
	for i, key := range keys {
		if sk.pending[key] || sk.has(key) {
			continue
		}
		sk.pending[key] = true
		fresh[i] = true
	}
	return fresh, nil
}

// held reports which of keys the source's kept posts have (committed).
func (k *keptKeys) held(ctx context.Context, st *store.Store, sourceID int64, keys []uint64) ([]bool, error) {
	sk := k.source(sourceID)
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.used = time.Now()
	if err := sk.refresh(ctx, st, sourceID); err != nil {
		return nil, err
	}
	out := make([]bool, len(keys))
	for i, key := range keys {
		out[i] = sk.has(key)
	}
	return out, nil
}

// release forgets keys a prepared batch held: committed, the store has
// them (the next claim reads them); refused, they may be kept when their
// posts come again.
func (k *keptKeys) release(sourceID int64, keys []uint64) {
	if len(keys) == 0 {
		return
	}
	sk := k.source(sourceID)
	sk.mu.Lock()
	defer sk.mu.Unlock()
	for _, key := range keys {
		delete(sk.pending, key)
	}
}

// refresh reads the keys of the chunks written since the last read, or
// all of them again when a purge took some (the lowest id rose).
func (sk *sourceKeys) refresh(ctx context.Context, st *store.Store, sourceID int64) error {
	r, err := st.RecentKeys(ctx, sourceID, sk.last)
	if err != nil {
		return err
	}
	if sk.loaded && r.First != sk.first && sk.last != 0 {
		// Purged (or all gone): start again from what the store holds.
		if r, err = st.RecentKeys(ctx, sourceID, 0); err != nil {
			return err
		}
		sk.sorted, sk.runs, sk.runKeys, sk.last = sk.sorted[:0], nil, 0, 0
	}
	sk.loaded, sk.first = true, r.First
	for _, c := range r.Chunks {
		if len(c.Keys) > 0 {
			sk.runs = append(sk.runs, c.Keys)
			sk.runKeys += len(c.Keys)
		}
		sk.last = c.ID
	}
	// Merged once the runs hold a quarter of the sorted keys (or are
	// many): merging costs about the keys held, lookups a binary search
	// per run.
	if len(sk.runs) > 16 || sk.runKeys > len(sk.sorted)/4 {
		sk.sorted = slices.Concat(append([][]uint64{sk.sorted}, sk.runs...)...)
		slices.Sort(sk.sorted)
		sk.runs, sk.runKeys = nil, 0
	}
	return nil
}

func (sk *sourceKeys) has(key uint64) bool {
	if _, ok := slices.BinarySearch(sk.sorted, key); ok {
		return true
	}
	for _, r := range sk.runs {
		if _, ok := slices.BinarySearch(r, key); ok {
			return true
		}
	}
	return false
}

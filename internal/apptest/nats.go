package apptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSEnv names the NATS server (with JetStream) the tests use.
const NATSEnv = "VIGIE_TEST_NATS_URL"

// NATS returns the URL of the test NATS server and a prefix of this
// test's own, so that tests in parallel use their own stream and
// subjects; the stream is deleted at the end. Skipped with a message when
// NATSEnv is unset (CI sets it and fails on any skip).
func NATS(tb testing.TB) (url, prefix string) {
	tb.Helper()
	url = os.Getenv(NATSEnv)
	if url == "" {
		tb.Skip(NATSEnv + " is not set: skipping a test that needs NATS with JetStream (e.g. " + NATSEnv + "=nats://127.0.0.1:4222; start one with nats-server -js)")
	}
	var b [5]byte
	rand.Read(b[:])
	prefix = "t" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		nc, err := nats.Connect(url)
		if err != nil {
			tb.Logf("cleaning NATS up: %v", err)
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, prefix+"_posts"); err != nil && err != jetstream.ErrStreamNotFound {
			tb.Logf("deleting the test stream %s_posts: %v", prefix, err)
		}
	})
	return url, prefix
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vigie-project/vigie/internal/bus"
	"github.com/vigie-project/vigie/internal/config"
)

// runBusStatus prints the state of the bus between Vigie's processes: the
// posts waiting for a match worker and those a worker holds; with --wait,
// it returns once none is left (after vigie import --nats-url, say).
func runBusStatus(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bus status", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	wait := fs.Bool("wait", false, "wait until every post on the bus is stored, printing the state every 5 seconds")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if cfg.NATSURL == "" {
		return usageErr("give --nats-url (or VIGIE_NATS_URL): the NATS server the roles talk through")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	js, err := bus.Connect(bus.Config{URL: cfg.NATSURL, Prefix: cfg.NATSPrefix, Name: "vigie bus status", Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return badInput(err)
	}
	defer js.Close()
	print := func(s bus.Status) {
		fmt.Fprintf(stdout, "%s: %d messages in the stream: %d waiting for a match worker, %d held by workers (not yet stored); %d deliveries since the consumer was made, the same message again included (NATS %s)\n",
			js.Stream(), s.Messages, s.Waiting, s.Held, s.Deliveries, s.Server)
	}
	s, err := js.Status(ctx)
	if err != nil {
		return err
	}
	print(s)
	if !*wait {
		return nil
	}
	last := time.Now()
	for !s.Drained() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if s, err = js.Status(ctx); err != nil {
			return err
		}
		if time.Since(last) >= 5*time.Second {
			print(s)
			last = time.Now()
		}
	}
	print(s)
	return nil
}

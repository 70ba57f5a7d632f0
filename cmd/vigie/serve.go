package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/api"
	"github.com/vigie-project/vigie/internal/bus"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/feeds"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/server"
	"github.com/vigie-project/vigie/internal/simulator"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/web"
)

func runServe(args []string, stdout, stderr io.Writer) error {
	return serve("serve", args, stdout, stderr)
}
func runDemo(args []string, stdout, stderr io.Writer) error {
	return serve("demo", args, stdout, stderr)
}

// instance is a running Vigie's parts, built by build and started by serve.
type instance struct {
	app    *app
	sched  *ingest.Scheduler
	sim    *simulator.Runner // the demo's (TriggerCrisis)
	alerts *alert.Engine
	// publisher sends due posts; inbox reads the accounts' notifications.
	publisher *publish.Publisher
	inbox     *publish.Inbox
	// bus carries batches and signals between the roles: in-process, or
	// NATS JetStream (js, nil without --nats-url).
	bus     bus.Bus
	js      *bus.JetStream
	handler http.Handler
	token   string // demo only
	// setupToken opens the page that creates the first administrator; empty
	// once a user exists.
	setupToken string
}

// build wires the whole embedded Vigie: store, matching, sources, API. The
// demo adds a fictional organisation's monitors fed by the simulator.
func build(ctx context.Context, cfg config.Config, demo bool, stderr io.Writer) (*instance, error) {
	slug, wsName := "", ""
	if demo {
		slug, wsName = "demo", "Université de Valmont (demo)"
	}
	a, err := openApp(ctx, cfg, stderr, slug, wsName)
	if err != nil {
		return nil, err
	}
	in := &instance{app: a}
	if demo {
		if in.token, err = setUpDemo(ctx, a); err != nil {
			a.Close()
			return nil, err
		}
	}
	policy := netguard.Policy{AllowPrivate: cfg.AllowPrivateFetch, AllowLoopback: cfg.AllowPrivateFetch}
	// Every connector compiled in (connectors.go) runs its sources.
	conns := connector.Build(connector.Deps{Client: policy.Client(30 * time.Second), Now: time.Now, Terms: a.monitors.SourceTerms})
	in.sim, _ = conns.Runners[vigie.SourceSimulator].(*simulator.Runner)
	if in.sim == nil {
		a.Close()
		return nil, fmt.Errorf("the simulator connector is not compiled in (cmd/vigie/connectors.go)")
	}
	if cfg.NATSURL != "" {
		host, _ := os.Hostname()
		in.js, err = bus.Connect(bus.Config{URL: cfg.NATSURL, Prefix: cfg.NATSPrefix, Store: a.store, Log: a.log,
			Name: fmt.Sprintf("vigie %s on %s (pid %d)", strings.Join(cfg.Roles, ","), host, os.Getpid())})
		if err != nil {
			a.Close()
			return nil, badInput(err)
		}
		in.bus = in.js
	} else {
		in.bus = bus.NewLocal(a.pipeline)
	}
	b := in.bus
	wake := func(name string) func() { return func() { b.Signal(name, nil) } }
	in.sched = &ingest.Scheduler{Pipeline: a.pipeline, Send: b, Runners: conns.Runners, Streamers: conns.Streamers, Streams: conns.Streams, Log: a.log}
	adder := &feeds.Adder{Store: a.store, Policy: policy, Connectors: conns, Index: a.index}
	apiv1 := &api.API{Store: a.store, Monitors: a.monitors, WorkspaceID: a.workspace.ID, Wake: wake(bus.SignalWakeSources), Log: a.log, FetchPolicy: policy, Sources: adder}
	if demo {
		apiv1.TriggerCrisis, apiv1.DemoWorkspaceID = in.sim.TriggerCrisis, a.workspace.ID
	}
	hub := web.NewHub()
	live := wake(bus.SignalLive)
	in.alerts = &alert.Engine{Store: a.store, PublicURL: cfg.PublicURL, Log: a.log, OnAlert: func(int64) { live() },
		HTTP: &alert.HTTPSender{Client: policy.Client(20 * time.Second), Now: time.Now}}
	if cfg.SMTPURL != "" {
		if in.alerts.Mail, err = alert.NewMailer(cfg.SMTPURL); err != nil {
			a.Close()
			return nil, err
		}
	}
	apiv1.AlertsWake = wake(bus.SignalWakeAlerts)
	clients := publishClients(policy.Client(publishTimeout), time.Now)
	if demo {
		clients[simulator.DemoNetwork] = demoClient{&simulator.Network{Start: time.Now()}}
	}
	in.publisher = &publish.Publisher{Store: a.store, Clients: clients, Log: a.log, OnChange: func(int64) { live() }}
	in.inbox = &publish.Inbox{Store: a.store, Clients: clients, Log: a.log, OnNew: func(int64) { live() }}
	publishing := &publish.Service{Store: a.store, Clients: clients, Wake: wake(bus.SignalWakePublisher)}
	apiv1.Publishing = publishing
	a.pipeline.OnStored = func(monitorKeys []string) {
		b.Signal(bus.SignalStored, []byte(strings.Join(monitorKeys, "\n")))
	}
	// Each role hears the signals it acts on, wherever they were sent.
	if cfg.Has(config.RoleWeb) {
		b.OnSignal(bus.SignalStored, func([]byte) { hub.Notify() })
		b.OnSignal(bus.SignalLive, func([]byte) { hub.Notify() })
	}
	if cfg.Has(config.RoleIngest) {
		b.OnSignal(bus.SignalWakeSources, func([]byte) { in.sched.Wake() })
	}
	if cfg.Has(config.RoleScheduler) {
		b.OnSignal(bus.SignalStored, func(keys []byte) { in.alerts.NotifyMonitors(strings.Split(string(keys), "\n")) })
		b.OnSignal(bus.SignalWakeAlerts, func([]byte) { in.alerts.Notify() })
		b.OnSignal(bus.SignalWakePublisher, func([]byte) { in.publisher.Wake() })
	}
	app := &web.Web{Store: a.store, Monitors: a.monitors, Log: a.log, Live: hub, Wake: wake(bus.SignalWakeSources),
		Feeds: adder, SecureCookies: cfg.SecureCookies, TrustedProxies: cfg.TrustedProxies,
		RecentWindow: cfg.RecentWindow, FetchPolicy: policy, AlertsWake: wake(bus.SignalWakeAlerts), Publishing: publishing,
		PublicURL: cfg.PublicURL}
	if demo {
		app.TriggerCrisis, app.Crises, app.DemoWorkspaceID = in.sim.TriggerCrisis, simulator.Crises(), a.workspace.ID
	}
	srv := &server.Server{Store: a.store, API: apiv1, Web: app, Pipeline: a.pipeline, Send: b, Index: a.index, Log: a.log,
		HealthOnly: !cfg.Has(config.RoleWeb)}
	if in.js != nil {
		srv.Metrics = in.js.WriteMetrics
	}
	in.handler = srv.Handler()
	// Only a process that serves the web app makes the first-run link: each
	// link replaces the one before, and another role would replace the one
	// the web process printed with one nobody sees.
	if !cfg.Has(config.RoleWeb) {
		return in, nil
	}
	if in.setupToken, err = setupLink(ctx, a); err != nil {
		a.Close()
		return nil, err
	}
	return in, nil
}

// serve runs Vigie until interrupted.
func serve(name string, args []string, stdout, stderr io.Writer) error {
	demo := name == "demo"
	fs := newFlags(name, stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in, err := build(ctx, cfg, demo, stderr)
	if err != nil {
		return err
	}
	defer in.app.Close()
	a := in.app

	if in.js != nil {
		defer in.js.Close()
	}
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	if cfg.Has(config.RoleIngest) {
		run(func() { in.sched.Run(ctx) })
	}
	if cfg.Has(config.RoleMatch) && in.js != nil {
		// Other workers store too: their posts join this one's
		// near-duplicate window.
		a.pipeline.FollowStore = true
		w := &bus.Worker{Bus: in.js, Pipeline: a.pipeline, Log: a.log}
		run(func() {
			if err := w.Run(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("match worker stopped", "err", err)
			}
		})
	}
	startAlerts := func() {}
	if cfg.Has(config.RoleScheduler) {
		startAlerts = sync.OnceFunc(func() { run(func() { in.alerts.Run(ctx) }) })
		run(func() { in.publisher.Run(ctx) })
		run(func() { in.inbox.Run(ctx) })
		// Monitors created or changed anywhere (web app, API, vigie import,
		// another process on the same database) get the last 30 days of
		// stored posts' mentions in the background, and are matched from
		// the next post.
		backfills := a.monitors.StartBackfills(ctx, monitor.BackfillConfig{Window: backfillWindow, Settle: backfillSettle, Log: a.log})
		defer func() { <-backfills }()
		// The posts kept for tests and backfills leave after the recent window.
		purged := a.purgeRecentEvery(ctx)
		defer func() { <-purged }()
	}
	defer a.followMonitors(ctx)()

	err = server.ListenAndServe(ctx, cfg.Addr, in.handler, a.log, func(addr net.Addr) {
		base := "http://" + addr.String()
		// Alerts link to Vigie: VIGIE_PUBLIC_URL, else where it listens.
		if in.alerts.PublicURL == "" {
			in.alerts.PublicURL = base
			if cfg.Has(config.RoleScheduler) && !cfg.Has(config.RoleWeb) {
				a.log.Warn("set VIGIE_PUBLIC_URL to where people reach the web app: alerts' and notices' links would point at this process, which does not serve it", "addr", base)
			}
		}
		startAlerts()
		if !cfg.Has(config.RoleWeb) {
			fmt.Fprintf(stdout, "Vigie (roles %s) is running: health at %s/healthz (%d monitors in all, database %s, bus %s).\nStop with Ctrl-C.\n",
				strings.Join(cfg.Roles, ","), base, a.index.Len(), a.store.Dialect(), busName(cfg))
			return
		}
		fmt.Fprintf(stdout, "Vigie is running at %s (workspace %q, %d monitors in all, database %s).\n", base, a.workspace.Name, a.index.Len(), a.store.Dialect())
		if !cfg.AllRolesHere() || in.js != nil {
			fmt.Fprintf(stdout, "Roles here: %s; bus %s.\n", strings.Join(cfg.Roles, ","), busName(cfg))
		}
		if in.setupToken != "" {
			fmt.Fprintf(stdout, "\nOpen this one-time link to create the administrator account (valid %d hours):\n  %s/setup?token=%s\n", int(setupValidity.Hours()), base, in.setupToken)
		} else {
			fmt.Fprintf(stdout, "\nSign in at %s/login (add users with: vigie user create --email … --role editor)\n", base)
		}
		if demo {
			fmt.Fprintf(stdout, "\nDemo: the simulator publishes posts about a fictional university, up to about %d a minute in the daytime of Europe/Zurich and a few at night; mentions appear within seconds.\n", int(in.sim.Rate))
			fmt.Fprintf(stdout, "Start a simulated crisis from the Sources page, or with the API. API token for this demo (shown once, valid %d days):\n  %s\n\nTry:\n", int(demoTokenValidity.Hours()/24), in.token)
			fmt.Fprintf(stdout, "  curl -H 'Authorization: Bearer %s' '%s/api/v1/mentions?limit=5'\n", in.token, base)
			fmt.Fprintf(stdout, "  curl -X POST -H 'Authorization: Bearer %s' '%s/api/v1/demo/crisis?kind=%s'   # start a crisis\n", in.token, base, simulator.Crises()[0])
		} else {
			if cfg.DatabaseURL != "" {
				fmt.Fprintln(stdout, "Create an API token with: vigie token create --name NAME --database-url … (the same database)")
			} else {
				fmt.Fprintf(stdout, "Create an API token with: vigie token create --name NAME --data %s\n", cfg.Data)
			}
		}
		fmt.Fprintln(stdout, "Stop with Ctrl-C.")
	})
	stop()
	wg.Wait()
	return err
}

// busName says which bus a process uses, for its first lines.
func busName(cfg config.Config) string {
	if cfg.NATSURL == "" {
		return "in-process"
	}
	return "NATS JetStream (prefix " + cfg.NATSPrefix + ")"
}

// backfillWindow is the past a new or changed monitor is matched against,
// and the past of a source shared with its workspace (the sources page says
// "30 days").
const backfillWindow = 30 * 24 * time.Hour

// backfillSettle is how long a backfill waits for every process to have
// applied the monitor change (monitorPoll) before reading the archive.
const backfillSettle = 3 * time.Second

// publishTimeout bounds one request to a network that publishes or reads
// an inbox (an image upload included).
const publishTimeout = 60 * time.Second

// setupValidity is how long a first-run set-up link works.
const setupValidity = 24 * time.Hour

// setupLink returns a fresh one-time link token when no user exists yet.
func setupLink(ctx context.Context, a *app) (string, error) {
	n, err := a.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	tok, hash, err := account.NewToken("vgu_")
	if err != nil {
		return "", err
	}
	return tok, a.store.CreateSetupToken(ctx, hash, time.Now().Add(setupValidity))
}

// demoTokenValidity is how long the token a demo prints works.
const demoTokenValidity = 30 * 24 * time.Hour

// demoTimeZone is the demo workspace's: the fictional university is in
// French-speaking Switzerland, and its audience's day (the simulator's
// rhythm) follows that clock.
const demoTimeZone = "Europe/Zurich"

// setUpDemo saves the demo monitors and the simulated source, and returns a
// fresh API token.
func setUpDemo(ctx context.Context, a *app) (string, error) {
	if a.workspace.TimeZone == "UTC" {
		ws, err := a.store.SetWorkspaceTimeZone(ctx, a.workspace.ID, demoTimeZone)
		if err != nil {
			return "", err
		}
		a.workspace = ws
	}
	for _, m := range simulator.DemoMonitors() {
		if _, err := a.monitors.Upsert(ctx, vigie.MonitorRecord{Monitor: m, WorkspaceID: a.workspace.ID}); err != nil {
			return "", fmt.Errorf("demo monitor %q: %w", m.ID, err)
		}
	}
	sources, err := a.store.FindSources(ctx, a.workspace.ID)
	if err != nil {
		return "", err
	}
	found := false
	for _, s := range sources {
		found = found || s.Kind == vigie.SourceSimulator
	}
	if !found {
		_, err := a.store.CreateSource(ctx, vigie.Source{
			WorkspaceID: a.workspace.ID, Kind: vigie.SourceSimulator, Name: "Simulated social media (demo)",
			Interval: 2 * time.Second, Enabled: true, SourceState: vigie.SourceState{NextCheckAt: time.Now().UTC()},
		})
		if err != nil {
			return "", err
		}
	}
	if err := demoAlerts(ctx, a); err != nil {
		return "", err
	}
	if err := demoAccount(ctx, a); err != nil {
		return "", err
	}
	// Each start of the demo prints a new token: they expire, so that the
	// demo's admin tokens do not pile up for ever.
	plain, _, err := a.store.CreateToken(ctx, store.TokenSpec{Name: "demo " + time.Now().UTC().Format("2006-01-02 15:04"),
		WorkspaceID: a.workspace.ID, Role: account.Admin, ExpiresAt: time.Now().Add(demoTokenValidity)})
	return plain, err
}

// demoAccount connects the university's account on the demo network, so
// that the demo publishes and its inbox fills with the public's questions.
func demoAccount(ctx context.Context, a *app) error {
	accounts, err := a.store.FindAccounts(ctx, a.workspace.ID)
	if err != nil {
		return err
	}
	for _, acc := range accounts {
		if acc.Network == simulator.DemoNetwork {
			return nil
		}
	}
	prof, _ := (&simulator.Network{}).Verify(ctx, nil)
	_, err = a.store.CreateAccount(ctx, vigie.Account{WorkspaceID: a.workspace.ID, Network: simulator.DemoNetwork, ServerURL: "https://social.demo",
		RemoteID: prof.RemoteID, Handle: prof.Handle, DisplayName: prof.DisplayName, Limits: prof.Limits,
		Secrets: vigie.AccountSecrets{AccessToken: "demo"}})
	return err
}

// demoAlerts gives a new demo workspace spike alerts (in the app) on its
// brand and product monitors, so that a simulated crisis raises an alert
// and opens an incident.
func demoAlerts(ctx context.Context, a *app) error {
	rules, err := a.store.AlertRules(ctx, a.workspace.ID)
	if err != nil || len(rules) > 0 {
		return err
	}
	for _, m := range simulator.DemoMonitors() {
		if m.Kind != vigie.KindBrand && m.Kind != vigie.KindProduct {
			continue
		}
		_, err := a.store.CreateAlertRule(ctx, vigie.AlertRule{WorkspaceID: a.workspace.ID, Name: "Spike: " + m.Name, Monitor: m.ID,
			Kind: vigie.AlertSpike, Enabled: true, Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}})
		if err != nil {
			return fmt.Errorf("demo alert on %q: %w", m.ID, err)
		}
	}
	return nil
}

// Command vigie is Vigie: social media listening, engagement and publishing
// for organisations. See README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	_ "time/tzdata" // workspace time zones resolve on machines without a zone database
)

// exitError carries a process exit code: 1 runtime failure, 2 bad input or usage.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func badInput(err error) error { return &exitError{code: 2, err: err} }

type command struct {
	name, args, help string
	run              func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "[--addr 127.0.0.1:8080] [--data ./vigie-data]", "run Vigie with a demo workspace fed by the built-in simulator", runDemo},
		{"serve", "[--addr 127.0.0.1:8080] [--data ./vigie-data] [--database-url postgres://…]", "run Vigie: sources, matching, storage, API", runServe},
		{"import", "[--monitors M.jsonl] --posts P.jsonl [--workspace SLUG] [--data DIR]", "load monitors and posts into a workspace (default: the first) through the normal pipeline", runImport},
		{"reindex", "--monitor ID [--data DIR]", "match the stored posts against a monitor and record its past mentions", runReindex},
		{"backup", "[--out FILE.tar.zst|DIR|-] [--data DIR | --database-url URL] [--no-key] [--pg-bin DIR]", "write a consistent backup of the database and its secret key while Vigie runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump)", runBackup},
		{"restore", "FILE.tar.zst|- [--data DIR | --database-url URL] [--force] [--check] [--pg-bin DIR]", "restore a backup into an empty data folder or database (--force replaces; --check only verifies the archive)", runRestore},
		{"config", "[--addr …] [--data …] [--database-url …]", "print the effective configuration, secrets redacted", runConfig},
		{"user create", "--email E [--name N] [--role admin|editor|viewer] [--workspace SLUG] [--org-admin] [--password-stdin] [--data DIR]", "create a user of the web app (password generated and printed unless given on stdin)", runUserCreate},
		{"token create", "--name NAME [--workspace SLUG] [--role admin|editor|viewer] [--expires 90d|2027-01-31] [--data DIR]", "create an API token (printed on the last line); default: admin of the first workspace, never expires", runTokenCreate},
		{"token list", "[--workspace SLUG] [--data DIR]", "list API tokens: id, name, workspace, role, created, last used, expiry (never the secret)", runTokenList},
		{"token revoke", "ID [--data DIR]", "revoke an API token: it stops working at once", runTokenRevoke},
		{"workspace create", "--slug S --name N [--time-zone Europe/Zurich] [--data DIR]", "create a workspace; the organisation's administrators administer it", runWorkspaceCreate},
		{"workspace list", "[--data DIR]", "list the workspaces", runWorkspaceList},
		{"workspace rename", "--slug S --name N [--data DIR]", "rename a workspace (its slug and links stay)", runWorkspaceRename},
		{"alerts backtest", "--rule R.json --series counts.csv [--tz Europe/Zurich] [--all]", "run a spike or sentiment rule over a history of timestamp,count[,negative] rows; one line per alert it would have sent", runAlertsBacktest},
		{"query check", "'QUERY'", "check a monitor query; print ok or the error with a caret", runQueryCheck},
		{"enrich", "--posts P.jsonl [--stats] [--workers N] | --stored [--data DIR]", "add language, sentiment, simhash and near-duplicate links to posts; or re-enrich the archive", runEnrich},
		{"eval", "[lang] [sentiment] [neardup] [alerts] [--shared ../shared] [--days 30] [--seed N] [--start 2026-10-05]", "measure enrichment quality on the shared evaluation data (docs/enrichment.md) and the alert detectors on the simulator (docs/alerts.md)", runEval},
		{"bus status", "--nats-url URL [--nats-prefix P] [--wait]", "show the posts waiting on the bus for a match worker and those held by one; --wait returns once all are stored", runBusStatus},
		{"match", "--monitors M.jsonl --posts P.jsonl [--stats] [--workers N]", "match posts against monitors, one JSON line per match", runMatch},
		{"bench match", "--monitors M.jsonl --posts P.jsonl [--limit N]", "measure the percolator: posts/s, candidates, build time, memory", runBenchMatch},
		{"bench enrich", "--posts P.jsonl [--limit N]", "measure enrichment per post on one core, and the models' memory", runBenchEnrich},
		{"bench search", "[--data DIR | --database-url URL] [--runs N]", "measure archive search latency on a database", runBenchSearch},
		{"bench jetstream", "[--events 1000000] [--monitors 1000] [--mix posts|firehose] [--cores 1]", "measure the Bluesky path on one core: a local Jetstream, the connector, matching and storing", runBenchJetstream},
		{"bench alerts", "latency [--trials 100] [--rules 100] [--database-url URL] | import --monitors M.jsonl --posts P.jsonl [--limit 300000] [--pairs 2] [--rules 100]", "measure alerts: from a crossing batch's commit to its webhook, and the import's throughput with the engine running 100 rules", runBenchAlerts},
		{"bench api", "[--url http://127.0.0.1:8080] --token T [--preset mentions|overview] [--clients 50] [--requests N]", "load a running server's API with concurrent clients: latency and requests/s", runBenchAPI},
	}
}

func main() {
	// VIGIE_CPUPROFILE=FILE profiles any command, for performance work.
	if path := os.Getenv("VIGIE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			code := run(os.Args[1:], os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
		fmt.Fprintf(os.Stderr, "vigie: cannot profile to %s: %v\n", path, err)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			err := c.run(args[len(words):], stdout, stderr)
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			var ee *exitError
			if errors.As(err, &ee) {
				if ee.err.Error() != "" {
					fmt.Fprintln(stderr, "vigie "+c.name+": "+ee.err.Error())
				}
				return ee.code
			}
			fmt.Fprintln(stderr, "vigie "+c.name+": "+err.Error())
			return 1
		}
	}
	// "vigie token" or "vigie alerts" alone: the commands that start so.
	var sub []string
	for _, c := range commands() {
		if w := strings.Fields(c.name); len(w) > 1 && w[0] == args[0] {
			sub = append(sub, "vigie "+c.name+" "+c.args)
		}
	}
	if len(sub) > 0 {
		fmt.Fprintf(stderr, "vigie %s: give one of:\n  %s\n", args[0], strings.Join(sub, "\n  "))
		return 2
	}
	fmt.Fprintf(stderr, "vigie: unknown command %q\n\n", strings.Join(args, " "))
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Vigie — self-hosted social media listening for organisations.")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  vigie %s %s\n      %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 runtime failure, 2 bad input or usage.")
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("vigie "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	return nil
}

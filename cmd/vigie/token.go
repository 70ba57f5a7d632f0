package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/store"
)

// runTokenCreate makes an API token and prints it on its last line. It works
// while the server runs (SQLite in WAL mode takes both). Without flags the
// token is an admin of the default workspace, as every token was before
// tokens had a workspace and a role.
func runTokenCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token create", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	name := fs.String("name", "", "a name to recognise the token by (who or what uses it)")
	ws := fs.String("workspace", "", "slug of the workspace the token works on (default: the first workspace)")
	role := fs.String("role", "admin", "what the token may do: admin, editor or viewer (read-only, for scrapers and dashboards)")
	expires := fs.String("expires", "", "when the token stops working: 90d (days from now) or 2027-01-31 (through that day, in the workspace's time zone); default never")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if strings.TrimSpace(*name) == "" {
		return usageErr("--name is required, e.g. vigie token create --name grafana --role viewer")
	}
	r, err := account.ParseRole(*role)
	if err != nil {
		return badInput(plain(err))
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := workspaceArg(ctx, st, *ws)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	exp, err := account.ParseExpiry(*expires, time.Now(), loc)
	if err != nil {
		return badInput(plain(err))
	}
	secret, tok, err := st.CreateToken(ctx, store.TokenSpec{Name: *name, WorkspaceID: w.ID, Role: r, ExpiresAt: exp})
	if errors.Is(err, vigie.ErrInvalid) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	until := "never expires"
	if !tok.ExpiresAt.IsZero() {
		until = "expires " + tok.ExpiresAt.In(loc).Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(stdout, "Created API token %q (id %d): %s of workspace %s, %s. Send it as: Authorization: Bearer <token>\nIt is shown only once; it is stored hashed.\n%s\n",
		tok.Name, tok.ID, tok.Role, w.Slug, until, secret)
	return nil
}

// runTokenList prints the tokens of one workspace or of all, never their
// secrets (only hashes are stored).
func runTokenList(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token list", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	ws := fs.String("workspace", "", "slug of a workspace (default: every workspace)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var spaces []vigie.Workspace
	if *ws != "" {
		w, err := findWorkspace(ctx, st, *ws)
		if err != nil {
			return err
		}
		spaces = []vigie.Workspace{w}
	} else if spaces, err = st.FindWorkspaces(ctx); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tWORKSPACE\tROLE\tCREATED\tLAST USED\tEXPIRES")
	now := time.Now()
	when := func(t time.Time, zero string) string {
		if t.IsZero() {
			return zero
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	}
	for _, w := range spaces {
		toks, err := st.FindTokens(ctx, w.ID)
		if err != nil {
			return err
		}
		for _, t := range toks {
			exp := when(t.ExpiresAt, "never")
			if t.Expired(now) {
				exp += " (expired)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, oneLine(t.Name), w.Slug, t.Role, when(t.CreatedAt, "-"), when(t.LastUsedAt, "never"), exp)
		}
	}
	return tw.Flush()
}

// runTokenRevoke deletes a token by id: it stops working at once.
func runTokenRevoke(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token revoke", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	// The id may come before or after the flags.
	var pos []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = args[:1], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	pos = append(pos, fs.Args()...)
	if len(pos) != 1 {
		return usageErr("give one token id, e.g. vigie token revoke 12 (vigie token list shows the ids)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usageErr("%q is not a token id: vigie token list shows the ids", pos[0])
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	spaces, err := st.FindWorkspaces(ctx)
	if err != nil {
		return err
	}
	for _, w := range spaces {
		t, err := st.FindTokenByID(ctx, w.ID, id)
		if errors.Is(err, vigie.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := st.DeleteToken(ctx, w.ID, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked API token %q (id %d) of workspace %s.\n", t.Name, t.ID, w.Slug)
		return nil
	}
	return badInput(fmt.Errorf("no token %d: vigie token list shows the tokens", id))
}

// workspaceArg is the workspace named by a --workspace flag, or the
// default one for "": the first workspace, made as the server makes it if
// there is none yet.
func workspaceArg(ctx context.Context, st *store.Store, slug string) (vigie.Workspace, error) {
	if slug != "" {
		return findWorkspace(ctx, st, slug)
	}
	all, err := st.FindWorkspaces(ctx)
	if err != nil {
		return vigie.Workspace{}, err
	}
	if len(all) > 0 {
		return all[0], nil
	}
	return st.EnsureWorkspace(ctx, defaultWorkspaceSlug, defaultWorkspaceName)
}

// findWorkspace is the workspace with this slug, or a clear error.
func findWorkspace(ctx context.Context, st *store.Store, slug string) (vigie.Workspace, error) {
	w, err := st.FindWorkspaceBySlug(ctx, slug)
	if errors.Is(err, vigie.ErrNotFound) {
		return w, badInput(fmt.Errorf("no workspace %q: vigie workspace list shows them", slug))
	}
	return w, err
}

// oneLine keeps a name on its line of a table.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// openStore opens the configured database for a command that needs no more.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	st, _, err := openStoreKey(ctx, cfg)
	return st, err
}

// storeKey is where the store's secret key came from (config.SecretBox).
type storeKey struct {
	id, from string
	created  bool
}

// openStoreKey opens the configured database with the secret key that
// seals sources' credentials, making the key if there is none yet.
func openStoreKey(ctx context.Context, cfg config.Config) (*store.Store, storeKey, error) {
	url, err := cfg.StoreURL()
	if err != nil {
		return nil, storeKey{}, err
	}
	box, from, created, err := cfg.SecretBox()
	if err != nil {
		return nil, storeKey{}, fmt.Errorf("the secret key that encrypts sources' credentials: %w", err)
	}
	st, err := store.Open(ctx, url, store.WithSecrets(box))
	if err != nil {
		return nil, storeKey{}, fmt.Errorf("opening the database: %w", err)
	}
	return st, storeKey{id: box.ID(), from: from, created: created}, nil
}

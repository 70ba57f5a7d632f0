package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/config"
)

// runUserCreate adds a user for scripts: a role in one workspace,
// and a password read from standard input or generated and printed.
func runUserCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user create", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	email := fs.String("email", "", "the user's e-mail address (their login)")
	name := fs.String("name", "", "the user's name")
	role := fs.String("role", "viewer", "admin, editor or viewer")
	ws := fs.String("workspace", "", "slug of the workspace to join (default: the first workspace, as for tokens)")
	orgAdmin := fs.Bool("org-admin", false, "make the user an administrator of the organisation: they may create and rename workspaces")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (default: generate one and print it)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if strings.TrimSpace(*email) == "" {
		return usageErr("--email is required, e.g. vigie user create --email ana@example.org --role editor")
	}
	r, err := account.ParseRole(*role)
	if err != nil {
		return badInput(err)
	}
	pw, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		pw, generated = account.GeneratePassword(), true
	}
	if err := account.CheckPassword(pw, *email); err != nil {
		return badInput(err)
	}
	hash, err := account.HashPassword(pw)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	all, err := st.FindWorkspaces(ctx)
	if err != nil {
		return err
	}
	// One workspace: a colleague of one faculty must not be given every
	// other faculty's by default.
	var ms []vigie.Membership
	var joined string
	for _, w := range all {
		if (*ws == "" && len(ms) == 0) || w.Slug == *ws {
			ms = append(ms, vigie.Membership{WorkspaceID: w.ID, Role: string(r)})
			joined = w.Slug
		}
	}
	if len(ms) == 0 {
		return badInput(fmt.Errorf("no workspace %q (and no workspace at all if none was named): start Vigie once first", *ws))
	}
	u, err := st.CreateUser(ctx, vigie.User{Email: *email, Name: *name}, hash, ms, orgsOf(all, ms, *orgAdmin)...)
	if errors.Is(err, vigie.ErrConflict) {
		return badInput(fmt.Errorf("a user with the e-mail address %s already exists", strings.ToLower(strings.TrimSpace(*email))))
	}
	if err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "Created user %s (id %d), %s of workspace %s (add others on each workspace's Members page).\n", u.Email, u.ID, r, joined)
	if *orgAdmin {
		fmt.Fprintln(stdout, "They administer the organisation: they may create and rename workspaces.")
	}
	if generated {
		fmt.Fprintf(stdout, "Their password (shown once):\n%s\n", pw)
	}
	return nil
}

// orgsOf is the organisations of the workspaces joined, when the user is
// to administer them.
func orgsOf(all []vigie.Workspace, ms []vigie.Membership, want bool) []int64 {
	if !want {
		return nil
	}
	joined := map[int64]bool{}
	for _, m := range ms {
		joined[m.WorkspaceID] = true
	}
	var orgs []int64
	for _, w := range all {
		if joined[w.ID] && !slices.Contains(orgs, w.OrganisationID) {
			orgs = append(orgs, w.OrganisationID)
		}
	}
	return orgs
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/config"
)

// runWorkspaceCreate adds a workspace to the default organisation. Whoever
// runs the command holds the database, so may; the organisation's
// administrators become the new workspace's administrators, so that it is
// reachable from the web app at once.
func runWorkspaceCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("workspace create", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	slug := fs.String("slug", "", "the workspace's short name in URLs: lower-case letters, digits and '-', e.g. faculty-of-science")
	name := fs.String("name", "", "the workspace's name, e.g. \"Faculty of Science\"")
	tz := fs.String("time-zone", "UTC", "IANA time zone its dashboards' days follow, e.g. Europe/Zurich")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if *slug == "" || strings.TrimSpace(*name) == "" {
		return usageErr("--slug and --name are required, e.g. vigie workspace create --slug science --name \"Faculty of Science\"")
	}
	if err := vigie.ValidateSlug(*slug); err != nil {
		return badInput(plain(err))
	}
	if err := vigie.ValidateWorkspaceName(*name); err != nil {
		return badInput(plain(err))
	}
	if err := vigie.ValidateTimeZone(*tz); err != nil {
		return badInput(plain(err))
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	admins, err := st.OrganisationAdmins(ctx, 0)
	if err != nil {
		return err
	}
	w, err := st.CreateWorkspace(ctx, vigie.Workspace{Slug: *slug, Name: *name, TimeZone: *tz}, admins...)
	switch {
	case errors.Is(err, vigie.ErrConflict):
		return badInput(fmt.Errorf("a workspace with the slug %q exists already (vigie workspace list)", *slug))
	case errors.Is(err, vigie.ErrInvalid):
		return badInput(plain(err))
	case err != nil:
		return err
	}
	who := fmt.Sprintf("%d organisation administrators administer it", len(admins))
	if len(admins) == 1 {
		who = "1 organisation administrator administers it"
	}
	fmt.Fprintf(stdout, "Created workspace %s (%q, id %d, time zone %s); %s.\n", w.Slug, w.Name, w.ID, w.TimeZone, who)
	if len(admins) == 0 {
		fmt.Fprintf(stdout, "Give it members with: vigie user create --email E --role admin --workspace %s\n", w.Slug)
	}
	return nil
}

// runWorkspaceList prints every workspace.
func runWorkspaceList(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("workspace list", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
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
	all, err := st.FindWorkspaces(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSLUG\tNAME\tTIME ZONE\tCREATED")
	for _, w := range all {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", w.ID, w.Slug, oneLine(w.Name), w.TimeZone, w.CreatedAt.UTC().Format("2006-01-02"))
	}
	return tw.Flush()
}

// runWorkspaceRename gives a workspace a new name; its slug stays, so its
// links keep working.
func runWorkspaceRename(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("workspace rename", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	slug := fs.String("slug", "", "the workspace's slug (vigie workspace list)")
	name := fs.String("name", "", "its new name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if *slug == "" || strings.TrimSpace(*name) == "" {
		return usageErr("--slug and --name are required, e.g. vigie workspace rename --slug science --name \"Faculty of Sciences\"")
	}
	if err := vigie.ValidateWorkspaceName(*name); err != nil {
		return badInput(plain(err))
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := findWorkspace(ctx, st, *slug)
	if err != nil {
		return err
	}
	if w, err = st.RenameWorkspace(ctx, w.ID, *name); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Renamed workspace %s to %q.\n", w.Slug, w.Name)
	return nil
}

// plain drops the "invalid: " of a validation error, for people.
func plain(err error) error {
	return errors.New(strings.Replace(err.Error(), vigie.ErrInvalid.Error()+": ", "", 1))
}

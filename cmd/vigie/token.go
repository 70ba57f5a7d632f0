package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/store"
)

// runTokenCreate makes an API token and prints it on its last line. It works
// while the server runs (SQLite in WAL mode takes both).
func runTokenCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token create", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	name := fs.String("name", "", "a name to recognise the token by (who or what uses it)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if strings.TrimSpace(*name) == "" {
		return usageErr("--name is required, e.g. vigie token create --name grafana")
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	plain, tok, err := st.CreateToken(ctx, strings.TrimSpace(*name))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created API token %q (id %d). Send it as: Authorization: Bearer <token>\nIt is shown only once; it is stored hashed.\n%s\n", tok.Name, tok.ID, plain)
	return nil
}

// openStore opens the configured database for a command that needs no more.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	url, err := cfg.StoreURL()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	return st, nil
}

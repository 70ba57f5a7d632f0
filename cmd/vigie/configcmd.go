package main

import (
	"fmt"
	"io"

	"github.com/vigie-project/vigie/internal/config"
)

// runConfig prints the effective configuration (flags, then VIGIE_*
// environment, then defaults), with secrets redacted.
func runConfig(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("config", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	fmt.Fprintln(stdout, cfg.String())
	return nil
}

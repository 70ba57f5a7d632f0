package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigie-project/vigie/internal/query"
)

func runQueryCheck(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("usage: vigie query check 'QUERY' (quote the query for your shell)")
	}
	q := strings.Join(args, " ")
	parsed, err := query.Parse(q)
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			fmt.Fprintf(stdout, "error: %s\n%s\n", qe.Error(), indent(qe.Caret(q)))
			return &exitError{code: 2, err: errors.New("")}
		}
		return err
	}
	// Warnings go with the answer, on stdout: the query is valid.
	for _, w := range parsed.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

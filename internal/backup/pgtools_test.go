package backup

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLibpqConn(t *testing.T) {
	tests := []struct {
		url, conn string
		env       []string
	}{
		{"postgres://vigie:s3cr%20t@db:5432/vigie?sslmode=require", "postgres://vigie@db:5432/vigie?sslmode=require", []string{"PGPASSWORD=s3cr t"}},
		{"postgres://u@h/d?search_path=tenant_a&pool_max_conns=4", "postgres://u@h/d?options=-c%20search_path%3Dtenant_a", nil},
		{"postgresql://u@h/d?options=-c%20work_mem%3D64MB&application_name=x y", "postgresql://u@h/d?application_name=x%20y&options=-c%20work_mem%3D64MB", nil},
		{"postgres://u@h/d?password=p&statement_cache_capacity=0", "postgres://u@h/d", []string{"PGPASSWORD=p"}},
	}
	for _, tt := range tests {
		conn, env, err := libpqConn(tt.url)
		if err != nil || conn != tt.conn || strings.Join(env, ",") != strings.Join(tt.env, ",") {
			t.Errorf("libpqConn(%q) = %q, %v, %v; want %q, %v", tt.url, conn, env, err, tt.conn, tt.env)
		}
	}
	if _, _, err := libpqConn("mysql://x"); err == nil {
		t.Error("a mysql URL was taken")
	}
}

// TestRunPG: pg_dump's tables are progress, its errors the error, with
// advice when the server is newer than the client programs.
func TestRunPG(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\n" +
		"echo 'pg_dump: reading extensions' >&2\n" +
		"echo 'pg_dump: dumping contents of table \"public.posts\"' >&2\n" +
		"echo 'pg_dump: error: aborting because of server version mismatch' >&2\n" +
		"echo 'pg_dump: detail: server version: 17.2; pg_dump version: 15.20' >&2\n" +
		"exit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "pg_dump"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	prog, err := pgTools{bin}.path("pg_dump")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	err = runPG(context.Background(), prog, nil, nil, func(table string) { tables = append(tables, table) })
	if err == nil || !strings.Contains(err.Error(), "server version: 17.2") || !strings.Contains(err.Error(), "--pg-bin") || strings.Contains(err.Error(), "reading extensions") {
		t.Fatalf("error: %v", err)
	}
	if !slices.Equal(tables, []string{"public.posts"}) {
		t.Fatalf("progress: %v", tables)
	}
	if _, err := (pgTools{bin}).path("pg_restore"); err == nil || !strings.Contains(err.Error(), "--pg-bin") {
		t.Fatalf("a program not in --pg-bin: %v", err)
	}
}

package backup

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// PostgreSQL backups are made by pg_dump and restored by pg_restore, not by
// a copy of Vigie's own: they are what a PostgreSQL operator knows and
// trusts (the dump can be taken out of the archive and restored, listed or
// filtered by hand), they carry the schema with every index, sequence
// value and constraint exactly, and they read one snapshot of the whole
// database while it is written to.

// pgTools finds the PostgreSQL client programs.
type pgTools struct {
	// bin is the folder given with --pg-bin; empty, PATH.
	bin string
}

func (t pgTools) path(name string) (string, error) {
	if t.bin != "" {
		p := filepath.Join(t.bin, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s is not in %s (given with --pg-bin): name the folder holding PostgreSQL's client programs", name, t.bin)
		}
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed (not found on PATH): install PostgreSQL's client programs of the server's major version or newer (Debian, Ubuntu: apt install postgresql-client; Alpine: apk add postgresql-client), or name their folder with --pg-bin", name)
	}
	return p, nil
}

// pgxOnly are the URL parameters pgx reads itself and libpq does not know.
var pgxOnly = map[string]bool{
	"statement_cache_capacity": true, "description_cache_capacity": true,
	"default_query_exec_mode": true, "min_read_buffer_size": true,
	"pool_max_conns": true, "pool_min_conns": true, "pool_max_conn_lifetime": true,
	"pool_max_conn_idle_time": true, "pool_health_check_period": true, "pool_max_conn_lifetime_jitter": true,
}

// libpqParams are the URL parameters libpq knows (PostgreSQL 15's list).
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true,
	"passfile": true, "channel_binding": true, "connect_timeout": true, "client_encoding": true,
	"options": true, "application_name": true, "fallback_application_name": true, "keepalives": true,
	"keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true,
	"replication": true, "gssencmode": true, "sslmode": true, "requiressl": true, "sslcompression": true,
	"sslcert": true, "sslkey": true, "sslpassword": true, "sslrootcert": true, "sslcrl": true,
	"sslcrldir": true, "sslsni": true, "requirepeer": true, "ssl_min_protocol_version": true,
	"ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true, "service": true,
	"target_session_attrs": true, "load_balance_hosts": true, "require_auth": true,
}

// libpqConn turns Vigie's database URL (as pgx reads it) into what libpq's
// programs take: the password goes into PGPASSWORD (a command line is
// visible to every user of the machine), the parameters only pgx knows
// are dropped, and the others libpq does not know — run-time settings
// such as search_path, which pgx sends to the server — go into options
// as -c name=value, as libpq sends them.
func libpqConn(u string) (conn string, env []string, err error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("the database URL is not a postgres:// URL")
	}
	if pw, ok := p.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		p.User = url.User(p.User.Username())
	}
	q := p.Query()
	var options []string
	if o := q.Get("options"); o != "" {
		options = append(options, o)
	}
	for k, vs := range q {
		switch {
		case k == "password":
			env = append(env, "PGPASSWORD="+vs[len(vs)-1])
			q.Del(k)
		case pgxOnly[k]:
			q.Del(k)
		case !libpqParams[k]:
			for _, v := range vs {
				options = append(options, "-c "+k+"="+escapeOption(v))
			}
			q.Del(k)
		}
	}
	if len(options) > 0 {
		q.Set("options", strings.Join(options, " "))
	}
	// libpq decodes %XX in a URL, but not '+' as a space.
	p.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return p.String(), env, nil
}

// escapeOption escapes the spaces and backslashes of a value in libpq's
// options.
func escapeOption(v string) string {
	return strings.NewReplacer(`\`, `\\`, " ", `\ `).Replace(v)
}

// progressLine picks, from pg_dump's and pg_restore's --verbose output,
// the lines that say which table is being copied.
var progressLine = regexp.MustCompile(`(?:dumping contents of table|processing data for table) "?([^"]+)"?`)

// runPG runs a PostgreSQL client program, reporting the tables it copies
// to progress and keeping the rest of its messages for an error.
func runPG(ctx context.Context, prog string, args, env []string, progress func(table string)) error {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", filepath.Base(prog), err)
	}
	var tail []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		if m := progressLine.FindStringSubmatch(line); m != nil {
			if progress != nil {
				progress(m[1])
			}
			continue
		}
		if l := strings.ToLower(line); strings.Contains(l, "error") || strings.Contains(l, "warning") || strings.Contains(l, "fatal") ||
			strings.Contains(l, "detail") || strings.Contains(l, "hint") || strings.Contains(l, "command was") {
			tail = append(tail, line)
			if len(tail) > 12 {
				tail = tail[1:]
			}
		}
	}
	io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(tail) > 0 {
			msg := strings.Join(tail, "\n  ")
			if strings.Contains(msg, "version mismatch") {
				msg += "\n(the server is newer than these client programs: install PostgreSQL's client programs of the server's major version or newer, and name their folder with --pg-bin if PATH has others)"
			}
			return fmt.Errorf("%s failed:\n  %s", filepath.Base(prog), msg)
		}
		return fmt.Errorf("%s failed: %w", filepath.Base(prog), err)
	}
	return nil
}

// restoreList is pg_restore's table of contents of the dump at path, less
// the creation of the schema itself: a dump of one schema (pg_dump
// --schema) creates it, and the schema a restore goes into exists already
// (public always does).
func restoreList(ctx context.Context, prog, path, schema string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, prog, "--list", path).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("pg_restore cannot read the dump: %s", strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("run pg_restore: %w", err)
	}
	var b bytes.Buffer
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		// "4; 2615 2200 SCHEMA - public owner" and "…; 0 0 COMMENT - SCHEMA public owner"
		if len(f) >= 6 && !strings.HasPrefix(f[0], ";") &&
			(f[3] == "SCHEMA" && f[4] == "-" && f[5] == schema ||
				len(f) >= 7 && f[3] == "COMMENT" && f[4] == "-" && f[5] == "SCHEMA" && f[6] == schema) {
			continue
		}
		b.WriteString(line)
	}
	return b.Bytes(), nil
}

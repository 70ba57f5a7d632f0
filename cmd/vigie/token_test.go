package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
)

// lastLine is a command's last line of output (where tokens are printed).
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// TestTokenCLI creates tokens bound to a workspace, a role and an expiry,
// lists them without their secrets, and revokes one, while a server uses
// them.
func TestTokenCLI(t *testing.T) {
	in, srv, _ := testInstance(t, false)
	data := in.app.cfg.Data
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--data", data)...)
	}
	if code, out, errOut := cli("workspace", "create", "--slug", "science", "--name", "Faculty of Science", "--time-zone", "Europe/Zurich"); code != 0 {
		t.Fatalf("workspace create: %d %s%s", code, out, errOut)
	}

	// Without flags: admin of the default (first) workspace, no expiry.
	code, out, errOut := cli("token", "create", "--name", "ops")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	admin := lastLine(out)
	if !strings.HasPrefix(admin, "vgt_") || !strings.Contains(out, "admin of workspace "+in.app.workspace.Slug) || !strings.Contains(out, "never expires") {
		t.Fatalf("token create output:\n%s", out)
	}
	code, out, errOut = cli("token", "create", "--name", "grafana", "--workspace", "science", "--role", "viewer", "--expires", "90d")
	if code != 0 {
		t.Fatalf("token create viewer: %d %s", code, errOut)
	}
	viewer := lastLine(out)
	if !strings.HasPrefix(viewer, "vgt_") || !strings.Contains(out, "viewer of workspace science") || !strings.Contains(out, "expires 20") {
		t.Fatalf("token create output:\n%s", out)
	}
	for _, tt := range []struct {
		name string
		args []string
		say  string
	}{
		{"unknown workspace", []string{"--name", "x", "--workspace", "nope"}, `no workspace "nope"`},
		{"unknown role", []string{"--name", "x", "--role", "owner"}, "admin, editor, viewer"},
		{"bad expiry", []string{"--name", "x", "--expires", "soon"}, "90d"},
		{"past expiry", []string{"--name", "x", "--expires", "2020-01-01"}, "in the past"},
		{"no name", nil, "--name is required"},
	} {
		code, out, errOut := cli(append([]string{"token", "create"}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.say) || strings.Contains(out, "vgt_") {
			t.Errorf("%s: exit %d, stderr %q, want 2 saying %q", tt.name, code, errOut, tt.say)
		}
	}

	// The tokens work on their workspace, with their role.
	if code, body := (client{t: t, base: srv.URL, token: admin}).do("GET", "/api/v1/monitors", nil); code != 200 {
		t.Fatalf("admin token: %d %v", code, body)
	}
	tok, err := in.app.store.Authenticate(context.Background(), viewer)
	if err != nil {
		t.Fatal(err)
	}
	sci, err := in.app.store.FindWorkspaceBySlug(context.Background(), "science")
	if err != nil {
		t.Fatal(err)
	}
	if tok.WorkspaceID != sci.ID || tok.Role != "viewer" || tok.ExpiresAt.IsZero() {
		t.Fatalf("viewer token stored as %+v", tok)
	}

	// list: every workspace's tokens, or one's; never a secret.
	code, out, errOut = cli("token", "list")
	if code != 0 {
		t.Fatalf("token list: %d %s", code, errOut)
	}
	if strings.Contains(out, "vgt_") || !strings.HasPrefix(out, "ID") {
		t.Fatalf("token list:\n%s", out)
	}
	rows := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := regexp.MustCompile(`\s{2,}`).Split(l, -1)
		rows[f[1]] = f
	}
	if r := rows["ops"]; len(r) != 7 || r[2] != in.app.workspace.Slug || r[3] != "admin" || r[5] == "never" || r[6] != "never" {
		t.Errorf("ops row %q", r)
	}
	if r := rows["grafana"]; len(r) != 7 || r[2] != "science" || r[3] != "viewer" || r[6] == "never" {
		t.Errorf("grafana row %q", r)
	}
	code, out, _ = cli("token", "list", "--workspace", "science")
	if code != 0 || strings.Contains(out, "ops") || !strings.Contains(out, "grafana") {
		t.Errorf("token list --workspace science: %d\n%s", code, out)
	}
	if code, _, errOut := cli("token", "list", "--workspace", "nope"); code != 2 || !strings.Contains(errOut, "no workspace") {
		t.Errorf("token list of an unknown workspace: %d %s", code, errOut)
	}

	// An expired token gets 401, saying so.
	raw, err := sql.Open("sqlite", filepath.Join(data, "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE id = ?", tok.ID); err != nil {
		t.Fatal(err)
	}
	if code, body := (client{t: t, base: srv.URL, token: viewer}).do("GET", "/api/v1/monitors", nil); code != 401 || !strings.Contains(errMessage(body), "expired") {
		t.Errorf("expired token: %d %v", code, body)
	}
	code, out, _ = cli("token", "list", "--workspace", "science")
	if code != 0 || !strings.Contains(out, "(expired)") {
		t.Errorf("list does not show the expiry:\n%s", out)
	}

	// revoke: the token stops working at once.
	opsID := rows["ops"][0]
	if code, out, errOut := runCLI(t, "token", "revoke", opsID, "--data", data); code != 0 || !strings.Contains(out, `Revoked API token "ops"`) {
		t.Fatalf("token revoke: %d %s%s", code, out, errOut)
	}
	if code, body := (client{t: t, base: srv.URL, token: admin}).do("GET", "/api/v1/monitors", nil); code != 401 || !strings.Contains(errMessage(body), "revoked") {
		t.Errorf("revoked token: %d %v", code, body)
	}
	for _, args := range [][]string{{opsID}, {"abc"}, {}, {"1", "2"}} {
		if code, _, _ := cli(append([]string{"token", "revoke"}, args...)...); code != 2 {
			t.Errorf("token revoke %q: exit %d, want 2", args, code)
		}
	}
}

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// TestWorkspaceCLI creates, lists and renames workspaces; the
// organisation's administrators administer the new ones.
func TestWorkspaceCLI(t *testing.T) {
	in, _, _ := testInstance(t, false)
	data := in.app.cfg.Data
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--data", data)...)
	}
	ctx := context.Background()
	if code, _, errOut := cli("user", "create", "--email", "dean@uval.example", "--org-admin", "--role", "viewer"); code != 0 {
		t.Fatalf("user create --org-admin: %d %s", code, errOut)
	}
	if code, _, errOut := cli("user", "create", "--email", "ana@uval.example", "--role", "admin"); code != 0 {
		t.Fatalf("user create: %d %s", code, errOut)
	}
	dean, _, err := in.app.store.FindUserByEmail(ctx, "dean@uval.example")
	if err != nil {
		t.Fatal(err)
	}
	ana, _, err := in.app.store.FindUserByEmail(ctx, "ana@uval.example")
	if err != nil {
		t.Fatal(err)
	}
	if orgs, _ := in.app.store.AdministeredOrganisations(ctx, dean.ID); len(orgs) != 1 {
		t.Fatalf("--org-admin: administers %v", orgs)
	}
	if orgs, _ := in.app.store.AdministeredOrganisations(ctx, ana.ID); len(orgs) != 0 {
		t.Fatalf("without --org-admin: administers %v", orgs)
	}

	code, out, errOut := cli("workspace", "create", "--slug", "law", "--name", "Faculty of Law", "--time-zone", "Europe/Zurich")
	if code != 0 || !strings.Contains(out, "Created workspace law") {
		t.Fatalf("workspace create: %d %s%s", code, out, errOut)
	}
	law, err := in.app.store.FindWorkspaceBySlug(ctx, "law")
	if err != nil || law.Name != "Faculty of Law" || law.TimeZone != "Europe/Zurich" {
		t.Fatalf("stored %+v %v", law, err)
	}
	isAdmin := func(uid int64) bool {
		ms, _ := in.app.store.Memberships(ctx, uid)
		for _, m := range ms {
			if m.WorkspaceID == law.ID && m.Role == "admin" {
				return true
			}
		}
		return false
	}
	if !isAdmin(dean.ID) || isAdmin(ana.ID) {
		t.Errorf("law's administrators: dean %v, ana %v; want the organisation's administrator only", isAdmin(dean.ID), isAdmin(ana.ID))
	}

	for _, tt := range []struct {
		name string
		args []string
		say  string
	}{
		{"taken slug", []string{"--slug", "law", "--name", "Again"}, "exists already"},
		{"upper case", []string{"--slug", "Law2", "--name", "x"}, "lower-case"},
		{"path", []string{"--slug", "a/b", "--name", "x"}, "lower-case"},
		{"too long", []string{"--slug", strings.Repeat("a", vigie.MaxSlugLen+1), "--name", "x"}, "longer than"},
		{"bad zone", []string{"--slug", "x", "--name", "x", "--time-zone", "Mars/Olympus"}, "unknown time zone"},
		{"no name", []string{"--slug", "x"}, "required"},
	} {
		code, _, errOut := cli(append([]string{"workspace", "create"}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.say) {
			t.Errorf("%s: exit %d %q, want 2 saying %q", tt.name, code, errOut, tt.say)
		}
	}

	if code, out, errOut := cli("workspace", "rename", "--slug", "law", "--name", "Law School"); code != 0 || !strings.Contains(out, `"Law School"`) {
		t.Fatalf("workspace rename: %d %s%s", code, out, errOut)
	}
	if code, _, errOut := cli("workspace", "rename", "--slug", "nope", "--name", "X"); code != 2 || !strings.Contains(errOut, `no workspace "nope"`) {
		t.Errorf("rename unknown: %d %s", code, errOut)
	}
	code, out, _ = cli("workspace", "list")
	if code != 0 || !strings.Contains(out, "law") || !strings.Contains(out, "Law School") || !strings.Contains(out, in.app.workspace.Slug) || !strings.Contains(out, "Europe/Zurich") {
		t.Errorf("workspace list: %d\n%s", code, out)
	}
}

// TestUserCreateJoinsOneWorkspace: without --workspace a new user joins the
// first workspace only, as a token does (it used to join every one, opening
// every faculty to a colleague of one).
func TestUserCreateJoinsOneWorkspace(t *testing.T) {
	in, _, _ := testInstance(t, false)
	ctx := context.Background()
	if _, err := in.app.store.CreateWorkspace(ctx, vigie.Workspace{Slug: "law", Name: "Law"}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "user", "create", "--email", "marie@uval.example", "--role", "editor", "--data", in.app.cfg.Data); code != 0 {
		t.Fatalf("user create: %d %s", code, errOut)
	}
	u, _, err := in.app.store.FindUserByEmail(ctx, "marie@uval.example")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := in.app.store.Memberships(ctx, u.ID)
	if err != nil || len(ms) != 1 || ms[0].WorkspaceID != in.app.workspace.ID {
		t.Fatalf("memberships %+v %v, want the first workspace only", ms, err)
	}
}

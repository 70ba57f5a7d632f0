package main

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/query"
)

// chooseLocale picks the UI language as the header's language switch does.
func chooseLocale(t *testing.T, c *http.Client, base, locale string) {
	t.Helper()
	body := getPage(t, c, base+"/help/query")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if csrf == nil {
		t.Fatal("no CSRF token on the query guide")
	}
	resp, err := c.PostForm(base+"/settings/locale", url.Values{"csrf": {csrf[1]}, "locale": {locale}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("choosing %s: %d", locale, resp.StatusCode)
	}
}

type queryCheckAnswer struct {
	OK       bool   `json:"ok"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	Warnings []struct {
		Column  int    `json:"column"`
		Message string `json:"message"`
	} `json:"warnings"`
}

func queryCheck(t *testing.T, c *http.Client, ws, q string) queryCheckAnswer {
	t.Helper()
	resp, err := c.Get(ws + "/monitors/check?q=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a queryCheckAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestQueryErrorsInFrench: a French user's monitor editor and search box
// explain a bad query in French, at the same column; an English user reads
// the query package's English, as the API and the command line print it.
func TestQueryErrorsInFrench(t *testing.T) {
	in, api, _ := valmontInstance(t, "m-v")
	addUser(t, in, "camille@uval.example", "editor")
	addUser(t, in, "ed@uval.example", "editor")
	fr := webClient(t, api.base, "camille@uval.example")
	chooseLocale(t, fr, api.base, "fr")
	en := webClient(t, api.base, "ed@uval.example")
	ws := api.base + "/w/" + in.app.workspace.Slug

	const bad = "robot* AND (lab OR campus"
	_, err := query.Parse(bad)
	var qe *query.Error
	if !errors.As(err, &qe) || qe.Column != 12 {
		t.Fatalf("Parse(%q): %v, want an error at column 12", bad, err)
	}
	if a := queryCheck(t, en, ws, bad); a.OK || a.Column != 12 || a.Message != qe.Msg {
		t.Fatalf("English editor: %+v, want column 12 and %q", a, qe.Msg)
	}
	a := queryCheck(t, fr, ws, bad)
	if a.OK || a.Column != 12 || a.Message != "parenthèse non fermée : cette « ( » n'a pas de « ) » correspondante" {
		t.Fatalf("French editor: %+v", a)
	}

	// Warnings too, each at its column.
	a = queryCheck(t, fr, ws, "valmont ET lausanne or geneve")
	if !a.OK || len(a.Warnings) != 2 || a.Warnings[0].Column != 9 || a.Warnings[1].Column != 21 ||
		!strings.HasPrefix(a.Warnings[0].Message, "« ET » est recherché comme un mot ; les opérateurs s'écrivent en anglais : écrivez AND") ||
		!strings.Contains(a.Warnings[1].Message, "écrivez OR en majuscules") {
		t.Fatalf("French warnings: %+v", a)
	}

	// Saving the bad query brings the editor back with the error, in French.
	page := getPage(t, fr, ws+"/monitors/new")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	resp, err := fr.PostForm(ws+"/monitors", url.Values{"csrf": {csrf[1]}, "name": {"Robotique"}, "kind": {"keyword"}, "query": {"robotique lang:fr!"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	saved := html.UnescapeString(string(b))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(saved, `data-column="16">Colonne 16 : lang: n'accepte pas « fr! » : il attend un code, par ex. lang:fr ou lang:(fr OR de)</p>`) {
		t.Fatalf("saving a bad query in French: %d\n%s", resp.StatusCode, saved)
	}

	// The search box of the stream.
	page = html.UnescapeString(getPage(t, fr, ws+"/mentions?q="+url.QueryEscape("valmont AND")))
	if !strings.Contains(page, `<p id="q-error" class="error" role="alert">Colonne 12 : un mot, une expression ou un groupe est attendu après AND, mais la requête s'arrête là</p>`) {
		t.Fatalf("French search error:\n%s", page)
	}
	page = html.UnescapeString(getPage(t, en, ws+"/mentions?q="+url.QueryEscape("valmont AND")))
	if !strings.Contains(page, `role="alert">Column 12: expected a word, phrase or group after AND, found the end of the query</p>`) {
		t.Fatalf("English search error:\n%s", page)
	}
}

// TestRefusalTitles: a page refused for the role, or not found, says so in
// its title and heading, in the user's language.
func TestRefusalTitles(t *testing.T) {
	in, api, _ := valmontInstance(t, "m-v")
	addUser(t, in, "victor@uval.example", "viewer")
	c := webClient(t, api.base, "victor@uval.example")
	ws := "/w/" + in.app.workspace.Slug
	for _, tt := range []struct {
		locale, path string
		status       int
		title        string
	}{
		{"en", ws + "/monitors/new", http.StatusForbidden, "Not allowed here"},
		{"en", "/w/nope/", http.StatusNotFound, "Page not found"},
		{"fr", ws + "/monitors/new", http.StatusForbidden, "Action non autorisée ici"},
		{"fr", ws + "/members", http.StatusForbidden, "Action non autorisée ici"},
		{"fr", "/w/nope/", http.StatusNotFound, "Page introuvable"},
		// Addresses no route takes, or only with another method, get the
		// app's page too, not the server's bare text.
		{"fr", ws + "/nothing-here", http.StatusNotFound, "Page introuvable"},
		{"en", "/nothing", http.StatusNotFound, "Page not found"},
		{"fr", ws + "/monitors/m-v", http.StatusNotFound, "Page introuvable"},
	} {
		chooseLocale(t, c, api.base, tt.locale)
		resp, err := c.Get(api.base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := html.UnescapeString(string(b))
		if resp.StatusCode != tt.status || !strings.Contains(page, "<title>"+tt.title+" · Vigie</title>") || !strings.Contains(page, "<h1>"+tt.title+"</h1>") {
			t.Errorf("%s %s: %d, want %d titled %q:\n%s", tt.locale, tt.path, resp.StatusCode, tt.status, tt.title, page)
		}
	}
}

package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// maxExport bounds an export; a larger selection is cut, and says so in a
// header (X-Vigie-Truncated) and the CSV's last line.
const maxExport = 100_000

// exportMentions writes the stream's filtered mentions as CSV or JSON, all
// pages of them, newest first.
func (w *Web) exportMentions(rw http.ResponseWriter, r *http.Request, v *visit) error {
	format := r.PathValue("format")
	if format != "csv" && format != "json" {
		return errNotFound
	}
	f := readFilter(r, v.Locale)
	if f.QueryError != "" {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	names, _, err := w.monitorNames(r, v)
	if err != nil {
		return err
	}
	mf := f.mentionFilter(v.Workspace.ID, w.Now())
	mf.Limit, mf.NoCount = store.MaxMentionLimit, true
	// The first page before anything is written: a filter the store
	// refuses gets its error page and status, not a file holding it.
	page, err := w.Store.FindMentions(r.Context(), mf)
	if err != nil {
		return err
	}
	name := "vigie-" + v.Workspace.Slug + "-mentions-" + w.Now().UTC().Format("2006-01-02-1504") + "." + format
	ctype := "text/csv; charset=utf-8"
	if format == "json" {
		ctype = "application/json"
	}
	rw.Header().Set("Content-Type", ctype)
	rw.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	rw.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriterSize(rw, 64<<10)
	defer bw.Flush()
	var cw *csv.Writer
	if format == "csv" {
		bw.WriteString("\ufeff") // spreadsheets read UTF-8 with a BOM
		cw = csv.NewWriter(bw)
		cw.Write([]string{"id", "published_at", "source", "author_name", "author_handle", "followers", "url", "title", "text",
			"lang", "country", "sentiment", "sentiment_score", "monitors", "tags", "likes", "reposts", "replies", "near_duplicate_of"})
	} else {
		bw.WriteString("[")
	}
	n := 0
	for {
		for _, m := range page.Mentions {
			if n == maxExport {
				break
			}
			if format == "csv" {
				var mons []string
				for _, id := range m.MonitorIDs {
					mons = append(mons, cmpOr(names[id], id))
				}
				p := &m.Post
				cw.Write(safeCells([]string{strconv.FormatInt(m.ID, 10), p.PublishedAt.UTC().Format(time.RFC3339), p.Source,
					p.Author.Name, p.Author.Handle, strconv.FormatInt(p.Author.Followers, 10), p.URL, p.Title, p.Text,
					p.Lang, p.Country, m.Sentiment.Label, strconv.FormatFloat(m.Sentiment.Score, 'f', 3, 64), strings.Join(mons, "; "), strings.Join(m.Tags, "; "),
					strconv.FormatInt(p.Metrics.Likes, 10), strconv.FormatInt(p.Metrics.Reposts, 10), strconv.FormatInt(p.Metrics.Replies, 10),
					strconv.FormatInt(m.NearDuplicateOf, 10)}))
			} else {
				if n > 0 {
					bw.WriteString(",\n")
				}
				b, err := json.Marshal(m)
				if err != nil {
					return err
				}
				bw.Write(b)
			}
			n++
		}
		if page.NextCursor == "" || n == maxExport {
			break
		}
		mf.Cursor = page.NextCursor
		if page, err = w.Store.FindMentions(r.Context(), mf); err != nil {
			// The file has begun: say in it that it is cut, rather than
			// append an error page to it.
			w.Log.Error("export", "path", r.URL.Path, "mentions", n, "err", err)
			if format == "csv" {
				cw.Write([]string{"# export failed after " + strconv.Itoa(n) + " mentions: try again"})
				cw.Flush()
			}
			return nil
		}
	}
	if format == "csv" {
		if n == maxExport {
			cw.Write([]string{"# export cut at " + strconv.Itoa(maxExport) + " mentions: narrow the filters for the rest"})
		}
		cw.Flush()
		return cw.Error()
	}
	bw.WriteString("]\n")
	return nil
}

// safeCells keeps spreadsheet programs from reading outside text as a
// formula (CSV injection): a cell starting with = + - @ or a tab/CR gets a
// leading apostrophe.
func safeCells(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			if _, err := strconv.ParseFloat(c, 64); err != nil { // keep negative numbers
				cells[i] = "'" + c
			}
		}
	}
	return cells
}

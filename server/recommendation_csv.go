package server

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// csvColumns is the register's spreadsheet layout, for export and import
// alike (import ignores the columns it cannot set: reference, evidence
// links, latest update, published).
var csvColumns = []string{"reference", "title", "wording", "source", "source_link", "group", "raised", "area", "tags",
	"priority", "owner_department", "owner_person", "owner_email", "due", "status", "response", "evidence", "evidence_links",
	"percent_complete", "latest_update", "latest_update_date", "overdue", "published"}

// recommendationExport downloads the whole register as CSV: one column a
// field and the latest progress update. Exports are audited.
func (s *Server) recommendationExport(c *gin.Context) {
	ctx := c.Request.Context()
	rs, err := s.recs.ExportRecommendations(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	names, _, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	now := s.recs.Now()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(csvColumns)
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(london).Format(time.DateOnly)
	}
	for _, r := range rs {
		_ = w.Write([]string{r.ID, csvSafe(r.Title), csvSafe(r.Wording), r.Source, csvSafe(r.SourceLink), csvSafe(names[r.GroupID]),
			day(r.RaisedAt), r.Area, csvSafe(strings.Join(r.Tags, "; ")), r.Priority, csvSafe(r.OwnerDept), csvSafe(r.OwnerName),
			csvSafe(r.OwnerEmail), day(r.DueAt), r.Status, csvSafe(r.Response), csvSafe(r.Evidence), csvSafe(strings.Join(r.EvidenceLinks, " ")),
			strconv.Itoa(r.Percent), csvSafe(r.LatestUpdate), day(r.LatestUpdateAt), yesNo(r.Overdue(now)), yesNo(r.Published)})
	}
	w.Flush()
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRecExported, Detail: fmt.Sprintf("%d recommendations", len(rs))})
	sendCSV(c, "recommendations-"+now.In(london).Format(time.DateOnly)+".csv", buf.Bytes())
}

// csvSafe stops a spreadsheet running a cell as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// importProblem is one rejected row and why.
type importProblem struct {
	Row     int // the spreadsheet's row number (the header is row 1)
	Reasons []string
}

type recImportData struct {
	Problems []importProblem
	Rows     int
	Columns  []string
}

func (s *Server) recommendationImportForm(c *gin.Context) {
	s.render(c, http.StatusOK, "recommendation_import", &Page{Title: "Import recommendations", Data: &recImportData{Columns: csvColumns}})
}

// recommendationImport reads a spreadsheet register. Every row is checked
// first; if any is wrong, the page lists each rejected row with its
// reasons and nothing is stored. Only a file without problems is stored,
// in one ordered insert.
func (s *Server) recommendationImport(c *gin.Context) {
	d := &recImportData{Columns: csvColumns}
	page := &Page{Title: "Import recommendations", Data: d}
	fh, err := c.FormFile("file")
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.tooLarge(c)
		return
	}
	if err != nil {
		s.formAgain(c, "recommendation_import", page, apperr.Invalidf("file", "Choose a CSV file to import"))
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.serverError(c, err)
		return
	}
	defer f.Close()
	ctx := c.Request.Context()
	_, groups, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	rs, problems, msg := parseRegister(f, groups)
	if msg != "" {
		s.formAgain(c, "recommendation_import", page, apperr.Invalidf("file", "%s", msg))
		return
	}
	if len(problems) > 0 {
		d.Problems = problems
		s.formAgain(c, "recommendation_import", page,
			apperr.Invalidf("file", "%d rows have problems, so nothing has been imported. Correct them and import the whole file again.", len(problems)))
		return
	}
	if err := s.recs.CreateRecommendations(ctx, rs, actor(c), store.HistImported); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditDataImported,
		Detail: fmt.Sprintf("%d recommendations from %s", len(rs), fh.Filename)})
	s.flash(c, fmt.Sprintf("%d recommendations imported", len(rs)))
	s.redirect(c, "/recommendations")
}

// parseRegister reads and checks every row. msg is set when the file as a
// whole cannot be read; problems lists rows that are wrong.
func parseRegister(r io.Reader, groups []store.Group) (recs []*store.Recommendation, problems []importProblem, msg string) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, "The file is empty or is not a CSV file"
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, need := range []string{"title", "wording", "source", "group", "raised", "area", "priority", "owner_department", "owner_person"} {
		if _, ok := col[need]; !ok {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return nil, nil, "The first row must name the columns; these are missing: " + strings.Join(missing, ", ")
	}
	groupByName := map[string]string{}
	for _, g := range groups {
		groupByName[strings.ToLower(g.Name)] = g.ID
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, importProblem{Row: row, Reasons: []string{"The row is not valid CSV: " + err.Error()}})
			if _, ok := err.(*csv.ParseError); ok {
				continue
			}
			break
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // a blank line
		}
		r, reasons := registerRow(get, groupByName)
		if len(reasons) > 0 {
			problems = append(problems, importProblem{Row: row, Reasons: reasons})
			continue
		}
		recs = append(recs, r)
	}
	if len(recs) == 0 && len(problems) == 0 {
		return nil, nil, "The file has no rows to import"
	}
	return recs, problems, ""
}

// registerRow checks one row and builds its recommendation.
func registerRow(get func(string) string, groupByName map[string]string) (*store.Recommendation, []string) {
	var reasons []string
	r := &store.Recommendation{Title: get("title"), Wording: get("wording"), SourceLink: get("source_link"),
		Tags: splitTags(get("tags")), OwnerDept: get("owner_department"), OwnerName: get("owner_person"),
		OwnerEmail: store.NormaliseEmail(get("owner_email")), Response: get("response"), Evidence: get("evidence")}
	need := func(v, msg string) {
		if v == "" {
			reasons = append(reasons, msg)
		}
	}
	need(r.Title, "Title is missing")
	need(r.Wording, "Wording is missing")
	need(r.OwnerDept, "Owner department is missing")
	need(r.OwnerName, "Owner person is missing")
	if len(r.Title) > 200 {
		reasons = append(reasons, "Title is longer than 200 characters")
	}
	r.Source = matchCode(get("source"), store.RecSources, words.RecSource)
	if r.Source == "" {
		reasons = append(reasons, fmt.Sprintf("Source %q is not one of the sources", get("source")))
	}
	r.Area = matchCode(get("area"), store.RAPAreas, words.RAPArea)
	if r.Area == "" {
		reasons = append(reasons, fmt.Sprintf("Area %q is not Represented, Respected, Involved or Protected", get("area")))
	}
	r.Priority = matchCode(get("priority"), store.RecPriorities, func(s string) string { return s })
	if r.Priority == "" {
		reasons = append(reasons, fmt.Sprintf("Priority %q is not high, medium or low", get("priority")))
	}
	if id, ok := groupByName[strings.ToLower(get("group"))]; ok {
		r.GroupID = id
	} else {
		reasons = append(reasons, fmt.Sprintf("Group %q is not a group in Candour", get("group")))
	}
	var ok bool
	if r.RaisedAt, ok = parseDay(get("raised")); !ok || r.RaisedAt.IsZero() {
		reasons = append(reasons, fmt.Sprintf("Raised date %q is not a date like 2026-03-27 or 27/03/2026", get("raised")))
	}
	if r.DueAt, ok = parseDay(get("due")); !ok {
		reasons = append(reasons, fmt.Sprintf("Due date %q is not a date like 2026-03-27 or 27/03/2026", get("due")))
	}
	r.Status = store.RecRaised
	if v := get("status"); v != "" {
		if r.Status = matchCode(v, store.RecStatuses, words.RecStatus); r.Status == "" {
			reasons = append(reasons, fmt.Sprintf("Status %q is not one of the statuses", v))
		}
	}
	switch r.Status {
	case store.RecNotAccepted, store.RecAcceptedInPart:
		need(r.Response, "Response is missing: a recommendation not accepted, or accepted in part, needs the reason")
	case store.RecImplemented, store.RecVerified:
		need(r.Evidence, "Evidence is missing: an implemented recommendation needs its evidence")
	case store.RecSuperseded:
		reasons = append(reasons, "Superseded recommendations cannot be imported: import the replacement, then mark this one superseded in Candour")
	}
	if p := get("percent_complete"); p != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(p, "%"))
		if err != nil || n < 0 || n > 100 {
			reasons = append(reasons, fmt.Sprintf("Percent complete %q is not a whole number from 0 to 100", p))
		}
		r.Percent = n
	}
	return r, reasons
}

// matchCode accepts a code or its label, in any case.
func matchCode(v string, codes []string, label func(string) string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, c := range codes {
		if v == c || v == strings.ToLower(label(c)) {
			return c
		}
	}
	return ""
}

// parseDay reads 2026-03-27 or 27/03/2026; blank is the zero time.
func parseDay(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{time.DateOnly, "2/1/2006"} {
		if t, err := time.ParseInLocation(layout, v, london); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

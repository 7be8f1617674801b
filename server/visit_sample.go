package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// A panel session reviews a sample of police.uk records drawn at random
// (disparity_sample.go). A chair or coordinator attaches the sample to the
// panel's record-review visit; the members who attend then pick a record
// from it and find its police.uk fields filled in, so they write only
// their review.

// sampleVisitChoices are the record-review visits a person may attach a
// sample to: from three months back to six ahead, of the groups they
// manage (a chair's own groups; every group for staff).
func (s *Server) sampleVisitChoices(c *gin.Context) ([]choice, error) {
	u := currentUser(c)
	now := s.calendar.Now()
	names, _, err := groupNamesIn(c.Request.Context(), s.calendar)
	if err != nil {
		return nil, err
	}
	vs, err := s.calendar.Visits(c.Request.Context(), store.VisitFilter{GroupIDs: visitGroupIDs(u), From: now.AddDate(0, -3, 0), To: now.AddDate(0, 6, 0)})
	if err != nil {
		return nil, err
	}
	cs := []choice{{Value: "", Label: "Choose a review session"}}
	for _, v := range vs {
		if !store.ReviewsRecords(v.Type) || !accessTo(u, &v).Manage {
			continue
		}
		cs = append(cs, choice{Value: v.ID, Label: fmt.Sprintf("%s, %s: %s", names[v.GroupID], visitWhen(v, true), v.Location)})
	}
	return cs, nil
}

type attachForm struct {
	Visit string `form:"visit"`
}

func (attachForm) messages() map[string]string { return nil }

// sampleAttach attaches a sample to a record-review visit the person manages.
func (s *Server) sampleAttach(c *gin.Context) {
	ps, ok := loadByID(s, c, s.visits.PanelSample)
	if !ok {
		return
	}
	if !ps.Drawn() { // committed, not drawn yet: nothing to review
		s.redirect(c, "/disparity/samples/"+ps.ID)
		return
	}
	var f attachForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	choices, err := s.sampleVisitChoices(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if f.Visit == "" || !hasChoice(choices, f.Visit) {
		errs.Add("visit", "Choose a review session of a group you manage")
		s.renderSample(c, http.StatusUnprocessableEntity, ps, f.Visit, errs)
		return
	}
	if err := s.visits.AttachSample(c.Request.Context(), ps.ID, f.Visit); err != nil {
		s.serverError(c, err)
		return
	}
	u := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSampleAttached, Target: "visit:" + f.Visit,
		Detail: fmt.Sprintf("sample %s, %d records", ps.ID, len(ps.Records))})
	s.flash(c, fmt.Sprintf("The %d records are attached: members who attend can review them from their findings.", len(ps.Records)))
	s.redirect(c, "/visits/"+f.Visit)
}

// sampleRow is one record of a visit's sample, as the findings page lists it.
type sampleRow struct {
	N        int
	Ref      string
	Summary  string
	Reviewed bool
}

// visitSample reads the sample attached to v, or nil.
func (s *Server) visitSample(c *gin.Context, v *store.Visit) (*store.PanelSample, error) {
	if v.SampleID == "" || !store.ReviewsRecords(v.Type) {
		return nil, nil
	}
	ps, err := s.visits.PanelSample(c.Request.Context(), v.SampleID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return ps, err
}

// sampleRows lists a sample's records, marking those already in f.
func sampleRows(ps *store.PanelSample, f *store.Finding) []sampleRow {
	done := map[string]bool{}
	for _, r := range f.Records {
		done[r.Reference] = true
	}
	var rows []sampleRow
	for i, r := range ps.Records {
		rec := sampledRecord(r)
		rows = append(rows, sampleRow{N: i, Ref: r.Ref, Reviewed: done[r.Ref],
			Summary: fmt.Sprintf("%s, %s, %s", rec.Date.In(london).Format("2 January 2006"), rec.Legislation, rec.Outcome)})
	}
	return rows
}

// notRecorded stands in for a police.uk field the force left empty.
const notRecorded = "Not recorded"

// sampledRecord is a sampled police.uk record as the review form's fields.
func sampledRecord(r store.SampledRecord) store.RecordReview {
	field := func(col int) string {
		if col < len(r.Fields) && strings.TrimSpace(r.Fields[col]) != "" {
			return strings.TrimSpace(r.Fields[col])
		}
		return notRecorded
	}
	rec := store.RecordReview{Reference: r.Ref, Legislation: field(policeuk.ColLegislation), Object: field(policeuk.ColObject),
		Outcome: field(policeuk.ColOutcome), SelfEthnicity: census2021Of(field(policeuk.ColSelfEthnicity)),
		OfficerEthnicity: officerEthnicityOf(field(policeuk.ColOfficerEthnicity))}
	if d := field(policeuk.ColDate); len(d) >= 10 {
		if t, err := time.ParseInLocation(time.DateOnly, d[:10], london); err == nil {
			rec.Date = t
		}
	}
	return rec
}

// census2021Of maps a self-defined ethnicity as police.uk publishes it
// (2011 wording, or the coded labels before 2019) to the review form's
// Census 2021 category. What cannot be placed is "Not stated": never a
// guess.
func census2021Of(label string) string {
	l := strings.ToLower(label)
	sub := l
	if i := strings.LastIndex(l, " - "); i >= 0 {
		sub = l[i+3:]
	}
	anyOther := strings.Contains(sub, "any other") || strings.Contains(sub, "other ")
	switch stats.GroupOf(label) {
	case stats.White:
		switch {
		case strings.Contains(sub, "british"), strings.Contains(sub, "english"):
			return "White: English, Welsh, Scottish, Northern Irish or British"
		case strings.Contains(sub, "gypsy"), strings.Contains(sub, "traveller"):
			return "White: Gypsy or Irish Traveller"
		case strings.Contains(sub, "irish"):
			return "White: Irish"
		case strings.Contains(sub, "roma"):
			return "White: Roma"
		case anyOther:
			return "White: Other White"
		}
		return "White: English, Welsh, Scottish, Northern Irish or British"
	case stats.Mixed:
		switch {
		case anyOther:
			return "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups"
		case strings.Contains(sub, "black caribbean"):
			return "Mixed or Multiple ethnic groups: White and Black Caribbean"
		case strings.Contains(sub, "black african"):
			return "Mixed or Multiple ethnic groups: White and Black African"
		case strings.Contains(sub, "asian"):
			return "Mixed or Multiple ethnic groups: White and Asian"
		}
		return "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups"
	case stats.Asian:
		for _, d := range []string{"Bangladeshi", "Chinese", "Indian", "Pakistani"} {
			if strings.Contains(sub, strings.ToLower(d)) {
				return "Asian, Asian British or Asian Welsh: " + d
			}
		}
		return "Asian, Asian British or Asian Welsh: Other Asian"
	case stats.Black:
		switch {
		case anyOther:
			return "Black, Black British, Black Welsh, Caribbean or African: Other Black"
		case strings.Contains(sub, "caribbean"):
			return "Black, Black British, Black Welsh, Caribbean or African: Caribbean"
		case strings.Contains(sub, "african"):
			return "Black, Black British, Black Welsh, Caribbean or African: African"
		}
		return "Black, Black British, Black Welsh, Caribbean or African: Other Black"
	case stats.Other:
		if strings.Contains(sub, "arab") {
			return "Other ethnic group: Arab"
		}
		return "Other ethnic group: Any other ethnic group"
	}
	return "Not stated"
}

// officerEthnicityOf maps police.uk's officer-defined ethnicity to the
// review form's choices.
func officerEthnicityOf(label string) string {
	for _, c := range officerEthnicityChoices()[1:] {
		if strings.EqualFold(c.Value, label) {
			return c.Value
		}
	}
	return "Not stated"
}

// sampleIndex reads a record's position in the sample ("" for none).
func sampleIndex(s string, ps *store.PanelSample) (int, bool) {
	if s == "" {
		return -1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || ps == nil || n < 0 || n >= len(ps.Records) {
		return 0, false
	}
	return n, true
}

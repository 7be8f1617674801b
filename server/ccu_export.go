package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// ccuExport downloads one referral as plain text, for the CCU to file in
// its intelligence system: the answers, contact details, grading, and the
// whole conversation with the private notes. Every export is an audit
// event; the file is never cached.
func (s *Server) ccuExport(c *gin.Context) {
	r, ok := loadByID(s, c, s.store.OpenReferral)
	if !ok {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRefExported, Target: "referral:" + r.ID, Detail: r.Ref})
	var b strings.Builder
	kind := "Partner referral"
	if r.Kind == store.KindAnonymous {
		kind = "Anonymous report"
	}
	fmt.Fprintf(&b, "%s %s\nReceived: %s\nStatus: %s\nRisk: %s\nGrading: %s\nAssigned to: %s\n",
		kind, r.Ref, r.ReceivedAt.In(london).Format("2 January 2006"), store.RefStatusLabel(r.Status), orNone(r.Risk),
		orNone(r.Grading()), orNone(r.AssigneeName))
	if r.ContentGone {
		b.WriteString("\nThe content was deleted under the retention policy.\n")
	}
	qs := partnerQuestions
	if r.Kind == store.KindAnonymous {
		qs = publicQuestions
	}
	ct := r.Content
	b.WriteString("\nWhat was reported\n")
	for _, row := range [][3]string{
		{"Category", "", store.RefCategoryLabel(ct.Category)}, {"Immediate danger", "danger", ct.Danger},
		{"Name or description", "", ct.PersonName}, {"Force", "", ct.PersonForce}, {"Role", "", ct.PersonRole},
		{"Collar number", "", ct.CollarNumber}, {"Station or team", "", ct.Station}, {"What happened", "", ct.WhatHappened},
		{"When", "", ct.When}, {"Where", "", ct.Where}, {"On or off duty", "onDuty", ct.OnDuty}, {"In person or online", "setting", ct.Setting},
		{"How they know", "howKnown", ct.HowKnown}, {"Victim agrees to contact", "victimConsent", ct.VictimConsent},
		{"Safe contact", "", ct.SafeContact}, {"Safeguarding in place", "", ct.Safeguarding},
	} {
		v := row[2]
		if row[1] != "" {
			v = choiceLabel(qs, row[1], v)
		}
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", row[0], v)
		}
	}
	if !r.Contact.Empty() {
		fmt.Fprintf(&b, "\nThe reporter's contact details\nName: %s\nEmail: %s\nPhone: %s\nSafe times: %s\n",
			r.Contact.Name, r.Contact.Email, r.Contact.Phone, r.Contact.When)
	}
	b.WriteString("\nMessages and notes\n")
	for _, m := range r.Messages {
		who := map[string]string{store.FromCCU: "Counter Corruption Unit", store.FromPartner: "Partner", store.FromReporter: "Reporter", store.FromNote: "Private note"}[m.From]
		if m.ByName != "" && m.From != store.FromReporter {
			who += " (" + m.ByName + ")"
		}
		fmt.Fprintf(&b, "\n%s, %s:\n%s\n", who, m.At.In(london).Format("2 January 2006"), m.Text)
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.txt"`, r.Ref))
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}

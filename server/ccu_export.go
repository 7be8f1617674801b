package server

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

// exportForm asks why a referral is being exported and who for.
type exportForm struct {
	reasonForm
	Recipient string `form:"recipient"`
}

func (f *exportForm) check(errs *formErrors) {
	f.reasonForm.check(errs, "export")
	switch {
	case f.Recipient == "":
		errs.Add("recipient", "Enter who you are sending this to")
	case utf8.RuneCountInString(f.Recipient) > 200:
		errs.Add("recipient", "Who you are sending this to must be 200 characters or fewer")
	}
}

type ccuExportData struct {
	Referral  *store.Referral
	Reason    choiceField
	Other     inputField
	Recipient inputField
}

// ccuExportForm asks for the reason and the recipient before a download,
// the reason chosen when the case was opened already selected.
func (s *Server) ccuExportForm(c *gin.Context) {
	r, ok := loadByID(s, c, s.ccu.Referral)
	if !ok {
		return
	}
	var f exportForm
	f.Reason = s.caseReason(c, r.ID)
	if rest, ok := strings.CutPrefix(f.Reason, store.ReasonOther+": "); ok {
		f.Reason, f.Other = store.ReasonOther, rest
	}
	s.renderExportForm(c, r, f, http.StatusOK, &formErrors{})
}

func (s *Server) renderExportForm(c *gin.Context, r *store.Referral, f exportForm, status int, errs *formErrors) {
	d := &ccuExportData{Referral: r,
		Reason: newChoices("reason", "Why are you exporting it?", f.Reason, errs, reasonChoices()),
		Other:  input("other", "If you chose another reason, say what it is", f.Other, errs.For("other"), "autocomplete=off"),
		Recipient: input("recipient", "Who are you sending it to?", f.Recipient, errs.For("recipient"), "autocomplete=off",
			"hint=Their name, role and organisation, for example DS Jo Bloggs, Professional Standards, Wessex Police"),
	}
	d.Reason.LabelSize = "m"
	d.Recipient.LabelSize = "m"
	s.render(c, status, "ccu_export", &Page{Title: "Export " + r.Ref, Data: d, Errors: errs, NoIndex: true})
}

// ccuExport downloads one referral as plain text, for the CCU to file in
// its intelligence system: the answers, contact details, grading, and the
// whole conversation with the private notes. Every export is an audit
// event; the file is never cached.
//
// An export is a disclosure outside the CCU, so it asks each time for the
// reason and the recipient (exportForm) and records both; without them
// the form comes back (422) and nothing is decrypted or sent.
func (s *Server) ccuExport(c *gin.Context) {
	r, ok := loadByID(s, c, s.ccu.Referral)
	if !ok {
		return
	}
	var f exportForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.check(errs); errs.Any() {
		s.renderExportForm(c, r, f, http.StatusUnprocessableEntity, errs)
		return
	}
	r, ok = s.reloadForCCU(c, r.ID)
	if !ok {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRefExported, Target: "referral:" + r.ID, Detail: r.Ref,
		Reason: f.reasonForm.value(), Recipient: f.Recipient})
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.txt"`, r.Ref))
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(exportText(r, f.Recipient)))
}

// exportText is one referral as plain text, headed with who it is for.
func exportText(r *store.Referral, recipient string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Disclosed to: %s\n", recipient)
	kind := "Partner referral"
	if r.Kind == store.KindAnonymous {
		kind = "Anonymous report"
	}
	fmt.Fprintf(&b, "%s %s\nReceived: %s\nStatus: %s\nRisk: %s\nGrading: %s\nAssigned to: %s\n",
		kind, r.Ref, r.ReceivedAt.In(london).Format("2 January 2006"), words.RefStatus(r.Status), orNone(r.Risk),
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
		{"Category", "", words.RefCategory(ct.Category)}, {"Immediate danger", "danger", ct.Danger},
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
	return b.String()
}

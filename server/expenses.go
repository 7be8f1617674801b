package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// Expenses claims for visits (docs/advisory.md, "Volunteer logistics"). A
// member or chair who had a seat at a visit or panel session, once it is
// over, claims mileage (HMRC's 45p a mile) and parking and public transport
// with receipts; the coordinator approves or rejects each claim, with a
// reason, and downloads the approved claims as CSV for finance. Receipts
// take the meeting papers' path (uploads.go).

// expenseAuditActions are the expenses pages' audit actions, listed after
// the store's in the audit log's filter (audit_list.go).
var expenseAuditActions = []string{auditClaimMade, auditClaimApproved, auditClaimRejected, auditReceiptRejected, auditReceiptDownloaded, auditClaimsExported}

// Audit actions for expenses claims.
const (
	auditClaimMade         = "expense-claim-made"
	auditClaimApproved     = "expense-claim-approved"
	auditClaimRejected     = "expense-claim-rejected"
	auditReceiptRejected   = "expense-receipt-rejected"
	auditReceiptDownloaded = "expense-receipt-downloaded"
	auditClaimsExported    = "expense-claims-exported"
)

// MaxReceipts is how many receipts one claim takes; each is capped like a
// meeting paper (MaxPaperBytes).
const MaxReceipts = 3

// Limits on one claim: more than this is a mistake, not a journey to a
// visit in the force's area.
const (
	maxClaimMiles = 1000
	maxClaimPence = 50000 // £500 for each other cost
)

// receiptTypes are the receipts a claim takes, found from the content:
// PDF, PNG and JPEG.
var receiptTypes = map[string]string{"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

type expenseForm struct {
	Miles     string `form:"miles"`
	Parking   string `form:"parking"`
	Transport string `form:"transport"`
}

func (expenseForm) messages() map[string]string { return nil }

type expenseFormData struct {
	Visit      *store.Visit
	VisitLabel string
	Existing   *store.ExpenseClaim
	Rate       string
	MaxReceipt int
}

// claimSection is one heading's decided claims on the coordinator's page.
type claimSection struct {
	Title string
	Rows  []claimRow
}

type claimRow struct {
	store.ExpenseClaim
	Date                           string
	Mileage, Other, Total, Decided string
	StatusLabel, StatusTag         string
}

func claimRowOf(c store.ExpenseClaim) claimRow {
	r := claimRow{ExpenseClaim: c, Date: c.VisitDate.In(london).Format("2 January 2006"), Mileage: pounds(c.MileagePence),
		Other: pounds(c.OtherPence()), Total: pounds(c.TotalPence())}
	switch c.Status {
	case store.ClaimApproved:
		r.StatusLabel, r.StatusTag = "Approved", "govuk-tag--green"
	case store.ClaimRejected:
		r.StatusLabel, r.StatusTag = "Rejected", "govuk-tag--red"
	default:
		r.StatusLabel, r.StatusTag = "Waiting for approval", "govuk-tag--yellow"
	}
	if !c.DecidedAt.IsZero() {
		r.Decided = c.DecidedAt.In(london).Format("2 January 2006")
	}
	return r
}

// pounds shows pence as pounds: 1665 is "£16.65".
func pounds(p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s£%d.%02d", sign, p/100, p%100)
}

// poundsPlain is pounds for a spreadsheet: 1665 is "16.65".
func poundsPlain(p int64) string { return strings.TrimPrefix(pounds(p), "£") }

// parsePence reads an amount in pounds ("4.50", "£12", "0.5") as whole
// pence, without floating point. Empty is 0.
func parsePence(v string) (int64, string) {
	v = strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(v), ",", ""), "£")
	if v == "" {
		return 0, ""
	}
	if strings.HasPrefix(v, "-") {
		return 0, "must be £0 or more"
	}
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" {
		whole = "0"
	}
	if dot && (len(frac) == 0 || len(frac) > 2) || !digits(whole) || !digits(frac) || len(whole) > 6 {
		return 0, "must be an amount in pounds and pence, like 4.50"
	}
	if len(frac) == 1 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt("0"+frac, 10, 64)
	p := w*100 + f
	if p > maxClaimPence {
		return 0, "must be £500 or less: for more, contact the coordinator"
	}
	return p, ""
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// check reads the form: miles a whole number from 0 to 1,000, amounts in
// pounds from £0 to £500, and something to claim.
func (f expenseForm) check() (store.ExpenseClaim, error) {
	var errs []*apperr.Error
	var c store.ExpenseClaim
	miles := strings.ReplaceAll(strings.TrimSpace(f.Miles), ",", "")
	if miles != "" {
		n, err := strconv.Atoi(miles)
		switch {
		case err != nil:
			errs = append(errs, apperr.New(apperr.Invalid, "miles", "Miles must be a whole number, like 37"))
		case n < 0:
			errs = append(errs, apperr.New(apperr.Invalid, "miles", "Miles must be 0 or more"))
		case n > maxClaimMiles:
			errs = append(errs, apperr.New(apperr.Invalid, "miles", "Miles must be 1,000 or fewer for one visit"))
		default:
			c.Miles = n
		}
	}
	var msg string
	if c.ParkingPence, msg = parsePence(f.Parking); msg != "" {
		errs = append(errs, apperr.New(apperr.Invalid, "parking", "Parking "+msg))
	}
	if c.TransportPence, msg = parsePence(f.Transport); msg != "" {
		errs = append(errs, apperr.New(apperr.Invalid, "transport", "Public transport "+msg))
	}
	if len(errs) == 0 && c.Miles == 0 && c.OtherPence() == 0 {
		errs = append(errs, apperr.New(apperr.Invalid, "miles", "Enter the miles you drove, or an amount for parking or public transport"))
	}
	if len(errs) > 0 {
		return c, apperr.Join(errs...)
	}
	return c, nil
}

func visitLabel(v *store.Visit) string {
	return words.VisitType(v.Type) + ", " + v.Location
}

// expenseList is a person's own claims with their status, and the visits
// they may still claim for.
func (s *Server) expenseList(c *gin.Context) {
	ctx := c.Request.Context()
	me := currentUser(c)
	claims, err := s.volunteer.ClaimsOf(ctx, me.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	visits, err := s.volunteer.ClaimableVisits(ctx, me.ID, s.volunteer.Now())
	if err != nil {
		s.serverError(c, err)
		return
	}
	claimed := map[string]bool{}
	rows := make([]claimRow, 0, len(claims))
	for _, cl := range claims {
		claimed[cl.VisitID] = true
		rows = append(rows, claimRowOf(cl))
	}
	type open struct{ ID, Label, Date string }
	var opens []open
	for _, v := range visits {
		if !claimed[v.ID] {
			opens = append(opens, open{ID: v.ID, Label: visitLabel(&v), Date: v.Start.In(london).Format("2 January 2006")})
		}
	}
	s.render(c, http.StatusOK, "expense_list", &Page{Title: "Your expenses claims", Data: map[string]any{"Claims": rows, "Open": opens}})
}

// expenseForm shows the claim form for a visit the person can see.
func (s *Server) expenseForm(c *gin.Context) {
	v, _, ok := s.loadVisit(c)
	if !ok {
		return
	}
	s.renderExpenseForm(c, http.StatusOK, v, expenseForm{}, &formErrors{})
}

func (s *Server) renderExpenseForm(c *gin.Context, status int, v *store.Visit, f expenseForm, errs *formErrors) {
	d := &expenseFormData{Visit: v, VisitLabel: visitLabel(v) + ", " + v.Start.In(london).Format("2 January 2006"), MaxReceipt: MaxReceipts,
		Rate: fmt.Sprintf("%dp", store.MileageRatePence)}
	if cl, err := s.volunteer.Claim(c.Request.Context(), store.ClaimID(v.ID, currentUser(c).ID)); err == nil {
		d.Existing = cl
	}
	s.render(c, status, "expense_form", &Page{Title: "Claim expenses", Back: "/expenses", Errors: errs, Data: d, Form: f})
}

// expenseCreate takes a claim: the form, the receipts (checked, sealed and
// scanned as meeting papers are), then the claim, one per person per
// visit. Any problem shows the form again with what was typed (422) and
// keeps nothing: receipts already sealed are deleted.
func (s *Server) expenseCreate(c *gin.Context) {
	v, _, ok := s.loadVisit(c)
	if !ok {
		return
	}
	var f expenseForm
	form, ok := s.submitForm(c, &f, "claim", nil, func(status int, errs *formErrors) { s.renderExpenseForm(c, status, v, f, errs) })
	if !ok {
		return
	}
	me := currentUser(c)
	ctx := c.Request.Context()
	claim, err := f.check()
	var problems []*apperr.Error
	problems = append(problems, apperr.All(err)...)
	if !v.Claimable(me.ID, s.volunteer.Now()) {
		problems = append(problems, apperr.New(apperr.Invalid, "miles", "You can claim only for a visit you had a place at, once it is over"))
	} else if _, err := s.volunteer.Claim(ctx, store.ClaimID(v.ID, me.ID)); err == nil {
		problems = append(problems, apperr.New(apperr.Duplicate, "miles", "You have already claimed expenses for this visit"))
	}
	var files []*multipart.FileHeader
	if mf := c.Request.MultipartForm; mf != nil {
		for _, fh := range mf.File["receipts"] {
			if fh.Size > 0 || fh.Filename != "" {
				files = append(files, fh)
			}
		}
	}
	if len(files) > MaxReceipts {
		problems = append(problems, apperr.Invalidf("receipts", "Attach at most %d receipts", MaxReceipts))
	}
	var opened []multipart.File
	var types []string
	defer func() {
		for _, o := range opened {
			o.Close()
		}
	}()
	for _, fh := range files {
		if len(files) > MaxReceipts {
			break
		}
		o, typ, err := openUpload(fh, "receipts", receiptTypes, "a PDF, or a PNG or JPEG image")
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				s.serverError(c, err)
				return
			}
			problems = append(problems, apperr.As(err))
			break
		}
		opened, types = append(opened, o), append(types, typ)
	}
	if len(problems) > 0 {
		form.ok(apperr.Join(problems...))
		return
	}
	wctx := context.WithoutCancel(ctx)
	for i, o := range opened {
		p := store.Paper{Name: paperName(files[i].Filename, types[i]), Type: types[i], UploadedBy: me.Name}
		if err := s.volunteer.StoreReceipt(wctx, &p, o); err != nil {
			s.dropReceipts(wctx, claim.Receipts)
			s.serverError(c, err)
			return
		}
		claim.Receipts = append(claim.Receipts, p)
		clean, reason, err := s.scanSealed(wctx, p.Name, func(ctx context.Context, w io.Writer) error { return s.volunteer.OpenReceipt(ctx, p, w) })
		if err != nil {
			s.log.ErrorContext(ctx, "receipt scan failed: the receipt is refused", "err", err)
			clean, reason = false, "the scan could not be completed"
		}
		if !clean {
			s.dropReceipts(wctx, claim.Receipts)
			s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditReceiptRejected, Target: "visit:" + v.ID, Detail: p.Name + ": " + reason})
			form.ok(apperr.Invalidf("receipts", "%s was refused by the virus check (%s). Nothing has been kept.", p.Name, reason))
			return
		}
	}
	for i := range claim.Receipts {
		claim.Receipts[i].Status = store.PaperClean
	}
	claim.VisitID, claim.VisitDate, claim.VisitLabel, claim.UserID, claim.UserName = v.ID, v.Start, visitLabel(v), me.ID, me.Name
	if err := s.volunteer.CreateClaim(wctx, &claim); err != nil {
		s.dropReceipts(wctx, claim.Receipts)
		form.ok(err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditClaimMade, Target: "expense:" + claim.ID,
		Detail: fmt.Sprintf("%s, %d miles, %d receipts", pounds(claim.TotalPence()), claim.Miles, len(claim.Receipts))})
	s.flash(c, "Claim sent for "+pounds(claim.TotalPence())+". The coordinator will approve it.")
	s.redirect(c, "/expenses")
}

func (s *Server) dropReceipts(ctx context.Context, ps []store.Paper) {
	for _, p := range ps {
		if err := s.volunteer.DeleteReceipt(ctx, p); err != nil {
			s.log.ErrorContext(ctx, "receipt not deleted", "err", err, "receipt", p.ID)
		}
	}
}

type decideForm struct {
	Decision string `form:"decision"`
	Reason   string `form:"reason"`
}

func (decideForm) messages() map[string]string { return nil }

// expenseClaims is the coordinator's page: the claims waiting, each with
// approve or reject, and the claims decided.
func (s *Server) expenseClaims(c *gin.Context) {
	s.renderClaims(c, http.StatusOK, "", decideForm{}, &formErrors{})
}

func (s *Server) renderClaims(c *gin.Context, status int, failedID string, f decideForm, errs *formErrors) {
	ctx := c.Request.Context()
	var lists [3][]claimRow
	for i, st := range []string{store.ClaimWaiting, store.ClaimApproved, store.ClaimRejected} {
		list := s.volunteer.ClaimsWithStatus
		if st == store.ClaimWaiting {
			list = func(ctx context.Context, _ string) ([]store.ExpenseClaim, error) {
				return s.volunteer.WaitingClaims(ctx)
			}
		}
		cs, err := list(ctx, st)
		if err != nil {
			s.serverError(c, err)
			return
		}
		for _, cl := range cs {
			lists[i] = append(lists[i], claimRowOf(cl))
		}
	}
	s.render(c, status, "expense_claims", &Page{Title: "Expenses claims", Errors: errs, Form: f,
		Data: map[string]any{"Waiting": lists[0], "Failed": failedID, "Decided": []claimSection{{"Approved", lists[1]}, {"Rejected", lists[2]}}}})
}

// expenseDecide approves or rejects one waiting claim; rejecting needs a
// reason, which the claimant sees.
func (s *Server) expenseDecide(c *gin.Context) {
	id := c.Param("id")
	var f decideForm
	form, ok := s.submitForm(c, &f, "claim", nil, func(status int, errs *formErrors) { s.renderClaims(c, status, id, f, errs) })
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cl, err := s.volunteer.Claim(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	f.Reason = strings.TrimSpace(f.Reason)
	var problem error
	switch {
	case f.Decision != "approve" && f.Decision != "reject":
		problem = apperr.New(apperr.Invalid, "decision-"+id, "Select approve or reject")
	case f.Decision == "reject" && f.Reason == "":
		problem = apperr.New(apperr.Invalid, "reason-"+id, "Enter why the claim is rejected")
	case len(f.Reason) > 500:
		problem = apperr.New(apperr.Invalid, "reason-"+id, "The reason must be 500 characters or fewer")
	}
	if !form.ok(problem) {
		return
	}
	me := currentUser(c)
	if !form.ok(s.volunteer.DecideClaim(ctx, cl.ID, f.Decision == "approve", f.Reason, me.Name)) {
		return
	}
	action, done := auditClaimApproved, "approved"
	if f.Decision == "reject" {
		action, done = auditClaimRejected, "rejected"
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: action, Target: "expense:" + cl.ID, Detail: pounds(cl.TotalPence()) + " " + f.Reason})
	s.flash(c, "Claim by "+cl.UserName+" for "+pounds(cl.TotalPence())+" "+done)
	s.redirect(c, "/expenses/claims")
}

// expenseReceipt serves a receipt to the claimant or staff, always as a
// download, and audits it; anyone else gets 404.
func (s *Server) expenseReceipt(c *gin.Context) {
	ctx := c.Request.Context()
	me := currentUser(c)
	cl, err := s.volunteer.Claim(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if cl.UserID != me.ID && me.Role != store.RoleAdmin && me.Role != store.RoleCoordinator {
		s.notFound(c)
		return
	}
	var p *store.Paper
	for i := range cl.Receipts {
		if cl.Receipts[i].ID == c.Param("receiptId") && cl.Receipts[i].Status == store.PaperClean {
			p = &cl.Receipts[i]
		}
	}
	if p == nil {
		s.notFound(c)
		return
	}
	var buf bytes.Buffer
	if err := s.volunteer.OpenReceipt(ctx, *p, &buf); err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditReceiptDownloaded, Target: "expense:" + cl.ID + "/receipt:" + p.ID, Detail: p.Name})
	c.Header("Content-Disposition", `attachment; filename="`+p.Name+`"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, p.Type, buf.Bytes())
}

var claimCSVColumns = []string{"claim id", "name", "visit date", "miles", "mileage amount", "other amount", "total", "approved by", "approved at"}

// expenseExport is the approved claims as CSV for finance (audited):
// amounts in pounds with two decimals, dates in UK time.
func (s *Server) expenseExport(c *gin.Context) {
	cs, err := s.volunteer.ClaimsWithStatus(c.Request.Context(), store.ClaimApproved)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(claimCSVColumns)
	for _, cl := range cs {
		_ = w.Write([]string{cl.ID, csvSafe(cl.UserName), cl.VisitDate.In(london).Format("02/01/2006"), strconv.Itoa(cl.Miles),
			poundsPlain(cl.MileagePence), poundsPlain(cl.OtherPence()), poundsPlain(cl.TotalPence()), csvSafe(cl.DecidedBy),
			cl.DecidedAt.In(london).Format("02/01/2006 15:04")})
	}
	w.Flush()
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditClaimsExported, Detail: fmt.Sprintf("%d approved claims", len(cs))})
	sendCSV(c, "expenses-approved-"+s.volunteer.Now().In(london).Format(time.DateOnly)+".csv", buf.Bytes())
}

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
)

// Custody visit report statuses. The pair writes one report together: one
// of them submits it, the other confirms it (adding anything they want).
const (
	CustodyDraft     = "draft"
	CustodySubmitted = "submitted" // locked; the scheme manager reads it
	CustodyConfirmed = "confirmed" // the second visitor has confirmed it
)

// What happened when a detainee was offered a visit.
const (
	DetaineeSeen     = "seen"
	DetaineeDeclined = "declined"
	DetaineeNotSeen  = "notseen"
)

// DetaineeOutcomes lists the outcomes in the order forms show them.
var DetaineeOutcomes = []string{DetaineeSeen, DetaineeDeclined, DetaineeNotSeen}

// CustodyChecks are the PACE Code C rights, entitlements and welfare
// checks asked of each detainee seen, as ICVA's report forms list them.
var CustodyChecks = []string{"rights", "legal", "food", "bedding", "hygiene", "medical", "reading", "exercise", "cell"}

// CheckAnswers are the answers to each check.
var CheckAnswers = []string{"yes", "no", "notasked"}

// CustodyIssueCategories are the kinds of issue a pair raises for the
// inspector; the quarterly return counts issues by them.
var CustodyIssueCategories = []string{"rights", "health", "welfare", "conditions", "records", "delay", "other"}

// CustodyDetainee is one detainee offered a visit, by custody number only
// (never a name).
type CustodyDetainee struct {
	Number        string            `json:"number"`
	Outcome       string            `json:"outcome"`                 // seen, declined, notseen
	NotSeenReason string            `json:"notSeenReason,omitempty"` // why not seen
	Vulnerable    string            `json:"vulnerable"`              // no, adult (a vulnerable adult), child (under 18)
	SeenFirst     string            `json:"seenFirst,omitempty"`     // yes or no: vulnerable detainees and children are seen first
	Checks        map[string]string `json:"checks,omitempty"`        // CustodyChecks item: yes, no, notasked
	RecordCheck   string            `json:"recordCheck,omitempty"`   // checked (with consent), refused (no consent), notchecked
	Comment       string            `json:"comment,omitempty"`
}

// CustodyIssue is one issue for the inspector, with what the scheme
// manager did with it.
type CustodyIssue struct {
	Category   string    `json:"category"`
	Text       string    `json:"text"`
	Raised     bool      `json:"raised,omitempty"` // raised with the force by the scheme manager
	RaisedAt   time.Time `json:"raisedAt,omitzero"`
	Response   string    `json:"response,omitempty"` // the force's response, as the scheme manager recorded it
	ResponseAt time.Time `json:"responseAt,omitzero"`
}

// CustodyContent is the sealed part of a report: everything about
// detainees, and everything the visitors wrote.
type CustodyContent struct {
	DelayReason string            `json:"delayReason,omitempty"`
	Detainees   []CustodyDetainee `json:"detainees,omitempty"`
	Matters     string            `json:"matters,omitempty"` // matters raised with the custody sergeant
	Answer      string            `json:"answer,omitempty"`  // the sergeant's answer at the time
	Issues      []CustodyIssue    `json:"issues,omitempty"`  // issues for the inspector
	Addendum    string            `json:"addendum,omitempty"`
}

// CustodyReport is a custody visit's report (one per visit: its id is the
// visit's). Times and counts are kept in the clear for the quarterly return;
// the content is sealed at rest, bound to the report's id.
type CustodyReport struct {
	ID       string    `bson:"_id"` // the visit's id
	GroupID  string    `bson:"groupId"`
	Suite    string    `bson:"suite"`
	Week     time.Time `bson:"week,omitempty"` // an unannounced visit's week: what the force sees
	Status   string    `bson:"status"`
	Arrived  time.Time `bson:"arrived,omitempty"`
	Admitted time.Time `bson:"admitted,omitempty"`
	Held     int       `bson:"held"`
	Offered  int       `bson:"offered"`
	Seen     int       `bson:"seen"`
	Declined int       `bson:"declined"`
	NotSeen  int       `bson:"notSeen"`
	// CountsSet: the pair has entered the counts (zero detainees is a count).
	CountsSet bool `bson:"countsSet"`
	// IssueCategories repeats each issue's category (not its text) for the
	// quarterly return, which reads no sealed content.
	IssueCategories []string `bson:"issueCategories"`
	// IssuesRaised and IssuesAnswered count the issues the scheme manager
	// has raised with the force and those with the force's response, for
	// the scheme manager's home page (counts only: the issues are sealed).
	IssuesRaised   int `bson:"issuesRaised"`
	IssuesAnswered int `bson:"issuesAnswered"`
	// ReadAt is when a scheme manager first opened the submitted report; a
	// confirmation by the second visitor (which may add to it) clears it.
	ReadAt        time.Time      `bson:"readAt,omitempty"`
	Sealed        []byte         `bson:"content,omitempty"`
	Content       CustodyContent `bson:"-"`
	SubmittedBy   string         `bson:"submittedBy,omitempty"` // user id
	SubmittedName string         `bson:"submittedName,omitempty"`
	SubmittedAt   time.Time      `bson:"submittedAt,omitempty"`
	ConfirmedBy   string         `bson:"confirmedBy,omitempty"`
	ConfirmedName string         `bson:"confirmedName,omitempty"`
	ConfirmedAt   time.Time      `bson:"confirmedAt,omitempty"`
	CreatedAt     time.Time      `bson:"createdAt"`
	UpdatedAt     time.Time      `bson:"updatedAt"`
	Version       int            `bson:"version"`
}

// Delay is how long the visitors waited between arriving and being
// admitted (zero until both are recorded).
func (r *CustodyReport) Delay() time.Duration {
	if r.Arrived.IsZero() || r.Admitted.IsZero() {
		return 0
	}
	return r.Admitted.Sub(r.Arrived)
}

// Done reports whether the report has been submitted.
func (r *CustodyReport) Done() bool {
	return r.Status == CustodySubmitted || r.Status == CustodyConfirmed
}

// custodyNumberRe is the loose check of a custody number: forces write
// them differently (DO/12345/26, 55-123456-25, CU 2026 001234), so it
// allows 3 to 30 letters, digits, spaces, slashes and hyphens, starting
// with a letter or digit, with at least three digits. A name has no digits,
// so it is refused.
var custodyNumberRe = regexp.MustCompile(`^[A-Z0-9][A-Z0-9 /-]{2,29}$`)

// NormaliseCustodyNumber trims and upper-cases a custody number.
func NormaliseCustodyNumber(s string) string {
	return strings.Join(strings.Fields(strings.ToUpper(s)), " ")
}

// ValidCustodyNumber reports whether n (normalised) looks like a custody
// number.
func ValidCustodyNumber(n string) bool {
	digits := 0
	for _, r := range n {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return custodyNumberRe.MatchString(n) && digits >= 3
}

// CheckCounts applies the rule the counts must keep: seen, declined and
// not seen add up to those offered a visit, who are no more than those
// held. It returns every broken rule, each naming its field.
func (r *CustodyReport) CheckCounts() error {
	var ps []error
	for _, c := range []struct {
		field string
		n     int
	}{{"held", r.Held}, {"offered", r.Offered}, {"seen", r.Seen}, {"declined", r.Declined}, {"notSeen", r.NotSeen}} {
		if c.n < 0 || c.n > 500 {
			ps = append(ps, apperr.New(apperr.Invalid, c.field, "Enter a number from 0 to 500"))
		}
	}
	if len(ps) > 0 {
		return errors.Join(ps...)
	}
	if r.Offered > r.Held {
		ps = append(ps, apperr.Invalidf("offered", "The number offered a visit (%d) cannot be more than the number held (%d)", r.Offered, r.Held))
	}
	if sum := r.Seen + r.Declined + r.NotSeen; sum != r.Offered {
		ps = append(ps, apperr.Invalidf("seen", "Seen (%d), declined (%d) and not seen (%d) add up to %d: they must add up to the number offered a visit (%d)",
			r.Seen, r.Declined, r.NotSeen, sum, r.Offered))
	}
	return errors.Join(ps...)
}

// CheckDetainee applies the rules for one detainee line.
func CheckDetainee(d CustodyDetainee) error {
	var ps []error
	switch {
	case d.Number == "":
		ps = append(ps, apperr.New(apperr.Invalid, "number", "Enter the detainee's custody number"))
	case !ValidCustodyNumber(d.Number):
		ps = append(ps, apperr.New(apperr.Invalid, "number", "Enter a custody number, like DO/12345/26: letters, numbers, spaces, / and -, with at least 3 numbers. Never write a name"))
	}
	if !oneOf(d.Outcome, DetaineeOutcomes) {
		ps = append(ps, apperr.New(apperr.Invalid, "outcome", "Select whether the detainee was seen, declined or was not seen"))
	}
	if d.Outcome == DetaineeNotSeen && strings.TrimSpace(d.NotSeenReason) == "" {
		ps = append(ps, apperr.New(apperr.Invalid, "notSeenReason", "Say why the detainee was not seen"))
	}
	if !oneOf(d.Vulnerable, []string{"no", "adult", "child"}) {
		ps = append(ps, apperr.New(apperr.Invalid, "vulnerable", "Select whether the detainee is a child, a vulnerable adult or neither"))
	}
	if d.Outcome == DetaineeSeen && d.Vulnerable != "no" && d.Vulnerable != "" && !oneOf(d.SeenFirst, []string{"yes", "no"}) {
		ps = append(ps, apperr.New(apperr.Invalid, "seenFirst", "Say whether you saw this detainee first"))
	}
	if d.Outcome == DetaineeSeen {
		for _, k := range CustodyChecks {
			if !oneOf(d.Checks[k], CheckAnswers) {
				ps = append(ps, apperr.New(apperr.Invalid, "check-"+k, "Answer yes, no or not asked"))
			}
		}
		if !oneOf(d.RecordCheck, []string{"checked", "refused", "notchecked"}) {
			ps = append(ps, apperr.New(apperr.Invalid, "recordCheck", "Say whether you checked the custody record with the detainee's consent"))
		}
	}
	if len(d.Comment) > 4000 || len(d.NotSeenReason) > 1000 {
		ps = append(ps, apperr.New(apperr.Invalid, "comment", "The comment must be 4,000 characters or fewer"))
	}
	return errors.Join(ps...)
}

// CheckSubmit applies the rules a report must meet to be submitted: the
// times, the counts, one line for each detainee offered a visit that
// agrees with the counts, and a reason for any delay.
func (r *CustodyReport) CheckSubmit() error {
	var ps []error
	if r.Arrived.IsZero() || r.Admitted.IsZero() {
		ps = append(ps, apperr.New(apperr.Invalid, "arrival", "Enter the time you arrived and the time you were admitted"))
	} else if r.Delay() > 0 && strings.TrimSpace(r.Content.DelayReason) == "" {
		ps = append(ps, apperr.New(apperr.Invalid, "arrival", "Say why you were not admitted at once"))
	}
	if !r.CountsSet {
		ps = append(ps, apperr.New(apperr.Invalid, "arrival", "Enter how many detainees were held, offered a visit and seen"))
	} else if err := r.CheckCounts(); err != nil {
		ps = append(ps, apperr.New(apperr.Invalid, "arrival", "The counts of detainees do not add up: change them"))
	}
	n := map[string]int{}
	for _, d := range r.Content.Detainees {
		n[d.Outcome]++
	}
	if r.CountsSet && (n[DetaineeSeen] != r.Seen || n[DetaineeDeclined] != r.Declined || n[DetaineeNotSeen] != r.NotSeen) {
		ps = append(ps, apperr.Invalidf("detainees", "Add one line for each detainee offered a visit: the counts say %d seen, %d declined and %d not seen; the lines say %d, %d and %d",
			r.Seen, r.Declined, r.NotSeen, n[DetaineeSeen], n[DetaineeDeclined], n[DetaineeNotSeen]))
	}
	return errors.Join(ps...)
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// sealCustody puts the report's content into Sealed and the issues' clear
// fields (issueCounts) beside it.
func (s *Store) sealCustody(r *CustodyReport) error {
	if s.sealer == nil {
		return ErrNoSealer
	}
	r.IssueCategories, r.IssuesRaised, r.IssuesAnswered = r.Content.issueCounts()
	b, err := json.Marshal(r.Content)
	if err != nil {
		return fmt.Errorf("store: custody report content: %w", err)
	}
	if r.Sealed, err = s.seal("custody_reports", r.ID, "content", b); err != nil {
		return fmt.Errorf("store: seal custody report: %w", err)
	}
	return nil
}

// issueCounts are the clear fields kept from a report's issues: each
// issue's category, how many the scheme manager has raised with the force
// and how many of those have the force's response.
func (c *CustodyContent) issueCounts() (categories []string, raised, answered int) {
	categories = []string{}
	for _, is := range c.Issues {
		categories = append(categories, is.Category)
		if is.Raised {
			raised++
			if is.Response != "" {
				answered++
			}
		}
	}
	return categories, raised, answered
}

// CustodyReport reads a report and opens its content. Returns ErrNotFound.
func (s *Store) CustodyReport(ctx context.Context, id string) (*CustodyReport, error) {
	var r CustodyReport
	if err := s.r("custody_reports").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r); err != nil {
		return nil, fmt.Errorf("store: custody report %s: %w", id, notFound(err))
	}
	if err := s.openCustody(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// openCustody opens r's sealed content into r.Content.
func (s *Store) openCustody(r *CustodyReport) error {
	if len(r.Sealed) == 0 {
		return nil
	}
	if s.sealer == nil {
		return ErrNoSealer
	}
	b, err := s.sealer.Open(r.ID, "content", r.Sealed)
	if err != nil {
		return fmt.Errorf("store: open custody report %s: %w", r.ID, err)
	}
	if err := json.Unmarshal(b, &r.Content); err != nil {
		return fmt.Errorf("store: custody report %s content: %w", r.ID, err)
	}
	return nil
}

// SaveCustodyReport stores the pair's draft made from version (0 for a
// new one). Returns ErrLocked once submitted and ErrConflict for a stale
// version (the other visitor saved in between).
func (s *Store) SaveCustodyReport(ctx context.Context, r *CustodyReport, version int) error {
	r.Status = CustodyDraft
	return s.putCustody(ctx, r, version, CustodyDraft)
}

// SubmitCustodyReport locks the draft at version as submitted by the user.
func (s *Store) SubmitCustodyReport(ctx context.Context, r *CustodyReport, version int, userID, name string) error {
	r.Status, r.SubmittedBy, r.SubmittedName, r.SubmittedAt = CustodySubmitted, userID, name, s.now().UTC()
	return s.putCustody(ctx, r, version, CustodyDraft)
}

// ConfirmCustodyReport records the second visitor's confirmation, with
// anything they add (Content.Addendum). Returns ErrConflict if it is not
// waiting for confirmation at version.
func (s *Store) ConfirmCustodyReport(ctx context.Context, r *CustodyReport, version int, userID, name string) error {
	r.Status, r.ConfirmedBy, r.ConfirmedName, r.ConfirmedAt = CustodyConfirmed, userID, name, s.now().UTC()
	r.ReadAt = time.Time{} // the addendum is new to the scheme manager
	return s.putCustody(ctx, r, version, CustodySubmitted)
}

// UpdateCustodyIssues stores the scheme manager's marks and the force's
// responses on a submitted report's issues.
func (s *Store) UpdateCustodyIssues(ctx context.Context, r *CustodyReport, version int) error {
	if !r.Done() {
		return ErrConflict
	}
	return s.putCustody(ctx, r, version, r.Status)
}

// putCustody writes r whole if the stored one is at version with status
// from (a new one when version is 0).
func (s *Store) putCustody(ctx context.Context, r *CustodyReport, version int, from string) error {
	now := s.now().UTC()
	r.UpdatedAt = now
	if err := s.sealCustody(r); err != nil {
		return err
	}
	if version == 0 {
		r.CreatedAt, r.Version = now, 1
		if _, err := s.c("custody_reports").InsertOne(ctx, r); err != nil {
			if isDuplicate(err) {
				return ErrConflict
			}
			return fmt.Errorf("store: create custody report: %w", err)
		}
		return nil
	}
	r.Version = version + 1
	res, err := s.replaceIf(ctx, "custody_reports", r.ID, Eq("version", version).And(Eq("status", from)), r)
	if err != nil {
		return fmt.Errorf("store: save custody report: %w", err)
	}
	if res.MatchedCount == 0 {
		old, err := s.CustodyReport(ctx, r.ID)
		if err != nil {
			return err
		}
		if from == CustodyDraft && old.Status != CustodyDraft {
			return ErrLocked
		}
		return ErrConflict
	}
	return nil
}

// MarkCustodyRead records that a scheme manager has opened the submitted
// report id (the first opening only; it does not move the report's
// version, so the pair's confirmation is not refused for it).
func (s *Store) MarkCustodyRead(ctx context.Context, id string) error {
	_, err := s.updateIf(ctx, "custody_reports", id, Exists("readAt", false).And(Ne("status", CustodyDraft)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "readAt", Value: s.now().UTC()}}}})
	if err != nil {
		return fmt.Errorf("store: mark custody report read: %w", err)
	}
	return nil
}

// CustodyFollowUp is the scheme manager's work waiting, over every
// submitted report.
type CustodyFollowUp struct {
	ToRead   int // submitted (or confirmed since last read) and not yet opened by a scheme manager
	ToRaise  int // issues for the inspector not yet raised with the force
	Awaiting int // issues raised and waiting for the force's response
}

// CustodyFollowUps counts the scheme manager's work from the clear fields
// of the submitted reports (one query; no content is opened). A scheme
// makes tens to a couple of hundred visits a year.
func (s *Store) CustodyFollowUps(ctx context.Context) (CustodyFollowUp, error) {
	var f CustodyFollowUp
	cur, err := s.r("custody_reports").Find(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{CustodySubmitted, CustodyConfirmed}}}}})
	if err != nil {
		return f, fmt.Errorf("store: custody follow-up: %w", err)
	}
	var rs []CustodyReport
	if err := cur.All(ctx, &rs); err != nil {
		return f, fmt.Errorf("store: custody follow-up: %w", err)
	}
	for _, r := range rs {
		if r.ReadAt.IsZero() {
			f.ToRead++
		}
		f.ToRaise += max(len(r.IssueCategories)-r.IssuesRaised, 0)
		f.Awaiting += max(r.IssuesRaised-r.IssuesAnswered, 0)
	}
	return f, nil
}

// SubmittedCustodyReports lists the submitted (and confirmed) reports of
// visits made in [from, to), newest first, without opening their content.
func (s *Store) SubmittedCustodyReports(ctx context.Context, from, to time.Time) ([]CustodyReport, error) {
	cur, err := s.r("custody_reports").Find(ctx, bson.D{
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{CustodySubmitted, CustodyConfirmed}}}},
		{Key: "arrived", Value: bson.D{{Key: "$gte", Value: from.UTC()}, {Key: "$lt", Value: to.UTC()}}},
	}, options.Find().SetSort(bson.D{{Key: "arrived", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("store: custody reports: %w", err)
	}
	var rs []CustodyReport
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("store: custody reports: %w", err)
	}
	return rs, nil
}

// CustodyVisits lists every custody visit (for the quarterly return's
// visits planned and not made).
func (s *Store) CustodyVisits(ctx context.Context) ([]Visit, error) {
	return s.scanVisits(ctx, bson.D{{Key: "type", Value: VisitCustody}})
}

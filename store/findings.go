package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
)

// Finding statuses.
const (
	FindingDraft     = "draft"
	FindingSubmitted = "submitted" // locked; the chair may sign the visit off
)

// RAG ratings.
var RAGRatings = []string{"green", "amber", "red"}

// FindingSection is one part of a structured finding: a RAG rating and a
// comment.
type FindingSection struct {
	Key     string `bson:"key"`
	RAG     string `bson:"rag"`
	Comment string `bson:"comment"`
}

// Sections by visit type. Custody follows the custody visiting scheme's
// report: rights, welfare, conditions, conversations (with consent) and
// concerns raised at the time.
var (
	CustodySections = []string{"rights", "welfare", "conditions", "conversations", "concerns"}
	GeneralSections = []string{"observations", "goodPractice", "concerns"}
)

// SectionsFor lists the sections of a finding for a visit type (none for
// record reviews, which have records instead).
func SectionsFor(visitType string) []string {
	switch {
	case visitType == VisitCustody:
		return CustodySections
	case ReviewsRecords(visitType):
		return nil
	}
	return GeneralSections
}

// GOWISELY elements an officer should cover during a search.
var Gowisely = []string{"grounds", "object", "warrant", "identity", "station", "entitlement", "legal", "detained"}

// Use-of-force vocabulary, in the words of the Home Office's police use of
// force statistics (the form officers fill in after using force): the
// tactics, the reasons and the impact factors, each ticked as many as apply.
var (
	ForceTactics = []string{"handcuffCompliant", "handcuffNonCompliant", "limbRestraints", "groundRestraint", "unarmedSkills",
		"spitGuard", "shield", "baton", "irritantSpray", "taser", "aep", "firearm", "dog", "other"}
	ForceReasons = []string{"protectSelf", "protectPublic", "protectSubject", "protectOfficers", "preventOffence", "secureEvidence",
		"effectSearch", "effectArrest", "methodOfEntry", "removeHandcuffs", "preventHarm", "preventEscape", "other"}
	ForceImpactFactors = []string{"weapon", "alcohol", "drugs", "mentalHealth", "priorKnowledge", "sizeGenderBuild",
		"acuteBehaviouralDisorder", "crowd", "other"}
	// Injuries: none, minor or severe, for the person and for officers.
	ForceInjuries = []string{"none", "minor", "severe"}
)

// UseOfForce is what a panel notes about one use-of-force record, beside
// the fields every reviewed record has. The record's RAG and comment are
// the panel's proportionality rating: green proportionate, amber advice,
// red escalated to a senior officer.
type UseOfForce struct {
	Tactics       []string `bson:"tactics"`
	Reasons       []string `bson:"reasons"`
	ImpactFactors []string `bson:"impactFactors"`
	SubjectInjury string   `bson:"subjectInjury"` // none, minor, severe
	OfficerInjury string   `bson:"officerInjury"` // none, minor, severe
	Deescalation  string   `bson:"deescalation"`  // yes, no, unclear: was de-escalation attempted?
	BWVReviewed   bool     `bson:"bwvReviewed"`   // the panel watched the body-worn video
}

// RecordReview is one stop-and-search (or use-of-force) record a panel
// member reviewed.
type RecordReview struct {
	Reference        string          `bson:"reference"`
	Date             time.Time       `bson:"date"`
	Legislation      string          `bson:"legislation"`
	Object           string          `bson:"object"`
	Outcome          string          `bson:"outcome"`
	SelfEthnicity    string          `bson:"selfEthnicity"`    // Census 2021 label, or "Not stated"
	OfficerEthnicity string          `bson:"officerEthnicity"` // officer-defined high-level group
	BWV              string          `bson:"bwv"`              // yes, no, partial
	Grounds          string          `bson:"grounds"`          // yes, no, unsure
	Gowisely         map[string]bool `bson:"gowisely"`
	RAG              string          `bson:"rag"`
	Comment          string          `bson:"comment"`
	Force            *UseOfForce     `bson:"force,omitempty"` // use-of-force records only
}

// Finding is one attendee's findings for one visit; its id is
// visitId/userId, so each attendee has at most one and the visit page
// reads them by id. Records are replaced whole on each save, decided by
// the version.
type Finding struct {
	ID           string           `bson:"_id"`
	VisitID      string           `bson:"visitId"`
	GroupID      string           `bson:"groupId"`
	VisitType    string           `bson:"visitType"`
	VisitStart   time.Time        `bson:"visitStart"`
	UserID       string           `bson:"userId"`
	AuthorName   string           `bson:"authorName"`
	Status       string           `bson:"status"`
	ConsentGiven bool             `bson:"consentGiven"` // detainees agreed to talk (custody)
	Sections     []FindingSection `bson:"sections"`
	Records      []RecordReview   `bson:"records"`
	Proposals    string           `bson:"proposals"` // recommendations the writer proposes, for the register
	CreatedAt    time.Time        `bson:"createdAt"`
	UpdatedAt    time.Time        `bson:"updatedAt"`
	SubmittedAt  time.Time        `bson:"submittedAt,omitempty"`
	Response     string           `bson:"response,omitempty"` // the force's response
	ResponseBy   string           `bson:"responseBy,omitempty"`
	ResponseAt   time.Time        `bson:"responseAt,omitempty"`
	Version      int              `bson:"version"`
}

// FindingID is the id of userID's finding for visitID.
func FindingID(visitID, userID string) string { return visitID + "/" + userID }

// Section returns the section with key (empty if not written yet).
func (f *Finding) Section(key string) FindingSection {
	for _, s := range f.Sections {
		if s.Key == key {
			return s
		}
	}
	return FindingSection{Key: key}
}

// ErrLocked is returned for a change to a submitted finding.
var ErrLocked = apperr.New(apperr.Conflict, "", "Submitted findings are locked. Nothing has been changed.")

// Finding returns one finding. Returns ErrNotFound.
func (s *Store) Finding(ctx context.Context, id string) (*Finding, error) {
	var f Finding
	if err := s.r("findings").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&f); err != nil {
		return nil, fmt.Errorf("store: finding %s: %w", id, notFound(err))
	}
	return &f, nil
}

// VisitFindings reads the findings of a visit's attendees by id.
func (s *Store) VisitFindings(ctx context.Context, v *Visit) ([]Finding, error) {
	var fs []Finding
	for _, uid := range v.Attendees {
		f, err := s.Finding(ctx, FindingID(v.ID, uid))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		fs = append(fs, *f)
	}
	return fs, nil
}

// SaveFinding stores a draft made from version (0 for a new one). It
// returns ErrLocked once submitted and ErrConflict for a stale version.
// submit locks it in the same write and marks the visit.
func (s *Store) SaveFinding(ctx context.Context, f *Finding, version int, submit bool) error {
	now := s.now().UTC()
	f.ID = FindingID(f.VisitID, f.UserID)
	f.UpdatedAt = now
	f.Status = FindingDraft
	if submit {
		f.Status, f.SubmittedAt = FindingSubmitted, now
	}
	if f.Sections == nil {
		f.Sections = []FindingSection{}
	}
	if f.Records == nil {
		f.Records = []RecordReview{}
	}
	// The panel tally is a copy (copy_marks.go): marked before the write
	// that submits, unmarked once the tally is added to. If nothing was
	// submitted the mark goes at once; if the submit was written and what
	// follows failed, it stays for the next start to rebuild the tally.
	unmark, submitted := func(context.Context) {}, false
	if submit && ReviewsRecords(f.VisitType) {
		done, err := s.mark(ctx, markPanelTally, f.GroupID, "")
		if err != nil {
			return err
		}
		unmark = done
		defer func() {
			if !submitted {
				done(context.WithoutCancel(ctx))
			}
		}()
	}
	// A write whose outcome is unknown (an error other than a clear
	// refusal) keeps the mark: it may have submitted.
	submitted = submit
	if version == 0 {
		f.CreatedAt, f.Version = now, 1
		if _, err := s.c("findings").InsertOne(ctx, f); err != nil {
			if isDuplicate(err) {
				submitted = false
				return ErrConflict
			}
			return fmt.Errorf("store: create finding: %w", err)
		}
	} else {
		f.Version = version + 1
		res, err := s.replaceIf(ctx, "findings", f.ID, Eq("version", version).And(Eq("status", FindingDraft)), f)
		if err != nil {
			return fmt.Errorf("store: save finding: %w", err)
		}
		if res.MatchedCount == 0 {
			submitted = false
			old, err := s.Finding(ctx, f.ID)
			if err != nil {
				return err
			}
			if old.Status != FindingDraft {
				return ErrLocked
			}
			return ErrConflict
		}
	}
	if submit {
		_, err := s.rescheduleVisit(ctx, f.VisitID, Cond{}, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "submitted", Value: f.UserID}}}})
		if err != nil {
			return fmt.Errorf("store: mark findings submitted: %w", err)
		}
		// Submitting happens once (the write above is conditional on a
		// draft), so the tally is added to once.
		if err := s.addToTally(ctx, f); err != nil {
			return err
		}
		unmark(ctx)
	}
	return nil
}

// RespondToFinding records the force's response to a submitted finding.
func (s *Store) RespondToFinding(ctx context.Context, id, response, by string) (*Finding, error) {
	var f Finding
	err := s.findAndUpdateIf(ctx, "findings", id, Eq("status", FindingSubmitted), bson.D{
		{Key: "$set", Value: bson.D{{Key: "response", Value: response}, {Key: "responseBy", Value: by}, {Key: "responseAt", Value: s.now().UTC()}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	}, true).Decode(&f)
	if err != nil {
		return nil, fmt.Errorf("store: respond to finding: %w", notFound(err))
	}
	// The visit (and its calendar copy) says whose findings are answered.
	if _, err := s.rescheduleVisit(ctx, f.VisitID, Cond{}, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "answered", Value: f.UserID}}}}); err != nil {
		return nil, fmt.Errorf("store: mark finding answered: %w", err)
	}
	return &f, nil
}

// TrendCount tallies reviewed records: how many, how many judged without
// reasonable grounds, how many rated red.
type TrendCount struct {
	Records   int `bson:"records"`
	NoGrounds int `bson:"noGrounds"`
	Red       int `bson:"red"`
	// Use-of-force records only: de-escalation not attempted, and the
	// person injured (minor or severe).
	NoDeescalation int `bson:"noDeescalation,omitempty"`
	SubjectInjured int `bson:"subjectInjured,omitempty"`
}

// PanelTally is a group's reviewed records counted by month of the review
// session ("2026-10") and by the self-defined ethnicity as recorded. It is
// kept up to date with $inc when a finding is submitted, so the trends page
// reads one document (id = group id), and rebuilt from the findings by
// repairPanelTallies.
type PanelTally struct {
	ID        string                `bson:"_id"`
	Months    map[string]TrendCount `bson:"months"`
	Ethnicity map[string]TrendCount `bson:"ethnicity"`
	// Use-of-force records, counted apart: "reasonable grounds" is a
	// search's question, and a group may review both kinds.
	ForceMonths    map[string]TrendCount `bson:"forceMonths"`
	ForceEthnicity map[string]TrendCount `bson:"forceEthnicity"`
}

// ethnicityKey makes a recorded ethnicity safe as a field name.
func ethnicityKey(e string) string {
	if e == "" {
		return "Not stated"
	}
	return strings.NewReplacer(".", " ", "$", " ").Replace(e)
}

// TallyOf counts the records of submitted record-review findings.
func TallyOf(groupID string, fs []Finding) PanelTally {
	t := newPanelTally(groupID)
	for i := range fs {
		t.addFinding(&fs[i])
	}
	return t
}

func newPanelTally(groupID string) PanelTally {
	return PanelTally{ID: groupID, Months: map[string]TrendCount{}, Ethnicity: map[string]TrendCount{},
		ForceMonths: map[string]TrendCount{}, ForceEthnicity: map[string]TrendCount{}}
}

// addFinding counts f's records, if it is a submitted finding that
// reviews records.
func (t *PanelTally) addFinding(f *Finding) {
	if f.Status != FindingSubmitted || !ReviewsRecords(f.VisitType) {
		return
	}
	months, eths := t.Months, t.Ethnicity
	if f.VisitType == VisitUseOfForce {
		months, eths = t.ForceMonths, t.ForceEthnicity
	}
	for _, r := range f.Records {
		m, e := months[MonthKey(f.VisitStart)], eths[ethnicityKey(r.SelfEthnicity)]
		m.add(r)
		e.add(r)
		months[MonthKey(f.VisitStart)], eths[ethnicityKey(r.SelfEthnicity)] = m, e
	}
}

func (c *TrendCount) add(r RecordReview) {
	c.Records++
	if r.Grounds == "no" {
		c.NoGrounds++
	}
	if r.RAG == "red" {
		c.Red++
	}
	if r.Force != nil {
		if r.Force.Deescalation == "no" {
			c.NoDeescalation++
		}
		if r.Force.SubjectInjury == "minor" || r.Force.SubjectInjury == "severe" {
			c.SubjectInjured++
		}
	}
}

// addToTally adds a just-submitted finding's records to its group's tally.
func (s *Store) addToTally(ctx context.Context, f *Finding) error {
	t := TallyOf(f.GroupID, []Finding{*f})
	inc := bson.D{}
	for prefix, counts := range map[string]map[string]TrendCount{"months.": t.Months, "ethnicity.": t.Ethnicity,
		"forceMonths.": t.ForceMonths, "forceEthnicity.": t.ForceEthnicity} {
		for k, c := range counts {
			inc = append(inc, bson.E{Key: prefix + k + ".records", Value: c.Records}, bson.E{Key: prefix + k + ".noGrounds", Value: c.NoGrounds},
				bson.E{Key: prefix + k + ".red", Value: c.Red})
			if c.NoDeescalation > 0 {
				inc = append(inc, bson.E{Key: prefix + k + ".noDeescalation", Value: c.NoDeescalation})
			}
			if c.SubjectInjured > 0 {
				inc = append(inc, bson.E{Key: prefix + k + ".subjectInjured", Value: c.SubjectInjured})
			}
		}
	}
	if len(inc) == 0 {
		return nil
	}
	_, err := s.c("panel_tallies").UpdateOne(ctx, bson.D{{Key: "_id", Value: f.GroupID}}, bson.D{{Key: "$inc", Value: inc}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: panel tally: %w", err)
	}
	return nil
}

// PanelTallyOf returns a group's tally (empty if it has none).
func (s *Store) PanelTallyOf(ctx context.Context, groupID string) (*PanelTally, error) {
	t := PanelTally{ID: groupID}
	err := s.r("panel_tallies").FindOne(ctx, bson.D{{Key: "_id", Value: groupID}}).Decode(&t)
	if err != nil && !errors.Is(notFound(err), ErrNotFound) {
		return nil, fmt.Errorf("store: panel tally: %w", err)
	}
	if t.Months == nil {
		t.Months = map[string]TrendCount{}
	}
	if t.Ethnicity == nil {
		t.Ethnicity = map[string]TrendCount{}
	}
	if t.ForceMonths == nil {
		t.ForceMonths = map[string]TrendCount{}
	}
	if t.ForceEthnicity == nil {
		t.ForceEthnicity = map[string]TrendCount{}
	}
	return &t, nil
}

// repairPanelTallies rebuilds every group's tally from the submitted
// findings (a periodic job runs it) and returns how many it changed.
func (s *Store) repairPanelTallies(ctx context.Context) (int, error) {
	return s.rebuildPanelTallies(ctx, nil, nil)
}

// rebuildPanelTallies rebuilds the tallies of the groups whose submitted
// findings match also (nil: every group's), and of the groups named in
// groups even if they have none, and returns how many it changed.
func (s *Store) rebuildPanelTallies(ctx context.Context, also bson.D, groups []string) (int, error) {
	filter := append(bson.D{{Key: "status", Value: FindingSubmitted},
		{Key: "visitType", Value: bson.D{{Key: "$in", Value: bson.A{VisitStopSearch, VisitUseOfForce}}}}}, also...)
	// One finding at a time, counted into its group's tally as it comes:
	// every submitted finding with its records, held at once, was most of
	// the full repair's memory (issue 18).
	byGroup := map[string]*PanelTally{}
	for _, g := range groups {
		t := newPanelTally(g)
		byGroup[g] = &t
	}
	err := eachDoc(ctx, s, "findings", filter, nil, func(f *Finding) error {
		t := byGroup[f.GroupID]
		if t == nil {
			nt := newPanelTally(f.GroupID)
			t = &nt
			byGroup[f.GroupID] = t
		}
		t.addFinding(f)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: findings: %w", err)
	}
	changed := 0
	for g, want := range byGroup {
		have, err := s.PanelTallyOf(ctx, g)
		if err != nil {
			return changed, err
		}
		if reflect.DeepEqual(have.Months, want.Months) && reflect.DeepEqual(have.Ethnicity, want.Ethnicity) &&
			reflect.DeepEqual(have.ForceMonths, want.ForceMonths) && reflect.DeepEqual(have.ForceEthnicity, want.ForceEthnicity) {
			continue
		}
		if _, err := s.c("panel_tallies").ReplaceOne(ctx, bson.D{{Key: "_id", Value: g}}, want, options.Replace().SetUpsert(true)); err != nil {
			return changed, fmt.Errorf("store: panel tally: %w", err)
		}
		changed++
	}
	return changed, nil
}

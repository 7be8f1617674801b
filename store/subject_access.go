package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"candour/words"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AuditSubjectAccess is the audit action of a subject access download.
const AuditSubjectAccess = "subject-access-exported"

// SubjectAccess is everything Candour holds about one account holder, for
// a subject access request (UK GDPR article 15). Left out, by design:
// password, two-factor and recovery-code hashes (security data that tells
// the person nothing), and referral content (law-enforcement data under
// DPA 2018 Part 3, which the CCU discloses case by case).
//
// What others wrote about the person's work is theirs to disclose case by
// case, so the export holds the person's own part of shared records: their
// advice and the force's response to it (not other members' advice), their
// attendance mark (not the minutes), their part in a custody visit report
// (not its content, which is about detainees), their viewings in the BWV
// log, their availability answers, training records and expense claims
// (the receipts by name: the files are on their claims page). Who recorded
// or decided something is left out, as for actions on their account.
type SubjectAccess struct {
	Produced     time.Time             `json:"produced"`
	Account      SubjectAccount        `json:"account"`
	Memberships  []SubjectMembership   `json:"memberships"`
	Bookings     []SubjectBooking      `json:"visitBookings"`
	Custody      []SubjectCustodyVisit `json:"custodyVisits"`
	BWVViewings  []SubjectBWVViewing   `json:"bodyWornVideoViewings"`
	Availability []SubjectAvailability `json:"availabilityAnswers"`
	Training     []SubjectTraining     `json:"trainingRecords"`
	Expenses     []SubjectExpenseClaim `json:"expenseClaims"`
	Advice       []SubjectAdvice       `json:"criticalIncidentAdvice"`
	Meetings     []SubjectMeeting      `json:"meetingAttendance"`
	Conflicts    []ConflictPerson      `json:"declaredConflicts,omitempty"`
	ByThem       []SubjectAuditRecord  `json:"actionsTheyTook"`
	AboutThem    []SubjectAuditRecord  `json:"actionsOnTheirAccount"`
}

// SubjectCustodyVisit is a custody visit the person was paired for, and
// their part in its report. The time of a visit still to come is left
// out (here and in visitBookings): an unannounced visit's time is known
// only to the pair, and the export passes through an administrator.
type SubjectCustodyVisit struct {
	Visit        string    `json:"visit"`
	Suite        string    `json:"suite"`
	Start        time.Time `json:"start,omitzero"`
	ReportStatus string    `json:"reportStatus,omitempty"`
	Submitted    bool      `json:"submittedTheReport"`
	Confirmed    bool      `json:"confirmedTheReport"`
}

// SubjectBWVViewing is one entry of the body-worn video viewing log in
// which the person was the viewer.
type SubjectBWVViewing struct {
	Session    string    `json:"session"`
	FootageRef string    `json:"footage"`
	ViewedAt   time.Time `json:"viewedAt"`
	Purpose    string    `json:"purpose"`
	Detail     string    `json:"detail,omitempty"`
	RecordedAt time.Time `json:"recordedAt"`
}

// SubjectAvailability is one answer to a group's availability poll.
type SubjectAvailability struct {
	Group    string    `json:"group"`
	Quarter  string    `json:"quarter"`
	Weeks    []string  `json:"weeksTheyCanDo"`
	Answered time.Time `json:"answered"`
}

// SubjectTraining is one training record.
type SubjectTraining struct {
	Kind      string    `json:"kind"`
	Completed time.Time `json:"completed"`
	Expires   time.Time `json:"expires"`
	Recorded  time.Time `json:"recorded"`
}

// SubjectExpenseClaim is one expenses claim, in pence.
type SubjectExpenseClaim struct {
	Visit          string    `json:"visit"`
	VisitDate      time.Time `json:"visitDate"`
	VisitLabel     string    `json:"visitLabel"`
	Miles          int       `json:"miles"`
	MileagePence   int64     `json:"mileagePence"`
	ParkingPence   int64     `json:"parkingPence"`
	TransportPence int64     `json:"transportPence"`
	TotalPence     int64     `json:"totalPence"`
	Receipts       []string  `json:"receipts"`
	Status         string    `json:"status"`
	Reason         string    `json:"reasonRejected,omitempty"`
	Claimed        time.Time `json:"claimed"`
	Decided        time.Time `json:"decided,omitzero"`
}

// SubjectAdvice is a critical-incident advice request the person was
// asked, with their advice (if they gave it) and the force's response.
type SubjectAdvice struct {
	Request   string    `json:"request"`
	Title     string    `json:"incident"`
	Question  string    `json:"question"`
	Asked     time.Time `json:"asked"`
	Deadline  time.Time `json:"deadline"`
	Advice    string    `json:"advice,omitempty"`
	Given     time.Time `json:"given,omitzero"`
	Changed   int       `json:"timesChanged,omitempty"`
	Outcome   string    `json:"forceOutcome,omitempty"`
	Response  string    `json:"forceResponse,omitempty"`
	Responded time.Time `json:"responded,omitzero"`
}

// SubjectMeeting is the person's attendance at one group meeting.
type SubjectMeeting struct {
	Meeting string    `json:"meeting"`
	Group   string    `json:"group"`
	Title   string    `json:"title"`
	Start   time.Time `json:"start"`
	Mark    string    `json:"attendance"`
}

// SubjectAccount is the account itself.
type SubjectAccount struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	Name              string    `json:"name"`
	Role              string    `json:"role"`
	Status            string    `json:"status"`
	Organisation      string    `json:"partnerOrganisation,omitempty"`
	TwoFactor         bool      `json:"twoFactor"`
	RecoveryCodesLeft int       `json:"recoveryCodesLeft"`
	Created           time.Time `json:"created,omitzero"`
	Updated           time.Time `json:"updated,omitzero"`
}

// SubjectMembership is one group membership with its vetting.
type SubjectMembership struct {
	Group          string    `json:"group"`
	Chair          bool      `json:"chair"`
	VettingLevel   string    `json:"vettingLevel,omitempty"`
	VettingExpires time.Time `json:"vettingExpires,omitzero"`
	Joined         time.Time `json:"joined,omitzero"`
}

// SubjectBooking is one visit place in the person's diary.
type SubjectBooking struct {
	Visit  string    `json:"visit"`
	Status string    `json:"status"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
}

// SubjectAuditRecord is one audit event. Actions taken on the account by
// others name the action, not who took it (their identity is another
// person's data; the force can add it case by case).
type SubjectAuditRecord struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	Detail string    `json:"detail,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Seq    int64     `json:"auditEvent"`
}

// SubjectAccessFor gathers what is held about account id. groupName names
// a group id (nil leaves the id). It reads the whole audit log (a rare,
// deliberate action). Returns ErrNotFound if there is no such account.
func (s *Store) SubjectAccessFor(ctx context.Context, id string, groupName func(string) string) (*SubjectAccess, error) {
	if groupName == nil {
		groupName = func(id string) string { return id }
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &SubjectAccess{Produced: s.now().UTC(), Account: SubjectAccount{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
		Status: u.Status, Organisation: u.PartnerID, TwoFactor: u.TOTPEnabled, RecoveryCodesLeft: len(u.RecoveryCodes), Created: u.CreatedAt, Updated: u.UpdatedAt}}
	ms, err := s.UserMemberships(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		out.Memberships = append(out.Memberships, SubjectMembership{Group: groupName(m.GroupID), Chair: m.Chair, VettingLevel: m.VettingLevel, VettingExpires: m.VettingExpires, Joined: m.JoinedAt})
	}
	d, err := s.Diary(ctx, id)
	if err != nil {
		return nil, err
	}
	for vid, b := range d.Bookings {
		out.Bookings = append(out.Bookings, SubjectBooking{Visit: vid, Status: b.Status, Start: b.Start, End: b.End})
	}
	sort.Slice(out.Bookings, func(i, j int) bool { return out.Bookings[i].Start.Before(out.Bookings[j].Start) })
	if err := s.subjectWork(ctx, out, id, groupName); err != nil {
		return nil, err
	}
	cs, err := s.Conflicts(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		out.Conflicts = append(out.Conflicts, c.Person)
	}
	days, err := s.auditDays(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(days, func(i, j int) bool { return days[i].First < days[j].First })
	for _, d := range days {
		evs, err := s.auditRange(ctx, d.First, d.Last)
		if err != nil {
			return nil, fmt.Errorf("store: subject access: %w", err)
		}
		for _, ev := range evs {
			rec := SubjectAuditRecord{At: ev.At, Action: ev.Action, Target: ev.Target, Detail: ev.Detail, Reason: ev.Reason, Seq: ev.Seq}
			switch {
			case ev.ActorID == id:
				out.ByThem = append(out.ByThem, rec)
			case ev.Target == "user:"+id:
				out.AboutThem = append(out.AboutThem, rec)
			}
		}
	}
	return out, nil
}

// subjectWork adds the person's part in the scheme's work: custody visits,
// BWV viewings, availability answers, training, expense claims, advice and
// meeting attendance. These are read by the person's id in each
// collection; a subject access request is rare and deliberate, so the
// reads that are not by _id may read a collection whole. Each is a
// section: find the person's records, map each to its export row.
func (s *Store) subjectWork(ctx context.Context, out *SubjectAccess, id string, groupName func(string) string) error {
	now := s.now().UTC()
	var err error
	out.Custody, err = section(func() ([]custodyPart, error) { return s.custodyPartsOf(ctx, id) },
		func(p custodyPart) SubjectCustodyVisit {
			cv := SubjectCustodyVisit{Visit: p.visit.ID, Suite: p.visit.Location}
			if p.visit.End.Before(now) {
				cv.Start = p.visit.Start
			} else {
				hideBooking(out.Bookings, p.visit.ID) // the same time is in their diary
			}
			if r := p.report; r != nil {
				cv.ReportStatus, cv.Submitted, cv.Confirmed = r.Status, r.SubmittedBy == id, r.ConfirmedBy == id
			}
			return cv
		})
	if err != nil {
		return err
	}

	out.BWVViewings, err = section(func() ([]BWVViewing, error) {
		return findSorted[BWVViewing](ctx, s, "bwv_viewings", bson.D{{Key: "viewerId", Value: id}}, bson.D{{Key: "viewedAt", Value: 1}})
	}, func(v BWVViewing) SubjectBWVViewing {
		return SubjectBWVViewing{Session: v.VisitID, FootageRef: v.FootageRef, ViewedAt: v.ViewedAt, Purpose: v.Purpose, Detail: v.Detail, RecordedAt: v.RecordedAt}
	})
	if err != nil {
		return err
	}

	out.Availability, err = section(func() ([]AvailabilityPoll, error) {
		return findSorted[AvailabilityPoll](ctx, s, "availability_polls", bson.D{{Key: "answers." + id, Value: bson.D{{Key: "$exists", Value: true}}}}, bson.D{{Key: "_id", Value: 1}})
	}, func(p AvailabilityPoll) SubjectAvailability {
		group, quarter, _ := strings.Cut(p.ID, "/")
		a := p.Answers[id]
		return SubjectAvailability{Group: groupName(group), Quarter: quarter, Weeks: append([]string{}, a.Weeks...), Answered: a.At}
	})
	if err != nil {
		return err
	}

	out.Training, err = section(func() ([]TrainingRecord, error) {
		tr, err := s.TrainingOf(ctx, id)
		if err != nil {
			return nil, err
		}
		return slices.SortedFunc(maps.Values(tr.Records), func(a, b TrainingRecord) int { return cmp.Compare(a.Kind, b.Kind) }), nil
	}, func(r TrainingRecord) SubjectTraining {
		return SubjectTraining{Kind: r.Kind, Completed: r.Completed, Expires: r.Expires, Recorded: r.RecordedAt}
	})
	if err != nil {
		return err
	}

	out.Expenses, err = section(func() ([]ExpenseClaim, error) { return s.ClaimsOf(ctx, id) },
		func(c ExpenseClaim) SubjectExpenseClaim {
			e := SubjectExpenseClaim{Visit: c.VisitID, VisitDate: c.VisitDate, VisitLabel: c.VisitLabel, Miles: c.Miles, MileagePence: c.MileagePence,
				ParkingPence: c.ParkingPence, TransportPence: c.TransportPence, TotalPence: c.TotalPence(), Receipts: []string{}, Status: c.Status,
				Reason: c.Reason, Claimed: c.CreatedAt, Decided: c.DecidedAt}
			for _, r := range c.Receipts {
				e.Receipts = append(e.Receipts, r.Name)
			}
			return e
		})
	if err != nil {
		return err
	}

	out.Advice, err = section(func() ([]AdviceRequest, error) { return s.AdviceRequests(ctx, id, 100000) },
		func(r AdviceRequest) SubjectAdvice {
			sa := SubjectAdvice{Request: r.ID, Title: r.Title, Question: r.Question, Asked: r.CreatedAt, Deadline: r.Deadline}
			if a, ok := r.Answers[id]; ok {
				sa.Advice, sa.Given, sa.Changed, sa.Response, sa.Responded = a.Text, a.GivenAt, a.Changed, a.Response, a.RespondedAt
				if a.Responded() {
					sa.Outcome = words.AdviceOutcome(a.Outcome)
				}
			}
			return sa
		})
	if err != nil {
		return err
	}

	out.Meetings, err = section(func() ([]Meeting, error) {
		return findSorted[Meeting](ctx, s, "meetings", bson.D{{Key: "attendance." + id, Value: bson.D{{Key: "$exists", Value: true}}}}, bson.D{{Key: "start", Value: 1}})
	}, func(m Meeting) SubjectMeeting {
		return SubjectMeeting{Meeting: m.ID, Group: groupName(m.GroupID), Title: m.Title, Start: m.Start, Mark: words.Attendance(m.Attendance[id])}
	})
	return err
}

// section is one part of the export: find reads the person's records and
// row maps each to its export row, in order. The rows are never nil, so a
// section with nothing in it is [] in the download, not null.
func section[Rec, Row any](find func() ([]Rec, error), row func(Rec) Row) ([]Row, error) {
	recs, err := find()
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(recs))
	for _, r := range recs {
		rows = append(rows, row(r))
	}
	return rows, nil
}

// custodyPart is a custody visit the person was paired for, with its
// report (nil if none has been started).
type custodyPart struct {
	visit  Visit
	report *CustodyReport
}

// custodyPartsOf reads the custody visits person id was paired for and
// their reports.
func (s *Store) custodyPartsOf(ctx context.Context, id string) ([]custodyPart, error) {
	vs, err := s.scanVisits(ctx, bson.D{{Key: "type", Value: VisitCustody}, {Key: "attendees", Value: id}})
	if err != nil {
		return nil, err
	}
	ps := make([]custodyPart, len(vs))
	for i, v := range vs {
		ps[i].visit = v
		r, err := s.CustodyReport(ctx, v.ID)
		switch {
		case err == nil:
			ps[i].report = r
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	return ps, nil
}

// hideBooking leaves out the times of the booking of visit id.
func hideBooking(bs []SubjectBooking, id string) {
	for i := range bs {
		if bs[i].Visit == id {
			bs[i].Start, bs[i].End = time.Time{}, time.Time{}
		}
	}
}

// findSorted reads every document of coll matching filter, sorted.
func findSorted[T any](ctx context.Context, s *Store, coll string, filter, sortBy bson.D) ([]T, error) {
	cur, err := s.r(coll).Find(ctx, filter, options.Find().SetSort(sortBy))
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", coll, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("store: %s: %w", coll, err)
	}
	return out, nil
}

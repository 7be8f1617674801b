package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// AuditSubjectAccess is the audit action of a subject access download.
const AuditSubjectAccess = "subject-access-exported"

// SubjectAccess is everything Candour holds about one account holder, for
// a subject access request (UK GDPR article 15). Left out, by design:
// password, two-factor and recovery-code hashes (security data that tells
// the person nothing), and referral content (law-enforcement data under
// DPA 2018 Part 3, which the CCU discloses case by case).
type SubjectAccess struct {
	Produced    time.Time            `json:"produced"`
	Account     SubjectAccount       `json:"account"`
	Memberships []SubjectMembership  `json:"memberships"`
	Bookings    []SubjectBooking     `json:"visitBookings"`
	Conflicts   []ConflictPerson     `json:"declaredConflicts,omitempty"`
	ByThem      []SubjectAuditRecord `json:"actionsTheyTook"`
	AboutThem   []SubjectAuditRecord `json:"actionsOnTheirAccount"`
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
		g := m.GroupID
		if groupName != nil {
			g = groupName(g)
		}
		out.Memberships = append(out.Memberships, SubjectMembership{Group: g, Chair: m.Chair, VettingLevel: m.VettingLevel, VettingExpires: m.VettingExpires, Joined: m.JoinedAt})
	}
	d, err := s.Diary(ctx, id)
	if err != nil {
		return nil, err
	}
	for vid, b := range d.Bookings {
		out.Bookings = append(out.Bookings, SubjectBooking{Visit: vid, Status: b.Status, Start: b.Start, End: b.End})
	}
	sort.Slice(out.Bookings, func(i, j int) bool { return out.Bookings[i].Start.Before(out.Bookings[j].Start) })
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

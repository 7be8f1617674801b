package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Group kinds.
const (
	GroupIAG   = "iag"   // Independent Advisory Group
	GroupRAP   = "rap"   // Police Race Action Plan Group
	GroupPanel = "panel" // scrutiny panel (stop and search, BWV, use of force)
)

// GroupKinds lists the kinds in the order pages show them.
var GroupKinds = []string{GroupIAG, GroupRAP, GroupPanel}

// Group is an IAG, the Race Action Plan Group or a scrutiny panel.
type Group struct {
	ID          string    `bson:"_id"`
	Name        string    `bson:"name"`
	Kind        string    `bson:"kind"`
	Description string    `bson:"description"`
	CreatedAt   time.Time `bson:"createdAt"`
	// Kept up to date on every membership change (and chair's name change),
	// so the list of groups reads only the groups.
	MemberCount int      `bson:"memberCount"`
	ChairNames  []string `bson:"chairNames,omitempty"`
	// Every member's vetting expiry (those that have one), for the
	// coordinator's home page.
	VettingExpiries []time.Time `bson:"vettingExpiries,omitempty"`
}

// Vetting levels for community members (Non-Police Personnel Vetting).
var VettingLevels = []string{"none", "NPPV1", "NPPV2", "NPPV3"}

// VettingRank orders levels: a visit needing NPPV2 admits NPPV2 and NPPV3.
func VettingRank(level string) int {
	for i, l := range VettingLevels {
		if l == level {
			return i
		}
	}
	return -1
}

// Membership puts a user in a group. Its id is groupId/userId, so a person
// is in a group at most once.
type Membership struct {
	ID             string    `bson:"_id"`
	GroupID        string    `bson:"groupId"`
	UserID         string    `bson:"userId"`
	Chair          bool      `bson:"chair"`
	VettingLevel   string    `bson:"vettingLevel"`
	VettingExpires time.Time `bson:"vettingExpires,omitempty"`
	JoinedAt       time.Time `bson:"joinedAt"`
}

// VettingLapsed reports whether vetting has expired at now.
func (m *Membership) VettingLapsed(now time.Time) bool {
	return !m.VettingExpires.IsZero() && !now.Before(m.VettingExpires)
}

func membershipID(groupID, userID string) string { return groupID + "/" + userID }

// CreateGroup inserts a group. Returns ErrDuplicate if the name is taken.
func (s *Store) CreateGroup(ctx context.Context, g *Group) error {
	if g.ID == "" {
		g.ID = NewID()
	}
	g.CreatedAt = s.now().UTC()
	if _, err := s.c("groups").InsertOne(ctx, g); err != nil {
		if isDuplicate(err) {
			return ErrDuplicate
		}
		return fmt.Errorf("store: create group: %w", err)
	}
	return nil
}

// UpdateGroup changes a group's name, kind and description. Returns
// ErrNotFound or ErrDuplicate.
func (s *Store) UpdateGroup(ctx context.Context, g *Group) error {
	res, err := s.c("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: g.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: g.Name}, {Key: "kind", Value: g.Kind}, {Key: "description", Value: g.Description},
	}}})
	if isDuplicate(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("store: update group: %w", err)
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// Group returns one group. Returns ErrNotFound. Its slices (ChairNames,
// VettingExpiries) may be shared with the store's copy: do not change them.
func (s *Store) Group(ctx context.Context, id string) (*Group, error) {
	if s.embedded != nil {
		// From the copy of every group (copy_groups.go): a document by _id
		// decodes its members' vetting expiries afresh on every read.
		gs, err := s.groupsAll.load("", anyVersion, func() ([]Group, error) { return s.dbGroups(ctx) })
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if g.ID == id {
				return &g, nil
			}
		}
		return nil, fmt.Errorf("store: group %s: %w", id, ErrNotFound)
	}
	var g Group
	if err := s.findByID(ctx, "groups", id, &g); err != nil {
		return nil, fmt.Errorf("store: group %s: %w", id, notFound(err))
	}
	return &g, nil
}

// Groups returns every group by name (a force has tens, not thousands).
// On the embedded server they come from a copy in memory (copy_groups.go);
// the slice is the caller's, the groups' own slices (ChairNames,
// VettingExpiries) are shared: do not change them.
func (s *Store) Groups(ctx context.Context) ([]Group, error) {
	if s.embedded != nil {
		gs, err := s.groupsAll.load("", anyVersion, func() ([]Group, error) { return s.dbGroups(ctx) })
		return slices.Clone(gs), err
	}
	return s.dbGroups(ctx)
}

// dbGroups reads every group by name.
func (s *Store) dbGroups(ctx context.Context) ([]Group, error) {
	cur, err := s.r("groups").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: groups: %w", err)
	}
	var gs []Group
	if err := cur.All(ctx, &gs); err != nil {
		return nil, fmt.Errorf("store: groups: %w", err)
	}
	return gs, nil
}

// PutMembership adds a user to a group or changes their membership.
func (s *Store) PutMembership(ctx context.Context, m *Membership) error {
	m.ID = membershipID(m.GroupID, m.UserID)
	if m.JoinedAt.IsZero() {
		m.JoinedAt = s.now().UTC()
	}
	done, err := s.mark(ctx, markMemberships, m.GroupID, m.UserID) // copy_marks.go
	if err != nil {
		return err
	}
	if _, err := s.c("memberships").ReplaceOne(ctx, bson.D{{Key: "_id", Value: m.ID}}, m, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("store: put membership: %w", err)
	}
	return s.copyMembership(ctx, m.GroupID, m.UserID, done)
}

// copyMembership writes the copies of a change to the membership of
// userID in groupID (the account's memberships, the group's summary) and
// then deletes the change's mark; if a copy fails, the mark stays for the
// next start.
func (s *Store) copyMembership(ctx context.Context, groupID, userID string, done func(context.Context)) error {
	if err := s.syncUserMemberships(ctx, userID); err != nil {
		return err
	}
	if err := s.syncGroupSummary(ctx, groupID); err != nil {
		return err
	}
	done(ctx)
	return nil
}

// Membership returns one membership. Returns ErrNotFound.
func (s *Store) Membership(ctx context.Context, groupID, userID string) (*Membership, error) {
	var m Membership
	err := s.r("memberships").FindOne(ctx, bson.D{{Key: "_id", Value: membershipID(groupID, userID)}}).Decode(&m)
	if err != nil {
		return nil, fmt.Errorf("store: membership: %w", notFound(err))
	}
	return &m, nil
}

// RemoveMembership takes a user out of a group. Returns ErrNotFound.
func (s *Store) RemoveMembership(ctx context.Context, groupID, userID string) error {
	done, err := s.mark(ctx, markMemberships, groupID, userID) // copy_marks.go
	if err != nil {
		return err
	}
	res, err := s.c("memberships").DeleteOne(ctx, bson.D{{Key: "_id", Value: membershipID(groupID, userID)}})
	if err != nil {
		return fmt.Errorf("store: remove membership: %w", err)
	}
	if res.DeletedCount == 0 {
		done(ctx) // nothing changed
		return ErrNotFound
	}
	return s.copyMembership(ctx, groupID, userID, done)
}

// syncGroupSummary recounts a group's members and names its chairs on the
// group document.
func (s *Store) syncGroupSummary(ctx context.Context, groupID string) error {
	ms, err := s.GroupMembers(ctx, groupID)
	if err != nil {
		return err
	}
	chairs, expiries := []string{}, []time.Time{}
	for _, m := range ms {
		if !m.VettingExpires.IsZero() {
			expiries = append(expiries, m.VettingExpires)
		}
		if m.Chair {
			if u, err := s.User(ctx, m.UserID); err == nil {
				chairs = append(chairs, u.Name)
			}
		}
	}
	sort.Strings(chairs)
	_, err = s.c("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: groupID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "memberCount", Value: len(ms)}, {Key: "chairNames", Value: chairs}, {Key: "vettingExpiries", Value: expiries},
	}}})
	if err != nil {
		return fmt.Errorf("store: group summary %s: %w", groupID, err)
	}
	return nil
}

// GroupMembers returns a group's memberships.
func (s *Store) GroupMembers(ctx context.Context, groupID string) ([]Membership, error) {
	return s.memberships(ctx, bson.D{{Key: "groupId", Value: groupID}})
}

// UserMemberships returns the groups a user belongs to, from the copy kept
// on the account (one _id read: the home page needs it on every visit).
func (s *Store) UserMemberships(ctx context.Context, userID string) ([]Membership, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	return u.Memberships, nil
}

// syncUserMemberships copies a user's memberships onto their account. It
// runs after every membership change (rare, and done by staff), so that
// reads never search the memberships collection by user.
func (s *Store) syncUserMemberships(ctx context.Context, userID string) error {
	ms, err := s.memberships(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []Membership{}
	}
	_, err = s.c("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberships", Value: ms}}}})
	if err != nil {
		return fmt.Errorf("store: copy memberships to user %s: %w", userID, err)
	}
	return nil
}

func (s *Store) memberships(ctx context.Context, filter bson.D) ([]Membership, error) {
	cur, err := s.r("memberships").Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	var ms []Membership
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].JoinedAt.Before(ms[j].JoinedAt) })
	return ms, nil
}

// Partner organisation kinds.
var PartnerKinds = []string{"charity", "local authority", "health", "education", "housing", "other"}

// Partner is an organisation whose workers may refer concerns to the CCU.
type Partner struct {
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	NameLower string    `bson:"nameLower"`
	Kind      string    `bson:"kind"`
	Email     string    `bson:"email"` // the organisation's contact address
	CreatedAt time.Time `bson:"createdAt"`
}

// CreatePartner inserts an organisation. Returns ErrDuplicate if the name is taken.
func (s *Store) CreatePartner(ctx context.Context, p *Partner) error {
	if p.ID == "" {
		p.ID = NewID()
	}
	p.NameLower = strings.ToLower(p.Name)
	p.CreatedAt = s.now().UTC()
	if _, err := s.c("partners").InsertOne(ctx, p); err != nil {
		if isDuplicate(err) {
			return ErrDuplicate
		}
		return fmt.Errorf("store: create partner: %w", err)
	}
	return nil
}

// Partner returns one organisation. Returns ErrNotFound.
func (s *Store) Partner(ctx context.Context, id string) (*Partner, error) {
	var p Partner
	if err := s.r("partners").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil {
		return nil, fmt.Errorf("store: partner %s: %w", id, notFound(err))
	}
	return &p, nil
}

// Partners returns every organisation by name.
func (s *Store) Partners(ctx context.Context) ([]Partner, error) {
	cur, err := s.r("partners").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "nameLower", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: partners: %w", err)
	}
	var ps []Partner
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("store: partners: %w", err)
	}
	return ps, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Role is what an account may do; the server's policy table maps roles to actions.
type Role string

// The roles. A chair is a member who chairs at least one group.
const (
	RoleAdmin         Role = "admin"         // runs the portal: people, groups, audit
	RoleCoordinator   Role = "coordinator"   // force engagement staff
	RoleCCU           Role = "ccu"           // Counter Corruption Unit analyst
	RoleCCUSupervisor Role = "ccusupervisor" // CCU supervisor: an analyst who also reviews the unit's access
	RoleMember        Role = "member"        // member of one or more groups
	RoleChair         Role = "chair"         // member who chairs a group
	RolePartner       Role = "partner"       // works for a partner organisation
	// RoleSchemeManager runs the custody visiting scheme for the Police and
	// Crime Commissioner's office: independent of the force.
	RoleSchemeManager Role = "schememanager"
	// RoleOfficer is a police officer who records section 163 vehicle
	// stops on the capture form, and may do nothing else staff-only.
	RoleOfficer Role = "officer"
)

// Roles lists every role, in the order pages show them.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleCCU, RoleCCUSupervisor, RoleChair, RoleMember, RolePartner, RoleSchemeManager, RoleOfficer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// NeedsTwoFactor reports whether accounts with this role must use TOTP.
func (r Role) NeedsTwoFactor() bool { return r == RoleAdmin || r.CCU() }

// CCU reports whether the role works in the Counter Corruption Unit: an
// analyst or a supervisor. Both read and assess referrals and can be
// assigned one; only the policy table says what a supervisor adds.
func (r Role) CCU() bool { return r == RoleCCU || r == RoleCCUSupervisor }

// CCURoles are the roles that work in the Counter Corruption Unit.
var CCURoles = []Role{RoleCCU, RoleCCUSupervisor}

// Staff reports whether the role is force staff (shorter idle timeout
// applies to them); an officer is.
func (r Role) Staff() bool {
	return r == RoleAdmin || r == RoleCoordinator || r.CCU() || r == RoleOfficer
}

// Account statuses.
const (
	StatusInvited  = "invited"  // has not set a password yet
	StatusActive   = "active"   // can sign in
	StatusDisabled = "disabled" // cannot sign in
)

// User is an account.
type User struct {
	ID           string `bson:"_id"`
	Email        string `bson:"email"` // lower case, unique
	Name         string `bson:"name"`
	NameLower    string `bson:"nameLower"` // for $regex search
	Role         Role   `bson:"role"`
	Status       string `bson:"status"`
	PartnerID    string `bson:"partnerId,omitempty"`
	PasswordHash string `bson:"passwordHash,omitempty"`
	TOTPSecret   string `bson:"totpSecret,omitempty"` // set while enrolling, kept once confirmed
	TOTPEnabled  bool   `bson:"totpEnabled"`
	TOTPLastStep int64  `bson:"totpLastStep,omitempty"` // last accepted time step: a code works once
	// Recovery codes, for when the authenticator is lost: hashes only
	// (server/recovery.go), each taken off when it is used.
	RecoveryCodes []string     `bson:"recoveryCodes,omitempty"`
	Memberships   []Membership `bson:"memberships,omitempty"` // copy of the memberships collection's rows for this user
	CreatedAt     time.Time    `bson:"createdAt"`
	UpdatedAt     time.Time    `bson:"updatedAt"`

	// A mobile number for urgent requests (critical-incident advice) by
	// text message; optional, set by the person on their account page.
	Mobile string `bson:"mobile,omitempty"`
}

// CanSignIn reports whether the account may sign in with a password.
func (u *User) CanSignIn() bool { return u.Status == StatusActive && u.PasswordHash != "" }

// NewID returns a fresh document id.
func NewID() string { return bson.NewObjectID().Hex() }

// NormaliseEmail lower-cases and trims an address so that look-ups match.
func NormaliseEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateUser inserts u, filling ID and times. Returns ErrDuplicate if the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	now := s.now().UTC()
	if u.ID == "" {
		u.ID = NewID()
	}
	u.Email = NormaliseEmail(u.Email)
	u.NameLower = strings.ToLower(u.Name)
	u.CreatedAt, u.UpdatedAt = now, now
	if u.Status == "" {
		u.Status = StatusInvited
	}
	if _, err := s.c("users").InsertOne(ctx, u); err != nil {
		if isDuplicate(err) {
			return ErrDuplicate
		}
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// User returns the account with id. Returns ErrNotFound if there is none.
func (s *Store) User(ctx context.Context, id string) (*User, error) {
	var u User
	if err := s.findByID(ctx, "users", id, &u); err != nil {
		return nil, fmt.Errorf("store: user %s: %w", id, notFound(err))
	}
	return &u, nil
}

// UserByEmail returns the account with this address. Returns ErrNotFound if there is none.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := s.r("users").FindOne(ctx, bson.D{{Key: "email", Value: NormaliseEmail(email)}}).Decode(&u)
	if err != nil {
		return nil, fmt.Errorf("store: user by email: %w", notFound(err))
	}
	return &u, nil
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Role   Role
	Search string // part of a name or email
	Page   int    // from 1
}

// PageSize is the length of every paginated list.
const PageSize = 50

// ListUsers returns a page of accounts, by name, and whether there are more.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]User, bool, error) {
	// From the in-memory directory (copy_directory.go): the same filter,
	// order and pages as a find on users by role, $regex on nameLower or
	// email, sorted by nameLower and _id.
	return s.listUsersFromDirectory(ctx, f)
}

// usersReadOneByOne is how many accounts UsersByID reads by _id before it
// answers from the people directory instead.
const usersReadOneByOne = 16

// usersReadByIDUpTo is how many accounts UsersByID reads by _id (the
// copy of accounts, or four finds at a time) rather than every account
// into the people directory, when the directory is not current.
const usersReadByIDUpTo = 1000

// UsersByID returns the accounts with these ids, in no particular order.
func (s *Store) UsersByID(ctx context.Context, ids []string) (map[string]User, error) {
	out := make(map[string]User, len(ids))
	if len(ids) > usersReadOneByOne {
		// Many at once (the 490 asked who have not answered an advice
		// request) come from the people directory while it is current: no
		// round trip, or one read by _id of each account changed since.
		// When it is not (after a restart, or after any account was made,
		// which it cannot place), bringing it up to date reads every
		// account: at 5,000 accounts about a second of CPU, which a
		// critical-incident request's 200 asked paid before their messages
		// were queued (make bench -scale 10, 7 December 2026). Up to
		// usersReadByIDUpTo are then read by _id instead: the cost of the
		// people asked, not of the force's accounts.
		all, ok, err := s.directoryIfCurrent(ctx)
		if err == nil && !ok && len(ids) <= usersReadByIDUpTo {
			return s.AccountsByID(ctx, ids)
		}
		if err == nil && !ok {
			all, err = s.directorySnapshot(ctx)
		}
		if err != nil {
			return nil, err
		}
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		for _, u := range all {
			if want[u.ID] {
				out[u.ID] = u
			}
		}
		return out, nil
	}
	// A few: one _id look-up each (the embedded server only avoids a scan for {_id: value}).
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		u, err := s.User(ctx, id)
		if err != nil {
			continue
		}
		out[id] = *u
	}
	return out, nil
}

// AccountsByID returns the accounts with these ids (one that does not
// exist is left out), each read by _id whatever their number: for a page
// that names a few people among many (the audit pages), whose cost must
// not grow with the people directory. UsersByID answers many ids from the
// directory instead, which reads every account when it is not current
// (48 commands at 5,000 accounts). On the embedded engine each comes from
// the copy of accounts (docCache) or one find by _id, four at a time on the
// read pool; through MONGODB_URI one find with $in on the _id index.
func (s *Store) AccountsByID(ctx context.Context, ids []string) (map[string]User, error) {
	want := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !slices.Contains(want, id) {
			want = append(want, id)
		}
	}
	out := make(map[string]User, len(want))
	if s.embedded == nil {
		us, err := findByIDs[User](ctx, s, "users", want)
		if err != nil {
			return nil, fmt.Errorf("store: accounts by id: %w", err)
		}
		for _, u := range us {
			out[u.ID] = u
		}
		return out, nil
	}
	us, err := readEachByID(ctx, want, func(ctx context.Context, id string, u *User) error {
		return s.findByID(ctx, "users", id, u)
	})
	if err != nil {
		return nil, fmt.Errorf("store: accounts by id: %w", err)
	}
	for _, u := range us {
		out[u.ID] = u
	}
	return out, nil
}

// page runs a paginated find and reports whether another page follows.
func (s *Store) page(ctx context.Context, coll string, filter, sort bson.D, page int, out any) (bool, error) {
	if page < 1 {
		page = 1
	}
	opts := options.Find().SetSort(sort).SetSkip(int64((page - 1) * PageSize)).SetLimit(PageSize + 1)
	cur, err := s.r(coll).Find(ctx, filter, opts)
	if err != nil {
		return false, fmt.Errorf("store: list %s: %w", coll, err)
	}
	var raw []bson.Raw
	if err := cur.All(ctx, &raw); err != nil {
		return false, fmt.Errorf("store: list %s: %w", coll, err)
	}
	more := len(raw) > PageSize
	if more {
		raw = raw[:PageSize]
	}
	return more, decodeAll(raw, out)
}

// UserUpdate is what an admin may change on an account.
type UserUpdate struct {
	Name      string
	Role      Role
	Status    string
	PartnerID string
	// WasStatus, when set, applies the change only if the account's status
	// is still this (the person may have accepted an invitation meanwhile).
	WasStatus string
}

// UpdateUser changes an account's name, role, status and organisation and
// returns the account as it was before. Returns ErrNotFound, or
// ErrConflict when WasStatus no longer holds.
func (s *Store) UpdateUser(ctx context.Context, id string, up UserUpdate) (*User, error) {
	set := bson.D{
		{Key: "name", Value: up.Name},
		{Key: "nameLower", Value: strings.ToLower(up.Name)},
		{Key: "role", Value: up.Role},
		{Key: "status", Value: up.Status},
		{Key: "partnerId", Value: up.PartnerID},
		{Key: "updatedAt", Value: s.now().UTC()},
	}
	var cond Cond
	if up.WasStatus != "" {
		cond = Eq("status", up.WasStatus)
	}
	var before User
	err := s.findAndUpdateIf(ctx, "users", id, cond, bson.D{{Key: "$set", Value: set}}, false).Decode(&before)
	if errors.Is(err, mongo.ErrNoDocuments) && up.WasStatus != "" {
		if _, err := s.User(ctx, id); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("store: update user %s: %w", id, ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("store: update user %s: %w", id, notFound(err))
	}
	if before.Name != up.Name {
		for _, m := range before.Memberships {
			if m.Chair {
				if err := s.syncGroupSummary(ctx, m.GroupID); err != nil {
					return nil, err
				}
			}
		}
	}
	return &before, nil
}

// SetRole changes only the account's role.
func (s *Store) SetRole(ctx context.Context, id string, r Role) error {
	return s.setUser(ctx, id, bson.D{{Key: "role", Value: r}})
}

// SetPassword stores a new password hash, activates an invited account and
// clears any lock.
func (s *Store) SetPassword(ctx context.Context, id, hash string) error {
	return s.setUser(ctx, id, bson.D{
		{Key: "passwordHash", Value: hash},
		{Key: "status", Value: StatusActive},
		{Key: "failedCount", Value: 0},
		{Key: "lockedUntil", Value: time.Time{}},
	})
}

// SetTOTPSecret stores a secret being enrolled (not yet enabled).
func (s *Store) SetTOTPSecret(ctx context.Context, id, secret string) error {
	return s.setUser(ctx, id, bson.D{{Key: "totpSecret", Value: secret}, {Key: "totpEnabled", Value: false}})
}

// SetRecoveryCodes replaces the account's recovery codes (their hashes).
func (s *Store) SetRecoveryCodes(ctx context.Context, id string, hashes []string) error {
	return s.setUser(ctx, id, bson.D{{Key: "recoveryCodes", Value: hashes}})
}

// UseRecoveryCode takes a recovery code (its hash) off the account, so it
// works once. Returns ErrNotFound if the account does not have it.
func (s *Store) UseRecoveryCode(ctx context.Context, id, hash string) error {
	res, err := s.c("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "recoveryCodes", Value: hash}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "recoveryCodes", Value: hash}}}})
	if err != nil {
		return fmt.Errorf("store: use recovery code: %w", err)
	}
	if res.ModifiedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// EnableTOTP marks enrolment done.
func (s *Store) EnableTOTP(ctx context.Context, id string) error {
	return s.setUser(ctx, id, bson.D{{Key: "totpEnabled", Value: true}})
}

// UseTOTPStep records that the code for time step was used, so it cannot be
// replayed. Returns ErrConflict if that step (or a later one) was already used.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	res, err := s.updateIf(ctx, "users", id, Or(Exists("totpLastStep", false), Lt("totpLastStep", step)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "totpLastStep", Value: step}}}})
	if err != nil {
		return fmt.Errorf("store: use totp step: %w", err)
	}
	if res.MatchedCount == 0 {
		return ErrConflict
	}
	return nil
}

// SetMobile sets (or, with "", removes) the person's mobile number.
func (s *Store) SetMobile(ctx context.Context, id, mobile string) error {
	return s.setUser(ctx, id, bson.D{{Key: "mobile", Value: mobile}})
}

func (s *Store) setUser(ctx context.Context, id string, set bson.D) error {
	set = append(set, bson.E{Key: "updatedAt", Value: s.now().UTC()})
	res, err := s.c("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("store: update user %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: update user %s: %w", id, ErrNotFound)
	}
	return nil
}

// Lock-out rules (the budgets themselves are in limits.go, kept apart
// from the account so that a burst against it cannot lock its owner's
// known browsers out: see server/signin_throttle.go).
const (
	MaxFailures = 5
	FailWindow  = 15 * time.Minute
	FirstLock   = 15 * time.Minute
	MaxLock     = 24 * time.Hour
)

// CountUsers counts accounts (all of them when role is empty).
func (s *Store) CountUsers(ctx context.Context, role Role) (int64, error) {
	filter := bson.D{}
	if role != "" {
		filter = bson.D{{Key: "role", Value: role}}
	}
	n, err := s.r("users").CountDocuments(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

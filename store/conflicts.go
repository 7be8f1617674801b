package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ConflictPerson is someone a CCU analyst is connected to (a relative, a
// partner, a friend, a former colleague) and who could be the person of
// concern in a referral: a name with a force, or a collar number, or both.
type ConflictPerson struct {
	Name       string `json:"name,omitempty"`
	Force      string `json:"force,omitempty"`
	Collar     string `json:"collar,omitempty"`
	Connection string `json:"connection"` // how the analyst knows them, in their words
}

// Conflict is one declared conflict of interest. The person and the
// connection are sealed (field encryption, bound to the document's id); the
// blind index holds the same keyed values as a referral's person of concern
// (collar number; name with force), so a case about the person is found
// without the store holding the name.
type Conflict struct {
	ID         string         `bson:"_id"`
	UserID     string         `bson:"userId"`
	Sealed     []byte         `bson:"sealed"`
	Blind      []string       `bson:"blind,omitempty"`
	DeclaredAt time.Time      `bson:"declaredAt"`
	Person     ConflictPerson `bson:"-"` // opened by Conflicts
}

// Audit actions of declared conflicts.
const (
	AuditConflictDeclared = "conflict-declared"
	AuditConflictRemoved  = "conflict-removed"
)

const conflictsColl = "conflicts"

// DeclareConflict records that userID is connected to p.
func (s *Store) DeclareConflict(ctx context.Context, userID string, p ConflictPerson) (*Conflict, error) {
	c := &Conflict{ID: NewID(), UserID: userID, DeclaredAt: s.now().UTC().Truncate(time.Millisecond)}
	c.Blind = s.blindValues(ReferralContent{PersonName: p.Name, PersonForce: p.Force, CollarNumber: p.Collar})
	pt, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	if c.Sealed, err = s.seal(conflictsColl, c.ID, "conflict", pt); err != nil {
		return nil, fmt.Errorf("store: declare conflict: %w", err)
	}
	if _, err := s.c(conflictsColl).InsertOne(ctx, c); err != nil {
		return nil, fmt.Errorf("store: declare conflict: %w", err)
	}
	c.Person = p
	return c, nil
}

// Conflicts lists userID's declared conflicts, oldest first, opened.
func (s *Store) Conflicts(ctx context.Context, userID string) ([]Conflict, error) {
	cs, err := s.allConflicts(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return nil, err
	}
	for i := range cs {
		pt, err := s.sealer.Open(cs[i].ID, "conflict", cs[i].Sealed)
		if err != nil {
			return nil, fmt.Errorf("store: open conflict %s: %w", cs[i].ID, err)
		}
		if err := json.Unmarshal(pt, &cs[i].Person); err != nil {
			return nil, fmt.Errorf("store: open conflict %s: %w", cs[i].ID, err)
		}
	}
	return cs, nil
}

// ConflictIndex is every account's declared blind-index values, by
// account id, for flagging accesses (a few per analyst: read whole).
func (s *Store) ConflictIndex(ctx context.Context) (map[string][]string, error) {
	cs, err := s.allConflicts(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, c := range cs {
		out[c.UserID] = append(out[c.UserID], c.Blind...)
	}
	return out, nil
}

// ConflictsWith reports whether a referral's person of concern (its blind
// index) is someone userID declared a conflict with.
func (s *Store) ConflictsWith(ctx context.Context, userID string, r *Referral) (bool, error) {
	if len(r.Blind) == 0 {
		return false, nil
	}
	cs, err := s.allConflicts(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if sharesAny(c.Blind, r.Blind) {
			return true, nil
		}
	}
	return false, nil
}

func (s *Store) allConflicts(ctx context.Context, filter bson.D) ([]Conflict, error) {
	cur, err := s.r(conflictsColl).Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("store: conflicts: %w", err)
	}
	var cs []Conflict
	if err := cur.All(ctx, &cs); err != nil {
		return nil, fmt.Errorf("store: conflicts: %w", err)
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].DeclaredAt.Before(cs[j].DeclaredAt) })
	return cs, nil
}

// RemoveConflict deletes userID's declared conflict id (one conditional
// delete: nobody removes another account's declaration). Returns
// ErrNotFound if userID has no such declaration.
func (s *Store) RemoveConflict(ctx context.Context, userID, id string) error {
	res, err := s.deleteIf(ctx, conflictsColl, id, Eq("userId", userID))
	if err != nil {
		return fmt.Errorf("store: remove conflict %s: %w", id, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("store: remove conflict %s: %w", id, ErrNotFound)
	}
	return nil
}

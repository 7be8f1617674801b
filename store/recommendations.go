package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
	"candour/words"
)

// A recommendation's status. The lifecycle is in transitions below; no
// other change of status exists.
const (
	RecRaised         = "raised"
	RecAwaiting       = "awaiting-response"
	RecAccepted       = "accepted"
	RecAcceptedInPart = "accepted-in-part"
	RecNotAccepted    = "not-accepted"
	RecInProgress     = "in-progress"
	RecImplemented    = "implemented"
	RecVerified       = "verified"
	RecClosed         = "closed"
	RecSuperseded     = "superseded"
)

// RecStatuses lists the statuses in lifecycle order (for filters and dashboards).
var RecStatuses = []string{RecRaised, RecAwaiting, RecAccepted, RecAcceptedInPart, RecNotAccepted,
	RecInProgress, RecImplemented, RecVerified, RecClosed, RecSuperseded}

// transitions is the whole lifecycle: from a status, the statuses it may go
// to. "Superseded" is reachable from every open status (added by Next).
// implemented → in-progress is the chair refusing verification.
var transitions = map[string][]string{
	RecRaised:         {RecAwaiting},
	RecAwaiting:       {RecAccepted, RecAcceptedInPart, RecNotAccepted},
	RecAccepted:       {RecInProgress},
	RecAcceptedInPart: {RecInProgress},
	RecNotAccepted:    {RecClosed},
	RecInProgress:     {RecImplemented},
	RecImplemented:    {RecVerified, RecInProgress},
	RecVerified:       {RecClosed},
}

// RecOpen reports whether a status is open: the force still owes action.
// "Not accepted" is a final answer (closed next), not an open item.
func RecOpen(status string) bool {
	switch status {
	case RecRaised, RecAwaiting, RecAccepted, RecAcceptedInPart, RecInProgress, RecImplemented:
		return true
	}
	return false
}

// recCanBeOverdue lists the statuses in which a past due date is overdue:
// open and not yet implemented.
var recCanBeOverdue = []string{RecRaised, RecAwaiting, RecAccepted, RecAcceptedInPart, RecInProgress}

// NextStatuses lists where a status may go next, in lifecycle order.
func NextStatuses(from string) []string {
	next := append([]string(nil), transitions[from]...)
	if RecOpen(from) {
		next = append(next, RecSuperseded)
	}
	return next
}

// Sources of a recommendation.
var RecSources = []string{"visit-finding", "iag-advice", "survey", "scrutiny-panel", "external-forum", "hmicfrs-coc", "hmicfrs-afi", "other"}

// RAPAreas are the Police Race Action Plan's themes.
var RAPAreas = []string{"represented", "respected", "involved", "protected"}

// RecPriorities in order.
var RecPriorities = []string{"high", "medium", "low"}

// Recommendation is one entry of the register. Its history is an array of
// entries on the document itself, appended with $push in the same
// conditional update that changes the recommendation, so a change and its
// history entry are one atomic write (one document is the unit of
// atomicity; there are no transactions).
type Recommendation struct {
	ID         string    `bson:"_id"`
	Title      string    `bson:"title"`
	Wording    string    `bson:"wording"` // the group's full wording (internal)
	Source     string    `bson:"source"`
	SourceLink string    `bson:"sourceLink,omitempty"`
	GroupID    string    `bson:"groupId"` // the raising group
	RaisedAt   time.Time `bson:"raisedAt"`
	Area       string    `bson:"area"`
	Tags       []string  `bson:"tags"`
	Priority   string    `bson:"priority"`
	OwnerDept  string    `bson:"ownerDept"`
	OwnerName  string    `bson:"ownerName"`  // accountable person
	OwnerEmail string    `bson:"ownerEmail"` // for the weekly reminder
	DueAt      time.Time `bson:"dueAt,omitempty"`

	Status        string    `bson:"status"`
	Response      string    `bson:"response,omitempty"` // the force's response; the reason when not accepted or accepted in part
	Evidence      string    `bson:"evidence,omitempty"`
	EvidenceLinks []string  `bson:"evidenceLinks,omitempty"`
	ChairComment  string    `bson:"chairComment,omitempty"` // the latest refusal of verification
	SupersededBy  string    `bson:"supersededBy,omitempty"`
	CompletedAt   time.Time `bson:"completedAt,omitempty"` // when it was implemented (cleared if verification is refused)

	Percent        int       `bson:"percent"`
	LatestUpdate   string    `bson:"latestUpdate,omitempty"`
	LatestUpdateAt time.Time `bson:"latestUpdateAt,omitempty"`

	// "You said, we did": public wording, written separately from the
	// internal wording, agreed by the raising group's chair, then published.
	PublicTitle    string    `bson:"publicTitle,omitempty"`
	PublicSummary  string    `bson:"publicSummary,omitempty"`
	PublicResponse string    `bson:"publicResponse,omitempty"`
	ChairAgreed    bool      `bson:"chairAgreed"`
	Published      bool      `bson:"published"`
	PublishedAt    time.Time `bson:"publishedAt,omitempty"`

	Followers []string       `bson:"followers"` // user ids mailed on every change
	History   []HistoryEntry `bson:"history"`
	Version   int            `bson:"version"`
	CreatedAt time.Time      `bson:"createdAt"`
	UpdatedAt time.Time      `bson:"updatedAt"`
}

// RecSummary is the part of a recommendation that lists, dashboards and
// the public pages read. Summaries live in their own collection
// (recommendation_index) of small documents, so a list never parses the
// wording, evidence and history of every recommendation: on the embedded
// server every query but an exact _id scans and parses the collection.
// The full document stays the single point of decision; its summary is
// rewritten after every change, idempotently (syncRecommendationIndex
// repairs one left behind by a crash between the two writes).
type RecSummary struct {
	ID             string    `bson:"_id"`
	Title          string    `bson:"title"`
	Source         string    `bson:"source"`
	GroupID        string    `bson:"groupId"`
	RaisedAt       time.Time `bson:"raisedAt"`
	Area           string    `bson:"area"`
	Priority       string    `bson:"priority"`
	OwnerDept      string    `bson:"ownerDept"`
	OwnerName      string    `bson:"ownerName"`
	OwnerEmail     string    `bson:"ownerEmail"`
	DueAt          time.Time `bson:"dueAt,omitempty"`
	Status         string    `bson:"status"`
	Percent        int       `bson:"percent"`
	CompletedAt    time.Time `bson:"completedAt,omitempty"`
	Published      bool      `bson:"published"`
	PublicTitle    string    `bson:"publicTitle,omitempty"`
	PublicSummary  string    `bson:"publicSummary,omitempty"`
	PublicResponse string    `bson:"publicResponse,omitempty"`
	UpdatedAt      time.Time `bson:"updatedAt"`
	Version        int       `bson:"version"`
	// AwaitingChair: public wording is written but the chair has not
	// agreed it (the chair's home page counts these).
	AwaitingChair bool `bson:"awaitingChair,omitempty"`
}

// Summary is r's entry in the index.
func (r *Recommendation) Summary() RecSummary {
	return RecSummary{ID: r.ID, Title: r.Title, Source: r.Source, GroupID: r.GroupID, RaisedAt: r.RaisedAt, Area: r.Area,
		Priority: r.Priority, OwnerDept: r.OwnerDept, OwnerName: r.OwnerName, OwnerEmail: r.OwnerEmail, DueAt: r.DueAt,
		Status: r.Status, Percent: r.Percent, CompletedAt: r.CompletedAt, Published: r.Published, PublicTitle: r.PublicTitle,
		PublicSummary: r.PublicSummary, PublicResponse: r.PublicResponse, UpdatedAt: r.UpdatedAt, Version: r.Version,
		AwaitingChair: r.PublicTitle != "" && !r.ChairAgreed && !r.Published}
}

// Overdue reports whether the recommendation is past its due date at now
// and not yet implemented.
func (r *RecSummary) Overdue(now time.Time) bool { return overdue(r.Status, r.DueAt, now) }

// History entry kinds.
const (
	HistCreated  = "created"
	HistStatus   = "status"
	HistProgress = "progress"
	HistDetails  = "details"
	HistPublic   = "public"
	HistImported = "imported"
	HistRefused  = "verification-refused"
)

// HistoryEntry is one append-only line of a recommendation's timeline.
type HistoryEntry struct {
	At      time.Time `bson:"at"`
	ByID    string    `bson:"byId,omitempty"`
	ByName  string    `bson:"byName,omitempty"`
	Kind    string    `bson:"kind"`
	From    string    `bson:"from,omitempty"`
	To      string    `bson:"to,omitempty"`
	What    string    `bson:"what,omitempty"`
	Percent int       `bson:"percent,omitempty"`
}

// Actor is who makes a change.
type Actor struct {
	ID, Name string
}

// Overdue reports whether the recommendation is past its due date at now
// and not yet implemented.
func (r *Recommendation) Overdue(now time.Time) bool { return overdue(r.Status, r.DueAt, now) }

// overdue: a due date (the whole day) has passed and the status is open
// and not yet implemented.
func overdue(status string, due, now time.Time) bool {
	if due.IsZero() || !now.After(due.Add(24*time.Hour)) {
		return false
	}
	for _, s := range recCanBeOverdue {
		if status == s {
			return true
		}
	}
	return false
}

// Following reports whether user id follows the recommendation.
func (r *Recommendation) Following(userID string) bool {
	for _, f := range r.Followers {
		if f == userID {
			return true
		}
	}
	return false
}

// LastChange is the newest history entry (the zero entry if none).
func (r *Recommendation) LastChange() HistoryEntry {
	if len(r.History) == 0 {
		return HistoryEntry{}
	}
	return r.History[len(r.History)-1]
}

// Transition is a request to change status.
type Transition struct {
	To           string
	Reason       string   // required for not accepted and accepted in part
	Evidence     string   // required for implemented
	Links        []string // evidence links (optional)
	Comment      string   // the chair's comment when refusing verification (required)
	SupersededBy string   // the replacement, required for superseded
	Note         string   // anything else worth keeping in the history
}

// Transition applies t to r in memory and returns its history entry. It is
// pure: the store writes the result with a conditional update. Returns an
// apperr.Conflict on the field "status" for a change the lifecycle does
// not allow (its message says where the recommendation can go now) and an
// apperr.Invalid on the form's field for missing details.
func (r *Recommendation) Transition(t Transition, by Actor, now time.Time) (HistoryEntry, error) {
	allowed := NextStatuses(r.Status)
	ok := false
	for _, s := range allowed {
		ok = ok || s == t.To
	}
	if !ok {
		return HistoryEntry{}, apperr.New(apperr.Conflict, "status", words.TransitionRefused(r.Status, t.To, allowed))
	}
	what := t.Note
	refusal := r.Status == RecImplemented && t.To == RecInProgress
	switch {
	case t.To == RecNotAccepted || t.To == RecAcceptedInPart:
		if strings.TrimSpace(t.Reason) == "" {
			return HistoryEntry{}, apperr.New(apperr.Invalid, "reason", "Explain why the force has not accepted all of the recommendation")
		}
		r.Response, what = t.Reason, t.Reason
	case t.To == RecAccepted && t.Reason != "":
		r.Response, what = t.Reason, t.Reason
	case t.To == RecImplemented:
		if strings.TrimSpace(t.Evidence) == "" {
			return HistoryEntry{}, apperr.New(apperr.Invalid, "evidence", "Describe the evidence that the recommendation has been implemented")
		}
		r.Evidence, r.EvidenceLinks, r.CompletedAt = t.Evidence, t.Links, now.UTC()
		what = t.Evidence
		if len(t.Links) > 0 {
			what += " (" + strings.Join(t.Links, ", ") + ")"
		}
	case refusal:
		if strings.TrimSpace(t.Comment) == "" {
			return HistoryEntry{}, apperr.New(apperr.Invalid, "comment", "Say why the recommendation has not been verified")
		}
		r.ChairComment, r.CompletedAt, what = t.Comment, time.Time{}, t.Comment
	case t.To == RecVerified && t.Comment != "":
		what = t.Comment
	case t.To == RecSuperseded:
		if t.SupersededBy == "" {
			return HistoryEntry{}, apperr.New(apperr.Invalid, "supersededBy", "Enter the reference of the recommendation that replaces this one")
		}
		if t.SupersededBy == r.ID {
			return HistoryEntry{}, apperr.New(apperr.Invalid, "supersededBy", "A recommendation cannot replace itself")
		}
		r.SupersededBy, what = t.SupersededBy, "replaced by "+t.SupersededBy
	}
	e := HistoryEntry{At: now.UTC(), ByID: by.ID, ByName: by.Name, Kind: HistStatus, From: r.Status, To: t.To, What: what}
	if refusal {
		e.Kind = HistRefused
	}
	r.Status = t.To
	return e, nil
}

// Progress records a dated note with percent complete, in memory. Returns
// an apperr.Invalid when the recommendation is not open or the note is wrong.
func (r *Recommendation) Progress(note string, percent int, by Actor, now time.Time) (HistoryEntry, error) {
	if !RecOpen(r.Status) {
		return HistoryEntry{}, apperr.New(apperr.Invalid, "progressNote", "Progress can only be recorded while the recommendation is open")
	}
	if strings.TrimSpace(note) == "" {
		return HistoryEntry{}, apperr.New(apperr.Invalid, "progressNote", "Enter what has happened")
	}
	if percent < 0 || percent > 100 {
		return HistoryEntry{}, apperr.New(apperr.Invalid, "percent", "Percent complete must be a whole number from 0 to 100")
	}
	r.Percent, r.LatestUpdate, r.LatestUpdateAt = percent, note, now.UTC()
	return HistoryEntry{At: now.UTC(), ByID: by.ID, ByName: by.Name, Kind: HistProgress, What: note, Percent: percent}, nil
}

// SetPublicWording replaces the public wording in memory. Changed wording
// needs the chair's agreement again (agreed says the coordinator records
// it, given outside Candour) and stops being published until then.
func (r *Recommendation) SetPublicWording(title, summary, response string, agreed bool, by Actor, now time.Time) (HistoryEntry, error) {
	if strings.TrimSpace(title) == "" {
		return HistoryEntry{}, apperr.New(apperr.Invalid, "publicTitle", "Enter a public title")
	}
	if strings.TrimSpace(summary) == "" {
		return HistoryEntry{}, apperr.New(apperr.Invalid, "publicSummary", "Enter the public summary")
	}
	changed := title != r.PublicTitle || summary != r.PublicSummary || response != r.PublicResponse
	r.PublicTitle, r.PublicSummary, r.PublicResponse = title, summary, response
	what := "public wording changed"
	if changed && !agreed {
		r.ChairAgreed = false
		if r.Published {
			r.Published = false
			what += "; unpublished until the chair agrees it"
		}
	}
	if agreed && !r.ChairAgreed {
		r.ChairAgreed = true
		what += "; chair's agreement recorded by " + by.Name
	}
	return HistoryEntry{At: now.UTC(), ByID: by.ID, ByName: by.Name, Kind: HistPublic, What: what}, nil
}

// AgreePublicWording records the chair's agreement, in memory.
func (r *Recommendation) AgreePublicWording(by Actor, now time.Time) (HistoryEntry, error) {
	if r.PublicSummary == "" {
		return HistoryEntry{}, apperr.New(apperr.Invalid, "agree", "There is no public summary to agree yet")
	}
	r.ChairAgreed = true
	return HistoryEntry{At: now.UTC(), ByID: by.ID, ByName: by.Name, Kind: HistPublic, What: "chair agreed the public wording"}, nil
}

// Publish puts the recommendation on (or takes it off) "You said, we did",
// in memory. Publishing needs public wording agreed by the chair.
func (r *Recommendation) Publish(publish bool, by Actor, now time.Time) (HistoryEntry, error) {
	if publish && (r.PublicSummary == "" || !r.ChairAgreed) {
		return HistoryEntry{}, apperr.New(apperr.Invalid, "publish", "Write the public summary and get the chair's agreement before publishing")
	}
	what := "unpublished"
	if publish {
		what = "published on You said, we did"
		if r.PublishedAt.IsZero() {
			r.PublishedAt = now.UTC()
		}
	}
	r.Published = publish
	return HistoryEntry{At: now.UTC(), ByID: by.ID, ByName: by.Name, Kind: HistPublic, What: what}, nil
}

// recNotSet are the fields SaveRecommendation's $set leaves alone: the
// history is appended, followers change on their own, version is checked.
var recNotSet = map[string]bool{"_id": true, "history": true, "followers": true, "version": true}

// CreateRecommendation inserts r (status raised unless set, as by an
// import) with its first history entry.
func (s *Store) CreateRecommendation(ctx context.Context, r *Recommendation, by Actor) error {
	return s.CreateRecommendations(ctx, []*Recommendation{r}, by, HistCreated)
}

// Begin gives a new recommendation what it starts with: an id, status
// raised unless set (an import sets it), version 1 and a first history
// entry of kind by by at now.
func (r *Recommendation) Begin(now time.Time, by Actor, kind string) {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Status == "" {
		r.Status = RecRaised
	}
	if r.RaisedAt.IsZero() {
		r.RaisedAt = now
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if r.Followers == nil {
		r.Followers = []string{}
	}
	r.Version, r.CreatedAt, r.UpdatedAt = 1, now, now
	what := "raised"
	if kind == HistImported {
		what = "imported with status " + words.RecStatus(r.Status)
	}
	r.History = append(r.History, HistoryEntry{At: now, ByID: by.ID, ByName: by.Name, Kind: kind, To: r.Status, What: what})
}

// CreateRecommendations inserts several recommendations in one ordered
// write (an import): each gets an id, version 1 and a history entry of kind.
func (s *Store) CreateRecommendations(ctx context.Context, rs []*Recommendation, by Actor, kind string) error {
	now := s.now().UTC()
	docs := make([]any, len(rs))
	for i, r := range rs {
		r.Begin(now, by, kind)
		docs[i] = r
	}
	if len(docs) == 0 {
		return nil
	}
	if _, err := s.c("recommendations").InsertMany(ctx, docs); err != nil {
		return fmt.Errorf("store: create recommendations: %w", err)
	}
	sums := make([]any, len(rs))
	for i, r := range rs {
		sums[i] = r.Summary()
	}
	if _, err := s.c("recommendation_index").InsertMany(ctx, sums); err != nil {
		return fmt.Errorf("store: index recommendations: %w", err)
	}
	return s.bumpRecIndex(ctx)
}

// putRecSummary writes r's summary: a replace by exact _id (cheap on the
// embedded server, unlike an upsert), or an insert for a missing one.
func (s *Store) putRecSummary(ctx context.Context, r *Recommendation) error {
	sum := r.Summary()
	res, err := s.c("recommendation_index").ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, sum)
	if err == nil && res.MatchedCount == 0 {
		if _, err = s.c("recommendation_index").InsertOne(ctx, sum); isDuplicate(err) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("store: index recommendation %s: %w", r.ID, err)
	}
	return s.bumpRecIndex(ctx)
}

// syncRecommendationIndex rewrites every summary whose version differs
// from its recommendation's (after a crash between a change and its
// summary). It reads the whole register, so it runs in a background job,
// not on a page; one recommendation at a time from a cursor, in no order
// (a sort would make the embedded engine hold the whole register decoded
// at once: 220 MB allocated for 500 recommendations with their histories,
// issue 18's idle memory). It returns how many summaries it rewrote.
func (s *Store) syncRecommendationIndex(ctx context.Context) (int, error) {
	have, err := s.versionsOf(ctx, "recommendation_index") // from the database, not the cache: this repairs it
	if err != nil {
		return 0, err
	}
	cur, err := s.r("recommendations").Find(ctx, bson.D{}, options.Find().SetBatchSize(repairBatch))
	if err != nil {
		return 0, fmt.Errorf("store: sync recommendation index: %w", err)
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		var r Recommendation
		if err := cur.Decode(&r); err != nil {
			return n, fmt.Errorf("store: sync recommendation index: %w", err)
		}
		if v, ok := have[r.ID]; ok && v[0] == r.Version {
			continue
		}
		if err := s.putRecSummary(ctx, &r); err != nil {
			return n, err
		}
		n++
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("store: sync recommendation index: %w", err)
	}
	return n, nil
}

// repairBatch is how many documents a repair that reads a whole collection
// asks for at a time.
const repairBatch = 50

// versionsOf reads the version (and message count, where there is one) of
// every summary in an index collection, by _id.
func (s *Store) versionsOf(ctx context.Context, coll string) (map[string][2]int, error) {
	cur, err := s.r(coll).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "messages", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", coll, err)
	}
	var sums []struct {
		ID       string `bson:"_id"`
		Version  int    `bson:"version"`
		Messages int    `bson:"messages"`
	}
	if err := cur.All(ctx, &sums); err != nil {
		return nil, fmt.Errorf("store: %s: %w", coll, err)
	}
	have := make(map[string][2]int, len(sums))
	for _, sm := range sums {
		have[sm.ID] = [2]int{sm.Version, sm.Messages}
	}
	return have, nil
}

// InsertRecommendation stores r exactly as built, history and all, for
// demo data whose history is dated in the past. Ordinary code raises
// recommendations with CreateRecommendation.
func (s *Store) InsertRecommendation(ctx context.Context, r *Recommendation) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if r.Followers == nil {
		r.Followers = []string{}
	}
	if _, err := s.c("recommendations").InsertOne(ctx, r); err != nil {
		return fmt.Errorf("store: insert recommendation: %w", err)
	}
	return s.putRecSummary(ctx, r)
}

// Recommendation returns one recommendation. Returns ErrNotFound.
func (s *Store) Recommendation(ctx context.Context, id string) (*Recommendation, error) {
	var r Recommendation
	if err := s.r("recommendations").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r); err != nil {
		return nil, fmt.Errorf("store: recommendation %s: %w", id, notFound(err))
	}
	return &r, nil
}

// SaveRecommendation writes r's changed fields and appends entry, only if
// the stored version is still version (the one r was read at). The version
// check makes a stale form, or the loser of two concurrent changes, fail
// with ErrConflict and write nothing. Returns ErrNotFound or ErrConflict.
func (s *Store) SaveRecommendation(ctx context.Context, r *Recommendation, version int, entry HistoryEntry) error {
	raw, err := bson.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: save recommendation: %w", err)
	}
	var doc bson.D
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("store: save recommendation: %w", err)
	}
	set := bson.D{}
	unset := bson.D{}
	for _, e := range doc {
		if recNotSet[e.Key] {
			continue
		}
		set = append(set, e)
	}
	// omitempty fields that became empty must go too.
	for _, k := range []string{"response", "evidence", "evidenceLinks", "chairComment", "supersededBy", "completedAt",
		"latestUpdate", "latestUpdateAt", "publicTitle", "publicSummary", "publicResponse", "publishedAt", "dueAt", "sourceLink"} {
		if !hasKey(set, k) {
			unset = append(unset, bson.E{Key: k, Value: ""})
		}
	}
	now := s.now().UTC()
	set = setKey(set, "updatedAt", now)
	set = append(set, bson.E{Key: "version", Value: version + 1})
	update := bson.D{{Key: "$set", Value: set}, {Key: "$push", Value: bson.D{{Key: "history", Value: entry}}}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	res, err := s.updateIf(ctx, "recommendations", r.ID, Eq("version", version), update)
	if err != nil {
		return fmt.Errorf("store: save recommendation %s: %w", r.ID, err)
	}
	if res.MatchedCount == 0 {
		if _, err := s.Recommendation(ctx, r.ID); err != nil {
			return err
		}
		return fmt.Errorf("store: save recommendation %s: %w", r.ID, ErrConflict)
	}
	r.Version, r.UpdatedAt = version+1, now
	r.History = append(r.History, entry)
	return s.putRecSummary(ctx, r)
}

func hasKey(d bson.D, k string) bool {
	for _, e := range d {
		if e.Key == k {
			return true
		}
	}
	return false
}

func setKey(d bson.D, k string, v any) bson.D {
	for i := range d {
		if d[i].Key == k {
			d[i].Value = v
			return d
		}
	}
	return append(d, bson.E{Key: k, Value: v})
}

// ChangeRecommendation reads a recommendation, applies change to it in
// memory and saves it conditionally on version (the version the person's
// form was made from). Errors from change are returned as they are (a
// apperr.Conflict or apperr.Invalid); otherwise ErrNotFound or ErrConflict.
func (s *Store) ChangeRecommendation(ctx context.Context, id string, version int, change func(r *Recommendation, now time.Time) (HistoryEntry, error)) (*Recommendation, error) {
	r, err := s.Recommendation(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Version != version {
		return r, fmt.Errorf("store: recommendation %s: %w", id, ErrConflict)
	}
	entry, err := change(r, s.now())
	if err != nil {
		return r, err
	}
	if err := s.SaveRecommendation(ctx, r, version, entry); err != nil {
		return r, err
	}
	return r, nil
}

// FollowRecommendation adds (or with follow false removes) a follower. It
// does not change the recommendation, so it needs no version.
func (s *Store) FollowRecommendation(ctx context.Context, id, userID string, follow bool) error {
	op := "$addToSet"
	if !follow {
		op = "$pull"
	}
	res, err := s.c("recommendations").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: op, Value: bson.D{{Key: "followers", Value: userID}}}})
	if err != nil {
		return fmt.Errorf("store: follow recommendation %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: follow recommendation %s: %w", id, ErrNotFound)
	}
	return nil
}

// RecommendationFilter narrows ListRecommendations. Empty fields match all.
type RecommendationFilter struct {
	Status    string
	Area      string
	GroupID   string
	Source    string
	OwnerDept string
	Overdue   bool      // past due at Now and not yet implemented
	Now       time.Time // for Overdue
	Published bool      // only published ones ("You said, we did")
	Page      int
}

var recSort = bson.D{{Key: "raisedAt", Value: -1}, {Key: "_id", Value: -1}}

// ListRecommendations returns a page of summaries, newest raised first,
// and whether more follow.
func (s *Store) ListRecommendations(ctx context.Context, f RecommendationFilter) ([]RecSummary, bool, error) {
	all, v, err := s.recViewsNow(ctx)
	if err != nil {
		return nil, false, err
	}
	var (
		rs     []RecSummary
		more   bool
		looked int
	)
	if at, narrowed := v.candidates(f); narrowed {
		rs, more, looked = pageOfRecs(len(at), func(i int) *RecSummary { return &all[at[i]] }, f)
	} else {
		rs, more, looked = pageOfRecs(len(all), func(i int) *RecSummary { return &all[i] }, f)
	}
	s.recsLooked.Add(int64(looked))
	return rs, more, nil
}

// AllRecommendations returns the summary of every recommendation matching
// f (ignoring Page), newest raised first: for the weekly reminders and the
// tests. A force's register holds hundreds; the pages count with
// RecommendationCounts instead.
func (s *Store) AllRecommendations(ctx context.Context, f RecommendationFilter) ([]RecSummary, error) {
	all, v, err := s.recViewsNow(ctx)
	if err != nil {
		return nil, err
	}
	out := []RecSummary{}
	at, narrowed := v.candidates(f)
	if !narrowed {
		for i := range all { // the copy is in the register's order already
			if f.match(&all[i]) {
				out = append(out, all[i])
			}
		}
		return out, nil
	}
	for _, i := range at { // positions, ascending: the register's order
		if f.match(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// ExportRecommendations returns every recommendation in full, newest
// raised first (the CSV export; it parses every history, so no page uses it).
func (s *Store) ExportRecommendations(ctx context.Context) ([]Recommendation, error) {
	var rs []Recommendation
	return rs, s.findAll(ctx, "recommendations", bson.D{}, &rs)
}

func (s *Store) findAll(ctx context.Context, coll string, filter bson.D, out any) error {
	cur, err := s.r(coll).Find(ctx, filter, options.Find().SetSort(recSort))
	if err != nil {
		return fmt.Errorf("store: %s: %w", coll, err)
	}
	if err := cur.All(ctx, out); err != nil {
		return fmt.Errorf("store: %s: %w", coll, err)
	}
	return nil
}

// ClaimRun records that a periodic job has run for key (say a week); it
// reports false if it already has, so a restart never sends twice.
func (s *Store) ClaimRun(ctx context.Context, key string) (bool, error) {
	_, err := s.c("job_runs").InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "at", Value: s.now().UTC()}})
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: claim run %s: %w", key, err)
	}
	return true, nil
}

// RunsClaimed reports which of keys a job has claimed already (ClaimRun),
// read by _id: a job that would claim many keys on every run (the visit
// reminders) asks first and claims only the rest, rather than sending an
// insert that fails as a duplicate for each key it claimed on an earlier
// run. ClaimRun still decides: a key claimed meanwhile is refused there.
func (s *Store) RunsClaimed(ctx context.Context, keys []string) (map[string]bool, error) {
	found, err := findByIDs[struct {
		ID string `bson:"_id"`
	}](ctx, s, "job_runs", keys)
	if err != nil {
		return nil, fmt.Errorf("store: runs claimed: %w", err)
	}
	claimed := make(map[string]bool, len(found))
	for _, r := range found {
		claimed[r.ID] = true
	}
	return claimed, nil
}

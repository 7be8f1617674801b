package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
)

// Critical-incident advice: a coordinator asks members of advisory groups
// for advice within hours; members answer until the deadline; the force
// records what it did with each piece of advice and why ("explain or
// reform"). One request is one document, with the answers in it keyed by
// member, so that the deadline and each answer are decided by one
// conditional single-document write (an answer at the deadline is either
// stored whole or refused, never half of each).

// Handling markers: what the people asked may do with what they are told.
const (
	HandlingConfidential = "confidential" // only the people asked
	HandlingGroup        = "group"        // may be discussed within the group
	HandlingCommunity    = "community"    // may be shared with community contacts
)

// HandlingMarkers lists the markers in the order forms show them.
var HandlingMarkers = []string{HandlingConfidential, HandlingGroup, HandlingCommunity}

// What the force did with a piece of advice.
const (
	OutcomeActed     = "acted"     // reform: the force did what was advised (or changed what it does)
	OutcomePartly    = "partly"    // did some of it, and explains the rest
	OutcomeExplained = "explained" // did not act on it, and explains why
)

// AdviceOutcomes lists the outcomes in the order forms show them.
var AdviceOutcomes = []string{OutcomeActed, OutcomePartly, OutcomeExplained}

// Request statuses. A request is also over once its deadline has passed
// (AdviceRequest.Open).
const (
	AdviceOpen   = "open"
	AdviceClosed = "closed" // closed early by the coordinator
)

// Advice is one member's answer to a request, and the force's response.
// Text and Response are sealed at rest (SealedText, SealedResponse: see
// adviceSealedFields); the store opens them when it reads a request.
type Advice struct {
	UserID         string     `bson:"userId"`
	Name           string     `bson:"name"`
	Text           string     `bson:"-"`
	SealedText     sealedText `bson:"text"`
	GivenAt        time.Time  `bson:"givenAt"`
	Changed        int        `bson:"changed"` // times changed after first given
	Outcome        string     `bson:"outcome,omitempty"`
	Response       string     `bson:"-"`
	SealedResponse sealedText `bson:"response,omitempty"`
	RespondedBy    string     `bson:"respondedBy,omitempty"`
	RespondedAt    time.Time  `bson:"respondedAt,omitempty"`
}

// Responded reports whether the force has recorded what it did.
func (a Advice) Responded() bool { return a.Outcome != "" }

// AdviceRequest is a critical-incident advice request. Its texts (the
// incident's name, what happened, the question, each answer and the
// force's response to it, the agreed impact wording and the public
// summary) are sealed at rest like referral content, each bound to the
// request's id and its own path (answers.<userId>.text); only what must be
// queried or counted is in the clear: ids, people asked, times, statuses,
// handling marker and outcomes. The plain fields are filled when the
// store reads a request (openAdvice).
type AdviceRequest struct {
	ID             string     `bson:"_id"`
	Title          string     `bson:"-"` // a short name for the incident
	SealedTitle    sealedText `bson:"title"`
	Shared         string     `bson:"-"` // what happened, as far as it may be shared
	SealedShared   sealedText `bson:"shared"`
	Handling       string     `bson:"handling"` // a handling marker
	Question       string     `bson:"-"`
	SealedQuestion sealedText `bson:"question"`
	GroupIDs       []string   `bson:"groupIds"`
	// Asked is the people asked (user ids), fixed when the request is
	// opened. It is stored in a document of its own (advice_asked, see
	// adviceAsked), so that an answer's write does not carry it.
	Asked []string `bson:"-"`
	// LegacyAsked is the people asked as a request stored them before
	// they had a document of their own (migration 11 moves them).
	LegacyAsked   []string          `bson:"asked,omitempty"`
	Deadline      time.Time         `bson:"deadline"`
	RemindAt      time.Time         `bson:"remindAt"`
	Reminded      bool              `bson:"reminded"`
	Notified      bool              `bson:"notified"` // the first messages are queued
	Status        string            `bson:"status"`
	CreatedBy     string            `bson:"createdBy"`
	CreatedByName string            `bson:"createdByName"`
	CreatedAt     time.Time         `bson:"createdAt"`
	ClosedAt      time.Time         `bson:"closedAt,omitempty"`
	Answers       map[string]Advice `bson:"answers"` // by user id
	// The community impact assessment's wording, agreed with the group.
	ImpactWording       string     `bson:"-"`
	SealedImpactWording sealedText `bson:"impactWording,omitempty"`
	ImpactAgreed        time.Time  `bson:"impactAgreed,omitempty"`
	// The summary on the public page, once a coordinator publishes one.
	PublicSummary       string     `bson:"-"`
	SealedPublicSummary sealedText `bson:"publicSummary,omitempty"`
	PublishedAt         time.Time  `bson:"publishedAt,omitempty"`
	PublishedBy         string     `bson:"publishedBy,omitempty"`

	// askedSet is Asked as a set, on a request from the store's copy
	// (AdviceRequest): WasAsked without going through everyone asked.
	askedSet map[string]struct{}
}

// adviceSealedFields are a request's sealed top-level fields (each
// answer's text and response are sealed too).
var adviceSealedFields = []string{"title", "shared", "question", "impactWording", "publicSummary"}

const (
	adviceColl      = "advice_requests"
	adviceAskedColl = "advice_asked"
)

// adviceAsked is the people a request asked, in a document of its own
// (the request's id as its _id): a request to every member of a force asks
// hundreds, and the embedded engine decodes and re-encodes a whole document
// in Go for every update of it, so with them in the request every answer
// cost as much as decoding hundreds of ids (docs/advisory.md). Nobody is
// added after the request is opened, so an answer checks it before its
// conditional write without a race.
type adviceAsked struct {
	ID    string   `bson:"_id"`
	Asked []string `bson:"asked"`
}

// sealAdvice seals a new request's texts.
func (s *Store) sealAdvice(r *AdviceRequest) error {
	for _, f := range []struct {
		path string
		text string
		into *sealedText
	}{{"title", r.Title, &r.SealedTitle}, {"shared", r.Shared, &r.SealedShared}, {"question", r.Question, &r.SealedQuestion},
		{"impactWording", r.ImpactWording, &r.SealedImpactWording}, {"publicSummary", r.PublicSummary, &r.SealedPublicSummary}} {
		t, err := s.sealText(adviceColl, r.ID, f.path, f.text)
		if err != nil {
			return err
		}
		*f.into = t
	}
	return nil
}

// openAdvice fills a request's plain texts from what is stored.
func (s *Store) openAdvice(r *AdviceRequest) error {
	var err error
	open := func(path string, t sealedText, into *string) {
		if err == nil {
			*into, err = s.openText(r.ID, path, t)
		}
	}
	open("title", r.SealedTitle, &r.Title)
	open("shared", r.SealedShared, &r.Shared)
	open("question", r.SealedQuestion, &r.Question)
	open("impactWording", r.SealedImpactWording, &r.ImpactWording)
	open("publicSummary", r.SealedPublicSummary, &r.PublicSummary)
	for uid, a := range r.Answers {
		open("answers."+uid+".text", a.SealedText, &a.Text)
		open("answers."+uid+".response", a.SealedResponse, &a.Response)
		r.Answers[uid] = a
	}
	return err
}

// Open reports whether answers are still taken at now.
func (r *AdviceRequest) Open(now time.Time) bool {
	return r.Status == AdviceOpen && now.Before(r.Deadline)
}

// WasAsked reports whether the person was asked.
func (r *AdviceRequest) WasAsked(userID string) bool {
	if r.askedSet != nil {
		_, ok := r.askedSet[userID]
		return ok
	}
	for _, id := range r.Asked {
		if id == userID {
			return true
		}
	}
	return false
}

// AnswerList is the answers, in the order they were given.
func (r *AdviceRequest) AnswerList() []Advice {
	out := make([]Advice, 0, len(r.Answers))
	for _, a := range r.Answers {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].GivenAt.Equal(out[j].GivenAt) {
			return out[i].GivenAt.Before(out[j].GivenAt)
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

// NotAnswered lists the people asked who have not answered.
func (r *AdviceRequest) NotAnswered() []string {
	var out []string
	for _, id := range r.Asked {
		if _, ok := r.Answers[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// NotAnsweredCount is how many of the people asked have not answered,
// without going through everyone asked (len(NotAnswered()) otherwise).
func (r *AdviceRequest) NotAnsweredCount() int {
	n := len(r.Asked)
	for uid := range r.Answers {
		if r.WasAsked(uid) {
			n--
		}
	}
	return n
}

// FirstNotAnswered is the first max people asked who have not answered,
// in the order they were asked: it stops there, so a page that names a
// few of 5,000 people reads a few.
func (r *AdviceRequest) FirstNotAnswered(max int) []string {
	var out []string
	for _, id := range r.Asked {
		if len(out) == max {
			break
		}
		if _, ok := r.Answers[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// Responded counts the answers the force has responded to.
func (r *AdviceRequest) Responded() int {
	n := 0
	for _, a := range r.Answers {
		if a.Responded() {
			n++
		}
	}
	return n
}

// remindAt is when the reminder goes to those who have not answered: an
// hour before the deadline, or half way for a request shorter than two
// hours, so that a reminder never comes minutes after the request.
func remindAt(created, deadline time.Time) time.Time {
	return maxTime(deadline.Add(-time.Hour), created.Add(deadline.Sub(created)/2))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Errors of advice requests.
var (
	// ErrAdviceClosed: the deadline has passed or the request was closed.
	ErrAdviceClosed = apperr.New(apperr.Conflict, "", "This request for advice has closed")
	// ErrNotAsked: the person was not asked for advice on this request.
	ErrNotAsked = apperr.New(apperr.NotFound, "", "")
)

// CreateAdviceRequest stores a new, open request. The caller fills Title,
// Shared, Handling, Question, GroupIDs, Asked, Deadline and CreatedBy.
func (s *Store) CreateAdviceRequest(ctx context.Context, r *AdviceRequest) error {
	now := s.now().UTC()
	r.ID, r.Status, r.CreatedAt = NewID(), AdviceOpen, now
	r.Deadline = r.Deadline.UTC()
	r.RemindAt = remindAt(now, r.Deadline)
	r.Answers = map[string]Advice{}
	if r.GroupIDs == nil {
		r.GroupIDs = []string{}
	}
	if r.Asked == nil {
		r.Asked = []string{}
	}
	if err := s.sealAdvice(r); err != nil {
		return err
	}
	r.LegacyAsked = nil
	// The people asked first: a crash between the two leaves a list that
	// no request reads, never a request that asked nobody.
	if _, err := s.c(adviceAskedColl).InsertOne(ctx, adviceAsked{ID: r.ID, Asked: r.Asked}); err != nil {
		return fmt.Errorf("store: create advice request: %w", err)
	}
	if _, err := s.c("advice_requests").InsertOne(ctx, r); err != nil {
		return fmt.Errorf("store: create advice request: %w", err)
	}
	return nil
}

// AdviceRequest returns one request. Returns ErrNotFound. Its Asked is
// shared with the store's copy: do not change its elements.
//
// On the embedded server the request comes decoded and opened from a copy
// (adviceOpened, dropped by the writer at any write of the request or its
// people asked): a request asking 5,000 people took a decoding of 5,000
// ids for every view of its page (issue 18). On MongoDB, where other
// instances write, it is read each time.
func (s *Store) AdviceRequest(ctx context.Context, id string) (*AdviceRequest, error) {
	if s.docs.remote {
		return s.readAdviceRequest(ctx, id)
	}
	r, err := s.adviceOpened.load(id, anyVersion, func() (*AdviceRequest, error) { return s.readAdviceRequest(ctx, id) })
	if err != nil {
		return nil, err
	}
	cp := *r
	cp.GroupIDs = slices.Clone(r.GroupIDs)
	cp.Answers = make(map[string]Advice, len(r.Answers))
	for k, v := range r.Answers {
		cp.Answers[k] = v
	}
	return &cp, nil
}

// readAdviceRequest reads request id and its people asked, opened.
func (s *Store) readAdviceRequest(ctx context.Context, id string) (*AdviceRequest, error) {
	var r AdviceRequest
	if err := s.findByID(ctx, "advice_requests", id, &r); err != nil {
		return nil, fmt.Errorf("store: advice request %s: %w", id, notFound(err))
	}
	if r.Answers == nil {
		r.Answers = map[string]Advice{}
	}
	if s.docs.remote {
		asked, err := s.adviceAskedOf(ctx, &r)
		if err != nil {
			return nil, err
		}
		r.Asked = asked
	} else {
		// From the copy of the people asked, which an answer does not drop.
		a, err := s.askedOf(ctx, id)
		if err != nil {
			return nil, err
		}
		r.Asked, r.askedSet = a.ids, a.set
	}
	if err := s.openAdvice(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// adviceAskedOf is the people request r asked: from its own document, or
// from the request as it was stored before that (LegacyAsked).
func (s *Store) adviceAskedOf(ctx context.Context, r *AdviceRequest) ([]string, error) {
	if r.LegacyAsked != nil {
		return r.LegacyAsked, nil
	}
	var a adviceAsked
	err := s.findByID(ctx, adviceAskedColl, r.ID, &a)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return []string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: advice request %s: the people asked: %w", r.ID, err)
	}
	if a.Asked == nil {
		a.Asked = []string{}
	}
	return a.Asked, nil
}

// adviceAskedByID is the people request id asked, without decoding the
// request unless it was stored before the lists had documents of their
// own. Returns ErrNotFound when there is no such request.
func (s *Store) adviceAskedByID(ctx context.Context, id string) ([]string, error) {
	var a adviceAsked
	err := s.findByID(ctx, adviceAskedColl, id, &a)
	if err == nil {
		return a.Asked, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: advice request %s: the people asked: %w", id, err)
	}
	var r struct {
		Asked []string `bson:"asked"`
	}
	if err := s.findByID(ctx, adviceColl, id, &r); err != nil {
		return nil, fmt.Errorf("store: advice request %s: %w", id, notFound(err))
	}
	return r.Asked, nil
}

// withAsked fills the people asked of each request of a list (MongoDB; the
// embedded server's lists come from the copy, which holds them): one read
// for the list.
func (s *Store) withAsked(ctx context.Context, rs []AdviceRequest) error {
	var ids []string
	for _, r := range rs {
		if r.LegacyAsked == nil {
			ids = append(ids, r.ID)
		}
	}
	lists, err := findByIDs[adviceAsked](ctx, s, adviceAskedColl, ids)
	if err != nil {
		return fmt.Errorf("store: advice requests: the people asked: %w", err)
	}
	byID := make(map[string][]string, len(lists))
	for _, a := range lists {
		byID[a.ID] = a.Asked
	}
	for i := range rs {
		rs[i].Asked = rs[i].LegacyAsked
		if rs[i].Asked == nil {
			rs[i].Asked = byID[rs[i].ID]
		}
		if rs[i].Asked == nil {
			rs[i].Asked = []string{}
		}
	}
	return nil
}

// AdviceRequests lists requests, newest first, at most limit: every
// request (askedOf empty) or those asking one person. Requests are few (a
// force has tens a year), so this reads the collection's newest.
func (s *Store) AdviceRequests(ctx context.Context, askedOf string, limit int) ([]AdviceRequest, error) {
	if s.embedded != nil { // copy_advice.go
		return s.adviceFromCopy(ctx, func(c adviceCopy) bool { return askedOf == "" || slices.Contains(c.r.Asked, askedOf) },
			func(r *AdviceRequest) int64 { return r.CreatedAt.UnixNano() }, limit)
	}
	filter := bson.D{}
	if askedOf != "" {
		// The requests whose list of people asked holds them, and any
		// stored before the lists had documents of their own.
		cur, err := s.r(adviceAskedColl).Find(ctx, bson.D{{Key: "asked", Value: askedOf}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("store: advice requests: %w", err)
		}
		var lists []adviceAsked
		if err := cur.All(ctx, &lists); err != nil {
			return nil, fmt.Errorf("store: advice requests: %w", err)
		}
		ids := bson.A{}
		for _, a := range lists {
			ids = append(ids, a.ID)
		}
		filter = bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			bson.D{{Key: "asked", Value: askedOf}},
		}}}
	}
	return s.adviceRequests(ctx, filter, limit)
}

// AdviceListing is a request as a list of requests shows it to one
// reader: no texts but its title, a count of the people asked rather than
// their ids, and only the reader's own answer.
type AdviceListing struct {
	ID        string
	Title     string
	Status    string
	Deadline  time.Time
	CreatedAt time.Time
	Asked     int  // the people asked
	Answered  int  // the answers given
	Published bool // it has a public summary
	Mine      *Advice
}

// Open reports whether answers are still taken at now (as
// AdviceRequest.Open).
func (l *AdviceListing) Open(now time.Time) bool {
	return l.Status == AdviceOpen && now.Before(l.Deadline)
}

// ListingFor is r as the list shows it to reader.
func (r *AdviceRequest) ListingFor(reader string) AdviceListing {
	l := AdviceListing{ID: r.ID, Title: r.Title, Status: r.Status, Deadline: r.Deadline, CreatedAt: r.CreatedAt,
		Asked: len(r.Asked), Answered: len(r.Answers), Published: r.PublicSummary != ""}
	if a, ok := r.Answers[reader]; ok {
		l.Mine = &a
	}
	return l
}

// AdviceList is AdviceRequests (every request, or those asking askedOf;
// newest first, at most limit) as the list shows them to reader. On the
// embedded server it copies nothing of the requests but what a row
// shows: the list of 53 requests copied every person asked and every
// answer of each (200 kB a page in make bench) to show two counts.
func (s *Store) AdviceList(ctx context.Context, askedOf, reader string, limit int) ([]AdviceListing, error) {
	if s.embedded != nil { // copy_advice.go
		all, err := s.allAdvice(ctx)
		if err != nil {
			return nil, err
		}
		order := newestFirst(all, func(c adviceCopy) bool { return askedOf == "" || slices.Contains(c.r.Asked, askedOf) },
			func(r *AdviceRequest) int64 { return r.CreatedAt.UnixNano() }, limit)
		out := make([]AdviceListing, len(order))
		for i, k := range order {
			out[i] = all[k].r.ListingFor(reader)
		}
		return out, nil
	}
	rs, err := s.AdviceRequests(ctx, askedOf, limit)
	if err != nil {
		return nil, err
	}
	out := make([]AdviceListing, len(rs))
	for i := range rs {
		out[i] = rs[i].ListingFor(reader)
	}
	return out, nil
}

// PublishedAdvice lists the requests with a published summary, newest
// published first.
func (s *Store) PublishedAdvice(ctx context.Context, limit int) ([]AdviceRequest, error) {
	if s.embedded != nil { // copy_advice.go
		return s.adviceFromCopy(ctx, func(c adviceCopy) bool { return c.published },
			func(r *AdviceRequest) int64 { return r.PublishedAt.UnixNano() }, limit)
	}
	cur, err := s.r("advice_requests").Find(ctx, bson.D{{Key: "publicSummary", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetSort(bson.D{{Key: "publishedAt", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("store: published advice: %w", err)
	}
	var rs []AdviceRequest
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("store: published advice: %w", err)
	}
	if err := s.withAsked(ctx, rs); err != nil {
		return nil, err
	}
	return rs, s.openAdviceList(rs)
}

func (s *Store) openAdviceList(rs []AdviceRequest) error {
	for i := range rs {
		if err := s.openAdvice(&rs[i]); err != nil {
			return err
		}
	}
	return nil
}

// DueAdviceReminders lists open requests whose reminder (or, after a
// crash, first notification) is due at now. On the embedded server they
// come from the copy of every request (copy_advice.go): the advice job asks
// every minute, and the query, which the embedded engine matches in Go,
// decoded every request each time (a tenth of a second of CPU a minute);
// from the copy a minute with no write to the requests reads nothing.
func (s *Store) DueAdviceReminders(ctx context.Context) ([]AdviceRequest, error) {
	now := s.now().UTC()
	if s.embedded != nil {
		return s.adviceFromCopy(ctx, func(c adviceCopy) bool { return adviceDue(&c.r, now) },
			func(r *AdviceRequest) int64 { return r.CreatedAt.UnixNano() }, 100)
	}
	return s.adviceRequests(ctx, bson.D{{Key: "status", Value: AdviceOpen}, {Key: "deadline", Value: bson.D{{Key: "$gt", Value: now}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "notified", Value: false}},
			bson.D{{Key: "reminded", Value: false}, {Key: "remindAt", Value: bson.D{{Key: "$lte", Value: now}}}},
		}}}, 100)
}

// adviceDue is DueAdviceReminders' filter in Go: open, before its
// deadline, and its first messages not queued or its reminder due and not
// sent. Every request has these fields from its creation.
func adviceDue(r *AdviceRequest, now time.Time) bool {
	return r.Status == AdviceOpen && r.Deadline.After(now) && (!r.Notified || !r.Reminded && !r.RemindAt.After(now))
}

func (s *Store) adviceRequests(ctx context.Context, filter bson.D, limit int) ([]AdviceRequest, error) {
	cur, err := s.r("advice_requests").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("store: advice requests: %w", err)
	}
	var rs []AdviceRequest
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("store: advice requests: %w", err)
	}
	if err := s.withAsked(ctx, rs); err != nil {
		return nil, err
	}
	return rs, s.openAdviceList(rs)
}

// GiveAdvice stores (or changes) userID's answer. One conditional write
// decides: it is stored only if the request is open and the deadline has
// not passed at the moment of writing. Whether the person was asked is
// read first: the people asked never change once a request is opened. Returns
// ErrAdviceClosed, ErrNotAsked or ErrNotFound; on success the stored
// answer.
func (s *Store) GiveAdvice(ctx context.Context, id, userID, name, text string) (Advice, error) {
	now := s.now().UTC()
	a := Advice{UserID: userID, Name: name, Text: text, GivenAt: now}
	asked, err := s.wasAsked(ctx, id, userID)
	if err != nil {
		return a, err
	}
	if !asked {
		return a, ErrNotAsked
	}
	key := "answers." + userID
	sealedAdvice, err := s.sealText(adviceColl, id, key+".text", text)
	if err != nil {
		return a, err
	}
	set := bson.D{{Key: key + ".userId", Value: userID}, {Key: key + ".name", Value: name}, {Key: key + ".text", Value: sealedAdvice}}
	// The first answer's time stays: it says when the advice arrived.
	res, err := s.updateIf(ctx, adviceColl, id,
		Eq("status", AdviceOpen).And(Gt("deadline", now), Exists(key, false)),
		bson.D{{Key: "$set", Value: append(set, bson.E{Key: key + ".givenAt", Value: now}, bson.E{Key: key + ".changed", Value: 0})}})
	if err != nil {
		return a, fmt.Errorf("store: give advice: %w", err)
	}
	if res.MatchedCount == 1 {
		return a, nil
	}
	res, err = s.updateIf(ctx, adviceColl, id,
		Eq("status", AdviceOpen).And(Gt("deadline", now), Exists(key, true)),
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: key + ".changed", Value: 1}}}})
	if err != nil {
		return a, fmt.Errorf("store: change advice: %w", err)
	}
	if res.MatchedCount == 1 {
		return a, nil
	}
	if _, err := s.AdviceRequest(ctx, id); err != nil {
		return a, err
	}
	return a, ErrAdviceClosed
}

// RespondToAdvice records what the force did with one answer and why.
// Returns ErrNotFound when there is no such answer.
func (s *Store) RespondToAdvice(ctx context.Context, id, userID, outcome, response, by string) error {
	key := "answers." + userID
	sealedResponse, err := s.sealText(adviceColl, id, key+".response", response)
	if err != nil {
		return err
	}
	res, err := s.updateIf(ctx, "advice_requests", id, Exists(key+".givenAt", true), bson.D{{Key: "$set", Value: bson.D{
		{Key: key + ".outcome", Value: outcome}, {Key: key + ".response", Value: sealedResponse},
		{Key: key + ".respondedBy", Value: by}, {Key: key + ".respondedAt", Value: s.now().UTC()},
	}}})
	if err != nil {
		return fmt.Errorf("store: respond to advice: %w", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: respond to advice %s/%s: %w", id, userID, ErrNotFound)
	}
	return nil
}

// CloseAdviceRequest stops taking answers before the deadline. Returns
// ErrAdviceClosed if it was already over.
func (s *Store) CloseAdviceRequest(ctx context.Context, id string) error {
	now := s.now().UTC()
	res, err := s.updateIf(ctx, "advice_requests", id, Eq("status", AdviceOpen).And(Gt("deadline", now)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: AdviceClosed}, {Key: "closedAt", Value: now}}}})
	if err != nil {
		return fmt.Errorf("store: close advice request: %w", err)
	}
	if res.MatchedCount == 0 {
		if _, err := s.AdviceRequest(ctx, id); err != nil {
			return err
		}
		return ErrAdviceClosed
	}
	return nil
}

// AgreeImpactWording records the community impact assessment's wording.
func (s *Store) AgreeImpactWording(ctx context.Context, id, wording string) error {
	t, err := s.sealText(adviceColl, id, "impactWording", wording)
	if err != nil {
		return err
	}
	return s.setAdvice(ctx, id, bson.D{{Key: "impactWording", Value: t}, {Key: "impactAgreed", Value: s.now().UTC()}})
}

// PublishAdviceSummary puts an agreed summary on the public page.
func (s *Store) PublishAdviceSummary(ctx context.Context, id, summary, by string) error {
	t, err := s.sealText(adviceColl, id, "publicSummary", summary)
	if err != nil {
		return err
	}
	return s.setAdvice(ctx, id, bson.D{{Key: "publicSummary", Value: t}, {Key: "publishedAt", Value: s.now().UTC()}, {Key: "publishedBy", Value: by}})
}

// UnpublishAdviceSummary takes the summary off the public page.
func (s *Store) UnpublishAdviceSummary(ctx context.Context, id string) error {
	res, err := s.c("advice_requests").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "publicSummary", Value: ""}, {Key: "publishedAt", Value: ""}, {Key: "publishedBy", Value: ""}}}})
	if err != nil {
		return fmt.Errorf("store: unpublish advice: %w", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: advice request %s: %w", id, ErrNotFound)
	}
	return nil
}

// MarkAdviceNotified records that the first messages are queued.
func (s *Store) MarkAdviceNotified(ctx context.Context, id string) error {
	return s.setAdvice(ctx, id, bson.D{{Key: "notified", Value: true}})
}

// ClaimAdviceReminder takes the right to send a request's reminder; it
// reports false if it was already taken (by this job before a restart, or
// another instance), so nobody is reminded twice.
func (s *Store) ClaimAdviceReminder(ctx context.Context, id string) (bool, error) {
	res, err := s.updateIf(ctx, "advice_requests", id, Eq("reminded", false),
		bson.D{{Key: "$set", Value: bson.D{{Key: "reminded", Value: true}}}})
	if err != nil {
		return false, fmt.Errorf("store: claim advice reminder: %w", err)
	}
	return res.MatchedCount == 1, nil
}

func (s *Store) setAdvice(ctx context.Context, id string, set bson.D) error {
	res, err := s.c("advice_requests").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("store: advice request %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: advice request %s: %w", id, ErrNotFound)
	}
	return nil
}

// QueueMessages puts many messages in the outbox in one write (a request
// that asks two hundred people queues them at once).
func (s *Store) QueueMessages(ctx context.Context, ms []Mail) error {
	if len(ms) == 0 {
		return nil
	}
	now := s.now().UTC()
	docs := make([]any, len(ms))
	for i := range ms {
		m := ms[i]
		m.ID, m.Status, m.CreatedAt, m.NextAttempt = NewID(), MailPending, now, now
		docs[i] = m
	}
	_, err := s.c("outbox").InsertMany(ctx, docs)
	s.outboxQuiet.changed()
	if err != nil {
		return fmt.Errorf("store: queue messages: %w", err)
	}
	return nil
}

// moveAdviceAsked is migration 11: the people each request asked move from
// the request to a document of their own (adviceAsked). It copies every
// list first (a replace by _id: the list never changes, so a second run
// writes the same), then removes them from the requests; a request reads
// its list from either place (adviceAskedOf), so a kill -9 at any point
// leaves every request reading the same people, and running it again
// finishes the move. Texts are untouched: nothing sealed is bound to the
// list.
func moveAdviceAsked(ctx context.Context, s *Store) error {
	return moveAdviceAskedUntil(ctx, s, -1)
}

// moveAdviceAskedUntil is moveAdviceAsked stopping (as a kill -9 could)
// after unsets requests have lost their lists; -1 runs it whole.
func moveAdviceAskedUntil(ctx context.Context, s *Store, unsets int) error {
	var old []struct {
		ID    string   `bson:"_id"`
		Asked []string `bson:"asked"`
	}
	if err := s.findAll(ctx, adviceColl, bson.D{{Key: "asked", Value: bson.D{{Key: "$exists", Value: true}}}}, &old); err != nil {
		return fmt.Errorf("store: read advice requests: %w", err)
	}
	for _, r := range old {
		if r.Asked == nil {
			r.Asked = []string{}
		}
		if err := s.putWhole(ctx, adviceAskedColl, r.ID, adviceAsked{ID: r.ID, Asked: r.Asked}); err != nil {
			return err
		}
	}
	for i, r := range old {
		if i == unsets {
			return nil
		}
		if _, err := s.c(adviceColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "asked", Value: ""}}}}); err != nil {
			return fmt.Errorf("store: advice request %s: %w", r.ID, err)
		}
	}
	return nil
}

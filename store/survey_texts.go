package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
)

// SurveyText is one free-text answer, kept apart from the responses so
// that coordinators can read a question's answers without reading every
// response. Only staff see it; a coordinator may publish a redacted
// version (names and anything identifying taken out) in the public
// summary. The original is never published.
type SurveyText struct {
	ID         string `bson:"id"` // response id + ":" + question id
	Survey     string `bson:"survey"`
	Version    int    `bson:"version"`
	QuestionID string `bson:"questionId"`
	Day        string `bson:"day"`
	Text       string `bson:"text"`
	Redacted   string `bson:"redacted,omitempty"`
	Published  bool   `bson:"published"`
}

// Free-text answers are kept in pages (issue 18): a survey's answers are
// in TextPageCollection, textsPerPage to a page document keyed
// "<survey>:<n>" (n from 0), with a head document "<survey>:head" saying
// the last page. Listing a survey's answers reads the head and its pages,
// each by _id: on the embedded server, which pushes down to SQLite only a
// filter that is exactly {_id: x}, the cost of one survey's list does not
// grow with the other surveys' answers (until then it read the whole
// shared collection; on MongoDB an index served it).
//
// Which page a response's answers go to is chosen before the response is
// stored and kept on it (Response.TextPage), so writing them again (a
// repair of its batch, survey_counting.go) writes the same page, where an
// answer already there is left alone: never two copies. A page's answers
// are kept in the order of their ids (random), not the order they came
// in: a page says no more about when an answer was given than its day
// and which block of textsPerPage it fell in.
const (
	TextPageCollection = "survey_text_pages"
	textsPerPage       = 50
)

// TextCollection is where every survey's free-text answers were kept one
// document each (migration 8's target) until migration 10 moved them into
// pages (pageLegacyTexts).
const TextCollection = "survey_texts"

// textPage is one page of a survey's free-text answers.
type textPage struct {
	ID     string       `bson:"_id"`
	Survey string       `bson:"survey"`
	N      int          `bson:"n"`
	Rev    int64        `bson:"rev"` // moves on at every write (the condition of the next)
	Texts  []SurveyText `bson:"texts"`
}

// textHead says which page of a survey's answers is being filled.
type textHead struct {
	ID   string `bson:"_id"`
	Last int    `bson:"last"`
}

func textPageID(surveyID string, n int) string { return surveyID + ":" + strconv.Itoa(n) }
func textHeadID(surveyID string) string        { return surveyID + ":head" }

// Shown is what a published quote says: the redacted version.
func (t *SurveyText) Shown() string { return t.Redacted }

// hasFreeText reports whether r answers one of v's free-text questions.
func hasFreeText(v *Version, r *Response) bool {
	for i := range v.Questions {
		if q := &v.Questions[i]; q.FreeText() && len(r.Answers[q.ID]) == 1 {
			return true
		}
	}
	return false
}

// lastTextPage is the page survey surveyID's next answers go to.
func (s *Store) lastTextPage(ctx context.Context, surveyID string) (int, error) {
	var h textHead
	err := s.r(TextPageCollection).FindOne(ctx, bson.D{{Key: "_id", Value: textHeadID(surveyID)}}).Decode(&h)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("store: free-text pages of survey %s: %w", surveyID, err)
	}
	return h.Last, nil
}

// responseTexts are r's free-text answers to version v.
func responseTexts(v *Version, r *Response) []SurveyText {
	var ts []SurveyText
	for i := range v.Questions {
		q := &v.Questions[i]
		if vals := r.Answers[q.ID]; q.FreeText() && len(vals) == 1 {
			ts = append(ts, SurveyText{ID: r.ID + ":" + q.ID, Survey: r.SurveyID, Version: v.N, QuestionID: q.ID, Day: r.Day, Text: vals[0]})
		}
	}
	return ts
}

// insertTexts keeps r's free-text answers in its page (r.TextPage),
// leaving alone any already there (a retried submission or a repair).
func (s *Store) insertTexts(ctx context.Context, v *Version, r *Response) error {
	ts := responseTexts(v, r)
	if len(ts) == 0 {
		return nil
	}
	full, err := s.addToTextPage(ctx, r.SurveyID, r.TextPage, ts, 1)
	if err != nil {
		return err
	}
	if full {
		return s.nextTextPage(ctx, r.SurveyID, r.TextPage)
	}
	return nil
}

// addToTextPage adds ts to page n of a survey's free-text answers, leaving
// alone any already there, and reports whether the page is full now. The
// page's rev moves on by writes when it adds any: the responses whose
// answers ts are (insertTextsTogether), so that the page is the one their
// writes one after another would leave.
func (s *Store) addToTextPage(ctx context.Context, surveyID string, n int, ts []SurveyText, writes int64) (full bool, err error) {
	err = s.eng.readModifyWrite(ctx, TextPageCollection, textPageID(surveyID, n), func(cur bson.Raw) (Cond, any, error) {
		p := textPage{ID: textPageID(surveyID, n), Survey: surveyID, N: n}
		if cur != nil {
			if err := bson.Unmarshal(cur, &p); err != nil {
				return Cond{}, nil, err
			}
		}
		read := p.Rev
		added := false
		for _, t := range ts {
			if !slices.ContainsFunc(p.Texts, func(x SurveyText) bool { return x.ID == t.ID }) {
				p.Texts = append(p.Texts, t)
				added = true
			}
		}
		full = len(p.Texts) >= textsPerPage
		if !added {
			return Eq("rev", read), bson.D{{Key: "$set", Value: bson.D{{Key: "rev", Value: read}}}}, nil
		}
		slices.SortFunc(p.Texts, func(a, b SurveyText) int { return strings.Compare(a.ID, b.ID) })
		p.Rev = read + writes
		if cur == nil {
			return Cond{}, p, nil
		}
		return Eq("rev", read), bson.D{{Key: "$set", Value: bson.D{{Key: "rev", Value: p.Rev}, {Key: "texts", Value: p.Texts}}}}, nil
	})
	if err != nil {
		return false, fmt.Errorf("store: keep free-text answers: %w", err)
	}
	return full, nil
}

// insertTextsTogether keeps the free-text answers of rs (new responses to
// sv) where insertTexts one response after another would: each response's
// on the page the survey's head names then (kept on it, r.TextPage), the
// head moved on once a response fills its page. But each page is read and
// written once for all of its answers, not once a response.
func (s *Store) insertTextsTogether(ctx context.Context, sv *Survey, rs []*Response) error {
	n, err := s.lastTextPage(ctx, sv.ID)
	if err != nil {
		return err
	}
	var on []SurveyText // the answers there are on page n
	read := false
	var group []SurveyText // to add to page n
	var writes int64       // the responses whose answers group holds
	for _, r := range rs {
		ts := responseTexts(sv.Version(r.Version), r)
		if len(ts) == 0 {
			continue
		}
		if !read {
			var p textPage
			if err := s.r(TextPageCollection).FindOne(ctx, bson.D{{Key: "_id", Value: textPageID(sv.ID, n)}}).Decode(&p); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
				return fmt.Errorf("store: free-text answers of survey %s: %w", sv.ID, err)
			}
			on, read = p.Texts, true
		}
		r.TextPage = n
		added := false
		for _, t := range ts {
			if !slices.ContainsFunc(on, func(x SurveyText) bool { return x.ID == t.ID }) {
				on = append(on, t)
				group = append(group, t)
				added = true
			}
		}
		if added {
			writes++
		}
		if len(on) < textsPerPage {
			continue
		}
		// Full: written, and the head moved on, before the next response.
		if _, err := s.addToTextPage(ctx, sv.ID, n, group, writes); err != nil {
			return err
		}
		if err := s.nextTextPage(ctx, sv.ID, n); err != nil {
			return err
		}
		n, on, read, group, writes = n+1, nil, false, nil, 0
	}
	if len(group) > 0 {
		if _, err := s.addToTextPage(ctx, sv.ID, n, group, writes); err != nil {
			return err
		}
	}
	return nil
}

// nextTextPage moves the survey's head past page n, now full (unless it
// has moved on already).
func (s *Store) nextTextPage(ctx context.Context, surveyID string, n int) error {
	err := s.eng.readModifyWrite(ctx, TextPageCollection, textHeadID(surveyID), func(cur bson.Raw) (Cond, any, error) {
		if cur == nil {
			return Cond{}, bson.D{{Key: "_id", Value: textHeadID(surveyID)}, {Key: "survey", Value: surveyID}, {Key: "last", Value: n + 1}}, nil
		}
		var h textHead
		if err := bson.Unmarshal(cur, &h); err != nil {
			return Cond{}, nil, err
		}
		return Eq("last", h.Last), bson.D{{Key: "$set", Value: bson.D{{Key: "last", Value: max(h.Last, n+1)}}}}, nil
	})
	if err != nil {
		return fmt.Errorf("store: next page of free-text answers: %w", err)
	}
	return nil
}

// textPages reads every page of a survey's answers, each by _id.
func (s *Store) textPages(ctx context.Context, surveyID string) ([]textPage, error) {
	last, err := s.lastTextPage(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, last+1)
	for n := range ids {
		ids[n] = textPageID(surveyID, n)
	}
	ps, err := findByIDs[textPage](ctx, s, TextPageCollection, ids)
	if err != nil {
		return nil, fmt.Errorf("store: free-text answers of survey %s: %w", surveyID, err)
	}
	return ps, nil
}

// SurveyTexts returns the free-text answers to question qid (every
// question for ""; all versions), newest day first; with published, only
// published ones. It reads the survey's pages by _id (above).
func (s *Store) SurveyTexts(ctx context.Context, surveyID, qid string, published bool) ([]SurveyText, error) {
	ps, err := s.textPages(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []SurveyText
	for _, p := range ps {
		for _, t := range p.Texts {
			if seen[t.ID] || qid != "" && t.QuestionID != qid || published && !t.Published {
				continue
			}
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b SurveyText) int {
		return cmp.Or(strings.Compare(b.Day, a.Day), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RedactSurveyText saves a free-text answer's redacted version and
// whether it is published. Publishing needs a redacted version (the
// coordinator's edited copy; it may be the same words once checked).
// Returns ErrNotFound or an apperr.Invalid on the field "redacted".
func (s *Store) RedactSurveyText(ctx context.Context, surveyID, id, redacted string, publish bool) error {
	redacted = strings.TrimSpace(redacted)
	switch {
	case publish && redacted == "":
		return apperr.New(apperr.Invalid, "redacted", "Enter the version to publish, with anything that could identify someone taken out")
	case utf8.RuneCountInString(redacted) > MaxLongText:
		return apperr.New(apperr.Invalid, "redacted", "The published version must be 1,200 characters or fewer")
	}
	ps, err := s.textPages(ctx, surveyID)
	if err != nil {
		return err
	}
	found := false
	for _, p := range ps {
		if !slices.ContainsFunc(p.Texts, func(t SurveyText) bool { return t.ID == id }) {
			continue
		}
		found = true
		err := s.eng.readModifyWrite(ctx, TextPageCollection, p.ID, func(cur bson.Raw) (Cond, any, error) {
			var q textPage
			if cur == nil {
				return Cond{}, nil, ErrNotFound // pages are never deleted while the survey is
			}
			if err := bson.Unmarshal(cur, &q); err != nil {
				return Cond{}, nil, err
			}
			for i := range q.Texts {
				if q.Texts[i].ID == id {
					q.Texts[i].Redacted, q.Texts[i].Published = redacted, publish
				}
			}
			return Eq("rev", q.Rev), bson.D{{Key: "$set", Value: bson.D{{Key: "rev", Value: q.Rev + 1}, {Key: "texts", Value: q.Texts}}}}, nil
		})
		if err != nil {
			return fmt.Errorf("store: redact free text: %w", err)
		}
	}
	if !found {
		return fmt.Errorf("store: free text %s: %w", id, ErrNotFound)
	}
	return nil
}

// pageLegacyTexts is migration 10: every free-text answer kept one
// document each in TextCollection is copied into its survey's pages, then
// the collection is dropped. Crash-safe as migration 8 is: the migration
// runs before the portal answers, a survey's answers are paged in the
// order of their ids and each page is written whole (a replace by _id), so
// running it again after a kill -9 writes the same pages; the old
// collection goes only once every page is in.
func pageLegacyTexts(ctx context.Context, s *Store) error {
	if err := copyLegacyTexts(ctx, s); err != nil {
		return err
	}
	if err := s.c(TextCollection).Drop(ctx); err != nil {
		return fmt.Errorf("store: drop %s: %w", TextCollection, err)
	}
	return nil
}

// copyLegacyTexts writes the pages of every answer in TextCollection (the
// first half of migration 10).
func copyLegacyTexts(ctx context.Context, s *Store) error {
	var old []SurveyText
	if err := s.findAll(ctx, TextCollection, bson.D{}, &old); err != nil {
		return fmt.Errorf("store: read %s: %w", TextCollection, err)
	}
	bySurvey := map[string][]SurveyText{}
	for _, t := range old {
		bySurvey[t.Survey] = append(bySurvey[t.Survey], t)
	}
	for surveyID, ts := range bySurvey {
		slices.SortFunc(ts, func(a, b SurveyText) int { return strings.Compare(a.ID, b.ID) })
		last := 0
		for n := 0; n*textsPerPage < len(ts); n++ {
			page := ts[n*textsPerPage : min(len(ts), (n+1)*textsPerPage)]
			p := textPage{ID: textPageID(surveyID, n), Survey: surveyID, N: n, Rev: 1, Texts: page}
			if err := s.putWhole(ctx, TextPageCollection, p.ID, p); err != nil {
				return err
			}
			last = n
		}
		if len(ts) == textsPerPage*(last+1) {
			last++ // the last page is full: new answers start the next
		}
		h := bson.D{{Key: "_id", Value: textHeadID(surveyID)}, {Key: "survey", Value: surveyID}, {Key: "last", Value: last}}
		if err := s.putWhole(ctx, TextPageCollection, textHeadID(surveyID), h); err != nil {
			return err
		}
	}
	return nil
}

// putWhole replaces (or inserts) the document id of coll with doc.
func (s *Store) putWhole(ctx context.Context, coll, id string, doc any) error {
	if _, err := s.c(coll).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("store: write %s %s: %w", coll, id, err)
	}
	return nil
}

package server

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/securecookie"

	"candour/apperr"
	"candour/store"
	"candour/survey"
)

// A respondent's answers travel, until they submit, in an encrypted,
// signed cookie scoped to the survey's pages: nothing is stored on the
// server before the response itself, and the cookie is deleted on submit.
// It is a strictly necessary cookie (the form cannot work without it).

const (
	surveyCookie      = "candour_survey"
	surveyCookieParts = 6    // long answers may need more than one cookie
	surveyCookieChunk = 3800 // bytes per cookie, under browsers' 4 KB
	surveyCookieLife  = 2 * time.Hour
)

// progress is what the cookie holds.
type progress struct {
	SurveyID   string        `json:"s"`
	ResponseID string        `json:"r"` // random, made at the start: the response's _id
	Version    int           `json:"v"`
	Code       string        `json:"c,omitempty"` // the invitation code, until it is used
	Answers    store.Answers `json:"a"`
	Expires    int64         `json:"e"`
}

// surveyParts are the respondent side's own tools. The surveys their
// pages read come from the store's copy (store.SurveyForRespondents), and
// results built from counters from results, the one generic cache
// (store.Cache).
type surveyParts struct {
	codec   *securecookie.SecureCookie
	secure  bool
	limiter *rateLimiter
	results *store.Cache[*survey.Results]
	built   *atomic.Int64               // how many times results were built (for tests)
	figures *store.Cache[*drawnFigures] // the questions' figures drawn, by the results' key and breakdown (survey_results.go)
	drawn   *atomic.Int64               // how many times they were drawn (for tests)
	decide  func()                      // wakes the survey-decisions job (Options.DecideSurveys); nil: requests decide
}

func newSurveyParts(sessionKey []byte, secure bool) surveyParts {
	hashKey := sha256.Sum256(append([]byte("candour survey cookie signing\x00"), sessionKey...))
	blockKey := sha256.Sum256(append([]byte("candour survey cookie encryption\x00"), sessionKey...))
	codec := securecookie.New(hashKey[:], blockKey[:]).MaxLength(0).SetSerializer(securecookie.JSONEncoder{})
	return surveyParts{codec: codec, secure: secure, results: store.NewCache[*survey.Results](200, 0), built: new(atomic.Int64),
		figures: store.NewCache[*drawnFigures](figuresKept, 0), drawn: new(atomic.Int64)}
}

func surveyCookiePath(surveyID string) string { return "/s/" + surveyID }

// readProgress returns the respondent's progress on surveyID, or nil.
func (s *Server) readProgress(r *http.Request, surveyID string, now time.Time) *progress {
	var b strings.Builder
	for i := range surveyCookieParts {
		c, err := r.Cookie(surveyCookie + strconv.Itoa(i))
		if err != nil {
			break
		}
		b.WriteString(c.Value)
	}
	if b.Len() == 0 {
		return nil
	}
	var p progress
	if err := s.surveys.codec.Decode(surveyCookie, b.String(), &p); err != nil {
		return nil // forged, stale or from an older key: start again
	}
	if p.SurveyID != surveyID || now.Unix() > p.Expires || p.ResponseID == "" {
		return nil
	}
	if p.Answers == nil {
		p.Answers = store.Answers{}
	}
	return &p
}

// errAnswersTooLong is returned when the answers no longer fit the cookie.
var errAnswersTooLong = apperr.New(apperr.Invalid, "answer", "Your answers are too long to keep: shorten this answer")

// writeProgress sets the cookie (and clears parts no longer needed).
func (s *Server) writeProgress(w http.ResponseWriter, p *progress, now time.Time) error {
	p.Expires = now.Add(surveyCookieLife).Unix()
	enc, err := s.surveys.codec.Encode(surveyCookie, p)
	if err != nil {
		return err
	}
	if len(enc) > surveyCookieParts*surveyCookieChunk {
		return errAnswersTooLong
	}
	for i := range surveyCookieParts {
		from := i * surveyCookieChunk
		if from >= len(enc) {
			s.clearCookie(w, p.SurveyID, i)
			continue
		}
		to := min(from+surveyCookieChunk, len(enc))
		http.SetCookie(w, &http.Cookie{Name: surveyCookie + strconv.Itoa(i), Value: enc[from:to], Path: surveyCookiePath(p.SurveyID),
			HttpOnly: true, Secure: s.surveys.secure, SameSite: http.SameSiteLaxMode})
	}
	return nil
}

// deleteProgress removes every part of the cookie.
func (s *Server) deleteProgress(w http.ResponseWriter, surveyID string) {
	for i := range surveyCookieParts {
		s.clearCookie(w, surveyID, i)
	}
}

func (s *Server) clearCookie(w http.ResponseWriter, surveyID string, i int) {
	http.SetCookie(w, &http.Cookie{Name: surveyCookie + strconv.Itoa(i), Value: "", Path: surveyCookiePath(surveyID), MaxAge: -1,
		HttpOnly: true, Secure: s.surveys.secure, SameSite: http.SameSiteLaxMode})
}

// SurveyCookies are the cookies of a respondent part-way through version
// of survey surveyID with the given answers, encrypted with the portal's
// session key as the portal writes them (the benchmark mints submissions
// with them).
func SurveyCookies(sessionKey []byte, surveyID string, version int, responseID string, answers store.Answers) ([]*http.Cookie, error) {
	parts := newSurveyParts(sessionKey, false)
	p := &progress{SurveyID: surveyID, ResponseID: responseID, Version: version, Answers: answers, Expires: time.Now().Add(surveyCookieLife).Unix()}
	enc, err := parts.codec.Encode(surveyCookie, p)
	if err != nil {
		return nil, err
	}
	var cs []*http.Cookie
	for i := 0; i*surveyCookieChunk < len(enc); i++ {
		to := min((i+1)*surveyCookieChunk, len(enc))
		cs = append(cs, &http.Cookie{Name: surveyCookie + strconv.Itoa(i), Value: enc[i*surveyCookieChunk : to], Path: surveyCookiePath(surveyID)})
	}
	return cs, nil
}

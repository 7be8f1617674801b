package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// The respondent's journey: a start page, one question per page, check
// your answers, confirmation. Answers live in the respondent's encrypted
// cookie until they submit; every answer is checked on its page and the
// whole response again at submission, so tampered input is re-shown with
// an error (422) and never stored.

func timeParseDay(day string) (time.Time, error) { return time.Parse(time.DateOnly, day) }

type surveyStartData struct {
	Survey      *store.Survey
	Questions   int
	CodeNeeded  bool
	CodeAllowed bool
}

type surveyStartForm struct {
	Code string `form:"code"`
}

func (surveyStartForm) messages() map[string]string { return nil }

// surveyStart is the survey's front page.
func (s *Server) surveyStart(c *gin.Context) {
	sv, ok := s.loadSurveyForRespondent(c)
	if !ok || s.surveyUnavailable(c, sv) {
		return
	}
	s.renderSurveyStart(c, http.StatusOK, sv, &surveyStartForm{}, nil)
}

func (s *Server) renderSurveyStart(c *gin.Context, status int, sv *store.Survey, f *surveyStartForm, errs *formErrors) {
	d := surveyStartData{Survey: sv, Questions: len(sv.Current().Questions), CodeNeeded: !sv.OpenLink, CodeAllowed: sv.InviteCodes}
	s.render(c, status, "survey_start", &Page{Title: sv.Title, Data: d, Form: f, Errors: errs, NoIndex: true, Exit: surveyExit(sv)})
}

// surveyBegin checks an invitation code (if any) and starts the response:
// its random id is made now, so a repeated submission is stored once.
func (s *Server) surveyBegin(c *gin.Context) {
	sv, ok := s.loadSurveyForRespondent(c)
	if !ok || s.surveyUnavailable(c, sv) {
		return
	}
	var f surveyStartForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	code := store.NormaliseCode(f.Code)
	switch {
	case code == "" && !sv.OpenLink:
		errs.Add("code", "Enter the invitation code from your letter or email")
	case code != "" && !sv.InviteCodes:
		code = ""
	case code != "":
		err := s.surveyDB.CheckSurveyCode(c.Request.Context(), sv.ID, code)
		switch {
		case apperr.Is(err, apperr.NotFound):
			errs.Add("code", "That invitation code is not right: check it and try again")
		case apperr.Is(err, apperr.Conflict): // used already (store.ErrCodeUsed)
			errs.Add("code", "That invitation code has already been used to answer this survey")
		case apperr.Is(err, apperr.Duplicate): // store.ErrSentBefore
			errs.Add("code", sentBeforeMessage)
		case err != nil:
			s.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		s.renderSurveyStart(c, http.StatusUnprocessableEntity, sv, &f, errs)
		return
	}
	now := s.surveyDB.Now()
	p := s.readProgress(c.Request, sv.ID, now)
	if p == nil || p.Version != sv.Current().N {
		p = &progress{SurveyID: sv.ID, ResponseID: store.RandomSecret(), Version: sv.Current().N, Answers: store.Answers{}}
	}
	if code != "" {
		p.Code = code
	}
	if err := s.writeProgress(c.Writer, p, now); err != nil {
		s.serverError(c, err)
		return
	}
	v := sv.Version(p.Version)
	s.redirect(c, s.nextPage(sv, v, p, -1, false))
}

// respondent loads the survey, the respondent's progress and the version
// they are answering; without progress it sends them to the start page.
func (s *Server) respondent(c *gin.Context) (*store.Survey, *store.Version, *progress, bool) {
	sv, ok := s.loadSurveyForRespondent(c)
	if !ok || s.surveyUnavailable(c, sv) {
		return nil, nil, nil, false
	}
	p := s.readProgress(c.Request, sv.ID, s.surveyDB.Now())
	var v *store.Version
	if p != nil {
		v = sv.Version(p.Version)
	}
	if v == nil {
		if c.Request.Method == http.MethodPost {
			s.errorPage(c, http.StatusUnprocessableEntity, "Your answers have expired",
				"For your privacy, answers are kept for 2 hours and only in this browser. Nothing has been sent. Start the survey again from "+s.link("/s/"+sv.ID)+".")
			return nil, nil, nil, false
		}
		s.redirect(c, "/s/"+sv.ID)
		return nil, nil, nil, false
	}
	return sv, v, p, true
}

// nextPage is where to go after question index i: the next visible
// question, or in change mode the next visible required question still
// unanswered, or check your answers.
func (s *Server) nextPage(sv *store.Survey, v *store.Version, p *progress, i int, change bool) string {
	for j := i + 1; j < len(v.Questions); j++ {
		q := &v.Questions[j]
		if !q.Visible(p.Answers) {
			continue
		}
		if _, answered := p.Answers[q.ID]; change && (answered || !q.Required) {
			continue
		}
		return "/s/" + sv.ID + "/q/" + q.ID
	}
	return "/s/" + sv.ID + "/check"
}

// questionIndex is the version's question named in the path, or -1.
func questionIndex(v *store.Version, id string) int {
	for i := range v.Questions {
		if v.Questions[i].ID == id {
			return i
		}
	}
	return -1
}

type surveyQuestionData struct {
	Survey   *store.Survey
	Q        *store.Question
	Number   int
	Total    int
	Options  []optionView
	Value    string
	Back     string
	Action   string
	Change   bool
	AboutYou bool
}

// optionView is one radio or checkbox with its id and any group heading
// shown above it (the Census 2021 high-level groups).
type optionView struct {
	store.Option
	DomID     string
	Checked   bool
	Heading   string
	Exclusive bool
}

func (s *Server) surveyQuestion(c *gin.Context) {
	sv, v, p, ok := s.respondent(c)
	if !ok {
		return
	}
	i := questionIndex(v, c.Param("qid"))
	if i < 0 {
		s.notFound(c)
		return
	}
	if !v.Questions[i].Visible(p.Answers) {
		s.redirect(c, s.nextPage(sv, v, p, i, false))
		return
	}
	s.renderQuestion(c, http.StatusOK, sv, v, p, i, p.Answers[v.Questions[i].ID], c.Query("change") != "", nil)
}

func (s *Server) renderQuestion(c *gin.Context, status int, sv *store.Survey, v *store.Version, p *progress, i int, vals []string, change bool, errs *formErrors) {
	q := &v.Questions[i]
	d := surveyQuestionData{Survey: sv, Q: q, Change: change, AboutYou: q.AboutYou,
		Action: "/s/" + sv.ID + "/q/" + q.ID + map[bool]string{true: "?change=1"}[change]}
	for j := range v.Questions {
		if v.Questions[j].Visible(p.Answers) {
			d.Total++
			if j <= i {
				d.Number = d.Total
			}
		}
	}
	d.Back = "/s/" + sv.ID
	if change {
		d.Back = "/s/" + sv.ID + "/check"
	} else {
		for j := i - 1; j >= 0; j-- {
			if v.Questions[j].Visible(p.Answers) {
				d.Back = "/s/" + sv.ID + "/q/" + v.Questions[j].ID
				break
			}
		}
	}
	checked := map[string]bool{}
	for _, x := range vals {
		checked[x] = true
	}
	if q.Choice() {
		group := ""
		for k, o := range q.Choices() {
			ov := optionView{Option: o, DomID: "answer", Checked: checked[o.Code], Exclusive: o.Code == store.PreferNotToSay}
			if k > 0 {
				ov.DomID = "answer-" + strconv.Itoa(k+1)
			}
			if o.Group != "" && o.Group != group {
				group = o.Group
				ov.Heading = groupHeading(o.Group)
			}
			d.Options = append(d.Options, ov)
		}
	} else if len(vals) > 0 {
		d.Value = vals[0]
		if q.Type == store.QPostcode && vals[0] == store.PreferNotToSay {
			d.Value = ""
			d.Options = []optionView{{Option: store.Option{Code: store.PreferNotToSay}, Checked: true}}
		}
	}
	title := q.Text
	s.render(c, status, "survey_question", &Page{Title: title, Data: d, Errors: errs, NoIndex: true, Exit: surveyExit(sv)})
}

func groupHeading(g string) string {
	return map[string]string{
		"Asian": "Asian, Asian British or Asian Welsh", "Black": "Black, Black British, Black Welsh, Caribbean or African",
		"Mixed": "Mixed or Multiple ethnic groups", "White": "White", "Other": "Other ethnic group",
	}[g]
}

// surveyAnswer checks one answer and keeps it in the cookie.
func (s *Server) surveyAnswer(c *gin.Context) {
	sv, v, p, ok := s.respondent(c)
	if !ok {
		return
	}
	i := questionIndex(v, c.Param("qid"))
	if i < 0 {
		s.notFound(c)
		return
	}
	if c.Request.ParseForm() != nil {
		s.tooLarge(c)
		return
	}
	q := &v.Questions[i]
	raw := c.Request.PostForm["answer"]
	change := c.Query("change") != ""
	errs := &formErrors{}
	if !q.Visible(p.Answers) {
		errs.Add("answer", "This question does not apply to your earlier answers: go back and check them")
		s.renderQuestion(c, http.StatusUnprocessableEntity, sv, v, p, i, nil, change, errs)
		return
	}
	vals, msg := q.CheckAnswer(raw)
	if msg != "" {
		errs.Add("answer", msg)
		s.renderQuestion(c, http.StatusUnprocessableEntity, sv, v, p, i, raw, change, errs)
		return
	}
	if vals == nil {
		delete(p.Answers, q.ID)
	} else {
		p.Answers[q.ID] = vals
	}
	// An answer that hides later questions drops their answers.
	for j := i + 1; j < len(v.Questions); j++ {
		if !v.Questions[j].Visible(p.Answers) {
			delete(p.Answers, v.Questions[j].ID)
		}
	}
	if err := s.writeProgress(c.Writer, p, s.surveyDB.Now()); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			errs.Add("answer", apperr.MessageOf(err))
			s.renderQuestion(c, http.StatusUnprocessableEntity, sv, v, p, i, raw, change, errs)
			return
		}
		s.serverError(c, err)
		return
	}
	s.redirect(c, s.nextPage(sv, v, p, i, change))
}

// sentBeforeMessage tells a respondent that their earlier, unconfirmed
// try with an invitation code did arrive (store.ErrSentBefore).
const sentBeforeMessage = "You sent answers with this invitation code before, and although we could not confirm it at the time, they arrived. They are counted once."

type surveyCheckData struct {
	Survey *store.Survey
	Rows   []surveyCheckRow
}

type surveyCheckRow struct {
	ID, Question, Answer, Change string
}

func (s *Server) surveyCheck(c *gin.Context) {
	sv, v, p, ok := s.respondent(c)
	if !ok {
		return
	}
	s.renderSurveyCheck(c, http.StatusOK, sv, v, p, nil)
}

func (s *Server) renderSurveyCheck(c *gin.Context, status int, sv *store.Survey, v *store.Version, p *progress, errs *formErrors) {
	d := surveyCheckData{Survey: sv}
	for i := range v.Questions {
		q := &v.Questions[i]
		if !q.Visible(p.Answers) {
			continue
		}
		ans := "Not answered"
		if vals, ok := p.Answers[q.ID]; ok {
			ans = q.Label(vals)
		}
		d.Rows = append(d.Rows, surveyCheckRow{ID: "q-" + q.ID, Question: q.Text, Answer: ans, Change: "/s/" + sv.ID + "/q/" + q.ID + "?change=1"})
	}
	s.render(c, status, "survey_check", &Page{Title: "Check your answers before sending them", Data: d, Errors: errs, NoIndex: true, Exit: surveyExit(sv)})
}

// surveySubmit checks the whole response again and stores it once.
func (s *Server) surveySubmit(c *gin.Context) {
	sv, v, p, ok := s.respondent(c)
	if !ok {
		return
	}
	answers, err := v.Check(p.Answers)
	if err != nil {
		errs := &formErrors{}
		for _, pr := range apperr.All(err) {
			errs.Add("q-"+pr.Field, pr.Message)
		}
		s.renderSurveyCheck(c, http.StatusUnprocessableEntity, sv, v, p, errs)
		return
	}
	r := &store.Response{ID: p.ResponseID, SurveyID: sv.ID, Version: v.N, Answers: answers}
	err = s.surveyDB.SubmitResponse(c.Request.Context(), v, r, p.Code)
	switch {
	case err == nil, apperr.Is(err, apperr.Conflict) && apperr.FieldOf(err) == "":
		// In already (store.ErrAlreadySubmitted: sent twice): done.
	case apperr.Is(err, apperr.Conflict), apperr.Is(err, apperr.NotFound):
		// The code was used for another response (store.ErrCodeUsed, on
		// the field "code"), or is gone.
		s.deleteProgress(c.Writer, sv.ID)
		s.errorPage(c, http.StatusConflict, "That invitation code has already been used",
			"Each invitation code can be used for one response, and someone has already sent one with this code. Your answers have not been sent.")
		return
	case apperr.Is(err, apperr.Duplicate):
		// An earlier try with this code was not confirmed, and its
		// response is stored (store.ErrSentBefore): it is the one counted.
		s.deleteProgress(c.Writer, sv.ID)
		s.errorPage(c, http.StatusConflict, "Your answers had already arrived", sentBeforeMessage+" These answers have not been sent again.")
		return
	case store.IsBusy(err):
		// The insert did not answer in time: the response may be stored.
		// The progress stays, so sending again stores it at most once.
		s.log.WarnContext(c.Request.Context(), "survey response not confirmed: asked the respondent to send again", "err", err)
		c.Header("Retry-After", strconv.Itoa(int(busyRetryAfter.Seconds())))
		s.errorPage(c, http.StatusServiceUnavailable, "We could not confirm that your answers were sent",
			"The service was busy, so we do not know whether your answers reached us. Wait a minute, then go back and send them again: if they did arrive the first time, they will be counted once, not twice.")
		return
	default:
		s.serverError(c, err)
		return
	}
	// The response is in: forget everything this browser held about it.
	s.deleteProgress(c.Writer, sv.ID)
	if sess := s.session(c); sess != nil && currentUser(c) == nil {
		sess.Options.MaxAge = -1
		markSessionDirty(c)
	}
	s.redirect(c, "/s/"+sv.ID+"/done")
}

func (s *Server) surveyDone(c *gin.Context) {
	sv, ok := s.loadSurveyForRespondent(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "survey_done", &Page{Title: "Your answers have been sent", Data: sv, NoIndex: true, Exit: surveyExit(sv)})
}

// surveyExit is the "Exit this page" link of a survey on a sensitive
// topic (it deletes the answers so far: referral_draft.go), or "".
func surveyExit(sv *store.Survey) string {
	if !sv.Sensitive {
		return ""
	}
	return "/exit?survey=" + sv.ID
}

package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

type surveyListData struct {
	Surveys []surveyRow
}

type surveyRow struct {
	Survey       *store.Survey
	State, Label string
}

// surveyStateLabel names a survey's state for staff.
func surveyStateLabel(st string) string {
	return map[string]string{store.SurveyDraft: "Draft", store.SurveyNotYet: "Not open yet", store.SurveyOpen: "Open", store.SurveyClosed: "Closed", store.SurveyImported: "Imported baseline"}[st]
}

func (s *Server) surveyList(c *gin.Context) {
	svs, err := s.surveyDB.Surveys(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := surveyListData{}
	for i := range svs {
		d.Surveys = append(d.Surveys, surveyRow{Survey: &svs[i], State: svs[i].State(s.today()), Label: surveyStateLabel(svs[i].State(s.today()))})
	}
	s.render(c, http.StatusOK, "survey_list", &Page{Title: "Surveys", Data: d})
}

// surveyForm is a survey's settings.
type surveyForm struct {
	Rev         int    `form:"rev"`
	Title       string `form:"title" binding:"required,max=200"`
	Intro       string `form:"intro" binding:"max=2000"`
	Series      string `form:"series" binding:"max=100"`
	Wave        string `form:"wave" binding:"max=100"`
	Baseline    string `form:"baseline"`
	AboutYou    bool   `form:"aboutYou"`
	OpenLink    bool   `form:"openLink"`
	InviteCodes bool   `form:"inviteCodes"`
	Closed      bool   `form:"closed"`
	Public      bool   `form:"public"`
	Sensitive   bool   `form:"sensitive"`
	OpensDay    string `form:"opens-day"`
	OpensMon    string `form:"opens-month"`
	OpensYear   string `form:"opens-year"`
	ClosesDay   string `form:"closes-day"`
	ClosesMon   string `form:"closes-month"`
	ClosesYear  string `form:"closes-year"`
}

func (surveyForm) messages() map[string]string {
	return map[string]string{
		"title.required": "Enter the survey's title",
		"title":          "The title must be 200 characters or fewer",
		"intro":          "The introduction must be 2,000 characters or fewer",
		"series":         "The series name must be 100 characters or fewer",
		"wave":           "The wave name must be 100 characters or fewer",
	}
}

// reopenRefused is why a closed survey is not opened again (issue 11):
// its full results are published once it closes, and a second close
// would publish them again with the late answers in; comparing the two
// would give those answers away.
const reopenRefused = "This survey has closed, so it cannot be opened again. Its results were published when it closed: opening it again would let anyone who compares those results with the results after it closes again work out the answers of the people who replied in between. To ask more people, start a new survey in the same series"

// check validates what the tags cannot and copies the form onto sv (on
// day, the UK day today).
func (f surveyForm) check(sv *store.Survey, others []store.Survey, day string, errs *formErrors) {
	wasClosed, bySwitch := sv.State(day) == store.SurveyClosed, sv.Closed
	if !f.OpenLink && !f.InviteCodes {
		errs.Add("openLink", "Choose at least one way for people to answer: the open link or invitation codes")
	}
	opens, msg := dateParts{f.OpensDay, f.OpensMon, f.OpensYear}.parse("The opening date")
	if msg != "" {
		errs.Add("opens", msg)
	}
	closes, msg := dateParts{f.ClosesDay, f.ClosesMon, f.ClosesYear}.parse("The closing date")
	if msg != "" {
		errs.Add("closes", msg)
	}
	if !opens.IsZero() && !closes.IsZero() && closes.Before(opens) {
		errs.Add("closes", "The closing date must be the same as or after the opening date")
	}
	if f.Baseline != "" {
		found := false
		for _, o := range others {
			found = found || (o.ID == f.Baseline && o.ID != sv.ID)
		}
		if !found {
			errs.Add("baseline", "Choose a baseline survey from the list")
		}
	}
	sv.Title, sv.Intro, sv.Series, sv.Wave, sv.BaselineID = f.Title, f.Intro, f.Series, f.Wave, f.Baseline
	sv.OpenLink, sv.InviteCodes, sv.Closed, sv.Public, sv.Sensitive = f.OpenLink, f.InviteCodes, f.Closed, f.Public, f.Sensitive
	if len(sv.Versions) == 0 {
		sv.AboutYou = f.AboutYou // fixed once published: versions keep their section
	}
	sv.OpensOn, sv.ClosesOn = dayOf(opens), dayOf(closes)
	if wasClosed && sv.State(day) != store.SurveyClosed {
		field := "closes" // closed by its date, which was moved on
		if bySwitch {
			field = "closed" // closed by its switch, unticked
		}
		errs.Add(field, reopenRefused)
	}
}

func dayOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func formOf(sv *store.Survey) surveyForm {
	f := surveyForm{Rev: sv.Rev, Title: sv.Title, Intro: sv.Intro, Series: sv.Series, Wave: sv.Wave, Baseline: sv.BaselineID,
		AboutYou: sv.AboutYou, OpenLink: sv.OpenLink, InviteCodes: sv.InviteCodes, Closed: sv.Closed, Public: sv.Public, Sensitive: sv.Sensitive}
	if t, err := timeParseDay(sv.OpensOn); err == nil {
		f.OpensDay, f.OpensMon, f.OpensYear = strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())
	}
	if t, err := timeParseDay(sv.ClosesOn); err == nil {
		f.ClosesDay, f.ClosesMon, f.ClosesYear = strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())
	}
	return f
}

// surveyFormData are the settings form's fields.
type surveyFormData struct {
	Survey                                  *store.Survey // nil for a new one
	Baseline                                choiceField
	AboutYou, OpenLink, InviteCodes, Closed checkboxField
	Public, Sensitive                       checkboxField
	Opens, Closes                           dateField
}

func (s *Server) surveyFormData(c *gin.Context, sv *store.Survey, f surveyForm, errs *formErrors) (surveyFormData, bool) {
	all, err := s.surveyDB.Surveys(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return surveyFormData{}, false
	}
	cs := []choice{{Value: "", Label: "No baseline"}}
	for _, o := range all {
		if sv == nil || o.ID != sv.ID {
			cs = append(cs, choice{Value: o.ID, Label: o.Title})
		}
	}
	d := surveyFormData{Survey: sv,
		Baseline: choiceField{Name: "baseline", Label: "Baseline survey to compare with (optional)", Hint: "Matched questions (with the same matching code) are compared with it", Value: f.Baseline, Error: errs.For("baseline"), Choices: cs},
		AboutYou: checkboxField{Name: "aboutYou", Legend: "About you", Label: "Include the standard \"about you\" questions", Checked: f.AboutYou,
			Hint: "Ethnic group, age, sex, gender identity, disability, religion, sexual orientation and postcode district; all optional. Needed for results by ethnic group."},
		OpenLink:    checkboxField{Name: "openLink", Legend: "Open link", Label: "Anyone with the link can answer", Checked: f.OpenLink, Error: errs.For("openLink")},
		InviteCodes: checkboxField{Name: "inviteCodes", Legend: "Invitation codes", Label: "People with a single-use invitation code can answer", Checked: f.InviteCodes, Hint: "For a panel or a mailing: each code allows one response, and nothing Candour keeps links a code to its response"},
		Sensitive: checkboxField{Name: "sensitive", Legend: "Sensitive topic", Label: "Show \"Exit this page\" on every page respondents see", Checked: f.Sensitive,
			Hint: "For a survey about abuse, violence or anything someone may not want seen on their screen. Leaving deletes the answers so far."},
		Closed: checkboxField{Name: "closed", Legend: "Close early", Label: "The survey is closed", Checked: f.Closed, Error: errs.For("closed")},
		Public: checkboxField{Name: "public", Legend: "Public summary", Label: "Publish a summary of the results", Checked: f.Public, Hint: "Suppressed figures only; no free text"},
		Opens:  dateField{Name: "opens", Legend: "Opening date (optional)", Hint: "For example, 5 1 2026", Error: errs.For("opens"), Day: f.OpensDay, Month: f.OpensMon, Year: f.OpensYear, LegendSize: "s"},
		Closes: dateField{Name: "closes", Legend: "Closing date (optional)", Hint: "The last day people can answer", Error: errs.For("closes"), Day: f.ClosesDay, Month: f.ClosesMon, Year: f.ClosesYear, LegendSize: "s"},
	}
	return d, true
}

func (s *Server) surveyNewForm(c *gin.Context) {
	f := surveyForm{AboutYou: true, OpenLink: true}
	d, ok := s.surveyFormData(c, nil, f, &formErrors{})
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "survey_new", &Page{Title: "New survey", Data: surveyShowData{Settings: d}, Form: f})
}

func (s *Server) surveyCreate(c *gin.Context) {
	var f surveyForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	baseline, err := s.baselineOf(c.Request.Context(), f.Baseline)
	if err != nil {
		s.serverError(c, err)
		return
	}
	sv := &store.Survey{}
	f.check(sv, baseline, s.today(), errs)
	if errs.Any() {
		d, ok := s.surveyFormData(c, nil, f, errs)
		if ok {
			s.render(c, http.StatusUnprocessableEntity, "survey_new", &Page{Title: "New survey", Data: surveyShowData{Settings: d}, Form: f, Errors: errs})
		}
		return
	}
	if err := s.surveyDB.CreateSurvey(c.Request.Context(), sv); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.create", Target: "survey:" + sv.ID, Detail: sv.Title})
	s.flash(c, "Survey created: now add its questions")
	s.redirect(c, "/surveys/"+sv.ID)
}

// surveyShowData is the survey's page for staff.
type surveyShowData struct {
	Survey            *store.Survey
	State             string
	StateLabel        string
	Settings          surveyFormData
	Link              string
	CodesTotal        int64
	CodesUsed         int64
	Codes             []string // just made: shown once
	AboutYouQuestions []store.Question
}

func (s *Server) surveyShow(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	s.renderSurveyShow(c, http.StatusOK, sv, formOf(sv), &formErrors{}, nil)
}

func (s *Server) renderSurveyShow(c *gin.Context, status int, sv *store.Survey, f surveyForm, errs *formErrors, codes []string) {
	settings, ok := s.surveyFormData(c, sv, f, errs)
	if !ok {
		return
	}
	total, used, err := s.surveyDB.SurveyCodeCounts(c.Request.Context(), sv.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := surveyShowData{Survey: sv, State: sv.State(s.today()), StateLabel: surveyStateLabel(sv.State(s.today())), Settings: settings, Link: s.link("/s/" + sv.ID),
		CodesTotal: total, CodesUsed: used, Codes: codes, AboutYouQuestions: store.AboutYouQuestions()}
	s.render(c, status, "survey_show", &Page{Title: sv.Title, Data: d, Form: f, Errors: errs})
}

func (s *Server) surveySettings(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	var f surveyForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	baseline, err := s.baselineOf(c.Request.Context(), f.Baseline)
	if err != nil {
		s.serverError(c, err)
		return
	}
	f.check(sv, baseline, s.today(), errs) // on a copy: nothing is saved unless all is well
	if errs.Any() {
		s.renderSurveyShow(c, http.StatusUnprocessableEntity, sv, f, errs, nil)
		return
	}
	sv, err = s.surveyDB.ChangeSurvey(c.Request.Context(), sv.ID, f.Rev, func(sv *store.Survey, now time.Time) error {
		var again formErrors
		if f.check(sv, baseline, store.Day(now), &again); again.For("closed") != "" || again.For("closes") != "" {
			// Closed in the meantime (its closing date passed).
			return apperr.New(apperr.Invalid, "closed", reopenRefused)
		}
		return nil
	})
	if s.surveyChangeFailed(c, err) {
		return
	}
	if sv.Closed && s.surveys.decide != nil {
		s.surveys.decide() // its results are decided now, not at the job's next turn
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.settings", Target: "survey:" + sv.ID,
		Detail: fmt.Sprintf("open link %v, codes %v, closed %v, public %v, dates %s to %s", sv.OpenLink, sv.InviteCodes, sv.Closed, sv.Public, sv.OpensOn, sv.ClosesOn)})
	s.flash(c, "Survey settings saved")
	s.redirect(c, "/surveys/"+sv.ID)
}

// baselineOf is the survey a settings form names as its baseline, as the
// list of others surveyForm.check looks for it in: none when the form
// names none or no such survey exists. The form reads that one survey, not
// every survey (issue 18: closing a survey read them all, a few
// milliseconds of decoding each).
func (s *Server) baselineOf(ctx context.Context, id string) ([]store.Survey, error) {
	if id == "" {
		return nil, nil
	}
	b, err := s.surveyDB.Survey(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []store.Survey{*b}, nil
}

// surveyChangeFailed answers a change the store refused and reports true,
// or reports false when err is nil.
func (s *Server) surveyChangeFailed(c *gin.Context, err error) bool {
	if err == nil {
		return false
	}
	if apperr.Is(err, apperr.Invalid) {
		s.errorPage(c, statusOf(apperr.Invalid), "That change cannot be made", apperr.MessageOf(err)+". Nothing has been changed.")
		return true
	}
	if !s.stale(c, err, "Someone else has changed this survey",
		"The survey changed after you opened the page, so nothing has been saved and nothing has been overwritten. Go back, reload the page and make your change again.") {
		s.fail(c, err)
	}
	return true
}

type revForm struct {
	Rev int    `form:"rev"`
	N   int    `form:"n"`
	Dir string `form:"dir"`
}

func (revForm) messages() map[string]string { return nil }

// surveyPublish makes the draft the next published version.
// surveyPublishConfirm asks before a version is published: its questions
// are fixed from then on, and anyone with the link can answer once it opens.
func (s *Server) surveyPublishConfirm(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	what := "the survey"
	if len(sv.Versions) > 0 {
		what = fmt.Sprintf("version %d", len(sv.Versions)+1)
	}
	s.confirm(c, "Are you sure you want to publish "+what+"?", confirmation{Caption: sv.Title,
		Body: []string{fmt.Sprintf("It has %d %s of your own%s.", len(sv.Draft), map[bool]string{true: "question", false: "questions"}[len(sv.Draft) == 1],
			map[bool]string{true: " and the \"about you\" section", false: ""}[sv.AboutYou]),
			"People can answer it as soon as it is open, and every response keeps the version it answered."},
		Warning: "Once published, a version's questions cannot be changed.",
		Action:  "/surveys/" + sv.ID + "/publish", Hidden: []hiddenField{{"rev", strconv.Itoa(sv.Rev)}},
		Button: "Yes, publish " + what, Cancel: "/surveys/" + sv.ID})
}

func (s *Server) surveyPublish(c *gin.Context) {
	var f revForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	sv, err := s.surveyDB.ChangeSurvey(c.Request.Context(), c.Param("id"), f.Rev, func(sv *store.Survey, now time.Time) error {
		return sv.Publish(now)
	})
	if s.surveyChangeFailed(c, err) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.publish", Target: "survey:" + sv.ID,
		Detail: fmt.Sprintf("version %d, %d questions", sv.Current().N, len(sv.Current().Questions))})
	s.flash(c, fmt.Sprintf("Version %d published: its questions can no longer change", sv.Current().N))
	s.redirect(c, "/surveys/"+sv.ID)
}

// surveyCodes makes single-use invitation codes and shows them once.
func (s *Server) surveyCodes(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	var f revForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.N < 1 || f.N > 500 {
		errs.Add("n", "Enter how many codes to make, from 1 to 500")
	} else if !sv.InviteCodes {
		errs.Add("n", "Allow invitation codes in the settings first")
	}
	if errs.Any() {
		s.renderSurveyShow(c, http.StatusUnprocessableEntity, sv, formOf(sv), errs, nil)
		return
	}
	codes, err := s.surveyDB.CreateSurveyCodes(c.Request.Context(), sv.ID, f.N)
	if err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.codes", Target: "survey:" + sv.ID, Detail: fmt.Sprintf("%d invitation codes made", f.N)})
	s.renderSurveyShow(c, http.StatusOK, sv, formOf(sv), &formErrors{}, codes)
}

package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

// Training and induction records, kept by the coordinator: for each
// volunteer, the training they completed and the last day it counts. A
// visit that needs training (visit form) refuses sign-up without it, and
// a chair planning unannounced visits can pair only people whose training
// lasts the quarter (visit_plan.go).

type trainingForm struct {
	Kind         string `form:"kind"`
	DoneDay      string `form:"completed-day"`
	DoneMonth    string `form:"completed-month"`
	DoneYear     string `form:"completed-year"`
	ExpiresDay   string `form:"expires-day"`
	ExpiresMonth string `form:"expires-month"`
	ExpiresYear  string `form:"expires-year"`
}

func (trainingForm) messages() map[string]string { return nil }

type trainingRow struct {
	Label              string
	Completed, Expires string
	Lapsed             bool
}

type trainingData struct {
	Person            *store.User
	Rows              []trainingRow
	Kind              choiceField
	Completed, Expiry dateField
}

func trainingChoices() []choice {
	cs := []choice{{Value: "", Label: "No training needed"}}
	for _, k := range store.TrainingKinds {
		cs = append(cs, choice{Value: k, Label: words.Training(k)})
	}
	return cs
}

// trainingShow lists a person's training and the form to record some.
func (s *Server) trainingShow(c *gin.Context) {
	u, ok := loadByID(s, c, s.volunteer.User)
	if !ok {
		return
	}
	s.renderTraining(c, http.StatusOK, u, trainingForm{}, &formErrors{})
}

func (s *Server) renderTraining(c *gin.Context, status int, u *store.User, f trainingForm, errs *formErrors) {
	t, err := s.volunteer.TrainingOf(c.Request.Context(), u.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &trainingData{Person: u,
		Kind: newChoices("kind", "Training", f.Kind, errs, trainingChoices()[1:]),
		Completed: dateField{Name: "completed", Legend: "Date completed", Hint: "For example, 14 9 2026", Error: errs.For("completed"),
			Day: f.DoneDay, Month: f.DoneMonth, Year: f.DoneYear, LegendSize: "s"},
		Expiry: dateField{Name: "expires", Legend: "Last day it counts", Hint: "It lapses at midnight at the end of this day (UK time)", Error: errs.For("expires"),
			Day: f.ExpiresDay, Month: f.ExpiresMonth, Year: f.ExpiresYear, LegendSize: "s"},
	}
	d.Kind.LabelSize = "s"
	now := s.volunteer.Now()
	for _, k := range store.TrainingKinds {
		if r, ok := t.Records[k]; ok {
			d.Rows = append(d.Rows, trainingRow{Label: words.Training(k), Completed: r.Completed.In(london).Format("2 January 2006"),
				Expires: r.Expires.In(london).Format("2 January 2006"), Lapsed: r.Lapsed(now)})
		}
	}
	s.render(c, status, "training", &Page{Title: "Training: " + u.Name, Errors: errs, Data: d, Form: f})
}

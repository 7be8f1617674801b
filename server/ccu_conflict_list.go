package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// Declared conflicts: each CCU analyst lists the people they are connected
// to (family, partners, friends, former colleagues). A case about one of
// them warns the analyst when they open it, and the access review flags
// the opening (issue 19). Only the analyst sees their own list; the review
// shows a supervisor that a conflict exists, never whom it is with.

type conflictForm struct {
	Name       string `form:"name" binding:"max=200"`
	Force      string `form:"force" binding:"max=200"`
	Collar     string `form:"collar" binding:"max=40"`
	Connection string `form:"connection" binding:"required,max=300"`
}

func (conflictForm) messages() map[string]string {
	return map[string]string{
		"name":                "Name must be 200 characters or fewer",
		"force":               "Force must be 200 characters or fewer",
		"collar":              "Collar number must be 40 characters or fewer",
		"connection.required": "Enter how you know them",
		"connection":          "How you know them must be 300 characters or fewer",
	}
}

// check says what binding cannot: someone must be named, and a name is
// matched together with its force (as on a referral).
func (f conflictForm) check() error {
	switch {
	case f.Name == "" && f.Collar == "":
		return apperr.Invalidf("name", "Enter their name and force, or their collar number")
	case f.Name != "" && f.Force == "":
		return apperr.Invalidf("force", "Enter the force they serve in")
	case f.Name == "" && f.Force != "":
		return apperr.Invalidf("name", "Enter their name")
	}
	return nil
}

type ccuConflictsData struct {
	Conflicts []store.Conflict
}

// ccuConflicts lists the analyst's declared conflicts with a form to add one.
func (s *Server) ccuConflicts(c *gin.Context) {
	s.renderConflicts(c, http.StatusOK, conflictForm{}, &formErrors{})
}

func (s *Server) renderConflicts(c *gin.Context, status int, f conflictForm, errs *formErrors) {
	cs, err := s.conflicts.Conflicts(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, status, "ccu_conflicts", &Page{Title: "Your declared conflicts of interest", Data: &ccuConflictsData{Conflicts: cs}, Form: f, Errors: errs, NoIndex: true})
}

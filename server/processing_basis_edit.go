package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// The data protection officer's wording of the lawful basis and condition
// for one kind of data (issue 19). Candour has no DPO role: an
// administrator enters what the DPO decided, and the audit event and the
// record name who did.

type basisForm struct {
	LawfulBasis string `form:"lawfulBasis" binding:"required,max=500"`
	Condition   string `form:"condition" binding:"max=500"`
}

func (basisForm) messages() map[string]string {
	return map[string]string{
		"lawfulBasis.required": "Enter the lawful basis",
		"lawfulBasis":          "The lawful basis must be 500 characters or fewer",
		"condition":            "The condition must be 500 characters or fewer",
	}
}

// loadKind finds the kind of data in the path; it answers 404 itself.
func (s *Server) loadKind(c *gin.Context) (*DataKind, bool) {
	bases, err := s.processing.ProcessingBases(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return nil, false
	}
	for _, k := range WithBases(Processing(s.cfg), bases) {
		if k.Key == c.Param("kind") {
			return &k, true
		}
	}
	s.notFound(c)
	return nil, false
}

// processingBasisForm shows the kind's basis and condition for editing.
func (s *Server) processingBasisForm(c *gin.Context) {
	k, ok := s.loadKind(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "processing_basis", &Page{Title: "Lawful basis: " + k.Name, Data: k,
		Form: basisForm{LawfulBasis: k.LawfulBasis, Condition: k.Condition}})
}

// processingBasisSave stores the DPO's wording in place of the default.
func (s *Server) processingBasisSave(c *gin.Context) {
	k, ok := s.loadKind(c)
	if !ok {
		return
	}
	var f basisForm
	form, ok := s.submitForm(c, &f, "lawful basis", nil, func(status int, errs *formErrors) {
		s.render(c, status, "processing_basis", &Page{Title: "Lawful basis: " + k.Name, Data: k, Form: f, Errors: errs})
	})
	if !ok || !form.ok(nil) {
		return
	}
	me := currentUser(c)
	if !form.ok(s.processing.SetProcessingBasis(c.Request.Context(), store.ProcessingBasis{Kind: k.Key, LawfulBasis: f.LawfulBasis, Condition: f.Condition, By: me.Email})) {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditBasisChanged, Target: "processing:" + k.Key,
		Detail: "lawful basis: " + f.LawfulBasis + "; condition: " + f.Condition})
	s.flash(c, "Lawful basis saved for "+k.Name)
	s.redirect(c, "/admin/processing")
}

package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/powers"
)

// vettingImportForm asks for a file of vetting decisions.
func (s *Server) vettingImportForm(c *gin.Context) {
	s.render(c, http.StatusOK, "vetting_import", &Page{Title: "Import vetting decisions", Data: &powerImportPage{Dataset: powers.Vetting}})
}

// vettingImport checks every line of the uploaded file and, when all are
// good, stores it: the import every activity uses (importFile), on the
// vetting page.
func (s *Server) vettingImport(c *gin.Context) {
	s.importFile(c, powers.Vetting, "vetting_import")
}

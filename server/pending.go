package server

import "github.com/gin-gonic/gin"

// Handlers being written. Each helper removes its own lines when done.

func (s *Server) passwordResetRequestForm(c *gin.Context) { s.notFound(c) }
func (s *Server) passwordResetRequest(c *gin.Context)     { s.notFound(c) }
func (s *Server) passwordResetForm(c *gin.Context)        { s.notFound(c) }
func (s *Server) passwordReset(c *gin.Context)            { s.notFound(c) }
func (s *Server) invitationForm(c *gin.Context)           { s.notFound(c) }
func (s *Server) invitationAccept(c *gin.Context)         { s.notFound(c) }
func (s *Server) account(c *gin.Context)                  { s.notFound(c) }
func (s *Server) passwordChange(c *gin.Context)           { s.notFound(c) }
func (s *Server) signOutEverywhere(c *gin.Context)        { s.notFound(c) }
func (s *Server) accountTwoFactorForm(c *gin.Context)     { s.notFound(c) }
func (s *Server) accountTwoFactor(c *gin.Context)         { s.notFound(c) }
func (s *Server) devMail(c *gin.Context)                  { s.notFound(c) }

func (s *Server) peopleList(c *gin.Context)       { s.notFound(c) }
func (s *Server) personInviteForm(c *gin.Context) { s.notFound(c) }
func (s *Server) personInvite(c *gin.Context)     { s.notFound(c) }
func (s *Server) personShow(c *gin.Context)       { s.notFound(c) }
func (s *Server) personSave(c *gin.Context)       { s.notFound(c) }
func (s *Server) personReinvite(c *gin.Context)   { s.notFound(c) }
func (s *Server) groupList(c *gin.Context)        { s.notFound(c) }
func (s *Server) groupNewForm(c *gin.Context)     { s.notFound(c) }
func (s *Server) groupCreate(c *gin.Context)      { s.notFound(c) }
func (s *Server) groupShow(c *gin.Context)        { s.notFound(c) }
func (s *Server) groupSave(c *gin.Context)        { s.notFound(c) }
func (s *Server) memberSave(c *gin.Context)       { s.notFound(c) }
func (s *Server) memberRemove(c *gin.Context)     { s.notFound(c) }
func (s *Server) partnerList(c *gin.Context)      { s.notFound(c) }
func (s *Server) partnerCreate(c *gin.Context)    { s.notFound(c) }
func (s *Server) partnerShow(c *gin.Context)      { s.notFound(c) }
func (s *Server) auditList(c *gin.Context)        { s.notFound(c) }

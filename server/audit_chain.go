package server

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/auditfeed"
	"candour/store"
)

type auditChainData struct {
	Heads   []store.PublishedHead
	Keys    []auditfeed.PublicKey
	FeedURL string
}

// auditChain is the public page of the audit chain's signed daily heads
// and every key that signed one, so that anyone can keep a copy and later
// check the force's audit log against it (candour audit verify --against).
// It shows sequence numbers and hashes only: nothing of any event.
func (s *Server) auditChain(c *gin.Context) {
	hs, err := s.chainHeads.PublishedHeads(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &auditChainData{Heads: hs, Keys: auditfeed.Keys(hs), FeedURL: s.cfg.BaseURL + "/audit-chain.atom"}
	s.render(c, http.StatusOK, "audit_chain", &Page{Title: "Audit log: published checkpoints", Data: d})
}

// auditChainFeed is the same heads as an Atom feed, the keys listed in it.
func (s *Server) auditChainFeed(c *gin.Context) {
	hs, err := s.chainHeads.PublishedHeads(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	var buf bytes.Buffer
	m := auditfeed.Meta{Title: s.cfg.ForceName + ": Candour audit log checkpoints", Author: s.cfg.ForceName,
		SelfURL: s.cfg.BaseURL + "/audit-chain.atom", PageURL: s.cfg.BaseURL + "/audit-chain"}
	if err := auditfeed.Write(&buf, m, hs); err != nil {
		s.serverError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", buf.Bytes())
}

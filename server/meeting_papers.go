package server

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// MaxPaperBytes caps a meeting paper (10 MB).
const MaxPaperBytes = 10 << 20

// paperTypes are the papers a meeting takes, found from the content (never
// the name): PDF, Word (.docx), PNG and JPEG; with the extension a
// download is given.
var paperTypes = map[string]string{
	"application/pdf": ".pdf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"image/png":  ".png",
	"image/jpeg": ".jpg",
}

// paperType finds a paper's type from its content: the first bytes for PDF
// and images, and for a zip file, the parts every Word document has.
func paperType(f multipart.File, size int64) string {
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	t := http.DetectContentType(head[:n])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	switch t {
	case "application/pdf", "image/png", "image/jpeg":
		return t
	case "application/zip":
		zr, err := zip.NewReader(f, size)
		if err != nil {
			return ""
		}
		var types, doc bool
		for _, zf := range zr.File {
			types = types || zf.Name == "[Content_Types].xml"
			doc = doc || zf.Name == "word/document.xml"
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return ""
		}
		if types && doc {
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		}
	}
	return ""
}

// paperName cleans an uploaded file's name for showing and for the
// download: the base name, letters, digits, spaces, dots, dashes and
// underscores only, at most 100 characters, with the extension of the
// type found.
func paperName(name, typ string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		}
	}
	out := strings.Trim(strings.TrimSpace(b.String()), ".")
	if out == "" {
		out = "paper"
	}
	if len(out) > 100 {
		out = out[:100]
	}
	return out + paperTypes[typ]
}

// meetingPaperUpload takes one paper: size and type checked, sealed in
// chunks as it is read (from the temporary file the upload waits in, so
// memory stays bounded), scanned, and only then listed.
func (s *Server) meetingPaperUpload(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	var fh *multipart.FileHeader
	if mf := c.Request.MultipartForm; mf != nil && len(mf.File["paper"]) > 0 {
		fh = mf.File["paper"][0]
	}
	f, typ, err := openUpload(fh, "paper", paperTypes, "a PDF, a Word document (.docx), or a PNG or JPEG image")
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.meetingRefused(c, m, err)
		} else {
			s.serverError(c, err)
		}
		return
	}
	defer f.Close()
	ctx := context.WithoutCancel(c.Request.Context())
	me := currentUser(c)
	p := &store.Paper{Name: paperName(fh.Filename, typ), Type: typ, UploadedBy: me.Name}
	if err := s.meetings.StorePaper(ctx, m.ID, p, f); err != nil {
		s.serverError(c, err)
		return
	}
	clean, reason, err := s.scanPaper(ctx, *p)
	if err != nil {
		s.log.ErrorContext(ctx, "paper scan failed: the paper is refused", "err", err, "paper", p.ID)
		clean, reason = false, "the scan could not be completed"
	}
	if err := s.meetings.PaperScanned(ctx, m.ID, *p, clean); err != nil {
		s.serverError(c, err)
		return
	}
	if !clean {
		s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditPaperRejected, Target: "meeting:" + m.ID, Detail: p.Name + ": " + reason})
		fresh, _ := s.meetings.Meeting(ctx, m.ID)
		if fresh != nil {
			m = fresh
		}
		s.meetingRefused(c, m, apperr.Invalidf("paper", "The file was refused by the virus check (%s). It has not been kept.", reason))
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditPaperUploaded, Target: "meeting:" + m.ID + "/paper:" + p.ID, Detail: p.Name})
	s.flash(c, "Paper added: "+p.Name)
	s.redirect(c, "/meetings/"+m.ID+"#papers")
}

// scanPaper streams the stored paper to the scanner, a chunk at a time.
func (s *Server) scanPaper(ctx context.Context, p store.Paper) (bool, string, error) {
	return s.scanSealed(ctx, p.Name, func(ctx context.Context, w io.Writer) error { return s.meetings.OpenPaper(ctx, p, w) })
}

// meetingPaperDownload serves a paper, always as a download (never shown
// in the browser), and audits it.
func (s *Server) meetingPaperDownload(c *gin.Context) {
	m, _, ok := s.loadMeeting(c)
	if !ok {
		return
	}
	p, ok := m.Papers[c.Param("paperId")]
	if !ok || p.Status != store.PaperClean {
		s.notFound(c)
		return
	}
	// Opened fully before the first byte is sent, so a failure is a
	// proper error page; a paper is at most 10 MB.
	var buf bytes.Buffer
	if err := s.meetings.OpenPaper(c.Request.Context(), p, &buf); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditPaperDownloaded, Target: "meeting:" + m.ID + "/paper:" + p.ID, Detail: p.Name})
	c.Header("Content-Disposition", `attachment; filename="`+p.Name+`"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, p.Type, buf.Bytes())
}

// meetingPaperRemove deletes a paper.
func (s *Server) meetingPaperRemove(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	p, ok := m.Papers[c.Param("paperId")]
	if !ok {
		s.notFound(c)
		return
	}
	if err := s.meetings.DeletePaper(c.Request.Context(), m.ID, p); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditPaperRemoved, Target: "meeting:" + m.ID + "/paper:" + p.ID, Detail: p.Name})
	s.flash(c, "Paper removed: "+p.Name)
	s.redirect(c, "/meetings/"+m.ID+"#papers")
}

package server

import (
	"context"
	"io"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

// meetingAuditActions are the meeting pages' audit actions, listed after
// the store's in the audit log's filter (auditActionChoices).
var meetingAuditActions = []string{auditMeetingCreated, auditMeetingChanged, auditPaperUploaded, auditPaperRejected,
	auditPaperDownloaded, auditPaperRemoved, auditAttendance, auditMinutesSaved, auditMinutesApproved,
	auditActionAdded, auditActionDone}

// Audit actions for meetings.
const (
	auditMeetingCreated  = "meeting-created"
	auditMeetingChanged  = "meeting-changed"
	auditPaperUploaded   = "meeting-paper-uploaded"
	auditPaperRejected   = "meeting-paper-rejected"
	auditPaperDownloaded = "meeting-paper-downloaded"
	auditPaperRemoved    = "meeting-paper-removed"
	auditAttendance      = "meeting-attendance"
	auditMinutesSaved    = "meeting-minutes-saved"
	auditMinutesApproved = "meeting-minutes-approved"
	auditActionAdded     = "meeting-action-added"
	auditActionDone      = "meeting-action-done"
)

// PaperScanner checks an uploaded paper before anyone can download it. The
// default (NoScan) passes everything; a force with a scanning service
// (ClamAV's clamd, a cloud scanner) sets Options.PaperScanner. Scan reads
// the whole paper from r; it reports clean false with a reason for a
// paper to refuse, and an error only when it could not scan (the paper is
// then refused too: unscanned papers are never served).
type PaperScanner interface {
	Scan(ctx context.Context, name string, r io.Reader) (clean bool, reason string, err error)
}

// NoScan is the default PaperScanner: it reads nothing and passes all.
type NoScan struct{}

// Scan passes every paper.
func (NoScan) Scan(context.Context, string, io.Reader) (bool, string, error) { return true, "", nil }

// meetingAccess is what one person may do with one meeting.
type meetingAccess struct {
	See, Manage, Chair bool
}

// meetingAccessTo: the policy table says which roles see and manage every
// group's meetings (meetings.every: staff) and which approve minutes
// (meetings.approve: chairs); the row-level rule is the person's
// membership of the meeting's group: its members see its meetings, and
// its chair also manages them and approves the minutes.
func meetingAccessTo(u *store.User, m *store.Meeting) meetingAccess {
	if u == nil {
		return meetingAccess{}
	}
	every := allowed(u.Role, "meetings.every")
	a := meetingAccess{See: every, Manage: every}
	for _, ms := range u.Memberships {
		if ms.GroupID == m.GroupID {
			a.Chair = ms.Chair && allowed(u.Role, "meetings.approve")
			a.See, a.Manage = true, every || a.Chair
		}
	}
	return a
}

// loadMeeting reads the meeting named by :id that the person may see; one
// they may not see is "not found" to them.
func (s *Server) loadMeeting(c *gin.Context) (*store.Meeting, meetingAccess, bool) {
	m, ok := loadByID(s, c, s.meetings.Meeting)
	if !ok {
		return nil, meetingAccess{}, false
	}
	a := meetingAccessTo(currentUser(c), m)
	if !a.See {
		s.notFound(c)
		return nil, a, false
	}
	return m, a, true
}

// loadManagedMeeting is loadMeeting for changes: 403 for someone who sees
// the meeting but may not change it.
func (s *Server) loadManagedMeeting(c *gin.Context) (*store.Meeting, bool) {
	m, a, ok := s.loadMeeting(c)
	if !ok {
		return nil, false
	}
	if !a.Manage {
		s.forbidden(c)
		return nil, false
	}
	return m, true
}

func attendanceChoices() []choice {
	cs := make([]choice, 0, len(store.AttendanceMarks))
	for _, m := range store.AttendanceMarks {
		cs = append(cs, choice{Value: m, Label: words.Attendance(m)})
	}
	return cs
}

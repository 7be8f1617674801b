package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
)

// Group meetings: an agenda, papers, attendance taken at the meeting,
// minutes the chair approves and actions with owners and due dates. One
// document per meeting; attendance, papers and actions are maps in it
// keyed by id, so each mark or change is one single-document write and
// concurrent marks never lose each other.

// Attendance marks.
const (
	AttendPresent   = "present"
	AttendApologies = "apologies"
	AttendAbsent    = "absent"
)

// AttendanceMarks lists the marks in the order forms show them.
var AttendanceMarks = []string{AttendPresent, AttendApologies, AttendAbsent}

// Minutes statuses.
const (
	MinutesDraft    = "draft"
	MinutesApproved = "approved" // by the group's chair; no longer changes
)

// Paper statuses: a paper is served only once the scan has passed.
const (
	PaperScanning = "scanning"
	PaperClean    = "clean"
)

// MeetingAction is an action agreed at a meeting.
type MeetingAction struct {
	ID      string    `bson:"id"`
	Text    string    `bson:"text"`
	Owner   string    `bson:"owner"` // a person or a department, as agreed
	Due     time.Time `bson:"due"`
	Done    bool      `bson:"done"`
	DoneAt  time.Time `bson:"doneAt,omitempty"`
	AddedAt time.Time `bson:"addedAt"`
}

// Paper is a file for a meeting; its content is sealed in chunks in the
// meeting_papers collection.
type Paper struct {
	ID         string    `bson:"id"`
	Name       string    `bson:"name"` // the file name as uploaded, cleaned
	Type       string    `bson:"type"` // the media type found from the content
	Size       int64     `bson:"size"`
	Chunks     int       `bson:"chunks"`
	Status     string    `bson:"status"`
	UploadedBy string    `bson:"uploadedBy"`
	UploadedAt time.Time `bson:"uploadedAt"`
}

// Meeting is a group's meeting.
type Meeting struct {
	ID               string                   `bson:"_id"`
	GroupID          string                   `bson:"groupId"`
	Title            string                   `bson:"title"`
	Start            time.Time                `bson:"start"`
	End              time.Time                `bson:"end"`
	Venue            string                   `bson:"venue"`
	OnlineLink       string                   `bson:"onlineLink,omitempty"`       // online access
	IndependentChair string                   `bson:"independentChair,omitempty"` // name, for the external scrutiny forum
	Agenda           []string                 `bson:"agenda"`
	Attendance       map[string]string        `bson:"attendance"` // user id → mark
	Minutes          string                   `bson:"minutes,omitempty"`
	MinutesStatus    string                   `bson:"minutesStatus"`
	MinutesBy        string                   `bson:"minutesBy,omitempty"`
	MinutesAt        time.Time                `bson:"minutesAt,omitempty"`
	Actions          map[string]MeetingAction `bson:"actions"`
	Papers           map[string]Paper         `bson:"papers"`
	CreatedBy        string                   `bson:"createdBy"`
	CreatedAt        time.Time                `bson:"createdAt"`
	Version          int                      `bson:"version"`
}

// ActionList is the actions in the order they were added.
func (m *Meeting) ActionList() []MeetingAction {
	out := make([]MeetingAction, 0, len(m.Actions))
	for _, a := range m.Actions {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].AddedAt.Before(out[j].AddedAt) || (out[i].AddedAt.Equal(out[j].AddedAt) && out[i].ID < out[j].ID)
	})
	return out
}

// PaperList is the papers that passed their scan, in upload order.
func (m *Meeting) PaperList() []Paper {
	var out []Paper
	for _, p := range m.Papers {
		if p.Status == PaperClean {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UploadedAt.Before(out[j].UploadedAt) })
	return out
}

// ErrMinutesApproved is returned for a change to approved minutes.
var ErrMinutesApproved = apperr.New(apperr.Conflict, "minutes", "The minutes have been approved")

// CreateMeeting stores a new meeting.
func (s *Store) CreateMeeting(ctx context.Context, m *Meeting) error {
	m.ID, m.CreatedAt, m.Version, m.MinutesStatus = NewID(), s.now().UTC(), 1, MinutesDraft
	m.Start, m.End = m.Start.UTC(), m.End.UTC()
	m.Attendance, m.Actions, m.Papers = map[string]string{}, map[string]MeetingAction{}, map[string]Paper{}
	if m.Agenda == nil {
		m.Agenda = []string{}
	}
	if _, err := s.c("meetings").InsertOne(ctx, m); err != nil {
		return fmt.Errorf("store: create meeting: %w", err)
	}
	return nil
}

// Meeting returns one meeting. Returns ErrNotFound.
func (s *Store) Meeting(ctx context.Context, id string) (*Meeting, error) {
	var m Meeting
	if err := s.r("meetings").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m); err != nil {
		return nil, fmt.Errorf("store: meeting %s: %w", id, notFound(err))
	}
	if m.Attendance == nil {
		m.Attendance = map[string]string{}
	}
	if m.Actions == nil {
		m.Actions = map[string]MeetingAction{}
	}
	if m.Papers == nil {
		m.Papers = map[string]Paper{}
	}
	return &m, nil
}

// Meetings lists the meetings of groupIDs (nil: every group) starting at
// or after from, soonest first, at most limit. Meetings are few (a group
// meets monthly), so this reads by the start index.
func (s *Store) Meetings(ctx context.Context, groupIDs []string, from time.Time, limit int) ([]Meeting, error) {
	filter := bson.D{{Key: "start", Value: bson.D{{Key: "$gte", Value: from.UTC()}}}}
	if groupIDs != nil {
		filter = append(filter, bson.E{Key: "groupId", Value: bson.D{{Key: "$in", Value: groupIDs}}})
	}
	cur, err := s.r("meetings").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "start", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("store: meetings: %w", err)
	}
	var ms []Meeting
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("store: meetings: %w", err)
	}
	return ms, nil
}

// UpdateMeetingDetails changes when and where, the online link, the
// independent chair and the agenda, if the meeting is still at version.
// Returns ErrConflict for a stale version.
func (s *Store) UpdateMeetingDetails(ctx context.Context, m *Meeting, version int) error {
	res, err := s.updateIf(ctx, "meetings", m.ID, Eq("version", version), bson.D{
		{Key: "$set", Value: bson.D{{Key: "title", Value: m.Title}, {Key: "start", Value: m.Start.UTC()}, {Key: "end", Value: m.End.UTC()},
			{Key: "venue", Value: m.Venue}, {Key: "onlineLink", Value: m.OnlineLink}, {Key: "independentChair", Value: m.IndependentChair},
			{Key: "agenda", Value: m.Agenda}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	})
	if err != nil {
		return fmt.Errorf("store: update meeting: %w", err)
	}
	if res.MatchedCount == 0 {
		return ErrConflict
	}
	return nil
}

// MarkAttendance records one person's attendance (one write per person,
// so marks taken at once on two devices never undo each other).
func (s *Store) MarkAttendance(ctx context.Context, id, userID, mark string) error {
	return s.setMeeting(ctx, id, Cond{}, bson.D{{Key: "attendance." + userID, Value: mark}})
}

// SaveMinutes stores draft minutes. Returns ErrMinutesApproved once approved.
func (s *Store) SaveMinutes(ctx context.Context, id, text, by string) error {
	err := s.setMeeting(ctx, id, Eq("minutesStatus", MinutesDraft),
		bson.D{{Key: "minutes", Value: text}, {Key: "minutesBy", Value: by}, {Key: "minutesAt", Value: s.now().UTC()}})
	if errors.Is(err, errNoMatch) {
		return ErrMinutesApproved
	}
	return err
}

// ApproveMinutes approves the draft minutes as they stand. Returns
// ErrMinutesApproved if they were already approved (or there are none).
func (s *Store) ApproveMinutes(ctx context.Context, id, by string) error {
	err := s.setMeeting(ctx, id, Eq("minutesStatus", MinutesDraft).And(Exists("minutes", true), Ne("minutes", "")),
		bson.D{{Key: "minutesStatus", Value: MinutesApproved}, {Key: "minutesBy", Value: by}, {Key: "minutesAt", Value: s.now().UTC()}})
	if errors.Is(err, errNoMatch) {
		return ErrMinutesApproved
	}
	return err
}

// AddAction adds an action to a meeting.
func (s *Store) AddAction(ctx context.Context, id string, a MeetingAction) (MeetingAction, error) {
	a.ID, a.AddedAt = NewID(), s.now().UTC()
	a.Due = a.Due.UTC()
	return a, s.setMeeting(ctx, id, Cond{}, bson.D{{Key: "actions." + a.ID, Value: a}})
}

// SetActionDone marks an action done (or not). Returns ErrNotFound for an
// unknown action.
func (s *Store) SetActionDone(ctx context.Context, id, actionID string, done bool) error {
	at := time.Time{}
	if done {
		at = s.now().UTC()
	}
	err := s.setMeeting(ctx, id, Exists("actions."+actionID+".id", true),
		bson.D{{Key: "actions." + actionID + ".done", Value: done}, {Key: "actions." + actionID + ".doneAt", Value: at}})
	if errors.Is(err, errNoMatch) {
		return fmt.Errorf("store: action %s: %w", actionID, ErrNotFound)
	}
	return err
}

var errNoMatch = errors.New("condition not met")

// setMeeting $sets fields on a meeting if cond holds; errNoMatch if not,
// ErrNotFound for an unknown meeting.
func (s *Store) setMeeting(ctx context.Context, id string, cond Cond, set bson.D) error {
	res, err := s.updateIf(ctx, "meetings", id, cond, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("store: meeting %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		if _, err := s.Meeting(ctx, id); err != nil {
			return err
		}
		return errNoMatch
	}
	return nil
}

// PaperChunkSize is how much of a paper one sealed chunk holds: reading,
// sealing and storing a chunk at a time keeps an upload's memory to about
// this much, whatever the paper's size.
const PaperChunkSize = 1 << 20

// paperChunk is one sealed piece of a paper's content.
type paperChunk struct {
	ID      string `bson:"_id"` // paperId/n
	PaperID string `bson:"paperId"`
	N       int    `bson:"n"`
	Data    []byte `bson:"data"`
}

func chunkID(paperID string, n int) string { return paperID + "/" + strconv.Itoa(n) }

// ErrNoSealer is returned when papers cannot be stored because the store
// has no field-encryption keys.
var ErrNoSealer = errors.New("no field-encryption keys")

// StorePaper seals r's content chunk by chunk (bound to the paper and the
// chunk's number) and records the paper on the meeting, status scanning.
// The caller scans it (OpenPaper) and then calls PaperScanned.
func (s *Store) StorePaper(ctx context.Context, meetingID string, p *Paper, r io.Reader) error {
	if err := s.sealChunks(ctx, "meeting_papers", p, r); err != nil {
		return err
	}
	return s.setMeeting(ctx, meetingID, Cond{}, bson.D{{Key: "papers." + p.ID, Value: p}})
}

// sealChunks is the one way an uploaded file is kept (meeting papers,
// expenses receipts): r's content sealed chunk by chunk (bound to the
// file's id and the chunk's number) into coll; p gets a new id, its size
// and chunk count, status scanning.
func (s *Store) sealChunks(ctx context.Context, coll string, p *Paper, r io.Reader) error {
	if s.sealer == nil {
		return ErrNoSealer
	}
	p.ID, p.UploadedAt, p.Status, p.Size, p.Chunks = NewID(), s.now().UTC(), PaperScanning, 0, 0
	size := int64(PaperChunkSize)
	if n := s.chunkSize.Load(); n > 0 {
		size = n // tests: small chunks (SetPaperChunkSizeForTest)
	}
	buf := make([]byte, size)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			sealedData, serr := s.seal(coll, p.ID, "chunk-"+strconv.Itoa(p.Chunks), buf[:n])
			if serr != nil {
				return fmt.Errorf("store: seal file: %w", serr)
			}
			if _, ierr := s.c(coll).InsertOne(ctx, paperChunk{ID: chunkID(p.ID, p.Chunks), PaperID: p.ID, N: p.Chunks, Data: sealedData}); ierr != nil {
				return fmt.Errorf("store: file chunk: %w", ierr)
			}
			p.Chunks++
			p.Size += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: read file: %w", err)
		}
	}
}

// OpenPaper writes a paper's content to w, opening one chunk at a time.
func (s *Store) OpenPaper(ctx context.Context, p Paper, w io.Writer) error {
	return s.openChunks(ctx, "meeting_papers", p, w)
}

// openChunks writes a sealed file's content from coll to w, one chunk at
// a time.
func (s *Store) openChunks(ctx context.Context, coll string, p Paper, w io.Writer) error {
	if s.sealer == nil {
		return ErrNoSealer
	}
	for n := range p.Chunks {
		var ch paperChunk
		if err := s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: chunkID(p.ID, n)}}).Decode(&ch); err != nil {
			return fmt.Errorf("store: file %s chunk %d: %w", p.ID, n, notFound(err))
		}
		plain, err := s.sealer.Open(p.ID, "chunk-"+strconv.Itoa(n), ch.Data)
		if err != nil {
			return fmt.Errorf("store: open file %s: %w", p.ID, err)
		}
		if _, err := w.Write(plain); err != nil {
			return err
		}
	}
	return nil
}

// deleteChunks removes a sealed file's content from coll.
func (s *Store) deleteChunks(ctx context.Context, coll string, p Paper) error {
	for n := range p.Chunks {
		if _, err := s.c(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(p.ID, n)}}); err != nil {
			return fmt.Errorf("store: delete file: %w", err)
		}
	}
	return nil
}

// PaperScanned records the scan's verdict: a clean paper is served; any
// other is deleted, content and record.
func (s *Store) PaperScanned(ctx context.Context, meetingID string, p Paper, clean bool) error {
	if clean {
		return s.setMeeting(ctx, meetingID, Cond{}, bson.D{{Key: "papers." + p.ID + ".status", Value: PaperClean}})
	}
	return s.DeletePaper(ctx, meetingID, p)
}

// DeletePaper removes a paper's content and its record.
func (s *Store) DeletePaper(ctx context.Context, meetingID string, p Paper) error {
	if err := s.deleteChunks(ctx, "meeting_papers", p); err != nil {
		return err
	}
	if _, err := s.c("meetings").UpdateOne(ctx, bson.D{{Key: "_id", Value: meetingID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "papers." + p.ID, Value: ""}}}}); err != nil {
		return fmt.Errorf("store: delete paper: %w", err)
	}
	return nil
}

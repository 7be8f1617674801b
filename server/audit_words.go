package server

import (
	"context"
	"strings"
	"sync"
	"time"

	"candour/store"
	"candour/words"
)

// auditWords are the audit log's actions in plain English, as an
// administrator or the CCU reads them. The stored names stay as they are
// (the hash chain covers them); only the page says them differently.
var auditWords = map[string]string{
	auditAdviceRequested: "Asked for critical-incident advice", auditAdviceViewed: "Opened an advice request",
	auditAdviceGiven: "Gave advice", auditAdviceResponse: "Recorded what the force did with advice",
	auditAdviceClosed: "Closed an advice request", auditAdviceImpact: "Agreed a community impact assessment's wording",
	auditAdvicePublished: "Published an advice summary", auditAdviceUnpublished: "Withdrew an advice summary",
	auditMobileChanged:  "Changed a mobile number",
	auditMeetingCreated: "Scheduled a group meeting", auditMeetingChanged: "Changed a group meeting",
	auditPaperUploaded: "Uploaded a meeting paper", auditPaperRejected: "Had a meeting paper refused by the virus scan",
	auditPaperDownloaded: "Downloaded a meeting paper", auditPaperRemoved: "Removed a meeting paper",
	auditAttendance: "Took attendance at a meeting", auditMinutesSaved: "Saved draft minutes",
	auditMinutesApproved: "Approved a meeting's minutes", auditActionAdded: "Recorded a meeting action",
	auditActionDone:             "Marked a meeting action done",
	auditCustodySaved:           "Saved a custody visit report's draft",
	auditCustodySubmitted:       "Submitted a custody visit report",
	auditCustodyConfirmed:       "Confirmed a custody visit report",
	auditCustodyViewed:          "Read a custody visit report",
	auditCustodyIssues:          "Followed up a custody visit report's issues",
	auditCustodyReturn:          "Read the custody visiting quarterly return",
	auditCustodyReturnCSV:       "Downloaded the custody visiting quarterly return",
	auditCustodyForce:           "Read the matters and issues from custody visits",
	store.AuditSampleCommitted:  "Committed to a panel sample before drawing it",
	store.AuditSignIn:           "Signed in",
	store.AuditResealed:         "Re-sealed what is sealed under the newest field key (candour keys reseal)",
	store.AuditSignInFailed:     "Failed to sign in",
	store.AuditLockedOut:        "Locked out after failed sign-ins",
	store.AuditSignOut:          "Signed out",
	store.AuditSignOutAll:       "Signed out everywhere",
	store.AuditInvitation:       "Sent an invitation",
	store.AuditInvitationUsed:   "Accepted an invitation",
	store.AuditPasswordReset:    "Asked to reset a password",
	store.AuditPasswordSet:      "Changed a password",
	store.AuditTOTPEnrolled:     "Set up two-factor authentication",
	store.AuditRecoveryUsed:     "Signed in with a recovery code",
	store.AuditRecoveryIssued:   "Made new recovery codes",
	store.AuditRoleChange:       "Changed a role",
	store.AuditUserChange:       "Changed an account",
	store.AuditUserCreated:      "Created an account",
	store.AuditGroupChange:      "Changed a group",
	store.AuditMembership:       "Changed a group's members",
	store.AuditPartnerChange:    "Changed a partner organisation",
	store.AuditAuditViewed:      "Looked at the audit log",
	store.AuditDataImported:     "Imported data",
	store.AuditPublished:        "Published figures",
	store.AuditSampleDrawn:      "Drew records for a panel",
	store.AuditSampleAttached:   "Attached records to a review session",
	store.AuditRecCreated:       "Raised a recommendation",
	store.AuditRecStatus:        "Changed a recommendation's status",
	store.AuditRecChanged:       "Changed a recommendation",
	store.AuditRecExported:      "Downloaded the recommendations",
	store.AuditRefViewed:        "Opened a referral",
	store.AuditRefAssessed:      "Assessed a referral",
	store.AuditRefStatus:        "Changed a referral's status",
	store.AuditRefMessage:       "Sent a message about a referral",
	store.AuditRefNote:          "Added a note to a referral",
	store.AuditRefLinked:        "Linked referrals",
	store.AuditRefSubmitted:     "Sent a referral",
	store.AuditRefExported:      "Downloaded a referral",
	store.AuditConflictDeclared: "Declared a conflict of interest",
	store.AuditSubjectAccess:    "Downloaded what is held about a person",
	store.AuditBasisChanged:     "Changed a lawful basis in the record of processing",
	store.AuditConflictRemoved:  "Removed a declared conflict of interest",
	store.AuditRefContentGone:   "Deleted a referral's content (retention)",
	auditVisitCreated:           "Scheduled a visit",
	auditVisitChanged:           "Changed a visit",
	auditVisitPlanned:           "Planned unannounced visits",
	auditFindingSubmitted:       "Submitted findings",
	auditVisitSignedOff:         "Signed off findings",
	auditBWVViewing:             "Recorded a viewing of body-worn video",
	auditBWVExported:            "Downloaded a body-worn video viewing log",
	auditTrainingRecorded:       "Recorded a volunteer's training",
	auditClaimMade:              "Claimed expenses for a visit", auditClaimApproved: "Approved an expenses claim",
	auditClaimRejected: "Rejected an expenses claim", auditReceiptRejected: "Had a receipt refused by the virus check",
	auditReceiptDownloaded: "Downloaded a receipt", auditClaimsExported: "Downloaded the approved expenses claims",
	auditFindingResponse:      "Responded to findings",
	auditFeedReset:            "Reset a calendar feed",
	auditVisitsExported:       "Downloaded the visits calendar",
	"survey.create":           "Created a survey",
	"survey.settings":         "Changed a survey's settings",
	"survey.publish":          "Published a survey",
	"survey.codes":            "Made survey invitation codes",
	"survey.export.responses": "Downloaded survey responses",
	"survey.export.results":   "Downloaded survey results",
	"survey.text.view":        "Read free-text survey answers",
	"survey.text.publish":     "Published free-text survey answers",
}

// auditWord is an action in plain English; an action without words yet is
// shown readably ("survey.new-thing" as "Survey new thing").
func auditWord(action string) string {
	if w, ok := auditWords[action]; ok {
		return w
	}
	w := strings.NewReplacer("-", " ", ".", " ", "_", " ").Replace(action)
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// auditRow is one event as the audit pages show it: who by name, what in
// words, and the record it concerns by name, linked to its page.
type auditRow struct {
	Event       store.AuditEvent
	Who         string // the person's name, or their email if the account is gone
	What        string
	Target      string // the record in words
	TargetHref  string // the record's page, when it has one
	ReferralRef string // a referral's reference (CCU pages)
}

// describeAudit puts names to a page of events: people and visits by id
// (one _id read each, or the copies in memory), groups from their short
// list, recommendations and referrals from their summaries in memory, by
// id. It looks up only what the page names, so its cost is the page's
// whatever the number of people, recommendations and referrals (issue 18:
// at ten times the data the page read the whole people directory and
// filtered and sorted every recommendation). What cannot be found is shown
// as stored.
func (s *Server) describeAudit(ctx context.Context, evs []store.AuditEvent) ([]auditRow, error) {
	var userIDs, visitIDs, refIDs, recIDs []string
	for _, ev := range evs {
		userIDs = append(userIDs, ev.ActorID)
		kind, id, _ := strings.Cut(ev.Target, ":")
		switch kind {
		case "user":
			userIDs = append(userIDs, id)
		case "visit":
			visitIDs = append(visitIDs, id)
		case "referral":
			refIDs = append(refIDs, id)
		case "recommendation":
			recIDs = append(recIDs, id)
		}
	}
	users, err := s.names.lookup(ctx, s.auditPages, userIDs)
	if err != nil {
		return nil, err
	}
	gs, err := s.auditPages.Groups(ctx)
	if err != nil {
		return nil, err
	}
	groups := make(map[string]string, len(gs))
	for _, g := range gs {
		groups[g.ID] = g.Name
	}
	recs, err := s.auditPages.RecommendationsByID(ctx, recIDs)
	if err != nil {
		return nil, err
	}
	recTitles := make(map[string]string, len(recs))
	for _, r := range recs {
		recTitles[r.ID] = r.Title
	}
	visits, err := s.auditPages.Schedules(ctx, visitIDs)
	if err != nil {
		return nil, err
	}
	visitNames := map[string]string{}
	for _, v := range visits {
		visitNames[v.ID] = words.VisitType(v.Type) + ", " + groups[v.GroupID]
	}
	refs, err := s.auditPages.ReferralsByID(ctx, refIDs)
	if err != nil {
		return nil, err
	}
	refNames := map[string]string{}
	for _, r := range refs {
		refNames[r.ID] = r.Ref
	}
	rows := make([]auditRow, len(evs))
	for i, ev := range evs {
		row := auditRow{Event: ev, Who: ev.Actor, What: auditWord(ev.Action), Target: ev.Target, TargetHref: targetHref(ev.Target)}
		if name := users[ev.ActorID]; name != "" {
			row.Who = name
		}
		kind, id, _ := strings.Cut(ev.Target, ":")
		name := ""
		switch kind {
		case "user":
			name = users[id]
		case "group":
			name = groups[id]
		case "recommendation":
			name = recTitles[id]
		case "visit":
			name = visitNames[id]
		case "referral":
			name, row.ReferralRef = refNames[id], refNames[id]
		}
		if name != "" {
			row.Target = name
		}
		rows[i] = row
	}
	return rows, nil
}

// personNames keeps people's names by account id for a few minutes (in
// the one generic cache, store.Cache), so an audit page (fifty events,
// often by many people) reads each account once in a while rather than on
// every view. A renamed person shows under the old name for at most
// personNameLife.
type personNames struct {
	once  sync.Once
	cache *store.Cache[string]
}

const personNameLife = 5 * time.Minute

// lookup returns the names of the accounts with these ids ("" for none).
func (pn *personNames) lookup(ctx context.Context, db auditPagesStore, ids []string) (map[string]string, error) {
	pn.once.Do(func() { pn.cache = store.NewCache[string](10000, personNameLife) })
	out := make(map[string]string, len(ids))
	var missing []string
	for _, id := range ids {
		if name, ok := pn.cache.Get(id); ok {
			out[id] = name
		} else if id != "" {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	users, err := db.AccountsByID(ctx, missing) // by _id: never the whole people directory
	if err != nil {
		return nil, err
	}
	for _, id := range missing {
		name := users[id].Name // "" for an account that is gone: remembered too
		pn.cache.Put(id, name)
		out[id] = name
	}
	return out, nil
}

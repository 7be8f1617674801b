package store

// Why a CCU analyst opens, exports or links a confidential record (the
// force's access policy). The reason is kept on the audit event, so that
// each consultation and disclosure can be justified (Data Protection Act
// 2018, section 62).
const (
	ReasonAssessment    = "assessment"
	ReasonInvestigation = "investigation"
	ReasonSafeguarding  = "safeguarding"
	ReasonDisclosure    = "disclosure" // to another force
	ReasonSupervision   = "supervision"
	ReasonAudit         = "audit"
	ReasonOther         = "other" // stored as "other: <the analyst's words>"
)

// AccessReasons lists the reasons in the order the question offers them.
var AccessReasons = []string{ReasonAssessment, ReasonInvestigation, ReasonSafeguarding, ReasonDisclosure,
	ReasonSupervision, ReasonAudit, ReasonOther}

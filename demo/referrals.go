package demo

import (
	"context"
	"fmt"
	"time"

	"candour/config"
	"candour/receipts"
	"candour/store"
)

// demoReferral is one demo referral or anonymous report and what the CCU
// has done with it.
type demoReferral struct {
	kind, partner, worker string // partner referrals: organisation and worker's email
	daysAgo               int
	content               store.ReferralContent
	contact               store.ReporterContact
	assess                *store.Assessment
	messages              [][2]string // from, text
	receipt               bool        // print this report's receipt
}

var demoReferrals = []demoReferral{
	{kind: store.KindPartner, partner: "Purbeck Domestic Abuse Service", worker: "partner@candour.example", daysAgo: 21,
		content: store.ReferralContent{Category: "sexual-purpose", PersonName: "Mark Dawson", PersonForce: "Dorset Police",
			PersonRole: "Police officer (response)", CollarNumber: "PC 2417", Station: "Weymouth",
			WhatHappened: "A woman we support reported domestic abuse in March. She says the officer who took her statement has since sent her messages on Instagram, asked to meet her 'off the record' and said he could make her case go faster.",
			When:         "March to May 2026", Where: "Weymouth, and by Instagram messages", OnDuty: "off", Setting: "both", HowKnown: "disclosure",
			VictimConsent: "yes", SafeContact: "Only through our service: call the Purbeck office and ask for Jo. Never by post.",
			Safeguarding: "MARAC referral made in April; safety plan in place.", Danger: "no"},
		assess:   &store.Assessment{Status: store.RefAssessing, Risk: "high", Source: "2", Intel: "B", Handling: "P"},
		messages: [][2]string{{store.FromCCU, "Thank you. Does she still have the Instagram messages, and would she be willing to share screenshots?"}, {store.FromPartner, "Yes, she has kept them all and is willing to share them with the unit."}, {store.FromNote, "Collar number matches the anonymous report received a week later: linked."}}},
	{kind: store.KindPartner, partner: "Purbeck Domestic Abuse Service", worker: "partner@candour.example", daysAgo: 9,
		content: store.ReferralContent{Category: "partner-abuse", PersonName: "Described as a detective sergeant, first name Chris", PersonForce: "Dorset Police",
			PersonRole: "Detective sergeant", WhatHappened: "A client says her partner, a serving detective, checks her phone, controls her money and has threatened to 'make sure the police never believe her'.",
			When: "Over the last two years", Where: "Poole", OnDuty: "off", Setting: "in-person", HowKnown: "disclosure", VictimConsent: "not-asked",
			Safeguarding: "She is on our outreach programme.", Danger: "no"},
		assess:   &store.Assessment{Status: store.RefMoreInfo, Risk: "high"},
		messages: [][2]string{{store.FromCCU, "Can you ask whether she would speak to an officer from outside Dorset? We can arrange that."}}},
	{kind: store.KindPartner, partner: "BCP Council Safeguarding Adults Team", worker: "helen.carter@bcp-council.example", daysAgo: 120,
		content: store.ReferralContent{Category: "discrimination", PersonRole: "PCSO", Station: "Bournemouth town centre",
			WhatHappened: "A support worker heard a PCSO make a disablist remark about a man with a learning disability during a welfare check.",
			When:         "January 2026", Where: "Bournemouth", OnDuty: "on", Setting: "in-person", HowKnown: "witnessed", VictimConsent: "no", Danger: "no"},
		assess: &store.Assessment{Status: store.RefNoFurther, Risk: "low", Source: "1", Intel: "A", Handling: "C"}},
	{kind: store.KindAnonymous, daysAgo: 14, receipt: true,
		content: store.ReferralContent{Category: "sexual-purpose", PersonName: "mark dawson", PersonForce: "Dorset police", CollarNumber: "2417",
			WhatHappened: "An officer who dealt with my sister's burglary keeps messaging her and turned up at her flat when he was not working.",
			When:         "This spring", Where: "Weymouth", OnDuty: "off", Setting: "both", HowKnown: "third-hand", VictimConsent: "not-asked", Danger: "no"},
		assess:   &store.Assessment{Status: store.RefAssessing, Risk: "high", Source: "2", Intel: "C", Handling: "P"},
		messages: [][2]string{{store.FromCCU, "Thank you for telling us. Roughly when did he turn up at the flat, and did anyone else see him?"}}},
	{kind: store.KindAnonymous, daysAgo: 3,
		content: store.ReferralContent{Category: "information-for-favours", PersonRole: "Police staff, front counter",
			WhatHappened: "Someone who works at the front counter is telling a local landlord which tenants have been reported to the police.",
			Where:        "Dorchester", Setting: "in-person", HowKnown: "witnessed", Danger: "no"},
		contact: store.ReporterContact{Email: "a.tenant@example.org", When: "Evenings only"}},
	{kind: store.KindAnonymous, daysAgo: 200,
		content: store.ReferralContent{Category: "personal-advantage", WhatHappened: "An officer used blue lights to get through traffic to a football match.",
			Where: "A35", OnDuty: "unknown", Setting: "in-person", HowKnown: "witnessed", Danger: "no"},
		assess: &store.Assessment{Status: store.RefNoFurther, Risk: "low", Source: "3", Intel: "D", Handling: "P"}},
}

// seedReferrals adds the demo referrals and reports (one pair linked as
// the same officer) and returns a sign-in line with the demo receipt, so
// a newcomer can come back to an anonymous report.
func seedReferrals(ctx context.Context, db *store.Store, cfg config.Config, partners map[string]string, demo map[string]*store.User) ([]Login, error) {
	analyst := demo["ccu@candour.example"]
	defer db.SetClock(time.Now)
	var ids []string
	var logins []Login
	for _, d := range demoReferrals {
		at := time.Now().AddDate(0, 0, -d.daysAgo)
		db.SetClock(func() time.Time { return at })
		n := store.NewReferral{Kind: d.kind, Content: d.content, Contact: d.contact}
		var code, worker string
		if d.kind == store.KindPartner {
			w, err := db.UserByEmail(ctx, d.worker)
			if err != nil {
				return nil, fmt.Errorf("referral worker %s: %w", d.worker, err)
			}
			n.PartnerID, n.SubmittedBy, worker = partners[d.partner], w.ID, w.Name
		} else {
			code = receipts.New()
			n.ID, n.ReceiptHash = db.Sealer().Receipt(code), receipts.Hash(cfg, code)
		}
		r, err := db.CreateReferral(ctx, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, r.ID)
		for i, m := range d.messages {
			at = at.Add(time.Duration(i+1) * 26 * time.Hour)
			by := analyst.Name
			if m[0] == store.FromPartner {
				by = worker
			}
			if err := db.AddRefMessage(ctx, r.ID, m[0], by, m[1]); err != nil {
				return nil, err
			}
		}
		if d.assess != nil {
			a := *d.assess
			a.AssigneeID, a.AssigneeName = analyst.ID, analyst.Name
			if _, err := db.AssessReferral(ctx, r.ID, 1, a); err != nil {
				return nil, err
			}
		}
		if d.receipt {
			logins = append(logins, Login{Role: "reporter", Email: "/report/return", Note: "anonymous report receipt " + receipts.Groups(code)})
		}
	}
	// The partner's referral and the anonymous report about PC 2417 are the same officer.
	if err := db.LinkReferrals(ctx, ids[0], ids[3], true); err != nil {
		return nil, err
	}
	return logins, nil
}

package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestConfirmationPages: removing a member, cancelling a place, leaving a
// waiting list and publishing a survey each ask first on a page of their
// own; the question page changes nothing, and its button posts to the
// action. On fakes: each page on the fake world of its area.
func TestConfirmationPages(t *testing.T) {
	ctx := context.Background()
	t.Run("remove a member", func(t *testing.T) {
		a, fa, w := adminFakes(t)
		coord := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
		g, groupPage := w.group("Stop and search panel", store.GroupPanel)
		m3, out := w.person(store.RoleMember, "m3@example.org"), w.person(store.RoleMember, "out@example.org")
		w.mu.Lock()
		w.memberships = []store.Membership{{GroupID: g.ID, UserID: m3.ID, VettingLevel: "NPPV1"}}
		w.mu.Unlock()
		fa.removeMembership = func(groupID, userID string) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.memberships = slices.DeleteFunc(w.memberships, func(m store.Membership) bool { return m.GroupID == groupID && m.UserID == userID })
			return nil
		}

		page := "/admin/groups/" + g.ID + "/members/" + m3.ID + "/remove"
		if r := coord.get(groupPage); !strings.Contains(r.Body, `href="`+page+`"`) {
			t.Fatal("the group page does not link Remove to its confirmation")
		}
		r := coord.get(page)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Are you sure you want to remove Test member from Stop and search panel?") ||
			!strings.Contains(r.Body, `action="`+page+`"`) || !strings.Contains(r.Body, `href="/admin/groups/`+g.ID+`">Cancel`) {
			t.Fatalf("remove confirmation: %d\n%s", r.Status, r.Body)
		}
		if _, err := fa.Membership(ctx, g.ID, m3.ID); err != nil {
			t.Fatalf("the confirmation page removed the member: %v", err)
		}
		if r := coord.get("/admin/groups/" + g.ID + "/members/" + out.ID + "/remove"); r.Status != http.StatusNotFound {
			t.Errorf("confirming the removal of someone not in the group: %d, want 404", r.Status)
		}
		if r := coord.submit(page, page, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d", r.Status)
		}
	})

	t.Run("cancel a place, and leave a waiting list", func(t *testing.T) {
		w := newVisitFakeWorld(t, visitFakeNow)
		w.signUpTakesASeat()
		coord := w.as(w.coord)
		id := w.createVisit(coord, visitFormAt(w.panel.ID, w.now().Add(72*time.Hour), "1"))
		m1, m2 := w.as(w.m1), w.as(w.m2)
		for _, c := range []*client{m1, m2} {
			if r := c.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil); r.Status != http.StatusSeeOther {
				t.Fatalf("sign up: %d", r.Status)
			}
		}
		cancel := "/visits/" + id + "/cancel"
		if r := m1.get("/visits/" + id); !strings.Contains(r.Body, `href="`+cancel+`"`) {
			t.Fatal("the visit page does not link Cancel my place to its confirmation")
		}
		for c, want := range map[*client]string{m1: "Are you sure you want to cancel your place?", m2: "Are you sure you want to leave the waiting list?"} {
			if r := c.get(cancel); r.Status != http.StatusOK || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `action="`+cancel+`"`) {
				t.Errorf("cancel confirmation: %d, want %q", r.Status, want)
			}
		}
		if r := m1.get(cancel); !strings.Contains(r.Body, "the next person on the waiting list") {
			t.Error("cancelling does not say the place goes to the next person")
		}
		if v, _ := w.fv.Visit(ctx, id); !v.Attending(w.m1.ID) || v.WaitingPlace(w.m2.ID) != 1 {
			t.Fatal("a confirmation page changed the bookings")
		}
		if r := w.as(w.chair).get(cancel); r.Status != http.StatusSeeOther {
			t.Errorf("cancel confirmation for someone not booked: %d, want a redirect", r.Status)
		}
	})

	t.Run("publish a survey", func(t *testing.T) {
		a, w := surveyFakes(t)
		coord := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
		sv := &store.Survey{Title: "Confidence in policing", OpenLink: true}
		if err := w.CreateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
		sv, err := w.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, _ time.Time) error {
			sv.Draft = []store.Question{{ID: "q1", Type: store.QAgree, Text: "The police treat everyone fairly"}}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		publish := "/surveys/" + sv.ID + "/publish"
		if r := coord.get("/surveys/" + sv.ID); !strings.Contains(r.Body, `href="`+publish+`"`) {
			t.Fatal("the survey page does not link Publish to its confirmation")
		}
		r := coord.get(publish)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Are you sure you want to publish the survey?") || !strings.Contains(r.Body, "It has 1 question of your own") {
			t.Fatalf("publish confirmation: %d\n%s", r.Status, r.Body)
		}
		if got, _ := w.Survey(ctx, sv.ID); len(got.Versions) != 0 {
			t.Fatal("the confirmation page published the survey")
		}
		if r := coord.submit(publish, publish, url.Values{"rev": {itoa(sv.Rev)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d", r.Status)
		}
		if got, _ := w.Survey(ctx, sv.ID); len(got.Versions) != 1 {
			t.Fatal("publishing from the confirmation page did not publish")
		}
	})
}

// TestServiceWidePages: the phase banner's feedback link, the public
// contact page and /login, which people type.
func TestServiceWidePages(t *testing.T) {
	a, _, _ := recFakes(t)
	c := a.client()
	for _, p := range []string{"/", "/sign-in", "/report", "/you-said-we-did"} {
		r := c.get(p)
		if !strings.Contains(r.Body, `govuk-phase-banner__content__tag">Beta</strong>`) || !strings.Contains(r.Body, `<a class="govuk-link" href="/contact">give your feedback</a>`) {
			t.Errorf("%s has no phase banner with a feedback link", p)
		}
	}
	r := c.get("/contact")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `href="mailto:community.engagement@candour.invalid?subject=Feedback%20about%20Candour"`) ||
		!strings.Contains(r.Body, `href="/report"`) {
		t.Fatalf("contact page: %d\n%s", r.Status, r.Body)
	}
	if r := c.get("/login"); r.Status != http.StatusMovedPermanently || r.Location != "/sign-in" {
		t.Fatalf("/login: %d to %q, want 301 to /sign-in", r.Status, r.Location)
	}
	if r := c.get("/"); !strings.Contains(r.Body, `href="/public/surveys"`) {
		t.Error("the landing page does not link to published survey results")
	}
}

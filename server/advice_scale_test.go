package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestAdviceStaffPageNamesTheFirstFiftyNotAnswered: a request may ask a
// whole force; the staff's page names the first notAnsweredNamed people
// asked who have not answered, in the order asked, and says how many more
// there are, so that its cost does not grow with the people asked (issue
// 18). By hand: 60 asked, the 1st and 3rd answered: 58 have not; the page
// names the 2nd, then the 4th to the 52nd asked (1 + 49 = 50 names) and
// says "And 8 more people" (58 - 50).
func TestAdviceStaffPageNamesTheFirstFiftyNotAnswered(t *testing.T) {
	a, _, w, _, _, _, _, coord := adviceFakes(t)
	var asked []string
	for i := 1; i <= 60; i++ {
		u := &store.User{ID: store.NewID(), Email: fmt.Sprintf("asked%02d@example.org", i), Name: fmt.Sprintf("Asked Person %02d", i),
			Role: store.RoleMember, Status: store.StatusActive}
		a.users.add(u)
		asked = append(asked, u.ID)
	}
	// As the store creates it (CreateAdviceRequest): open, no answers yet.
	r := &store.AdviceRequest{ID: store.NewID(), Title: "Disorder in Boscombe", Shared: "What happened.", Handling: store.HandlingGroup,
		Question: "What should the force do tonight?", Asked: asked, Deadline: time.Now().Add(4 * time.Hour).UTC(), CreatedBy: "coord",
		Status: store.AdviceOpen, CreatedAt: time.Now().UTC(), GroupIDs: []string{}, Answers: map[string]store.Advice{}}
	w.reqs[r.ID] = r
	for _, i := range []int{0, 2} {
		if _, err := w.give(r.ID, asked[i], fmt.Sprintf("Asked Person %02d", i+1), "Speak to the pastors."); err != nil {
			t.Fatal(err)
		}
	}
	page := coord.get("/advice/" + r.ID)
	if page.Status != http.StatusOK {
		t.Fatalf("staff page: %d\n%s", page.Status, page.Body)
	}
	_, notAnswered, ok := strings.Cut(page.Body, "Not answered yet")
	if !ok {
		t.Fatalf("no list of who has not answered:\n%s", page.Body)
	}
	named := strings.Count(notAnswered, "<li>Asked Person ")
	if named != notAnsweredNamed {
		t.Errorf("%d people named as not answered, want %d", named, notAnsweredNamed)
	}
	for _, want := range []string{"<li>Asked Person 02</li>", "<li>Asked Person 04</li>", "<li>Asked Person 52</li>",
		"And 8 more people asked who have not answered."} {
		if !strings.Contains(notAnswered, want) {
			t.Errorf("the not answered list lacks %q", want)
		}
	}
	for _, not := range []string{"<li>Asked Person 01</li>", "<li>Asked Person 03</li>", "<li>Asked Person 53</li>"} {
		if strings.Contains(notAnswered, not) {
			t.Errorf("the not answered list has %q", not)
		}
	}
}

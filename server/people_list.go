package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

type peopleListData struct {
	People []store.User
	Search string
	Role   choiceField
	Pages  pager
}

// roleHints say in a line what each role is for, on the invite and edit forms.
var roleHints = map[store.Role]string{
	store.RoleAdmin:         "Manages people, groups, partner organisations and the audit log. Signs in with two-factor authentication.",
	store.RoleCoordinator:   "Force engagement staff: manages groups, members and their vetting.",
	store.RoleCCU:           "Receives and investigates referrals from partner organisations. Signs in with two-factor authentication.",
	store.RoleCCUSupervisor: "A Counter Corruption Unit analyst who also reviews who in the unit looked at which case, and signs off the monthly access review. Signs in with two-factor authentication.",
	store.RoleChair:         "A community member who chairs one or more groups.",
	store.RoleMember:        "A member of an advisory group, the Race Action Plan Group or a scrutiny panel.",
	store.RolePartner:       "Works for a partner organisation and can refer concerns to the Counter Corruption Unit.",
	store.RoleOfficer:       "A police officer who records section 163 vehicle stops on the capture form, and nothing else.",
}

// roleChoices lists every role with its label and, if withHints, its hint.
func roleChoices(withHints bool) []choice {
	cs := make([]choice, 0, len(store.Roles))
	for _, r := range store.Roles {
		c := choice{Value: string(r), Label: words.Role(string(r))}
		if withHints {
			c.Hint = roleHints[r]
		}
		cs = append(cs, c)
	}
	return cs
}

// peopleList shows every account, a page at a time, found by part of a
// name or email and narrowed by role (a GET form).
func (s *Server) peopleList(c *gin.Context) {
	f := store.UserFilter{Search: c.Query("q"), Role: store.Role(c.Query("role")), Page: pageNumber(c.Query("page"))}
	d := peopleListData{Search: f.Search,
		Role: newChoices("role", "Role", string(f.Role), nil, append([]choice{{Value: "", Label: "All roles"}}, roleChoices(false)...))}
	page := &Page{Title: "People", Data: &d}
	if !d.Role.has(string(f.Role)) {
		err := apperr.Invalidf("role", "Choose a role from the list")
		d.Role.Error = err.Message
		s.formAgain(c, "people_list", page, err)
		return
	}
	people, more, err := s.admin.ListUsers(c.Request.Context(), f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d.People = people
	d.Pages = newPager(map[string]string{"q": f.Search, "role": string(f.Role)}, f.Page, more)
	s.render(c, http.StatusOK, "people_list", page)
}

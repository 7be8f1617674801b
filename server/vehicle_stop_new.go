package server

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/powers"
	"candour/store"
)

// vehicleStopDistricts are the places a stop can be recorded in: Dorset's
// towns and districts as its officers name them. Decision
// (docs/disparity.md): a force with other districts changes this list.
var vehicleStopDistricts = []string{"Blandford", "Bournemouth", "Bridport", "Christchurch", "Dorchester", "Gillingham",
	"Poole", "Shaftesbury", "Sherborne", "Swanage", "Weymouth", "Wimborne"}

// officerObserved are the officer-observed groups a stop records.
var officerObserved = []string{"White", "Black", "Asian", "Mixed", "Other"}

// vehicleStopForm is one section 163 stop as typed: nothing that
// identifies the driver (no name, no plate, no free text).
type vehicleStopForm struct {
	Date      string `form:"date"`
	Time      string `form:"time"`
	District  string `form:"district"`
	Reason    string `form:"reason"`
	Ethnicity string `form:"ethnicity"`
	Observed  string `form:"observed"`
	Outcome   string `form:"outcome"`
}

type vehicleStopPage struct {
	Form                      vehicleStopForm
	Districts, Reasons        []string
	Ethnicities, Observed     []string
	Outcomes                  []string
	NotStated, PreferNotToSay string
	// CanViewMonitor: the person may read the vehicle stops monitor (an
	// officer may not: the form is all an officer uses).
	CanViewMonitor bool
}

func newVehicleStopPage(f vehicleStopForm, role store.Role) *vehicleStopPage {
	var eth []string
	for _, e := range censusEthnicities {
		if e != "Not stated" {
			eth = append(eth, e)
		}
	}
	return &vehicleStopPage{Form: f, Districts: vehicleStopDistricts, Reasons: powers.VehicleStopReasons, Ethnicities: eth,
		Observed: officerObserved, Outcomes: powers.VehicleStopOutcomes, NotStated: "Not stated", PreferNotToSay: "Prefer not to say",
		CanViewMonitor: allowed(role, "powers.view")}
}

// vehicleStopNew shows the capture form, the date and time set to now in
// UK time.
func (s *Server) vehicleStopNew(c *gin.Context) {
	now := time.Now().In(london)
	f := vehicleStopForm{Date: now.Format("2006-01-02"), Time: now.Format("15:04")}
	s.render(c, http.StatusOK, "vehicle_stop_new", &Page{Title: "Record a vehicle stop", Data: newVehicleStopPage(f, currentUser(c).Role)})
}

// vehicleStopCreate stores one stop in the same counters as imported
// stops (powers.Capture), or shows the form again with 422, what was
// typed kept, and nothing stored.
func (s *Server) vehicleStopCreate(c *gin.Context) {
	u := currentUser(c)
	var f vehicleStopForm
	if err := c.ShouldBind(&f); err != nil {
		s.fail(c, apperr.Invalidf("", "The form could not be read"))
		return
	}
	for _, p := range []*string{&f.Date, &f.Time, &f.District, &f.Reason, &f.Ethnicity, &f.Observed, &f.Outcome} {
		*p = strings.TrimSpace(*p)
	}
	page := &Page{Title: "Record a vehicle stop", Data: newVehicleStopPage(f, u.Role)}
	var problems []*apperr.Error
	when, err := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.Time, london)
	switch {
	case f.Date == "" || f.Time == "":
		problems = append(problems, apperr.Invalidf("date", "Enter the date and time of the stop"))
	case err != nil:
		problems = append(problems, apperr.Invalidf("date", "Enter the date as a real date and the time like 14:30"))
	case when.After(time.Now().Add(5 * time.Minute)):
		problems = append(problems, apperr.Invalidf("date", "The date and time of the stop must not be in the future"))
	}
	if !slices.Contains(vehicleStopDistricts, f.District) {
		problems = append(problems, apperr.Invalidf("district", "Choose the district the stop was in"))
	}
	if !slices.Contains(powers.VehicleStopReasons, f.Reason) {
		problems = append(problems, apperr.Invalidf("reason", "Choose the reason for the stop"))
	}
	if !slices.Contains(append([]string{"Prefer not to say"}, censusEthnicities...), f.Ethnicity) {
		problems = append(problems, apperr.Invalidf("ethnicity", "Choose how the driver described their ethnicity, or that they did not say or preferred not to"))
	}
	if !slices.Contains(officerObserved, f.Observed) {
		problems = append(problems, apperr.Invalidf("observed", "Choose the ethnicity you observed"))
	}
	if !slices.Contains(powers.VehicleStopOutcomes, f.Outcome) {
		problems = append(problems, apperr.Invalidf("outcome", "Choose the outcome of the stop"))
	}
	if len(problems) > 0 {
		s.formAgain(c, "vehicle_stop_new", page, apperr.Join(problems...))
		return
	}
	fields := []string{when.Format("2006-01-02T15:04:05"), f.District, f.Reason, f.Ethnicity, f.Observed, f.Outcome}
	month, err := s.powers.CapturePower(c.Request.Context(), powers.VehicleStops, powers.ForceOf(s.cfg.ForceName), fields, u.Email)
	if err != nil {
		s.formAgain(c, "vehicle_stop_new", page, err) // each wrong answer by its field (powers.Capture), 500 for the rest
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: powers.VehicleStops.Kind + ":" + powers.ForceOf(s.cfg.ForceName),
		Detail: "one stop recorded on the capture form, month " + month})
	s.flash(c, "The stop was recorded. You can record another.")
	s.redirect(c, "/vehicle-stops/new")
}

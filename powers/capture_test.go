package powers_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"candour/apperr"
	"candour/powers"
	"candour/store/storetest"
)

// TestCapturedStopJoinsTheCounters: a stop typed on the form changes the
// figures by exactly one, in the same counters as the imported stops
// (vehicle-stops-example.csv: 65 stops, Black 20, April 34); importing the
// file again replaces the imported stops and keeps the captured one; stops
// captured at the same moment are all counted; a bad one stores nothing.
func TestCapturedStopJoinsTheCounters(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	loadPopulation(t, db)
	b := read(t, "vehicle-stops-example.csv")
	if _, err := importVehicle(t, db, b); err != nil {
		t.Fatal(err)
	}
	stop := []string{"2024-04-20T08:15:00", "Poole", "Vehicle defect", "Black, Black British, Black Welsh, Caribbean or African: African", "Black", "Fixed penalty notice"}
	month, err := powers.Capture(ctx, db, powers.VehicleStops, "dorset", stop, "officer@example.org")
	if err != nil || month != "2024-04" {
		t.Fatalf("capture: %s %v", month, err)
	}
	check := func(events, black, blackAction int64) {
		t.Helper()
		rep := build(t, db, powers.VehicleStops, "", "")
		bl := rep.Group("Black")
		if rep.Events != events || bl.Events != black || bl.Shares[0].K != blackAction {
			t.Fatalf("events %d, Black %d (further action %d); want %d, %d, %d", rep.Events, bl.Events, bl.Shares[0].K, events, black, blackAction)
		}
	}
	check(66, 21, 11)
	if m, err := db.PowerMonth(ctx, powers.VehicleStops.Kind, "dorset", "2024-04"); err != nil || m.Records != 35 {
		t.Fatalf("April %+v %v", m, err)
	}
	if _, err := importVehicle(t, db, b); err != nil {
		t.Fatal(err)
	}
	check(66, 21, 11)
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := powers.Capture(ctx, db, powers.VehicleStops, "dorset", stop, "officer@example.org"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	check(72, 27, 17)
	bad := append([]string(nil), stop...)
	bad[2] = "Speeding"
	if _, err := powers.Capture(ctx, db, powers.VehicleStops, "dorset", bad, "officer@example.org"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad stop: %v", err)
	}
	check(72, 27, 17)
}

// TestCaptureRefusalNamesTheFormField: a captured record the rules refuse
// is one apperr.Invalid a wrong answer, on the form field the column is
// typed in, saying "Check this answer: " and the problem, in the order of
// the columns; the portal's own force unknown to police.uk is not the
// person's to correct (an internal error). Nothing is read or stored, so
// no database is needed.
func TestCaptureRefusalNamesTheFormField(t *testing.T) {
	ctx := context.Background()
	bad := []string{"2024-04-20T08:15:00", "Poole", "Speeding", "White: Irish", "Purple", "Fixed penalty notice"}
	all := apperr.All(err1(powers.Capture(ctx, nil, powers.VehicleStops, "dorset", bad, "officer@example.org")))
	if len(all) != 2 {
		t.Fatalf("%d errors (%+v), want the reason's and the observed ethnicity's", len(all), all)
	}
	for i, field := range []string{"reason", "observed"} {
		if e := all[i]; e.Code != apperr.Invalid || e.Field != field || !strings.HasPrefix(e.Message, "Check this answer: ") {
			t.Errorf("error %d = %+v, want Invalid on %q saying to check the answer", i, e, field)
		}
	}
	if got, want := all[0].Message, `Check this answer: "Speeding" is not one of`; !strings.HasPrefix(got, want) {
		t.Errorf("message = %q, want it to start %q", got, want)
	}
	good := []string{"2024-04-20T08:15:00", "Poole", "Vehicle defect", "White: Irish", "White", "Fixed penalty notice"}
	if _, err := powers.Capture(ctx, nil, powers.VehicleStops, "atlantis", good, "officer@example.org"); apperr.CodeOf(err) != apperr.Internal {
		t.Errorf("an unknown force of the portal's own: %v (code %q), want an internal error", err, apperr.CodeOf(err))
	}
}

func err1(_ string, err error) error { return err }

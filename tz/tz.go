// Package tz is the force's time zone, loaded once for the whole module:
// every date a person reads, every day a record keeps and every police.uk
// month are in Europe/London.
package tz

import (
	"time"

	// The zone database in the binary: the distroless image has none, and
	// falling back to UTC would misfile every summer month.
	_ "time/tzdata"
)

// London is Europe/London.
var London = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil { // cannot happen: time/tzdata is embedded
		panic("tz: no Europe/London time zone: " + err.Error())
	}
	return loc
}()

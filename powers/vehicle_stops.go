package powers

import (
	"strings"

	"candour/stats"
	"candour/store"
)

// VehicleStopOutcomes and VehicleStopReasons are the vocabularies of the
// force's own section 163 records.
var (
	VehicleStopReasons = []string{"Moving traffic offence", "Vehicle defect", "Suspected drink or drug driving",
		"Document or licence check", "Intelligence", "Other"}
	VehicleStopOutcomes = []string{"No further action", "Words of advice", "Traffic offence report", "Fixed penalty notice",
		"Vehicle seized", "Arrest"}
)

// VehicleStops is stops of drivers under section 163 of the Road Traffic
// Act 1988 from the force's own records (police.uk does not publish them):
// one row per stop, nothing that identifies the driver.
var VehicleStops = register(&Dataset{
	Kind:  "vehicle-stops",
	Title: "Vehicle stops (section 163)",
	One:   "stop", Many: "stops", Base: "stops",
	Likely:   "to be stopped",
	Suppress: true,
	Summary: "Drivers stopped under section 163 of the Road Traffic Act 1988, from the force's own records: " +
		"how many of each ethnic group (as the driver described it), per 1,000 drivers where the force has given how many people of each group drive " +
		"(per 1,000 residents where it has not), how that compares with White people, " +
		"and what share of each group's stops ended in further action.",
	Source: "the force's own records of section 163 stops, imported as CSV",
	Cannot: []string{
		"Stops where the driver's ethnicity is not stated are in no group, so each group's rate is likely to be too low by an unknown amount.",
	},
	Population: store.Drivers,
	Fallback: "No figures of drivers by ethnic group have been loaded for this force, so these rates are per 1,000 residents (Census 2021), " +
		"the convention for stop and search. For vehicle stops that is second best: the people who drive in the area are not its residents " +
		"(some groups hold driving licences, own cars and drive more miles than others, and people who live elsewhere drive through), " +
		"so a ratio per resident can be larger or smaller than the ratio per driver, by an amount these figures cannot show.",
	Columns: []Column{
		{Name: "Date", Required: true, Date: true, Field: "date"},
		{Name: "District", Required: true, Breakdown: true, Field: "district"},
		{Name: "Reason", Required: true, Values: VehicleStopReasons, Breakdown: true, Field: "reason"},
		{Name: "Self-defined ethnicity", Ethnicity: true, Field: "ethnicity"},
		{Name: "Officer-observed ethnicity", Values: []string{"", "White", "Black", "Asian", "Mixed", "Other"}, Breakdown: true, Field: "observed"},
		{Name: "Outcome", Required: true, Values: VehicleStopOutcomes, Breakdown: true, Field: "outcome"},
	},
	Shares: []Measure{
		{Key: "action", Label: "ended in further action", Column: "Outcome",
			Values: []string{"Traffic offence report", "Fixed penalty notice", "Vehicle seized", "Arrest"}},
		{Key: "arrest", Label: "ended in arrest", Column: "Outcome", Values: []string{"Arrest"}},
	},
	Group: func(label string) stats.Group {
		if strings.EqualFold(strings.TrimSpace(label), "Prefer not to say") {
			return stats.NotStated
		}
		return stats.GroupOf(label)
	},
})

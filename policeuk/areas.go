package policeuk

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"sort"
	"strings"
)

// Area lookups for England and Wales (see areas/README.md for where they
// come from): the 43 police force areas with their police.uk identifiers,
// and the local authorities (Census 2021 codes) that make up each.

//go:embed areas/forces.csv
var forcesCSV []byte

//go:embed areas/lad_pfa.csv
var ladCSV []byte

// ForceArea is one police force area.
type ForceArea struct {
	Code     string // ONS PFA code, e.g. E23000039
	Name     string // ONS name, e.g. Dorset
	PoliceUK string // police.uk identifier, e.g. dorset
}

// LocalAuthority is one lower-tier local authority and its force area.
type LocalAuthority struct {
	Code     string   // e.g. E06000059
	Name     string   // e.g. Dorset
	PFA      string   // the force area's ONS code
	Replaces []string // for an April 2023 authority, the districts it replaced
}

// The force areas (by police.uk id and by ONS code) and the local
// authorities, read once from the embedded tables.
var (
	forcesByID, forcesByCode = readForces()
	authorities              = readAuthorities()
)

func readForces() (byID, byCode map[string]ForceArea) {
	byID, byCode = map[string]ForceArea{}, map[string]ForceArea{}
	for _, r := range mustCSV(forcesCSV)[1:] {
		f := ForceArea{Code: r[0], Name: r[1], PoliceUK: r[2]}
		byID[f.PoliceUK] = f
		byCode[f.Code] = f
	}
	return byID, byCode
}

func readAuthorities() map[string]LocalAuthority {
	las := map[string]LocalAuthority{}
	for _, r := range mustCSV(ladCSV)[1:] {
		la := LocalAuthority{Code: r[0], Name: r[1], PFA: r[2]}
		if r[3] != "" {
			la.Replaces = strings.Fields(r[3])
		}
		las[la.Code] = la
	}
	return las
}

func mustCSV(b []byte) [][]string {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		panic("policeuk: embedded area file: " + err.Error())
	}
	return rows
}

// Force returns the force area with a police.uk identifier ("dorset").
func Force(id string) (ForceArea, bool) {
	f, ok := forcesByID[strings.ToLower(strings.TrimSpace(id))]
	return f, ok
}

// ForceByCode returns the force area with an ONS code ("E23000039").
func ForceByCode(code string) (ForceArea, bool) {
	f, ok := forcesByCode[code]
	return f, ok
}

// Forces lists the force areas by police.uk identifier.
func Forces() []ForceArea {
	var fs []ForceArea
	for _, f := range forcesByID {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].PoliceUK < fs[j].PoliceUK })
	return fs
}

// Authority returns a local authority by its ONS code.
func Authority(code string) (LocalAuthority, bool) {
	la, ok := authorities[strings.TrimSpace(code)]
	return la, ok
}

// Authorities lists every local authority in the lookup, by code.
func Authorities() []LocalAuthority {
	var las []LocalAuthority
	for _, la := range authorities {
		las = append(las, la)
	}
	sort.Slice(las, func(i, j int) bool { return las[i].Code < las[j].Code })
	return las
}

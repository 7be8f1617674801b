package powers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"candour/disparity"
)

// Capture stores one record typed on a form (a vehicle stop recorded by an
// officer) exactly as if it were a line of an imported file: checked by
// the same rules (a *FileError naming the columns at fault, nothing
// stored), counted in the same counters of its month in Europe/London, in
// a part of the month of its own (store.CapturePart) that imports leave
// alone. It returns the month the record was filed under.
func Capture(ctx context.Context, db DB, d *Dataset, force string, fields []string, by string) (string, error) {
	force, err := ResolveForce(force)
	if err != nil {
		return "", err
	}
	if !d.Importable() || d.Table != nil || len(fields) != len(d.Columns) {
		return "", fmt.Errorf("powers: %s records cannot be captured one by one", d.Kind)
	}
	rd, err := newReader(d, strings.NewReader(d.Header()+"\n"+disparity.CSVLine(fields)+"\n"))
	if err != nil {
		return "", err
	}
	r, probs, err := rd.read()
	if errors.Is(err, io.EOF) || len(probs) > 0 {
		return "", &FileError{Problems: probs, Lines: 1}
	}
	if err != nil {
		return "", err
	}
	cells := d.cellsOf(r, nil) // as Import counts it
	if err := db.AddPowerRecord(ctx, d.Kind, force, r.month, disparity.CSVLine(r.fields), cells, by); err != nil {
		return "", err
	}
	return r.month, nil
}

// ForceOf turns a force's name ("Dorset Police") into police.uk's
// identifier ("dorset").
func ForceOf(name string) string { return forceKey(name) }

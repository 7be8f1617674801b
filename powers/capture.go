package powers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"candour/apperr"
	"candour/disparity"
)

// Capture stores one record typed on a form (a vehicle stop recorded by an
// officer), its fields in the order of the dataset's columns, exactly as
// if it were a line of an imported file: checked by the same rules,
// counted in the same counters of its month in Europe/London, in a part of
// the month of its own (store.CapturePart) that imports leave alone. It
// returns the month the record was filed under.
//
// A record the rules refuse stores nothing and is an apperr.Invalid for
// each wrong answer, on its column's form field (Column.Field), saying
// "Check this answer: " and the problem, so the form shows it as it is.
// The force is the portal's own, not something the person typed: a force
// police.uk does not know is an internal error, as is a dataset that
// cannot be captured.
func Capture(ctx context.Context, db DB, d *Dataset, force string, fields []string, by string) (string, error) {
	key, err := ResolveForce(force)
	if err != nil {
		return "", fmt.Errorf("powers: capture for force %q: %v", force, err) // %v: not the person's to correct
	}
	if !d.Importable() || d.Table != nil || len(fields) != len(d.Columns) {
		return "", fmt.Errorf("powers: %s records cannot be captured one by one", d.Kind)
	}
	rd, err := newReader(d, strings.NewReader(d.Header()+"\n"+disparity.CSVLine(fields)+"\n"))
	if err != nil {
		return "", fmt.Errorf("powers: capture %s: %v", d.Kind, err)
	}
	r, probs, err := rd.read()
	if len(probs) > 0 {
		return "", d.answerErrors(probs)
	}
	if errors.Is(err, io.EOF) {
		return "", fmt.Errorf("powers: capture %s: the record was not read", d.Kind)
	}
	if err != nil {
		return "", err
	}
	cells := d.cellsOf(r, nil) // as Import counts it
	if err := db.AddPowerRecord(ctx, d.Kind, key, r.month, disparity.CSVLine(r.fields), cells, by); err != nil {
		return "", err
	}
	return r.month, nil
}

// answerErrors words a captured record's problems for its form: one
// apperr.Invalid an answer, on the column's form field.
func (d *Dataset) answerErrors(probs []RowProblem) error {
	var out []*apperr.Error
	for _, p := range probs {
		field := ""
		for _, c := range d.Columns {
			if c.Name == p.Column {
				field = c.Field
			}
		}
		out = append(out, apperr.Invalidf(field, "Check this answer: %s", p.Problem))
	}
	return apperr.Join(out...)
}

// ForceOf turns a force's name ("Dorset Police") into police.uk's
// identifier ("dorset").
func ForceOf(name string) string { return forceKey(name) }

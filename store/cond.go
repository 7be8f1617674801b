package store

import (
	"bytes"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Cond is a condition on one document, for a conditional single-document
// write: a version check (Eq("version", v)), a seat below capacity
// (Lt("seatsTaken", c)), a single-use token (Exists("usedAt", false)), a
// status transition (Eq("status", from)). It is the only way store code
// makes a write conditional.
//
// It renders to a MongoDB filter (filter) and is evaluated in Go on a
// document read by _id (match) with the same meaning, which the tests check
// against the server's own matcher:
//   - Eq matches a field equal to the value, or an array field holding it;
//     Eq(f, nil) also matches a missing field. Ne is its negation (so it
//     matches a missing field, and an array not holding the value).
//   - Lt, Lte, Gt, Gte compare values of one kind (numbers of any width
//     with each other, strings, dates, booleans, ObjectIDs); a missing
//     field or one of another kind does not match; an array field matches
//     when any element does.
//   - Exists(f, true) matches a present field (even null); false a missing one.
//   - Size(f, n) matches an array field of exactly n elements (not a
//     missing field).
//   - Or matches when any of its conditions does; terms of one Cond all hold.
//
// Dotted paths reach into embedded documents (not through arrays).
type Cond struct{ terms []term }

type term struct {
	op    string // $eq $ne $lt $lte $gt $gte $exists $size $or
	field string
	val   any
	or    []Cond
}

func one(op, field string, v any) Cond { return Cond{terms: []term{{op: op, field: field, val: v}}} }

// Eq: field equals v (or, for an array, holds v).
func Eq(field string, v any) Cond { return one("$eq", field, v) }

// Ne: not Eq.
func Ne(field string, v any) Cond { return one("$ne", field, v) }

// Lt: field < v.
func Lt(field string, v any) Cond { return one("$lt", field, v) }

// Lte: field <= v.
func Lte(field string, v any) Cond { return one("$lte", field, v) }

// Gt: field > v.
func Gt(field string, v any) Cond { return one("$gt", field, v) }

// Gte: field >= v.
func Gte(field string, v any) Cond { return one("$gte", field, v) }

// Exists: field is present (true) or missing (false).
func Exists(field string, present bool) Cond { return one("$exists", field, present) }

// Size: field is an array of n elements.
func Size(field string, n int) Cond { return one("$size", field, n) }

// Or: at least one of cs.
func Or(cs ...Cond) Cond { return Cond{terms: []term{{op: "$or", or: cs}}} }

// And: every term of c and of more.
func (c Cond) And(more ...Cond) Cond {
	out := Cond{terms: append([]term(nil), c.terms...)}
	for _, m := range more {
		out.terms = append(out.terms, m.terms...)
	}
	return out
}

// filter renders c as a MongoDB filter on the document id.
func (c Cond) filter(id any) bson.D {
	f := bson.D{{Key: "_id", Value: id}}
	seen := map[string]bool{"_id": true}
	dup := false
	var parts bson.A
	for _, t := range c.terms {
		e := t.elem()
		if seen[e.Key] && e.Key != "$or" || e.Key == "$or" && seen["$or"] {
			dup = true
		}
		seen[e.Key] = true
		parts = append(parts, bson.D{e})
		f = append(f, e)
	}
	if dup { // the same field twice: say "and" rather than rely on duplicate keys
		return bson.D{{Key: "_id", Value: id}, {Key: "$and", Value: parts}}
	}
	return f
}

func (c Cond) doc() bson.D {
	var d bson.D
	for _, t := range c.terms {
		d = append(d, t.elem())
	}
	if d == nil {
		d = bson.D{}
	}
	return d
}

func (t term) elem() bson.E {
	switch t.op {
	case "$or":
		alts := bson.A{}
		for _, c := range t.or {
			alts = append(alts, c.doc())
		}
		return bson.E{Key: "$or", Value: alts}
	case "$eq":
		return bson.E{Key: t.field, Value: t.val}
	default:
		return bson.E{Key: t.field, Value: bson.D{{Key: t.op, Value: t.val}}}
	}
}

// match evaluates c on doc, as MongoDB would evaluate c.filter on it.
func (c Cond) match(doc bson.Raw) (bool, error) {
	for _, t := range c.terms {
		ok, err := t.match(doc)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (t term) match(doc bson.Raw) (bool, error) {
	if t.op == "$or" {
		for _, c := range t.or {
			ok, err := c.match(doc)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	// Any look-up error means the field is not there (a missing key, or a
	// path through something that is not a document).
	got, err := doc.LookupErr(strings.Split(t.field, ".")...)
	present := err == nil
	if t.op == "$exists" {
		want, _ := t.val.(bool)
		return present == want, nil
	}
	if t.op == "$size" {
		arr, ok := got.ArrayOK()
		if !present || !ok {
			return false, nil
		}
		vals, err := arr.Values()
		return err == nil && len(vals) == t.val.(int), err
	}
	want := bson.RawValue{Type: bson.TypeNull}
	if t.val != nil {
		typ, data, err := bson.MarshalValue(t.val)
		if err != nil {
			return false, fmt.Errorf("store: condition on %s: %w", t.field, err)
		}
		want = bson.RawValue{Type: typ, Value: data}
	}
	switch t.op {
	case "$eq":
		return eqMatch(present, got, want), nil
	case "$ne":
		return !eqMatch(present, got, want), nil
	}
	if !present {
		return false, nil
	}
	cmp := func(v bson.RawValue) bool {
		if v.Type == bson.TypeEmbeddedDocument || v.Type == bson.TypeArray {
			return false // documents and arrays are compared for equality only
		}
		n, ok := compare(v, want)
		if !ok {
			return false
		}
		switch t.op {
		case "$lt":
			return n < 0
		case "$lte":
			return n <= 0
		case "$gt":
			return n > 0
		default: // $gte
			return n >= 0
		}
	}
	if cmp(got) {
		return true, nil
	}
	if arr, ok := got.ArrayOK(); ok {
		vals, _ := arr.Values()
		for _, v := range vals {
			if cmp(v) {
				return true, nil
			}
		}
	}
	return false, nil
}

// eqMatch is MongoDB's equality: the value itself, an element of an array
// value, or (for null) a missing field.
func eqMatch(present bool, got, want bson.RawValue) bool {
	if want.Type == bson.TypeNull {
		return !present || got.Type == bson.TypeNull
	}
	if !present {
		return false
	}
	if n, ok := compare(got, want); ok && n == 0 {
		return true
	}
	if arr, ok := got.ArrayOK(); ok && want.Type != bson.TypeArray {
		vals, _ := arr.Values()
		for _, v := range vals {
			if n, ok := compare(v, want); ok && n == 0 {
				return true
			}
		}
	}
	return false
}

// compare orders two values of one kind; ok is false across kinds.
func compare(a, b bson.RawValue) (int, bool) {
	if isNumber(a.Type) && isNumber(b.Type) {
		ai, aInt := intOf(a)
		bi, bInt := intOf(b)
		if aInt && bInt {
			return cmp3(ai, bi), true
		}
		af, bf := floatOf(a), floatOf(b)
		switch {
		case af < bf:
			return -1, true
		case af > bf:
			return 1, true
		}
		return 0, true
	}
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case bson.TypeString:
		return strings.Compare(a.StringValue(), b.StringValue()), true
	case bson.TypeBoolean:
		x, y := a.Boolean(), b.Boolean()
		switch {
		case x == y:
			return 0, true
		case !x:
			return -1, true
		}
		return 1, true
	case bson.TypeDateTime:
		return cmp3(a.DateTime(), b.DateTime()), true
	case bson.TypeNull:
		return 0, true
	default: // ObjectIDs compare by their bytes; documents and arrays only for equality
		return bytes.Compare(a.Value, b.Value), true
	}
}

func cmp3(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isNumber(t bson.Type) bool {
	return t == bson.TypeInt32 || t == bson.TypeInt64 || t == bson.TypeDouble
}

func intOf(v bson.RawValue) (int64, bool) {
	switch v.Type {
	case bson.TypeInt32:
		return int64(v.Int32()), true
	case bson.TypeInt64:
		return v.Int64(), true
	}
	return 0, false
}

func floatOf(v bson.RawValue) float64 {
	if i, ok := intOf(v); ok {
		return float64(i)
	}
	return v.Double()
}

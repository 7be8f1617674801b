package store

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Every value sealed with the field keys (sealed/) is sealed through this
// file, and only here: s.seal refuses a collection that is not one of the
// sealedKinds, and each kind says where its sealed values are in a stored
// document, which is what "candour keys reseal" (reseal.go) re-encrypts
// under the primary key. So a new kind of sealed document cannot be
// sealed without also being re-sealed; TestResealEveryKind lists the kinds
// and fails on one it does not know, and TestOnlySealedKindsSeal fails on a
// call of the sealer elsewhere.

// sealedValue is one sealed value in a stored document: where it is (a
// dotted path, as $set takes it), what it is bound to (the document id and
// field name given to the sealer as associated data) and the value as
// stored: sealed bytes, or, in a document written before the field was
// sealed, the plain text (a string).
type sealedValue struct {
	path  string
	docID string
	field string
	value bson.RawValue
}

// sealedKind is one collection holding sealed values.
type sealedKind struct {
	coll string
	// values lists a stored document's sealed values. Nil for a kind whose
	// documents are re-sealed by plan instead.
	values func(doc bson.Raw) []sealedValue
	// plan, when set, works out a document's re-seal itself: the $set and
	// the condition under which it is still right (referrals, whose
	// messages are an array rewritten whole).
	plan func(s *Store, doc bson.Raw) (set bson.D, cond Cond, n int, err error)
}

// sealedKinds are the collections holding sealed values, in the order a
// re-seal walks them.
var sealedKinds = []sealedKind{
	{coll: "referrals", plan: planReferralReseal},
	{coll: "custody_reports", values: fieldsOf("content")},
	{coll: conflictsColl, values: func(doc bson.Raw) []sealedValue {
		return []sealedValue{{path: "sealed", docID: docIDOf(doc), field: "conflict", value: doc.Lookup("sealed")}}
	}},
	{coll: "meeting_papers", values: chunkValues},
	{coll: "expense_receipts", values: chunkValues},
	{coll: "advice_requests", values: adviceValues},
}

// SealedKinds names the collections that hold sealed values (for tests
// and the reseal's report).
func SealedKinds() []string {
	out := make([]string, len(sealedKinds))
	for i, k := range sealedKinds {
		out[i] = k.coll
	}
	return out
}

func sealedKindOf(coll string) (sealedKind, bool) {
	i := slices.IndexFunc(sealedKinds, func(k sealedKind) bool { return k.coll == coll })
	if i < 0 {
		return sealedKind{}, false
	}
	return sealedKinds[i], true
}

// seal seals plaintext for field of the document docID in coll, which
// must be one of the sealedKinds. Returns ErrNoSealer without keys.
func (s *Store) seal(coll, docID, field string, plaintext []byte) ([]byte, error) {
	if _, ok := sealedKindOf(coll); !ok {
		return nil, fmt.Errorf("store: %s is not a sealed kind (sealed_kinds.go): its values would never be re-sealed", coll)
	}
	if s.sealer == nil {
		return nil, ErrNoSealer
	}
	return s.sealer.Seal(docID, field, plaintext)
}

func docIDOf(doc bson.Raw) string {
	id, _ := doc.Lookup("_id").StringValueOK()
	return id
}

// fieldsOf is the values of top-level fields each bound to its own name.
func fieldsOf(names ...string) func(bson.Raw) []sealedValue {
	return func(doc bson.Raw) []sealedValue {
		id := docIDOf(doc)
		var out []sealedValue
		for _, n := range names {
			out = append(out, sealedValue{path: n, docID: id, field: n, value: doc.Lookup(n)})
		}
		return out
	}
}

// chunkValues is a sealed file chunk's content, bound to the file and the
// chunk's number (sealChunks).
func chunkValues(doc bson.Raw) []sealedValue {
	paper, _ := doc.Lookup("paperId").StringValueOK()
	n, ok := doc.Lookup("n").AsInt64OK()
	if !ok {
		return nil
	}
	return []sealedValue{{path: "data", docID: paper, field: "chunk-" + strconv.FormatInt(n, 10), value: doc.Lookup("data")}}
}

// sealedText is a text field sealed at rest, each bound to its document
// and its path in it. A document written before the field was sealed holds
// the text itself (a string): it still reads, and "candour keys reseal"
// seals it.
type sealedText struct {
	ct    []byte
	plain string // a value stored before sealing
}

// MarshalBSONValue stores the sealed bytes (binary), or the old plain text
// as it was, or null.
func (t sealedText) MarshalBSONValue() (byte, []byte, error) {
	var v any
	switch {
	case t.ct != nil:
		v = t.ct
	case t.plain != "":
		v = t.plain
	}
	typ, data, err := bson.MarshalValue(v)
	return byte(typ), data, err
}

// UnmarshalBSONValue reads sealed bytes or, from an older document, text.
func (t *sealedText) UnmarshalBSONValue(typ byte, data []byte) error {
	v := bson.RawValue{Type: bson.Type(typ), Value: data}
	switch v.Type {
	case bson.TypeBinary:
		_, b := v.Binary()
		t.ct, t.plain = slices.Clone(b), ""
	case bson.TypeString:
		t.ct, t.plain = nil, v.StringValue()
	case bson.TypeNull, bson.TypeUndefined:
		*t = sealedText{}
	default:
		return fmt.Errorf("store: a sealed text field holds a %s", v.Type)
	}
	return nil
}

// IsZero lets omitempty leave out an empty field.
func (t sealedText) IsZero() bool { return t.ct == nil && t.plain == "" }

// sealText seals text for path of document id in coll.
func (s *Store) sealText(coll, id, path, text string) (sealedText, error) {
	ct, err := s.seal(coll, id, path, []byte(text))
	if err != nil {
		return sealedText{}, fmt.Errorf("store: seal %s of %s: %w", path, id, err)
	}
	return sealedText{ct: ct}, nil
}

// openText opens what sealText made (or returns an older plain value).
func (s *Store) openText(id, path string, t sealedText) (string, error) {
	if t.ct == nil {
		return t.plain, nil
	}
	if s.sealer == nil {
		return "", ErrNoSealer
	}
	pt, err := s.sealer.Open(id, path, t.ct)
	if err != nil {
		return "", fmt.Errorf("store: open %s of %s: %w", path, id, err)
	}
	return string(pt), nil
}

// resealPlan is the generic re-seal of a kind's values: each value not
// sealed under the primary key (or not sealed at all) is sealed under it,
// and the write is conditional on every value it replaces being as read,
// so a value written meanwhile (sealed under the primary by its writer) is
// never overwritten with an older one.
func (s *Store) resealPlan(k sealedKind, doc bson.Raw) (bson.D, Cond, int, error) {
	if k.plan != nil {
		return k.plan(s, doc)
	}
	var set bson.D
	var cond Cond
	for _, v := range k.values(doc) {
		var pt []byte
		switch v.value.Type {
		case bson.TypeBinary:
			_, ct := v.value.Binary()
			if s.sealer.SealedUnderPrimary(ct) {
				continue
			}
			var err error
			if pt, err = s.sealer.Open(v.docID, v.field, ct); err != nil {
				return nil, Cond{}, 0, fmt.Errorf("store: reseal %s %s %s: %w", k.coll, docIDOf(doc), v.path, err)
			}
		case bson.TypeString:
			if pt = []byte(v.value.StringValue()); len(pt) == 0 {
				continue
			}
		default: // missing or null: nothing sealed
			continue
		}
		ct, err := s.sealer.Seal(v.docID, v.field, pt)
		if err != nil {
			return nil, Cond{}, 0, err
		}
		set = append(set, bson.E{Key: v.path, Value: ct})
		cond = cond.And(Eq(v.path, rawAny(v.value)))
	}
	return set, cond, len(set), nil
}

// rawAny is a stored value as a Go value a condition compares with.
func rawAny(v bson.RawValue) any {
	switch v.Type {
	case bson.TypeBinary:
		_, b := v.Binary()
		return b
	case bson.TypeString:
		return v.StringValue()
	}
	return v
}

// adviceValues: the request's texts and each answer's advice and response.
func adviceValues(doc bson.Raw) []sealedValue {
	out := fieldsOf(adviceSealedFields...)(doc)
	id := docIDOf(doc)
	answers, ok := doc.Lookup("answers").DocumentOK()
	if !ok {
		return out
	}
	elems, _ := answers.Elements()
	for _, e := range elems {
		a, ok := e.Value().DocumentOK()
		if !ok {
			continue
		}
		for _, f := range []string{"text", "response"} {
			p := "answers." + e.Key() + "." + f
			if strings.Contains(e.Key(), ".") {
				continue // not a user id; never written so
			}
			out = append(out, sealedValue{path: p, docID: id, field: p, value: a.Lookup(f)})
		}
	}
	return out
}

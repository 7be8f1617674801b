package store

import (
	"fmt"
	"reflect"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// regexQuote escapes a search term for use in a $regex.
func regexQuote(s string) string { return regexp.QuoteMeta(s) }

// decodeAll decodes raw documents into out, a pointer to a slice.
func decodeAll(raw []bson.Raw, out any) error {
	v := reflect.ValueOf(out).Elem()
	v.Set(reflect.MakeSlice(v.Type(), len(raw), len(raw)))
	for i, r := range raw {
		if err := bson.Unmarshal(r, v.Index(i).Addr().Interface()); err != nil {
			return fmt.Errorf("store: decode: %w", err)
		}
	}
	return nil
}

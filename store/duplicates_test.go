package store

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// TestOnlyDuplicates: an unordered insert's failure is ignored (the
// survey's counters at publication) only when every document refused was
// there already; any other write error, a write concern error or another
// failure is an error.
func TestOnlyDuplicates(t *testing.T) {
	dup := mongo.BulkWriteError{WriteError: mongo.WriteError{Index: 1, Code: 11000, Message: "E11000 duplicate key error collection: test.survey_tallies"}}
	other := mongo.BulkWriteError{WriteError: mongo.WriteError{Index: 2, Code: 121, Message: "Document failed validation"}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"every refusal a duplicate", mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{dup, dup}}, true},
		{"a duplicate and another write error", mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{dup, other}}, false},
		{"duplicates and a write concern error", mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{dup}, WriteConcernError: &mongo.WriteConcernError{Code: 64, Message: "waiting for replication timed out"}}, false},
		{"a write concern error alone", mongo.BulkWriteException{WriteConcernError: &mongo.WriteConcernError{Code: 64}}, false},
		{"one insert's duplicate", mongo.WriteException{WriteErrors: mongo.WriteErrors{dup.WriteError}}, true},
		{"the connection lost", errors.New("connection reset by peer"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := onlyDuplicates(tt.err); got != tt.want {
				t.Fatalf("onlyDuplicates(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

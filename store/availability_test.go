package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPairingRespectsAvailability: over many random pairings nobody is
// ever paired in a week they said they cannot do; someone who can do no
// week is never paired; someone who did not answer may be given any week.
// Once paired, the poll is closed.
func TestPairingRespectsAvailability(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	next := QuarterOf(s.Now().AddDate(0, 3, 0))
	start, _ := ParseQuarter(next)
	weeks := QuarterWeeks(start, s.Now())
	key := func(i int) string { return WeekKey(weeks[i]) }
	said := map[string][]string{
		"a": {key(0), key(1)},
		"b": {key(1)},
		"c": {key(4)},
		"d": {key(4), key(5)},
		"e": {}, // cannot do any week
		// "f" does not answer.
	}
	people := []string{"a", "b", "c", "d", "e", "f"}
	for round := range 25 {
		g := fmt.Sprintf("g%d", round)
		for who, ws := range said {
			if err := s.SetAvailability(ctx, g, next, who, ws); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.PlanQuarter(ctx, g, next, people, []string{"Weymouth"}, "NPPV2", "chair", rand.New(rand.NewPCG(uint64(round), 7)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(p.Unpaired, "e") {
			t.Fatalf("round %d: e said no week and was paired: %+v", round, p)
		}
		for i, pair := range p.Pairs {
			v, err := s.Visit(ctx, p.VisitIDs[i])
			if err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{pair.A, pair.B} {
				if ws, answered := said[who]; answered && !slices.Contains(ws, WeekKey(v.Week)) {
					t.Fatalf("round %d: %s paired with %v in week %s, which they cannot do (%v)", round, who, pair, WeekKey(v.Week), ws)
				}
			}
		}
		// a, b, c, d, f can always be paired (a-b in week 2, c-d in week 5,
		// f with anyone): only e and one other are left out at most.
		if len(p.Pairs) != 2 {
			t.Fatalf("round %d: %d pairs, want 2: %+v", round, len(p.Pairs), p)
		}
		if err := s.SetAvailability(ctx, g, next, "a", []string{key(2)}); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("an answer after pairing: %v, want ErrDuplicate", err)
		}
	}
}

package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBWVViewingsInTheOrderWatched: a session's log lists its own
// viewings by the time watched, whatever order they were written in.
func TestBWVViewingsInTheOrderWatched(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 10, 14, 18, 0, 0, 0, London)
	for _, v := range []BWVViewing{
		{VisitID: "v", FootageRef: "BWV-2", ViewerID: "a", ViewedAt: at.Add(20 * time.Minute), Purpose: "scrutiny"},
		{VisitID: "v", FootageRef: "BWV-1", ViewerID: "b", ViewedAt: at.Add(5 * time.Minute), Purpose: "record-check"},
		{VisitID: "w", FootageRef: "BWV-9", ViewerID: "a", ViewedAt: at, Purpose: "scrutiny"},
		{VisitID: "v", FootageRef: "BWV-1", ViewerID: "a", ViewedAt: at.Add(5 * time.Minute), Purpose: "scrutiny"},
	} {
		if err := s.RecordBWVViewing(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.BWVViewings(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, v := range got {
		order = append(order, v.FootageRef+"/"+v.ViewerID)
	}
	// 18:05 b then a (same minute: as recorded), then 18:20 a.
	if want := "BWV-1/b BWV-1/a BWV-2/a"; len(got) != 3 || strings.Join(order, " ") != want {
		t.Fatalf("log = %v, want %s", order, want)
	}
	if !got[0].ViewedAt.Equal(at.Add(5*time.Minute)) || got[0].RecordedAt.IsZero() || got[0].ID == "" {
		t.Fatalf("entry = %+v", got[0])
	}
}

package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"candour/apperr"
)

func TestCodeAndMessageThroughWrapping(t *testing.T) {
	base := apperr.New(apperr.Conflict, "", "Someone else changed it")
	err := fmt.Errorf("store: change: %w", base)
	if got := apperr.CodeOf(err); got != apperr.Conflict {
		t.Fatalf("CodeOf = %q, want conflict", got)
	}
	if !errors.Is(err, base) {
		t.Fatal("errors.Is lost the sentinel through wrapping")
	}
	if got := apperr.MessageOf(err); got != "Someone else changed it" {
		t.Fatalf("MessageOf = %q", got)
	}
	if got := apperr.CodeOf(errors.New("disk full")); got != apperr.Internal {
		t.Fatalf("a plain error's code = %q, want internal", got)
	}
	if apperr.CodeOf(nil) != "" || apperr.Is(nil, apperr.Internal) {
		t.Fatal("nil has a code")
	}
}

func TestJoinAndAllKeepOrder(t *testing.T) {
	if apperr.Join() != nil || apperr.Join(nil, nil) != nil {
		t.Fatal("Join of nothing is not nil")
	}
	err := fmt.Errorf("check: %w", apperr.Join(
		apperr.Invalidf("end", "The end must be after the start"),
		nil,
		apperr.Invalidf("capacity", "Enter %d places or fewer", 100),
	))
	all := apperr.All(err)
	if len(all) != 2 || all[0].Field != "end" || all[1].Field != "capacity" || all[1].Message != "Enter 100 places or fewer" {
		t.Fatalf("All = %+v", all)
	}
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("a joined list's code = %q, want the first one's", apperr.CodeOf(err))
	}
	if got := apperr.All(errors.New("plain")); got != nil {
		t.Fatalf("All of a plain error = %+v", got)
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  *apperr.Error
		want string
	}{
		{apperr.New(apperr.NotFound, "", ""), "not found"},
		{apperr.New(apperr.Conflict, "", "changed"), "changed"},
		{apperr.Invalidf("email", "Enter an email address"), "email: Enter an email address"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestFieldOf(t *testing.T) {
	if got := apperr.FieldOf(fmt.Errorf("store: %w", apperr.New(apperr.Conflict, "code", "Used"))); got != "code" {
		t.Fatalf("FieldOf through wrapping = %q, want code", got)
	}
	if got := apperr.FieldOf(errors.New("plain")); got != "" {
		t.Fatalf("FieldOf a plain error = %q", got)
	}
}

func TestRewordOnlyItsCode(t *testing.T) {
	dup := fmt.Errorf("store: create user: %w", apperr.New(apperr.Duplicate, "", ""))
	got := apperr.Reword(dup, apperr.Duplicate, "email", "An account with this email address already exists")
	if e := apperr.As(got); e == nil || e.Code != apperr.Duplicate || e.Field != "email" || e.Message != "An account with this email address already exists" {
		t.Fatalf("Reword of a duplicate = %#v", got)
	}
	plain := errors.New("disk full")
	if got := apperr.Reword(plain, apperr.Duplicate, "email", "x"); got != plain {
		t.Fatalf("Reword changed an error without the code: %v", got)
	}
	if got := apperr.Reword(nil, apperr.Duplicate, "email", "x"); got != nil {
		t.Fatalf("Reword of nil = %v", got)
	}
	notFound := apperr.New(apperr.NotFound, "", "")
	if got := apperr.Reword(notFound, apperr.Duplicate, "email", "x"); got != notFound {
		t.Fatalf("Reword changed another code: %v", got)
	}
}

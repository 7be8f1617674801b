// Package apperr is Candour's one application error: a code saying what
// kind of failure it is, the form field it concerns (if any) and a message
// in plain English for the person who caused it. It follows
// github.com/benbjohnson/wtf's error design.
//
// The store and the domain types return *Error (or wrap one with
// fmt.Errorf("...: %w", err)); the web layer maps the code to a page and
// a status in one place (server/render.go). Nothing here imports another
// Candour package, so every package may use it.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the kind of failure. Each code has one HTTP status, set in
// server/render.go.
type Code string

const (
	// Invalid: what the person sent breaks a rule. Field names the form
	// field; the page is shown again with Message next to it (422).
	Invalid Code = "invalid"
	// NotFound: no such record, or one the person may not see (404).
	NotFound Code = "not_found"
	// Conflict: the record is not in a state that allows the change, or
	// changed since the form was opened (409).
	Conflict Code = "conflict"
	// Duplicate: a record with the same unique value exists. Handlers show
	// it against the field (422).
	Duplicate Code = "duplicate"
	// Expired: a link, code or invitation that was good is no longer (410).
	Expired Code = "expired"
	// Forbidden: the person may not do this (403).
	Forbidden Code = "forbidden"
	// Unavailable: a service Candour depends on (a force's identity
	// provider) is not answering; trying later may work (503).
	Unavailable Code = "unavailable"
	// Internal: anything else (500). The default for errors that are not
	// an *Error.
	Internal Code = "internal"
)

// Error is an application error.
type Error struct {
	Code    Code
	Field   string // the form field it concerns, or ""
	Message string // plain English for the person; "" for sentinels handlers word themselves
	// Line is the line of an uploaded file the error concerns (1-based), or
	// 0. A refused file is a joined list of these, one a wrong line, all on
	// the form's file field; the page lists every one.
	Line int
}

// codeText is what Error says for an error without a message: the
// store's sentinels (ErrNotFound and the rest), which handlers word.
var codeText = map[Code]string{
	Invalid: "invalid", NotFound: "not found", Conflict: "conflict", Duplicate: "already exists",
	Expired: "expired", Forbidden: "forbidden", Unavailable: "unavailable", Internal: "internal error",
}

// Error returns the message (or what the code means when there is none).
func (e *Error) Error() string {
	switch {
	case e.Message == "":
		if t, ok := codeText[e.Code]; ok {
			return t
		}
		return string(e.Code)
	case e.Field == "":
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// New returns an error with a code, a field and a message.
func New(code Code, field, message string) *Error {
	return &Error{Code: code, Field: field, Message: message}
}

// Invalidf returns an Invalid error for field with a formatted message.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// As returns the first *Error in err's chain (or in a joined list), or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// CodeOf returns err's code: "" for nil, Internal for an error that is not
// an application error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	if e := As(err); e != nil {
		return e.Code
	}
	return Internal
}

// Is reports whether err is an application error with code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// MessageOf returns err's message for people, or "" when it has none.
func MessageOf(err error) string {
	if e := As(err); e != nil {
		return e.Message
	}
	return ""
}

// Join returns the problems as one error (nil when there are none); All
// takes them apart again. A check that finds several broken rules at once
// (a visit's times and places, a survey's answers) returns this.
func Join(errs ...*Error) error {
	var list []error
	for _, e := range errs {
		if e != nil {
			list = append(list, e)
		}
	}
	return errors.Join(list...)
}

// All lists every *Error in err: one for a single error, each of a joined
// list in order, none for nil or an error that is not an application error.
func All(err error) []*Error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return []*Error{e}
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		var out []*Error
		for _, x := range u.Unwrap() {
			out = append(out, All(x)...)
		}
		return out
	case interface{ Unwrap() error }:
		return All(u.Unwrap())
	}
	return nil
}

// Reword returns err in the handler's own words when it has code: a new
// error with the same code, field and message (the store's refusals are
// worded for any page; the form that caused one may say more, or name its
// own field). Any other err, and nil, is returned as it is.
func Reword(err error, code Code, field, message string) error {
	if !Is(err, code) {
		return err
	}
	return &Error{Code: code, Field: field, Message: message}
}

// FieldOf returns the field err concerns, or "" when it has none (or is
// not an application error). Two refusals with one code tell themselves
// apart by it: a conflict about a form's field (the invitation code, the
// number of places) and one about the whole record.
func FieldOf(err error) string {
	if e := As(err); e != nil {
		return e.Field
	}
	return ""
}

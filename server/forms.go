package server

import (
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"

	"candour/apperr"
)

// formErrors are the messages shown in the GOV.UK error summary and next
// to each field. Keys are the form's field names, so the summary links to
// the inputs by id.
type formErrors struct {
	Items []fieldError
}

type fieldError struct {
	Field   string
	Message string
}

// Add records a message for field (the first message per field wins).
func (e *formErrors) Add(field, message string) {
	if e.For(field) == "" {
		e.Items = append(e.Items, fieldError{Field: field, Message: message})
	}
}

// addItem lists message for field in the summary even when the field has
// one already (a page of several uploaded files names each file's
// problem); the same message for the same field is listed once. For still
// returns the first.
func (e *formErrors) addItem(field, message string) {
	for _, it := range e.Items {
		if it == (fieldError{Field: field, Message: message}) {
			return
		}
	}
	e.Items = append(e.Items, fieldError{Field: field, Message: message})
}

// Err is the form's messages as one application error (nil when there are
// none): an apperr.Invalid for each, in order. Binding's messages go to
// formAgain this way, joined with the handler's own checks.
func (e *formErrors) Err() error {
	if !e.Any() {
		return nil
	}
	list := make([]*apperr.Error, len(e.Items))
	for i, it := range e.Items {
		list[i] = apperr.Invalidf(it.Field, "%s", it.Message)
	}
	return apperr.Join(list...)
}

// With is the form's messages (binding's) followed by more, as one error
// for formAgain (nil when there are none).
func (e *formErrors) With(more ...*apperr.Error) error {
	return apperr.Join(append(apperr.All(e.Err()), more...)...)
}

// For returns the message for field, or "".
func (e *formErrors) For(field string) string {
	if e == nil {
		return ""
	}
	for _, it := range e.Items {
		if it.Field == field {
			return it.Message
		}
	}
	return ""
}

// Drop removes the messages for fields (filled by the server, not typed).
func (e *formErrors) Drop(fields ...string) {
	kept := e.Items[:0]
	for _, it := range e.Items {
		drop := false
		for _, f := range fields {
			drop = drop || it.Field == f
		}
		if !drop {
			kept = append(kept, it)
		}
	}
	e.Items = kept
}

// inPageOrder sorts the messages by where their fields' ids first appear
// in page (a field the page does not have goes last) and reports whether
// the order changed.
func (e *formErrors) inPageOrder(page []byte) bool {
	if e == nil || len(e.Items) < 2 {
		return false
	}
	pos := make(map[string]int, len(e.Items))
	for _, it := range e.Items {
		i := bytes.Index(page, []byte(`id="`+it.Field+`"`))
		if i < 0 {
			i = len(page)
		}
		pos[it.Field] = i
	}
	if sort.SliceIsSorted(e.Items, func(i, j int) bool { return pos[e.Items[i].Field] < pos[e.Items[j].Field] }) {
		return false
	}
	sort.SliceStable(e.Items, func(i, j int) bool { return pos[e.Items[i].Field] < pos[e.Items[j].Field] })
	return true
}

// Any reports whether there is at least one error.
func (e *formErrors) Any() bool { return e != nil && len(e.Items) > 0 }

// messager is implemented by every form: it maps "field.tag" (or "field") to
// a plain-English message written for the person filling in the form.
type messager interface {
	messages() map[string]string
}

var useFormNames sync.Once

// bind parses and validates a form into dst and returns the form's errors
// (empty when valid). For an oversized body it answers 413 itself and
// reports false: the handler just returns.
func (s *Server) bind(c *gin.Context, dst messager) (*formErrors, bool) {
	errs, err := s.parseForm(c, dst)
	if err != nil {
		s.tooLarge(c)
		return nil, false
	}
	return errs, true
}

// errTooLarge is returned by parseForm when the body is over the limit.
var errTooLarge = errors.New("request body too large")

func (s *Server) parseForm(c *gin.Context, dst messager) (*formErrors, error) {
	useFormNames.Do(func() {
		if v, ok := binding.Validator.Engine().(*validator.Validate); ok {
			v.RegisterTagNameFunc(func(f reflect.StructField) string {
				name, _, _ := strings.Cut(f.Tag.Get("form"), ",")
				return name
			})
		}
	})
	if err := c.Request.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
	}
	// Every value has been through the text gate (textgate.go) already.
	errs := &formErrors{}
	err := c.ShouldBindWith(dst, binding.Form)
	if err == nil {
		return errs, nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errTooLarge
	}
	msgs := dst.messages()
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		// A value that does not fit its type (a word where a number goes).
		errs.Add("form", "Check your answers: something you entered is not in the right format")
		return errs, nil
	}
	for _, fe := range verrs {
		msg := msgs[fe.Field()+"."+fe.Tag()]
		if msg == "" {
			msg = msgs[fe.Field()]
		}
		if msg == "" {
			msg = "Check this answer"
		}
		errs.Add(fe.Field(), msg)
	}
	return errs, nil
}

// tooLarge answers 413 with a styled page.
func (s *Server) tooLarge(c *gin.Context) {
	s.errorPage(c, http.StatusRequestEntityTooLarge, "What you sent is too large", "Make your answer shorter and try again. Nothing has been saved.")
}

// formSubmit is the shape every form that makes or changes a record shares
// (visit_edit.go, meeting_edit.go, ...): bind the form, check it, check it
// again in the store, and at each step show the form again with what was
// typed on a problem. One is made by submitForm; each step's error goes
// through ok, the one place a form decides what an error means:
//
//   - form errors (apperr Invalid and Duplicate, one or joined) go next to
//     their fields (renamed by rename), and the form is shown again (422);
//   - the store's version check (store.ErrConflict) is the stale-form page
//     (409) naming thing ("Someone else has changed this visit");
//   - anything else is s.fail (404, 403, 409 with its message, 500).
type formSubmit struct {
	s      *Server
	c      *gin.Context
	errs   *formErrors
	thing  string
	rename map[string]string
	again  func(status int, errs *formErrors)
}

// submitForm binds the request into dst and returns the form's steps.
// again shows the form again with errs and status. For an oversized body
// it answers 413 itself and reports false.
func (s *Server) submitForm(c *gin.Context, dst messager, thing string, rename map[string]string, again func(status int, errs *formErrors)) (*formSubmit, bool) {
	errs, ok := s.bind(c, dst)
	if !ok {
		return nil, false
	}
	return &formSubmit{s: s, c: c, errs: errs, thing: thing, rename: rename, again: again}, true
}

// ok takes a step's error (nil when the step found nothing wrong) and
// reports whether the handler goes on: false when the form had problems
// (its own from binding, or err's) or err stopped the request; the request
// has then been answered.
func (f *formSubmit) ok(err error) bool {
	switch {
	case err == nil:
	case f.s.stale(f.c, err, "Someone else has changed this "+f.thing,
		"The "+f.thing+" changed after you opened the form, so nothing you entered has been saved. Go back to the "+f.thing+", reload it and make your change again."):
		return false
	case !addErrors(f.errs, err, f.rename):
		f.s.fail(f.c, err)
		return false
	}
	if f.errs.Any() {
		f.again(statusOf(apperr.Invalid), f.errs)
		return false
	}
	return true
}

package server

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"candour/store"
)

// The house rule for the test apps (docs/architecture.md, "Its tests"):
// nothing a handler reads is written once a request may be running. A test
// gives the Server its views, and the fakes behind them their answers,
// before its first request; after that it changes only what a lock guards
// (a world, setNow, the app's users). A test app holds every test to it:
// at the first request it notes the bytes of every field of the Server and
// of the fakes behind its views, and before each later request, and when
// the test ends, it panics naming the first field that changed. A write
// the race detector cannot see (each request happens after the test's
// write, through the socket) is then as loud as one it can.

// frozenFields is what a test app noted at its first request.
type frozenFields struct {
	mu    sync.Mutex
	root  any // the *Server
	marks []fieldMark
}

// fieldMark is one field's own bytes when noted: a func's closure, a map's
// or a pointer's address, a slice's header, an interface's type and value,
// or the value itself.
type fieldMark struct {
	path  string
	bytes []byte
}

// check notes the fields at its first call and panics, at every later
// one, if one of them has changed since.
func (f *frozenFields) check(srv *Server) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := fieldsOf(srv)
	if f.root == nil {
		f.root, f.marks = srv, now
		return
	}
	if path := firstChange(f.marks, now); path != "" {
		panic(fmt.Sprintf("%s was set after the test app's first request: give a fake its answers (and the Server its views) before the first request, "+
			"and change an answer between requests only under a lock (a world, setNow)", path))
	}
}

// atEnd checks, when the test ends, the fields noted at its first request
// (if it made one).
func (f *frozenFields) atEnd() {
	f.mu.Lock()
	srv, _ := f.root.(*Server)
	f.mu.Unlock()
	if srv != nil {
		f.check(srv)
	}
}

// firstChange is the path of the first field whose bytes differ between
// two notes of the same Server ("" if none).
func firstChange(before, after []fieldMark) string {
	for i, m := range before {
		if i >= len(after) || after[i].path != m.path {
			return m.path
		}
		if !bytes.Equal(after[i].bytes, m.bytes) {
			return m.path
		}
	}
	if len(after) > len(before) {
		return after[len(before)].path
	}
	return ""
}

// fieldsOf notes every field of srv, and of every struct of this package
// its pointers and interfaces lead to (the fakes and their worlds, the
// limiters, the session store), once each.
func fieldsOf(srv *Server) []fieldMark {
	var out []fieldMark
	seen := map[uintptr]bool{uintptr(unsafe.Pointer(srv)): true}
	markFields(reflect.ValueOf(srv).Elem(), "srv", seen, &out)
	return out
}

var (
	fakeCallsType    = reflect.TypeFor[fakeCalls]()
	frozenFieldsType = reflect.TypeFor[frozenFields]()
	serverPkg        = reflect.TypeFor[Server]().PkgPath()
)

// markFields notes the fields of v, an addressable struct. What a lock
// guards is left out: the fields after a sync.Mutex, RWMutex or Once named
// mu or once (the Go convention: it guards what follows), a fakeCalls
// (its own lock guards its clock and counts), any other value of sync or
// sync/atomic.
func markFields(v reflect.Value, path string, seen map[uintptr]bool, out *[]fieldMark) {
	t := v.Type()
	for i := range t.NumField() {
		sf, fv := t.Field(i), v.Field(i)
		ft := sf.Type
		p := path + "." + sf.Name
		if pkg := ft.PkgPath(); pkg == "sync" || pkg == "sync/atomic" {
			if sf.Name == "mu" || sf.Name == "once" {
				return
			}
			continue
		}
		if ft == fakeCallsType || ft == frozenFieldsType {
			continue
		}
		if ft.Kind() == reflect.Struct {
			markFields(fv, p, seen, out)
			continue
		}
		b := unsafe.Slice((*byte)(unsafe.Pointer(fv.UnsafeAddr())), ft.Size())
		*out = append(*out, fieldMark{path: p, bytes: bytes.Clone(b)})
		switch ft.Kind() {
		case reflect.Interface:
			if !fv.IsNil() {
				follow(fv.Elem(), p, seen, out)
			}
		case reflect.Pointer:
			follow(fv, p, seen, out)
		}
	}
}

// follow notes the fields of the struct of this package that v points to,
// if it has not been noted already.
func follow(v reflect.Value, path string, seen map[uintptr]bool, out *[]fieldMark) {
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Type().Elem().Kind() != reflect.Struct || v.Type().Elem().PkgPath() != serverPkg {
		return
	}
	if seen[v.Pointer()] {
		return
	}
	seen[v.Pointer()] = true
	markFields(v.Elem(), fmt.Sprintf("%s.(%s)", path, v.Type()), seen, out)
}

// forget drops what was noted (a test of the check itself, after its
// panic).
func (f *frozenFields) forget() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.root, f.marks = nil, nil
}

// TestFakeSetAfterTheFirstRequestPanics: a fake's answer, a view or a
// Server's field set after the test app's first request is caught at the
// next request, by name; what a lock guards (the fake's clock, its counts,
// the app's users) may change.
func TestFakeSetAfterTheFirstRequestPanics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(a *fakeApp, fv *fakeVisits)
		want   string
	}{
		{"a fake's answer", func(_ *fakeApp, fv *fakeVisits) {
			fv.visit = func(string) (*store.Visit, error) { return nil, store.ErrNotFound }
		},
			"srv.visits.(*server.fakeVisits).visit"},
		{"an answer it shares", func(_ *fakeApp, fv *fakeVisits) {
			fv.group = func(string) (*store.Group, error) { return nil, store.ErrNotFound }
		},
			"srv.visits.(*server.fakeVisits).fakeReads.group"},
		{"a view", func(a *fakeApp, _ *fakeVisits) { a.srv.visits = &fakeVisits{} }, "srv.visits"},
		{"a Server's field", func(a *fakeApp, _ *fakeVisits) { a.srv.surveys.decide = func() {} }, "srv.surveys.decide"},
		{"a limiter's store", func(a *fakeApp, _ *fakeVisits) { a.srv.signInLimiter.db = &fakeHits{} }, "srv.signInLimiter.(*server.rateLimiter).db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newFakeApp(t)
			fv := &fakeVisits{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}},
				visit: func(string) (*store.Visit, error) { return nil, store.ErrNotFound }}
			a.srv.visits = fv
			c := a.as(&store.User{Email: "m@example.org", Name: "Mo Member", Role: store.RoleMember, Status: store.StatusActive})
			page := "/visits/" + store.NewID()
			if r := c.get(page); r.Status != http.StatusNotFound {
				t.Fatalf("an unknown visit: %d, want 404", r.Status)
			}
			fv.setNow(time.Now().Add(time.Hour))
			a.as(&store.User{Email: "n@example.org", Name: "Ned Member", Role: store.RoleMember, Status: store.StatusActive})
			if r := c.get(page); r.Status != http.StatusNotFound {
				t.Fatalf("after moving the clock and signing another in: %d, want 404", r.Status)
			}
			tc.change(a, fv)
			defer func() {
				got := fmt.Sprint(recover())
				a.frozen.forget()
				if !strings.HasPrefix(got, tc.want+" was set after the test app's first request") {
					t.Errorf("the request after the change panicked with %q, want it to name %s", got, tc.want)
				}
			}()
			c.get(page)
		})
	}
}

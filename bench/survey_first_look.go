package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"candour/store"
)

// firstLooks are closed-to-be copies of the bench survey, one for each
// first public look a row makes: the first look at a closed survey decides
// its release (the disclosure audit, survey.decide), unless the
// survey-decisions job got there first, and that is what the row measures.
// Each copy is published, public and still open when the portal starts
// (the job decides only closed surveys); the row closes one through its
// settings form (untimed) and then looks at its public summary, so every
// request is a first look: the results, their drawn figures, the stored
// decision and the audit's own cache all miss. The audit's cache is keyed
// by the release's content, so each copy's counters differ from the others'
// (one response left out, or another window of responses).
type firstLooks struct {
	ids  []string
	revs []int
	next atomic.Int64
}

// firstLookCopies is how many copies the 10,000-response row gets: as many
// first looks as one run of the row can make (a few in the single client's
// run, the rest at firstLookClients); firstLookProfiled more with
// -profile, so that its three windows of 5 s look at surveys closed then
// too, not at the last copy's cached summary.
const (
	firstLookCopies   = 40
	firstLookProfiled = 90
	firstLookSingle   = 10
	firstLookClients  = 5
	demoLookCopies    = 3 // the demo-sized row: each first look decides for seconds
	demoLookSingle    = 2
	demoSize          = 360 // the demo spring survey's responses
)

// seedFirstLooks publishes n copies of sv's questions, each with the
// counters count(k) gives it.
func seedFirstLooks(ctx context.Context, db *store.Store, title string, qs []store.Question, n int, count func(k int) []store.Tally) (*firstLooks, error) {
	fl := &firstLooks{}
	for k := range n {
		cp, err := benchSurvey(ctx, db, fmt.Sprintf("%s (%d)", title, k+1), qs)
		if err != nil {
			return nil, err
		}
		if err := db.PutTallies(ctx, cp.ID, count(k)); err != nil {
			return nil, err
		}
		fl.ids, fl.revs = append(fl.ids, cp.ID), append(fl.revs, cp.Rev)
	}
	return fl, nil
}

// without is ts less one response's counts (one of the responses ts counted).
func without(ts, one []store.Tally) []store.Tally {
	out := make([]store.Tally, len(ts))
	minus := map[string]*store.Tally{}
	for i := range one {
		minus[one[i].Dim+"/"+one[i].Value] = &one[i]
	}
	for i, t := range ts {
		out[i] = t
		out[i].C = map[string]map[string]int64{}
		m := minus[t.Dim+"/"+t.Value]
		if m != nil {
			out[i].N -= m.N
		}
		for q, cs := range t.C {
			out[i].C[q] = map[string]int64{}
			for code, v := range cs {
				if m != nil {
					v -= m.C[q][code]
				}
				out[i].C[q][code] = v
			}
		}
	}
	return out
}

// setUp closes the next copy through its settings form as the row's
// administrator (untimed) and returns its public summary's path. Past the
// last copy it returns the last one's (a cached look: the row's requests
// are capped so that it does not come to that).
func (fl *firstLooks) setUp(c *client, base string) string {
	k := int(fl.next.Add(1) - 1)
	if k >= len(fl.ids) {
		return "/public/surveys/" + fl.ids[len(fl.ids)-1]
	}
	id := fl.ids[k]
	form := url.Values{"csrf_token": {c.sess.csrf}, "rev": {strconv.Itoa(fl.revs[k])}, "title": {"Bench: first look " + strconv.Itoa(k+1)},
		"aboutYou": {"true"}, "openLink": {"true"}, "public": {"true"}, "closed": {"true"}}
	req, err := http.NewRequest("POST", base+"/surveys/"+id+"/settings", strings.NewReader(form.Encode()))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var resp *http.Response
		if resp, err = c.http.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	// A copy that failed to close answers 404 to the look, which the row
	// counts as a failure: nothing is measured that was not a first look.
	return "/public/surveys/" + id
}

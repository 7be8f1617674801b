package survey

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"candour/stats"
	"candour/store"
)

// release is every count published about one survey version, on any page
// or in any file (the results page for every breakdown, the public
// summary, the CSV, `candour report survey`), with every relation a reader
// knows holds between them. One suppression audit (stats.Protect) decides
// the whole release at once, so no combination of published figures, from
// any of those places, pins a "fewer than 10" count.
//
// The relations:
//   - respondents = the ethnic groups' respondents added up; each group's
//     respondents = its detailed categories' answers to the ethnicity
//     question added up; "not stated" ≥ those who preferred not to say;
//   - for every other about-you question, its answers plus the unpublished
//     "not stated" add up to the respondents;
//   - for every question, in everyone and in each group of each breakdown:
//     the answers to a one-answer question add up to those who answered;
//     each answer to a many-answer question is at most those who answered
//     and together at least as many; a combined row ("strongly agree or
//     agree", "7 or higher") is its answers added up;
//   - every breakdown's groups add up to everyone, row by row;
//   - those who answered in a group are at most the group's respondents,
//     and exactly them for a required question asked of everyone.
type release struct {
	stats.Release
	keys      map[string]int
	mask      []int
	witnesses map[int][2]map[int]int64 // the audit's proof (stats.Decision)
}

// hiddenCell is a count of a group too small to show: never shown, but
// in the release as a withheld count so that the audit protects it
// (stats.Release.Hidden) like any other.
func (rl *release) hiddenCell(key string, v int64, hide bool) int {
	i := rl.cell(key, v, true)
	if hide {
		if rl.Hidden == nil {
			rl.Hidden = map[int]bool{}
		}
		rl.Hidden[i] = true
	}
	return i
}

func (rl *release) cell(key string, v int64, public bool) int {
	if i, ok := rl.keys[key]; ok {
		return i
	}
	i := rl.Cell(v, public)
	rl.keys[key] = i
	return i
}

// count is the published count under key: NotCollected if the version
// has no such count.
func (rl *release) count(key string) Count {
	i, ok := rl.keys[key]
	if !ok {
		return Count{State: NotCollected}
	}
	if rl.Hidden[i] {
		return Count{N: rl.Values[i], State: stats.Unpublished}
	}
	return Count{N: rl.Values[i], State: rl.mask[i]}
}

// at is the index of a cell laid out earlier.
func (rl *release) at(key string) int {
	i, ok := rl.keys[key]
	if !ok {
		panic("survey: no cell " + key)
	}
	return i
}

func qkey(qid, dim, val, code string) string { return "q/" + qid + "/" + dim + "/" + val + "/" + code }

func nkey(dim, val string) string { return "n/" + dim + "/" + val }

// source is a version's counters, and what of them was collected.
type source struct {
	sv       *store.Survey
	v        *store.Version
	byKey    map[string]*store.Tally
	all      *store.Tally
	dims     []string        // breakdowns that were collected
	asked    map[string]bool // questions whose answers were collected
	imported bool
}

func newSource(sv *store.Survey, v *store.Version, ts []store.Tally) *source {
	s := &source{sv: sv, v: v, byKey: map[string]*store.Tally{}, asked: map[string]bool{}, imported: sv.Imported}
	for i := range ts {
		s.byKey[ts[i].Dim+"/"+ts[i].Value] = &ts[i]
	}
	s.all = s.byKey[store.DimAll+"/"+store.DimAll]
	if s.all == nil {
		s.all = &store.Tally{}
	}
	dimSeen := map[string]bool{}
	for _, t := range ts {
		dimSeen[t.Dim] = true
	}
	if v.Question(store.AboutEthnicity) != nil {
		for _, d := range store.BreakdownDims {
			if !s.imported || dimSeen[d] {
				s.dims = append(s.dims, d)
			}
		}
	}
	for _, q := range v.Questions {
		// An imported baseline has counts only for what it collected; a
		// survey run here collected every question of the version.
		s.asked[q.ID] = !s.imported || s.all.C[q.ID] != nil
	}
	return s
}

// collected reports whether the version has counts for a group (and, if
// qid is given, for that question in it). A survey run here collected
// everything; an imported baseline only what its file gave.
func (s *source) collected(dim, val, qid string) bool {
	if !s.imported || dim == store.DimAll {
		return true
	}
	t := s.byKey[dim+"/"+val]
	return t != nil && (qid == "" || t.C[qid] != nil)
}

func (s *source) hasDim(d string) bool {
	for _, x := range s.dims {
		if x == d {
			return true
		}
	}
	return false
}

// tooSmall reports whether a breakdown group has 1 to 9 respondents: its
// figures are not published at all (not even as "withheld"), and its size
// shows "fewer than 10". Its answers stay in the release as withheld counts
// (stats.Release.Hidden) that are never shown, so the audit protects them
// like any other: no one can work them out as everyone minus the shown
// groups.
func (s *source) tooSmall(dim, val string) bool {
	if dim == store.DimAll {
		return false
	}
	return stats.Suppressed(s.size(dim, val))
}

func (s *source) get(dim, val, qid, code string) int64 {
	t := s.all
	if dim != store.DimAll {
		t = s.byKey[dim+"/"+val]
	}
	if t == nil || t.C == nil {
		return 0
	}
	return t.C[qid][code]
}

func (s *source) size(dim, val string) int64 {
	if t := s.byKey[dim+"/"+val]; t != nil {
		return t.N
	}
	return 0
}

// published lists the questions whose figures are published (the postcode
// district never is).
func (s *source) published() []*store.Question {
	var qs []*store.Question
	for i := range s.v.Questions {
		q := &s.v.Questions[i]
		if q.AboutYou && q.Type == store.QPostcode {
			continue
		}
		qs = append(qs, q)
	}
	return qs
}

// buildRelease lays out the version's published counts and relations and
// runs the audit (or takes its answer from the cache).
func buildRelease(s *source) *release {
	rl := layRelease(s)
	d, _ := auditRelease(context.Background(), &rl.Release, newMover(rl, s)) // a context that never ends: no error
	rl.mask, rl.witnesses = d.Mask, d.Witnesses
	return rl
}

// layRelease lays out the version's published counts and relations, and
// what withholding each costs, without deciding anything.
func layRelease(s *source) *release {
	rl := &release{keys: map[string]int{}}
	all := rl.cell(nkey(store.DimAll, store.DimAll), s.all.N, true)
	if s.hasDim(store.AboutEthnicity) {
		var groups []int
		for _, g := range store.EthnicGroupValues {
			if s.collected(store.AboutEthnicity, g, "") {
				groups = append(groups, rl.cell(nkey(store.AboutEthnicity, g), s.size(store.AboutEthnicity, g), true))
			}
		}
		rl.Sum(groups, all)
	}
	for _, q := range s.published() {
		if s.asked[q.ID] {
			layQuestion(rl, s, q)
		}
	}
	sizes(rl, s, all)
	tooSmallSizes(rl, s)
	costs(rl)
	return rl
}

// layQuestion adds a question's counts: everyone, and (for the questions
// that are broken down) every group of every collected breakdown.
func layQuestion(rl *release, s *source, q *store.Question) {
	choices := q.Choices()
	exclusive := q.Type == store.QSingle || q.Type == store.QAgree || q.Type == store.QRating
	ms := measures(q)
	rows := []string{store.TallyAnswered}
	lay := func(dim, val string) {
		if !s.collected(dim, val, q.ID) {
			return // an imported baseline without this group: "not collected"
		}
		hide := s.tooSmall(dim, val)
		var base int
		if hide && q.Required && q.ShowIfQ == "" && !s.imported {
			// Those in a group too small to show who answered a question
			// everyone must answer are the group itself: its size, which
			// has the protection a group's size has (sizes), not an answer.
			base = rl.cell(qkey(q.ID, dim, val, store.TallyAnswered), s.get(dim, val, q.ID, store.TallyAnswered), false)
		} else {
			base = rl.hiddenCell(qkey(q.ID, dim, val, store.TallyAnswered), s.get(dim, val, q.ID, store.TallyAnswered), hide)
		}
		if !q.Choice() {
			return
		}
		var codes []int
		for _, o := range choices {
			codes = append(codes, rl.hiddenCell(qkey(q.ID, dim, val, o.Code), s.get(dim, val, q.ID, o.Code), hide))
		}
		if exclusive {
			rl.Sum(codes, base)
		} else {
			for _, c := range codes {
				rl.AtMost([]int{c}, base)
			}
			atLeast(rl, codes, base)
		}
		for mi, m := range ms {
			if len(m.Codes) < 2 {
				continue
			}
			var n int64
			var parts []int
			for _, c := range m.Codes {
				n += s.get(dim, val, q.ID, c)
				parts = append(parts, codes[indexOf(choices, c)])
			}
			mc := rl.hiddenCell(qkey(q.ID, dim, val, "m"+strconv.Itoa(mi)), n, hide)
			rl.Sum(parts, mc)
			if exclusive {
				// Implied by the sums, but stated so that what the labels
				// alone allow (stats.Targets) sees that a combined row of a
				// group too small to show is at most 9.
				rl.AtMost([]int{mc}, base)
			}
		}
	}
	if q.ID == store.AboutEthnicity {
		// Only the five groups are published (as respondents by group), never
		// the 19 detailed categories: a group minus its other categories
		// would give a small category away.
		rl.cell(qkey(q.ID, store.DimAll, store.DimAll, store.TallyAnswered), s.get(store.DimAll, store.DimAll, q.ID, store.TallyAnswered), true)
		return
	}
	lay(store.DimAll, store.DimAll)
	if !q.Choice() || q.AboutYou {
		return
	}
	for _, o := range choices {
		rows = append(rows, o.Code)
	}
	for mi, m := range ms {
		if len(m.Codes) > 1 {
			rows = append(rows, "m"+strconv.Itoa(mi))
		}
	}
	for _, d := range s.dims {
		vals := store.DimValues(d)
		for _, val := range vals {
			lay(d, val)
		}
		for _, row := range rows {
			var parts []int
			for _, val := range vals {
				if i, ok := rl.keys[qkey(q.ID, d, val, row)]; ok {
					parts = append(parts, i)
				}
			}
			rl.Sum(parts, rl.at(qkey(q.ID, store.DimAll, store.DimAll, row)))
		}
	}
}

// Weights of what withholding a count costs (costs), by whose count it
// is: the audit withholds the cheapest counts that prove a count safe.
const (
	costNotStated = 1  // "not stated" in any breakdown: never compared
	costOther     = 3  // the groups of the breakdowns other than ethnicity
	costEthnic    = 12 // an ethnic group shown: the headline comparisons
	costEveryone  = 16 // everyone's figures, and the ethnic groups' sizes
)

// costs says what withholding each count of the release costs, so that
// of the witnesses that prove a withheld count safe the audit takes the
// one that withholds "not stated", the groups of the other breakdowns and
// the smallest counts before the ethnic groups' and everyone's (the
// headline figures): a count's cost is its group's weight times (10 plus
// the count), doubled for a combined row ("strongly agree or agree", the
// measure compared with White) and tripled for those who answered (the
// base of every share in the row).
func costs(rl *release) {
	rl.Cost = make([]float64, len(rl.Values))
	for k, i := range rl.keys {
		p := strings.Split(k, "/")
		w := float64(costEveryone)
		switch {
		case len(p) == 3 && p[0] == "n" && p[2] == store.NotStated:
			w = costNotStated
		case len(p) == 5 && p[0] == "q":
			dim, val, code := p[2], p[3], p[4]
			switch {
			case dim == store.DimAll:
			case val == store.NotStated:
				w = costNotStated
			case dim == store.AboutEthnicity:
				w = costEthnic
			default:
				w = costOther
			}
			switch {
			case code == store.TallyAnswered:
				w *= 3
			case strings.HasPrefix(code, "m"):
				w *= 2
			}
		}
		rl.Cost[i] = w * float64(10+max(0, rl.Values[i]))
	}
}

// threshold is the cell holding MinCell-1: a group "too small to show"
// tells a reader its size is at most that.
const thresholdKey = "threshold"

// tooSmallSizes records what the note on a group too small to show tells
// a reader: it has at most 9 people.
func tooSmallSizes(rl *release, s *source) {
	nine := -1
	for _, d := range s.dims {
		for _, val := range store.DimValues(d) {
			if !s.tooSmall(d, val) {
				continue
			}
			var size int
			var ok bool
			switch {
			case d == store.AboutEthnicity:
				size, ok = rl.keys[nkey(d, val)]
			case val == store.NotStated:
				size, ok = rl.keys[nkey(d, val)]
			default:
				size, ok = rl.keys[qkey(d, store.DimAll, store.DimAll, val)]
			}
			if !ok {
				continue
			}
			if nine < 0 {
				nine = rl.Constant(stats.MinCell - 1)
				rl.keys[thresholdKey] = nine
			}
			rl.AtMost([]int{size}, nine)
		}
	}
}

// atLeast records that a many-answer question's answers add up to at least
// those who answered (everyone who answered ticked one or more).
func atLeast(rl *release, codes []int, base int) {
	ts := []stats.Term{{Cell: base, Coef: 1}}
	for _, c := range codes {
		ts = append(ts, stats.Term{Cell: c, Coef: -1})
	}
	rl.Constraints = append(rl.Constraints, stats.Constraint{Terms: ts})
}

// sizes links each group's respondents to the about-you answers and to
// those who answered each question in the group.
func sizes(rl *release, s *source, all int) {
	for _, d := range s.dims {
		ay := s.v.Question(d)
		size := map[string]int{}
		if d == store.AboutEthnicity {
			for _, g := range store.EthnicGroupValues {
				if i, ok := rl.keys[nkey(d, g)]; ok {
					size[g] = i
				}
			}
			if ay != nil && s.asked[d] {
				// Who answered the ethnicity question: everyone but those who
				// skipped it, who are among "not stated".
				answered := rl.at(qkey(d, store.DimAll, store.DimAll, store.TallyAnswered))
				rl.AtMost([]int{answered}, all)
				if _, ok := size[store.NotStated]; !ok {
					continue
				}
				// ...and those who skipped it are "not stated": all ≤ answered + not stated.
				rl.Constraints = append(rl.Constraints, stats.Constraint{Terms: []stats.Term{
					{Cell: all, Coef: 1}, {Cell: answered, Coef: -1}, {Cell: size[store.NotStated], Coef: -1}}})
			}
		} else {
			if ay == nil || !s.asked[d] {
				continue
			}
			var parts []int
			for _, val := range store.DimValues(d) {
				if val == store.NotStated {
					continue
				}
				size[val] = rl.at(qkey(d, store.DimAll, store.DimAll, val))
				parts = append(parts, size[val])
			}
			var ns int
			if s.tooSmall(d, store.NotStated) {
				// "Not stated" too small to show: its size is never shown,
				// but it is everyone less the answers shown, so it is
				// audited like any withheld count (issue 11).
				ns = rl.hiddenCell(nkey(d, store.NotStated), s.size(d, store.NotStated), true)
			} else {
				ns = rl.cell(nkey(d, store.NotStated), s.size(d, store.NotStated), false)
			}
			size[store.NotStated] = ns
			rl.Sum(append(parts, ns), all)
			rl.AtMost([]int{rl.at(qkey(d, store.DimAll, store.DimAll, store.PreferNotToSay))}, ns)
		}
		for _, q := range s.published() {
			if !q.Choice() || q.AboutYou || !s.asked[q.ID] {
				continue
			}
			everyone := q.Required && q.ShowIfQ == ""
			for _, val := range store.DimValues(d) {
				base, ok := rl.keys[qkey(q.ID, d, val, store.TallyAnswered)]
				sz, okSize := size[val]
				if !ok || !okSize {
					continue
				}
				if everyone {
					rl.Sum([]int{base}, sz)
				} else {
					rl.AtMost([]int{base}, sz)
				}
			}
		}
	}
	for _, q := range s.published() {
		if q.Required && q.ShowIfQ == "" && s.asked[q.ID] && !s.imported {
			rl.Sum([]int{rl.at(qkey(q.ID, store.DimAll, store.DimAll, store.TallyAnswered))}, all)
		}
	}
}

// auditRelease decides the release's mask: the suppression audit
// (stats.ProtectFrom with the release's mover), or ctx's error if ctx
// ends first. Tests put other rules in its place to show the attack
// catching them.
var auditRelease = protect

// protect runs the audit, remembering the answer for a release it has
// seen: results pages are read far more often than counters change, and a
// closed survey's counters never change. A release the audit cannot prove
// (stats.Decision.Unproven) has every count withheld but its respondents:
// nothing is served from an undecided release. If ctx ends first (a
// shutdown), it returns ctx's error and remembers nothing.
func protect(ctx context.Context, r *stats.Release, mv stats.Mover) (stats.Decision, error) {
	k := releaseKey(r)
	key := string(k[:])
	if m, ok := auditCache.Get(key); ok {
		return m, nil
	}
	decided.Add(1)
	d, err := proveFrom(ctx, r, stats.ProtectionMargin, mv, nil)
	if err != nil {
		return stats.Decision{}, err
	}
	if d.Unproven > 0 {
		// Withhold every count of the questions with a count still without
		// a witness, and decide again.
		if mm, ok := mv.(*mover); ok {
			if d, err = proveFrom(ctx, r, stats.ProtectionMargin, mv, mm.questionsOf(d)); err != nil {
				return stats.Decision{}, err
			}
		}
	}
	if d.Unproven > 0 {
		// Still unproven: withhold every count but everyone's respondents,
		// and prove that (or, failing that too, publish nothing else).
		all := make([]bool, len(r.Values))
		for i := 1; i < len(all); i++ {
			all[i] = r.Public[i]
		}
		if d, err = proveFrom(ctx, r, stats.ProtectionMargin, mv, all); err != nil {
			return stats.Decision{}, err
		}
		if d.Unproven > 0 {
			d = stats.Decision{Mask: withholdAll(r, d.Mask), Unproven: d.Unproven}
		}
	}
	auditCache.Put(key, d)
	return d, nil
}

// proveFrom is the audit (stats.ProtectFrom); a test puts in one that
// cannot prove anything, to see what is then published.
var proveFrom = stats.ProtectFrom

// withholdAll withholds every public count except the first (everyone's
// respondents) and zeros.
func withholdAll(r *stats.Release, m []int) []int {
	out := append([]int(nil), m...)
	for i := 1; i < len(out); i++ {
		if out[i] == stats.Shown && r.Public[i] && !r.Constants[i] && r.Values[i] != 0 {
			out[i] = stats.Secondary
		}
	}
	return out
}

// auditCache keeps decisions by their release's fingerprint (releaseKey),
// in the one generic cache (store.Cache): a fingerprint names its content,
// so nothing needs invalidating but to forget.
var auditCache = store.NewCache[stats.Decision](256, 0)

// releaseKey fingerprints everything the audit depends on.
func releaseKey(r *stats.Release) [32]byte {
	h := sha256.New()
	var b [8]byte
	put := func(x uint64) { binary.LittleEndian.PutUint64(b[:], x); h.Write(b[:]) }
	for i, v := range r.Values {
		put(uint64(v))
		if r.Public[i] {
			put(1)
		} else {
			put(0)
		}
	}
	for i := range r.Values {
		if r.Hidden[i] {
			put(uint64(i))
		}
	}
	for _, c := range r.Constraints {
		put(uint64(len(c.Terms)))
		if c.Equal {
			put(1)
		}
		for _, t := range c.Terms {
			put(uint64(t.Cell))
			put(uint64(int64(t.Coef)))
		}
	}
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}

// Certificate is the audit's proof for a version's release: for each count
// of 1 to 9 that is withheld, by its name in the release ("q/QID/DIM/VALUE/CODE",
// "n/DIM/VALUE"; "m0", "m1" for combined rows in the order of the results),
// the two witnesses (lowest end, highest end) as the names and values of
// the counts that differ from the true ones. Tests hand it to the attack,
// which checks it against the relations it worked out for itself.
func Certificate(sv *store.Survey, version int, ts []store.Tally) (map[string][2]map[string]int64, error) {
	v := sv.Version(version)
	if v == nil {
		return nil, fmt.Errorf("survey %s has no version %d", sv.ID, version)
	}
	rl := buildRelease(newSource(sv, v, ts))
	names := make([]string, len(rl.Values))
	for k, i := range rl.keys {
		names[i] = k
	}
	out := map[string][2]map[string]int64{}
	for i, w := range rl.witnesses {
		var ws [2]map[string]int64
		for e := range w {
			if w[e] == nil {
				continue
			}
			ws[e] = map[string]int64{}
			for c, val := range w[e] {
				ws[e][names[c]] = val
			}
		}
		out[names[i]] = ws
	}
	return out, nil
}

// AuditSummary is what deciding a release found (for `make bench` and
// operators).
type AuditSummary struct {
	Small, More, Shown, Unproven int // counts of 1 to 9 withheld; others withheld; shown; ends left unproven
}

// Audit decides a version's release afresh (not from the cache) and says
// what it withheld.
func Audit(sv *store.Survey, version int, ts []store.Tally) (AuditSummary, error) {
	v := sv.Version(version)
	if v == nil {
		return AuditSummary{}, fmt.Errorf("survey %s has no version %d", sv.ID, version)
	}
	auditCache.Forget("")
	rl := buildRelease(newSource(sv, v, ts))
	var a AuditSummary
	for i, st := range rl.mask {
		switch {
		case !rl.Public[i] || rl.Constants[i]:
		case st == stats.Primary:
			a.Small++
		case st == stats.Secondary:
			a.More++
		default:
			a.Shown++
		}
	}
	if rl.witnesses == nil && a.Small > 0 {
		a.Unproven = 1
	}
	return a, nil
}

// decided counts the audits this process has run (not answered from
// memory): tests use it to see a stored decision served without deciding.
var decided atomic.Int64

// Decided is how many releases this process has decided (run the audit
// for) since it started.
func Decided() int64 { return decided.Load() }

// ForgetDecisions drops the decisions kept in memory, as a restart does.
func ForgetDecisions() {
	auditCache.Forget("")
}

// Decisions is where decided releases are kept (store.Store): a decision
// is made once, when the survey closes (jobs), or, if it is missing, by
// `candour report survey` or a server without the job (BuildStored), and
// every instance then serves it, after a restart too. The portal's
// requests never decide (BuildDecided). Nothing is served undecided.
type Decisions interface {
	SurveyDecision(ctx context.Context, key string) (store.SurveyDecision, bool, error)
	SaveSurveyDecision(ctx context.Context, d store.SurveyDecision) error
	// SurveyVersionDecided reports whether any release of the version has
	// a decision stored: one small read, without the counters. Saving a
	// decision makes it true before the decision is there.
	SurveyVersionDecided(ctx context.Context, surveyID string, version int) (bool, error)
}

// DecisionKey names a release: the survey, the version and a hash of
// every count and relation of the release, so that a changed count (a
// late response) is another release, decided on its own.
func decisionKey(sv *store.Survey, version int, rl *release) string {
	k := releaseKey(&rl.Release)
	return sv.ID + "/" + strconv.Itoa(version) + "/" + hex.EncodeToString(k[:16])
}

// stored lays out the release and gives it its stored decision: ok is
// false if there is none (or it does not fit the release), and the release
// is then undecided.
func stored(ctx context.Context, ds Decisions, sv *store.Survey, version int, src *source) (rl *release, key string, ok bool, err error) {
	rl = layRelease(src)
	key = decisionKey(sv, version, rl)
	got, ok, err := ds.SurveyDecision(ctx, key)
	if err != nil {
		return nil, "", false, err
	}
	if ok && len(got.Mask) == len(rl.Values) {
		rl.mask = got.Mask
		return rl, key, true, nil
	}
	return rl, key, false, nil
}

// decide gives the release its stored decision or, if there is none (or it
// does not fit the release), decides it and stores the decision. It
// reports whether it decided. If ctx ends while it decides, it stores
// nothing and returns ctx's error.
func decide(ctx context.Context, ds Decisions, sv *store.Survey, version int, src *source) (*release, bool, error) {
	rl, key, ok, err := stored(ctx, ds, sv, version, src)
	if err != nil || ok {
		return rl, false, err
	}
	d, err := auditRelease(ctx, &rl.Release, newMover(rl, src))
	if err != nil {
		return nil, false, err
	}
	rl.mask, rl.witnesses = d.Mask, d.Witnesses
	err = ds.SaveSurveyDecision(ctx, store.SurveyDecision{Key: key, SurveyID: sv.ID, Version: version, Mask: d.Mask, Unproven: d.Unproven})
	return rl, true, err
}

// Decide makes sure version's release under the counters ts has a stored
// decision, deciding it if not (the survey-decisions job, when a survey
// has closed). It reports whether it decided. A decision cut short by ctx
// (the job's, which shutdown cancels) is not stored: Decide returns ctx's
// error within one witness search (stats.ProtectFrom).
func Decide(ctx context.Context, ds Decisions, sv *store.Survey, version int, ts []store.Tally) (bool, error) {
	v := sv.Version(version)
	if v == nil {
		return false, fmt.Errorf("survey %s has no version %d", sv.ID, version)
	}
	_, did, err := decide(ctx, ds, sv, version, newSource(sv, v, ts))
	return did, err
}

// BuildStored is BuildOn with the release's decision taken from ds, or
// decided now and stored there if it is missing.
func BuildStored(ctx context.Context, ds Decisions, sv *store.Survey, version int, ts []store.Tally, day string) (*Results, error) {
	return build(ctx, ds, sv, version, ts, day, true)
}

// ErrNotDecided is BuildDecided's answer for a release whose decision is
// not stored yet: the survey-decisions job has yet to decide it.
var ErrNotDecided = errors.New("survey: the release has not been decided yet")

// BuildDecided is BuildStored that never decides: the results of a survey
// that has closed are built only from a stored decision, and without one
// it returns ErrNotDecided (nothing is built from an undecided release).
// The portal, whose survey-decisions job decides each release once a
// survey has closed, builds with it, so that no request waits seconds for
// the audit (or for another request that runs it).
func BuildDecided(ctx context.Context, ds Decisions, sv *store.Survey, version int, ts []store.Tally, day string) (*Results, error) {
	return build(ctx, ds, sv, version, ts, day, false)
}

// Undecided reports that version's results cannot be built from a stored
// decision yet because no release of the version has one (the
// survey-decisions job has not decided it since the survey closed): the
// portal then answers that the results are being checked, from one small
// read, without reading the counters or laying out the release. False
// (results in fieldwork, or some release decided) says only that
// BuildDecided has to look: a late response makes a release of its own.
func Undecided(ctx context.Context, ds Decisions, sv *store.Survey, version int, day string) (bool, error) {
	if Fieldwork(sv, day) {
		return false, nil
	}
	decided, err := ds.SurveyVersionDecided(ctx, sv.ID, version)
	return err == nil && !decided, err
}

// build is BuildStored when it may decide a missing decision (and store
// it), and BuildDecided when it may not (ErrNotDecided).
func build(ctx context.Context, ds Decisions, sv *store.Survey, version int, ts []store.Tally, day string, mayDecide bool) (*Results, error) {
	v := sv.Version(version)
	if v == nil {
		return nil, fmt.Errorf("survey %s has no version %d", sv.ID, version)
	}
	if Fieldwork(sv, day) {
		return BuildOn(sv, version, ts, day)
	}
	src := newSource(sv, v, ts)
	if mayDecide {
		rl, _, err := decide(ctx, ds, sv, version, src)
		if err != nil {
			return nil, err
		}
		return read(sv, version, src, rl), nil
	}
	rl, _, ok, err := stored(ctx, ds, sv, version, src)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotDecided
	}
	return read(sv, version, src, rl), nil
}

package server

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/disparity"
	"candour/powers"
	"candour/store"
)

// powerWorld keeps in memory what the store keeps for the powers and
// disparity pages: the months of records with their parts and chunks, the
// index of months, the populations (powers.DB, which the imports and
// figures of powers and disparity read and write), the publications and
// the panels' samples. The real files go through the real import and
// figures on it, with no database. It keeps to the store's contract
// (store/powers.go): a file's part of a month replaces its earlier part
// and no other, the month's sums are its parts', every change moves the
// force's index version on, a sample is drawn once (ErrConflict after).
type powerWorld struct {
	mu      sync.Mutex
	now     func() time.Time
	months  map[string]store.PowerMonth           // kind/force/month
	chunks  map[string][]string                   // kind/force/month/gen/00007
	index   map[string]store.PowerIndex           // kind/force
	pops    map[string]store.Population           // store.PopulationID
	pubs    map[string]store.PowerPublication     // kind/force
	disp    map[string]store.DisparityPublication // force
	samples map[string]store.PanelSample
}

var _ powers.DB = (*powerWorld)(nil)

// powerWorldFakes is a fake app whose powers pages run on a powerWorld:
// every field of its fakePowers answers from the world, the figures with
// powers' and disparity's own code.
func powerWorldFakes(t *testing.T) (*fakeApp, *fakePowers, *powerWorld) {
	a := newFakeApp(t)
	w := &powerWorld{now: time.Now, months: map[string]store.PowerMonth{}, chunks: map[string][]string{},
		index: map[string]store.PowerIndex{}, pops: map[string]store.Population{}, pubs: map[string]store.PowerPublication{},
		disp: map[string]store.DisparityPublication{}, samples: map[string]store.PanelSample{}}
	ctx := context.Background()
	fp := &fakePowers{fakeCalls: fakeCalls{t: t, now: time.Now()}}
	fp.powerForces = func(kind string) (map[string]store.PowerIndex, error) { return w.PowerForces(ctx, kind) }
	fp.powerIndexes = w.powerIndexes
	fp.publishPower = w.publishPower
	fp.powerPublications = w.powerPublications
	fp.allPowerPublications = w.allPowerPublications
	fp.publishDisparity = w.publishDisparity
	fp.disparityPublications = w.disparityPublications
	fp.population = func(force string) (*store.Population, error) { return w.Population(ctx, force) }
	fp.populationOf = func(of, force string) (*store.Population, error) { return w.PopulationOf(ctx, of, force) }
	fp.commitPanelSample = w.commitPanelSample
	fp.panelSample = w.panelSample
	fp.panelSamples = w.panelSamples
	fp.drawPanelSample = w.drawPanelSample
	fp.importPower = func(d *powers.Dataset, src io.ReadSeeker, o powers.ImportOptions) (*powers.ImportResult, error) {
		return powers.Import(ctx, w, d, src, o)
	}
	fp.importPopulation = func(src io.Reader, force, source string) (*store.Population, error) {
		return disparity.ImportPopulation(ctx, w, src, force, source)
	}
	fp.importDrivers = func(src io.Reader, o disparity.DriversOptions) (*store.Population, error) {
		return disparity.ImportDrivers(ctx, w, src, o)
	}
	fp.powerReport = func(d *powers.Dataset, force, from, to, basis string) (*powers.Report, error) {
		if basis == "" { // PowerReport: powers.Build, by self-defined ethnicity
			return powers.Build(ctx, w, d, force, from, to)
		}
		return powers.BuildBasis(ctx, w, d, force, from, to, basis)
	}
	fp.powerHeadline = func(d *powers.Dataset, force, from, to, basis string) (*powers.Report, error) {
		return powers.Headline(ctx, w, d, force, from, to, basis)
	}
	fp.stopSearchPublishable = func(force, from, to, basis string) (*powers.Report, error) {
		return powers.CheckStopSearchPublishable(ctx, w, force, from, to, basis)
	}
	fp.vettingReport = func(force, from, to string) (*powers.VettingReport, error) {
		return powers.BuildVetting(ctx, w, force, from, to)
	}
	fp.missingTimes = func(force, from, to string) (*powers.MissingTimes, error) {
		return powers.BuildMissingTimes(ctx, w, force, from, to)
	}
	fp.capturePower = func(d *powers.Dataset, force string, fields []string, by string) (string, error) {
		return powers.Capture(ctx, w, d, force, fields, by)
	}
	fp.drawSample = func(f disparity.SampleFilter, rnd *rand.Rand) ([]store.SampledRecord, int64, error) {
		return disparity.DrawSample(ctx, w, f, rnd)
	}
	a.srv.powers = fp
	// A sample's page offers the review sessions to attach it to: none.
	a.srv.calendar = &fakeCalendar{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()},
		groups: func() ([]store.Group, error) { return nil, nil }},
		visits: func(store.VisitFilter) ([]store.Visit, error) { return nil, nil }}
	return a, fp, w
}

func (f *fakePowers) MissingTimes(_ context.Context, force, from, to string) (*powers.MissingTimes, error) {
	if !f.called("MissingTimes", f.missingTimes) {
		return nil, errNoFake
	}
	return f.missingTimes(force, from, to)
}

func (f *fakePowers) CapturePower(_ context.Context, d *powers.Dataset, force string, fields []string, by string) (string, error) {
	if !f.called("CapturePower", f.capturePower) {
		return "", errNoFake
	}
	return f.capturePower(d, force, fields, by)
}

func (w *powerWorld) PowerMonth(_ context.Context, kind, force, month string) (*store.PowerMonth, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.months[store.PowerMonthID(kind, force, month)]
	if !ok {
		return nil, fmt.Errorf("power month: %w", store.ErrNotFound)
	}
	return &m, nil
}

func (w *powerWorld) PowerMonths(_ context.Context, kind, force, from, to string) ([]store.PowerMonth, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []store.PowerMonth
	for _, m := range w.months {
		if m.Kind == kind && m.Force == force && (from == "" || m.Month >= from) && (to == "" || m.Month <= to) {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Month < out[j].Month })
	return out, nil
}

func (w *powerWorld) PutPowerChunk(ctx context.Context, kind, force, month, gen string, i int, rows []string) error {
	return w.PutPowerChunks(ctx, kind, force, month, gen, i, [][]string{rows})
}

func (w *powerWorld) PutPowerChunks(_ context.Context, kind, force, month, gen string, first int, chunks [][]string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, rows := range chunks {
		w.chunks[store.PowerChunkID(store.PowerMonthID(kind, force, month), gen, first+i)] = slices.Clone(rows)
	}
	return nil
}

func (w *powerWorld) PowerChunkOf(_ context.Context, m *store.PowerMonth, p *store.PowerPart, i int) (*store.PowerChunk, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := store.PowerChunkID(m.ID, p.Gen, i)
	rows, ok := w.chunks[id]
	if !ok {
		return nil, fmt.Errorf("power chunk %s: %w", id, store.ErrNotFound)
	}
	return &store.PowerChunk{ID: id, MonthID: m.ID, Gen: p.Gen, Rows: rows}, nil
}

// putParts makes parts the month's, with its sums, moves the force's
// index on, and drops the records of a part no longer there (w.mu held).
func (w *powerWorld) putParts(kind, force, month string, parts []store.PowerPart, gone *store.PowerPart) store.PowerMonth {
	id := store.PowerMonthID(kind, force, month)
	old := w.months[id]
	m := store.PowerMonth{ID: id, Kind: kind, Force: force, Month: month, Rev: old.Rev + 1, ImportedAt: w.now().UTC(), Parts: parts}
	sort.Slice(m.Parts, func(i, j int) bool { return m.Parts[i].Key < m.Parts[j].Key })
	m.Sum()
	ix := w.index[kind+"/"+force]
	ix.ID, ix.Kind, ix.Force = kind+"/"+force, kind, force
	ix.Version++
	if len(parts) == 0 {
		delete(w.months, id)
		ix.Months = slices.DeleteFunc(slices.Clone(ix.Months), func(s string) bool { return s == month })
	} else {
		w.months[id] = m
		if !slices.Contains(ix.Months, month) {
			ix.Months = append(slices.Clone(ix.Months), month)
		}
	}
	w.index[ix.ID] = ix
	if gone != nil {
		for k := range w.chunks {
			if strings.HasPrefix(k, id+"/"+gone.Gen+"/") {
				delete(w.chunks, k)
			}
		}
	}
	return m
}

// otherParts is the month's parts but the one with key, and that one.
func (w *powerWorld) otherParts(kind, force, month, key string) ([]store.PowerPart, *store.PowerPart) {
	var keep []store.PowerPart
	var found *store.PowerPart
	for _, p := range w.months[store.PowerMonthID(kind, force, month)].Parts {
		if p.Key == key {
			found = &p
			continue
		}
		keep = append(keep, p)
	}
	return keep, found
}

func (w *powerWorld) PutPowerPartMonth(_ context.Context, kind, force, month string, part store.PowerPart) (*store.PowerMonth, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	part.ImportedAt = w.now().UTC()
	parts, replaced := w.otherParts(kind, force, month, part.Key)
	if replaced != nil && replaced.Gen == part.Gen {
		replaced = nil
	}
	m := w.putParts(kind, force, month, append(parts, part), replaced)
	return &m, nil
}

func (w *powerWorld) RemovePowerPartsOutside(_ context.Context, kind, force, key string, keep []string) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var changed []string
	for _, m := range w.months {
		if m.Kind != kind || m.Force != force || slices.Contains(keep, m.Month) {
			continue
		}
		if parts, removed := w.otherParts(kind, force, m.Month, key); removed != nil {
			w.putParts(kind, force, m.Month, parts, removed)
			changed = append(changed, m.Month)
		}
	}
	sort.Strings(changed)
	return changed, nil
}

func (w *powerWorld) AddPowerRecord(_ context.Context, kind, force, month, row string, cells []store.PowerCell, by string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	parts, capture := w.otherParts(kind, force, month, store.CapturePart)
	part := store.PowerPart{Key: store.CapturePart, Source: "capture form", Gen: store.CapturePart}
	if capture != nil {
		part = *capture
	}
	index := part.Chunks
	part.Records++
	part.Chunks++
	part.ImportedAt, part.ImportedBy = w.now().UTC(), by
	part.Cells = slices.Clone(part.Cells)
	for _, c := range cells {
		i := slices.IndexFunc(part.Cells, func(p store.PowerCell) bool {
			return p.Basis == c.Basis && p.Dim == c.Dim && p.Value == c.Value && p.Group == c.Group
		})
		if i < 0 {
			part.Cells = append(part.Cells, c)
			continue
		}
		part.Cells[i].Searches += c.Searches
	}
	m := w.putParts(kind, force, month, append(parts, part), nil)
	w.chunks[store.PowerChunkID(m.ID, store.CapturePart, index)] = []string{row}
	return nil
}

func (w *powerWorld) PowerForces(_ context.Context, kind string) (map[string]store.PowerIndex, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]store.PowerIndex{}
	for _, ix := range w.index {
		if ix.Kind == kind {
			ix.Months = slices.Sorted(slices.Values(ix.Months))
			out[ix.Force] = ix
		}
	}
	return out, nil
}

func (w *powerWorld) powerIndexes() (map[string][]store.PowerIndex, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]store.PowerIndex{}
	for _, ix := range w.index {
		ix.Months = slices.Sorted(slices.Values(ix.Months))
		out[ix.Kind] = append(out[ix.Kind], ix)
	}
	return out, nil
}

func (w *powerWorld) PutPopulation(_ context.Context, p *store.Population) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	p.ImportedAt = w.now().UTC()
	w.pops[p.ID] = *p
	return nil
}

func (w *powerWorld) Population(ctx context.Context, force string) (*store.Population, error) {
	return w.PopulationOf(ctx, store.Residents, force)
}

func (w *powerWorld) PopulationOf(_ context.Context, of, force string) (*store.Population, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.pops[store.PopulationID(of, force)]
	if !ok {
		return nil, fmt.Errorf("population %s: %w", store.PopulationID(of, force), store.ErrNotFound)
	}
	return &p, nil
}

func (w *powerWorld) publishPower(p *store.PowerPublication) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	p.ID = p.Kind + "/" + p.Force
	p.PublishedAt = w.now().UTC()
	w.pubs[p.ID] = *p
	return nil
}

// publications are the activities' publications with keep, by _id.
func (w *powerWorld) publications(keep func(store.PowerPublication) bool) []store.PowerPublication {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []store.PowerPublication
	for _, p := range w.pubs {
		if keep(p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (w *powerWorld) powerPublications(kind string) ([]store.PowerPublication, error) {
	return w.publications(func(p store.PowerPublication) bool { return p.Kind == kind }), nil
}

func (w *powerWorld) allPowerPublications() (map[string][]store.PowerPublication, error) {
	out := map[string][]store.PowerPublication{}
	for _, p := range w.publications(func(store.PowerPublication) bool { return true }) {
		out[p.Kind] = append(out[p.Kind], p)
	}
	return out, nil
}

func (w *powerWorld) publishDisparity(p *store.DisparityPublication) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	p.PublishedAt = w.now().UTC()
	w.disp[p.ID] = *p
	return nil
}

func (w *powerWorld) disparityPublications() ([]store.DisparityPublication, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []store.DisparityPublication
	for _, p := range w.disp {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (w *powerWorld) commitPanelSample(p *store.PanelSample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p.ID == "" {
		p.ID = store.NewID()
	}
	p.CommittedAt = w.now().UTC()
	p.Pending = true
	w.samples[p.ID] = *p
	return nil
}

func (w *powerWorld) drawPanelSample(id string, records []store.SampledRecord, matching int64, by string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.samples[id]
	if !ok || !p.Pending {
		return fmt.Errorf("draw panel sample %s: %w", id, store.ErrConflict)
	}
	p.Records, p.Matching, p.DrawnBy, p.DrawnAt, p.Pending = records, matching, by, w.now().UTC(), false
	w.samples[id] = p
	return nil
}

func (w *powerWorld) panelSample(id string) (*store.PanelSample, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.samples[id]
	if !ok {
		return nil, fmt.Errorf("panel sample %s: %w", id, store.ErrNotFound)
	}
	return &p, nil
}

func (w *powerWorld) panelSamples() ([]store.PanelSample, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []store.PanelSample
	for _, p := range w.samples {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DrawnAt.After(out[j].DrawnAt) })
	return out, nil
}

// documents counts what the world holds, by the name of the store's
// collection that holds it.
func (w *powerWorld) documents() map[string]int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return map[string]int64{"power_months": int64(len(w.months)), store.PowerChunkCollection: int64(len(w.chunks)),
		"power_index": int64(len(w.index)), "populations": int64(len(w.pops)), "power_publications": int64(len(w.pubs)),
		"disparity_publications": int64(len(w.disp)), "panel_samples": int64(len(w.samples))}
}

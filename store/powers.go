package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Records of the use of a police power are kept by kind, so vehicle stops
// and use of force can join stop and search later.
const PowerStopSearch = "stop-search"

// PowerChunkSize is how many records one chunk document holds.
const PowerChunkSize = 500

// PowerCell is one counter: searches, arrests and finds for one ethnicity
// basis (self- or officer-defined), one breakdown value and one group.
// Dim "all" has Value "".
type PowerCell struct {
	Basis    string `bson:"b"`
	Dim      string `bson:"d"`
	Value    string `bson:"v"`
	Group    string `bson:"g"`
	Searches int64  `bson:"n"`
	Arrests  int64  `bson:"a"`
	Finds    int64  `bson:"f"`
}

// PowerMonth is one force's records of one power for one month: the
// counters every disparity report reads, so no page ever scans the records.
// A month is made of parts, one per file that had rows dated in it: a
// police.uk file holds its own month's records, and a file whose rows
// spread into a neighbouring month adds its own part there without
// touching the rest of that month. Re-importing a file replaces its parts
// and nothing else. Cells, Records and Unrecognised are the sums over the
// parts.
type PowerMonth struct {
	ID           string       `bson:"_id"` // kind/force/month
	Kind         string       `bson:"kind"`
	Force        string       `bson:"force"`
	Month        string       `bson:"month"` // YYYY-MM
	Records      int64        `bson:"records"`
	Cells        []PowerCell  `bson:"cells"`
	Unrecognised []ValueCount `bson:"unrecognised,omitempty"` // values outside the known vocabularies
	Parts        []PowerPart  `bson:"parts"`
	Rev          int64        `bson:"rev"` // moves on with every change, for optimistic concurrency
	ImportedAt   time.Time    `bson:"importedAt"`

	// A month stored before months had parts kept its one import here;
	// legacy() turns it into a part when it is read.
	OldGen    string `bson:"gen,omitempty"`
	OldChunks int    `bson:"chunks,omitempty"`
	OldSource string `bson:"source,omitempty"`
	OldBy     string `bson:"importedBy,omitempty"`
}

// legacy makes a month stored before parts existed (one import that
// replaced the whole month) into a month with that import as its own
// file's part, so a new import adds to it rather than losing it.
func (m *PowerMonth) legacy() {
	if len(m.Parts) > 0 || m.OldGen == "" {
		return
	}
	m.Parts = []PowerPart{{Key: m.Month, Source: m.OldSource, Gen: m.OldGen, Records: m.Records, Chunks: m.OldChunks,
		Cells: m.Cells, Unrecognised: m.Unrecognised, ImportedAt: m.ImportedAt, ImportedBy: m.OldBy}}
	m.OldGen, m.OldChunks, m.OldSource, m.OldBy = "", 0, "", ""
}

// PowerPart is what one file contributed to one month.
type PowerPart struct {
	Key          string       `bson:"key"`    // the file's month for a police.uk file name, else "file:" + its name
	Source       string       `bson:"source"` // file name
	Gen          string       `bson:"gen"`    // the import whose chunks hold these records
	Records      int64        `bson:"records"`
	Chunks       int          `bson:"chunks"`
	Cells        []PowerCell  `bson:"cells"`
	Unrecognised []ValueCount `bson:"unrecognised,omitempty"`
	ImportedAt   time.Time    `bson:"importedAt"`
	ImportedBy   string       `bson:"importedBy,omitempty"`
}

// ValueCount counts a value as given in a column (or a census label).
type ValueCount struct {
	Column string `bson:"column,omitempty"`
	Value  string `bson:"value"`
	Count  int64  `bson:"count"`
}

// PowerChunk holds up to PowerChunkSize records as published, in file
// order, each as one CSV line (the embedded server stores no nested arrays).
type PowerChunk struct {
	ID      string   `bson:"_id"` // kind/force/month/gen/00007
	MonthID string   `bson:"monthId"`
	Gen     string   `bson:"gen"` // the import that wrote it
	Rows    []string `bson:"rows"`
}

func powerMonthID(kind, force, month string) string { return kind + "/" + force + "/" + month }

func powerChunkID(monthID, gen string, i int) string {
	return fmt.Sprintf("%s/%s/%05d", monthID, gen, i)
}

// PowerMonth returns one month's document. Returns ErrNotFound.
func (s *Store) PowerMonth(ctx context.Context, kind, force, month string) (*PowerMonth, error) {
	var m PowerMonth
	err := s.r("power_months").FindOne(ctx, bson.D{{Key: "_id", Value: powerMonthID(kind, force, month)}}).Decode(&m)
	if err != nil {
		return nil, fmt.Errorf("store: power month: %w", notFound(err))
	}
	m.legacy()
	return &m, nil
}

// PowerChunkCollection holds every import's records, each chunk keyed by
// kind, force, month, generation (the import that wrote it) and number
// (powerChunkID), so a report reads a chunk by _id and an import's records
// are found without a scan. Until issue 18 each import had a collection of
// its own (legacyChunkColl), dropped when a newer import replaced it: on
// the embedded server a delete by _id scanned its collection then, and with
// the store's index of FerretDB's _id expression (sqlite_ids.go) it no
// longer does.
const PowerChunkCollection = "power_chunks"

// powerGenColl lists each import's months ("<gen>/<monthId>", made with its
// first chunk), so that the records of an import that never became current
// (a crash) can be found and deleted by _id (DropOrphanImports).
const powerGenColl = "power_gens"

// powerGen is one import's records of one month.
type powerGen struct {
	ID      string `bson:"_id"` // gen + "/" + monthId
	Gen     string `bson:"gen"`
	MonthID string `bson:"monthId"`
}

// PutPowerChunk stores chunk i of a month's import generation gen. The
// first chunk also records the generation's month (powerGenColl) before
// any record is written.
func (s *Store) PutPowerChunk(ctx context.Context, kind, force, month, gen string, i int, rows []string) error {
	monthID := powerMonthID(kind, force, month)
	id := powerChunkID(monthID, gen, i)
	if i == 0 {
		_, err := s.c(powerGenColl).InsertOne(ctx, powerGen{ID: gen + "/" + monthID, Gen: gen, MonthID: monthID})
		if err != nil && !isDuplicate(err) {
			return fmt.Errorf("store: put power chunk %s: %w", id, err)
		}
	}
	_, err := s.c(PowerChunkCollection).InsertOne(ctx, PowerChunk{ID: id, MonthID: monthID, Gen: gen, Rows: rows})
	if err != nil {
		return fmt.Errorf("store: put power chunk %s: %w", id, err)
	}
	return nil
}

// PutPowerChunks stores chunks first, first+1, … of a month's import
// generation gen in one insert: on the embedded server each insert is a
// transaction of its own, so a million-row import writes its chunks a few
// at a time rather than one by one.
func (s *Store) PutPowerChunks(ctx context.Context, kind, force, month, gen string, first int, chunks [][]string) error {
	if len(chunks) == 0 {
		return nil
	}
	monthID := powerMonthID(kind, force, month)
	if first == 0 { // as PutPowerChunk: the generation's month before any record
		_, err := s.c(powerGenColl).InsertOne(ctx, powerGen{ID: gen + "/" + monthID, Gen: gen, MonthID: monthID})
		if err != nil && !isDuplicate(err) {
			return fmt.Errorf("store: put power chunks %s: %w", powerChunkID(monthID, gen, first), err)
		}
	}
	docs := make([]PowerChunk, len(chunks))
	for i, rows := range chunks {
		docs[i] = PowerChunk{ID: powerChunkID(monthID, gen, first+i), MonthID: monthID, Gen: gen, Rows: rows}
	}
	if _, err := s.c(PowerChunkCollection).InsertMany(ctx, docs); err != nil {
		return fmt.Errorf("store: put power chunks %s from %d: %w", powerChunkID(monthID, gen, first), first, err)
	}
	return nil
}

// PowerChunkOf reads chunk i of one part of a month. Returns ErrNotFound.
func (s *Store) PowerChunkOf(ctx context.Context, m *PowerMonth, p *PowerPart, i int) (*PowerChunk, error) {
	var c PowerChunk
	id := powerChunkID(m.ID, p.Gen, i)
	if err := s.r(PowerChunkCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		return nil, fmt.Errorf("store: power chunk %s: %w", id, notFound(err))
	}
	return &c, nil
}

// PutPowerPart makes one file's part of a month current: it replaces the
// part with the same key (an earlier import of the same file) and leaves
// every other part of the month as it was, then recomputes the month's sums
// in the same single-document write, so reports switch at once. The write
// is conditional on the month's revision (another import of the same month
// at the same moment makes it try again). The replaced part's records are
// dropped afterwards.
func (s *Store) PutPowerPart(ctx context.Context, kind, force, month string, part PowerPart) error {
	_, err := s.PutPowerPartMonth(ctx, kind, force, month, part)
	return err
}

// PutPowerPartMonth is PutPowerPart returning the month as written.
func (s *Store) PutPowerPartMonth(ctx context.Context, kind, force, month string, part PowerPart) (*PowerMonth, error) {
	id := powerMonthID(kind, force, month)
	part.ImportedAt = s.now().UTC()
	for attempt := 0; ; attempt++ {
		var old PowerMonth
		err := s.r("power_months").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&old)
		exists := err == nil
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, fmt.Errorf("store: power month %s: %w", id, err)
		}
		old.legacy()
		m := PowerMonth{ID: id, Kind: kind, Force: force, Month: month, Rev: old.Rev + 1, ImportedAt: part.ImportedAt}
		var replaced *PowerPart
		for i := range old.Parts {
			if old.Parts[i].Key == part.Key {
				replaced = &old.Parts[i]
				continue
			}
			m.Parts = append(m.Parts, old.Parts[i])
		}
		m.Parts = append(m.Parts, part)
		sort.Slice(m.Parts, func(i, j int) bool { return m.Parts[i].Key < m.Parts[j].Key })
		m.sum()
		if exists {
			rev := Eq("rev", old.Rev)
			if old.Rev == 0 { // stored before months had revisions
				rev = Exists("rev", false)
			}
			res, err := s.replaceIf(ctx, "power_months", id, rev, m)
			if err != nil {
				return nil, fmt.Errorf("store: put power part %s: %w", id, err)
			}
			if res.MatchedCount == 0 {
				if attempt > 20 {
					return nil, fmt.Errorf("store: put power part %s: %w", id, ErrConflict)
				}
				continue
			}
		} else if _, err := s.c("power_months").InsertOne(ctx, m); err != nil {
			if isDuplicate(err) && attempt <= 20 {
				continue
			}
			return nil, fmt.Errorf("store: put power part %s: %w", id, err)
		}
		if err := s.indexMonth(ctx, kind, force, month); err != nil {
			return nil, err
		}
		if replaced != nil && replaced.Gen != part.Gen {
			if err := s.dropGen(ctx, replaced.Gen, id, replaced.Chunks); err != nil {
				return nil, err
			}
		}
		return &m, nil
	}
}

// RemovePowerPartsOutside takes a file's parts (by key) out of the force's
// months that are not in keep: a new version of the file has no rows dated
// there, so its old share must go or those searches would be counted
// twice. A month left with no parts is deleted and leaves the index. The
// removed parts' records are dropped. Returns the months changed.
func (s *Store) RemovePowerPartsOutside(ctx context.Context, kind, force, key string, keep []string) ([]string, error) {
	kept := map[string]bool{}
	for _, m := range keep {
		kept[m] = true
	}
	cur, err := s.r("power_months").Find(ctx, bson.D{{Key: "kind", Value: kind}, {Key: "force", Value: force}, {Key: "parts.key", Value: key}})
	if err != nil {
		return nil, fmt.Errorf("store: months holding %s: %w", key, err)
	}
	var ms []PowerMonth
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("store: months holding %s: %w", key, err)
	}
	var changed []string
	for _, m := range ms {
		if kept[m.Month] {
			continue
		}
		if err := s.removePowerPart(ctx, kind, force, m.Month, key); err != nil {
			return nil, err
		}
		changed = append(changed, m.Month)
	}
	sort.Strings(changed)
	return changed, nil
}

// removePowerPart takes one part out of a month, conditional on the
// month's revision like PutPowerPartMonth.
func (s *Store) removePowerPart(ctx context.Context, kind, force, month, key string) error {
	id := powerMonthID(kind, force, month)
	for attempt := 0; attempt <= 20; attempt++ {
		var old PowerMonth
		if err := s.r("power_months").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&old); err != nil {
			return fmt.Errorf("store: power month %s: %w", id, notFound(err))
		}
		m := PowerMonth{ID: id, Kind: kind, Force: force, Month: month, Rev: old.Rev + 1, ImportedAt: s.now().UTC()}
		var removed *PowerPart
		for i := range old.Parts {
			if old.Parts[i].Key == key {
				removed = &old.Parts[i]
				continue
			}
			m.Parts = append(m.Parts, old.Parts[i])
		}
		if removed == nil {
			return nil // another import took it out already
		}
		var matched int64
		if len(m.Parts) == 0 {
			res, err := s.deleteIf(ctx, "power_months", id, Eq("rev", old.Rev))
			if err != nil {
				return fmt.Errorf("store: remove power month %s: %w", id, err)
			}
			matched = res.DeletedCount
		} else {
			m.sum()
			res, err := s.replaceIf(ctx, "power_months", id, Eq("rev", old.Rev), m)
			if err != nil {
				return fmt.Errorf("store: remove power part %s: %w", id, err)
			}
			matched = res.MatchedCount
		}
		if matched == 0 {
			continue
		}
		update := bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}
		if len(m.Parts) == 0 {
			update = append(update, bson.E{Key: "$pull", Value: bson.D{{Key: "months", Value: month}}})
		}
		if _, err := s.c("power_index").UpdateOne(ctx, bson.D{{Key: "_id", Value: kind + "/" + force}}, update); err != nil {
			return fmt.Errorf("store: power index: %w", err)
		}
		return s.dropGen(ctx, removed.Gen, id, removed.Chunks)
	}
	return fmt.Errorf("store: remove power part %s: %w", id, ErrConflict)
}

// dropGen deletes an import's records of one month, chunks of which it
// knows (the part's count; 0 for an import that never became current):
// it finds how many there are from there (an import writes them in order
// from 0, so they are always a run from 0), deletes them by _id from the
// last to the first, so that a crash part-way leaves a run from 0 again,
// and then the generation's entry. A crash before the entry goes leaves it
// for DropOrphanImports (the month no longer refers to gen).
func (s *Store) dropGen(ctx context.Context, gen, monthID string, known int) error {
	n := known
	for ; ; n++ {
		err := s.r(PowerChunkCollection).FindOne(ctx, bson.D{{Key: "_id", Value: powerChunkID(monthID, gen, n)}},
			options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if errors.Is(err, mongo.ErrNoDocuments) {
			break
		}
		if err != nil {
			return fmt.Errorf("store: records of an earlier import of %s: %w", monthID, err)
		}
	}
	for i := n - 1; i >= 0; i-- {
		if _, err := s.c(PowerChunkCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: powerChunkID(monthID, gen, i)}}); err != nil {
			return fmt.Errorf("store: delete records of an earlier import of %s: %w", monthID, err)
		}
	}
	if _, err := s.c(powerGenColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: gen + "/" + monthID}}); err != nil {
		return fmt.Errorf("store: delete records of an earlier import of %s: %w", monthID, err)
	}
	return nil
}

// indexMonth records the month in the small per-force index of months,
// which lets pages list what there is without reading every month's
// counters; its version changes with every import, so cached reports know
// when they are stale.
func (s *Store) indexMonth(ctx context.Context, kind, force, month string) error {
	_, err := s.c("power_index").UpdateOne(ctx, bson.D{{Key: "_id", Value: kind + "/" + force}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "kind", Value: kind}, {Key: "force", Value: force}}},
		{Key: "$addToSet", Value: bson.D{{Key: "months", Value: month}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: power index: %w", err)
	}
	return nil
}

// sum recomputes the month's counters from its parts.
func (m *PowerMonth) sum() {
	cells := map[[4]string]*PowerCell{}
	unrec := map[[2]string]int64{}
	m.Records, m.Cells, m.Unrecognised = 0, nil, nil
	for _, p := range m.Parts {
		m.Records += p.Records
		for _, c := range p.Cells {
			k := [4]string{c.Basis, c.Dim, c.Value, c.Group}
			if cells[k] == nil {
				cells[k] = &PowerCell{Basis: c.Basis, Dim: c.Dim, Value: c.Value, Group: c.Group}
			}
			cells[k].Searches += c.Searches
			cells[k].Arrests += c.Arrests
			cells[k].Finds += c.Finds
		}
		for _, v := range p.Unrecognised {
			unrec[[2]string{v.Column, v.Value}] += v.Count
		}
	}
	for _, c := range cells {
		m.Cells = append(m.Cells, *c)
	}
	sort.Slice(m.Cells, func(i, j int) bool {
		a, b := m.Cells[i], m.Cells[j]
		return a.Basis+"\x00"+a.Dim+"\x00"+a.Value+"\x00"+a.Group < b.Basis+"\x00"+b.Dim+"\x00"+b.Value+"\x00"+b.Group
	})
	for k, n := range unrec {
		m.Unrecognised = append(m.Unrecognised, ValueCount{Column: k[0], Value: k[1], Count: n})
	}
	sort.Slice(m.Unrecognised, func(i, j int) bool {
		a, b := m.Unrecognised[i], m.Unrecognised[j]
		return a.Column < b.Column || a.Column == b.Column && a.Value < b.Value
	})
}

// PowerIndex is what months of a kind of record a force has.
type PowerIndex struct {
	ID      string   `bson:"_id"` // kind/force
	Kind    string   `bson:"kind"`
	Force   string   `bson:"force"`
	Months  []string `bson:"months"`
	Version int64    `bson:"version"` // moves on with every import
}

// PowerForces lists the forces with records of a kind, with their months
// (sorted) and index versions, reading only the small index.
func (s *Store) PowerForces(ctx context.Context, kind string) (map[string]PowerIndex, error) {
	cur, err := s.r("power_index").Find(ctx, bson.D{{Key: "kind", Value: kind}})
	if err != nil {
		return nil, fmt.Errorf("store: power forces: %w", err)
	}
	var ix []PowerIndex
	if err := cur.All(ctx, &ix); err != nil {
		return nil, fmt.Errorf("store: power forces: %w", err)
	}
	out := map[string]PowerIndex{}
	for _, x := range ix {
		sort.Strings(x.Months)
		out[x.Force] = x
	}
	return out, nil
}

// PowerIndexes lists every kind's forces with their months (sorted) and
// index versions, by kind, in one read of the small index (the overview
// of every activity). On the embedded server it is a copy in memory,
// dropped by every write to the index (copy_powers.go): callers must not
// change what they get.
func (s *Store) PowerIndexes(ctx context.Context) (map[string][]PowerIndex, error) {
	if s.embedded == nil {
		return s.dbPowerIndexes(ctx)
	}
	return s.powerIndexes.load("", anyVersion, func() (map[string][]PowerIndex, error) { return s.dbPowerIndexes(ctx) })
}

func (s *Store) dbPowerIndexes(ctx context.Context) (map[string][]PowerIndex, error) {
	cur, err := s.r("power_index").Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("store: power indexes: %w", err)
	}
	var ix []PowerIndex
	if err := cur.All(ctx, &ix); err != nil {
		return nil, fmt.Errorf("store: power indexes: %w", err)
	}
	out := map[string][]PowerIndex{}
	for _, x := range ix {
		sort.Strings(x.Months)
		out[x.Kind] = append(out[x.Kind], x)
	}
	return out, nil
}

// The kinds of population a rate can be per 1,000 of (Population.Of).
const (
	// Residents: Census 2021 usual residents of the force area (TS021),
	// every dataset's population unless its definition asks for another.
	Residents = ""
	// Drivers: people who drive in the force area, by group, as the force
	// estimated them (a survey of licence holders, a DVLA or National
	// Travel Survey based estimate): no public table gives them.
	Drivers = "drivers"
)

// Population is a force area's people of one kind (Of: Census residents,
// or drivers) by high-level ethnic group.
type Population struct {
	ID         string           `bson:"_id"` // PopulationID(Of, force)
	Of         string           `bson:"of,omitempty"`
	Groups     map[string]int64 `bson:"groups"`
	Detailed   []ValueCount     `bson:"detailed"` // residents by Census 2021 detailed label
	Total      int64            `bson:"total"`
	Source     string           `bson:"source"`
	Layout     string           `bson:"layout,omitempty"`    // which Census layout the file was in
	ForceCode  string           `bson:"forceCode,omitempty"` // ONS police force area code
	ForceName  string           `bson:"forceName,omitempty"`
	Areas      []PopulationArea `bson:"areas,omitempty"` // the local authorities that make the denominator
	ImportedAt time.Time        `bson:"importedAt"`
	ImportedBy string           `bson:"importedBy,omitempty"`
	// Made says how a population other than the Census was made, in the
	// words of whoever loaded it ("licence holders by self-defined
	// ethnicity, from the force's own survey"), and Period what time it
	// describes ("2024"): pages quote both.
	Made   string `bson:"made,omitempty"`
	Period string `bson:"period,omitempty"`
	// NotStated are the people in the source with no ethnicity recorded:
	// in no group's denominator, and not in Total.
	NotStated int64 `bson:"notStated,omitempty"`
}

// PopulationID is the _id of a force's population of a kind: the force
// alone for its Census residents (as it has always been), "drivers/dorset"
// for another kind.
func PopulationID(of, force string) string {
	if of == Residents {
		return force
	}
	return of + "/" + force
}

// PopulationArea is one local authority in a force's population.
type PopulationArea struct {
	Code      string `bson:"code" json:"code"`
	Name      string `bson:"name" json:"name"`
	Residents int64  `bson:"residents" json:"residents"`
}

// PutPopulation replaces a force's population of its kind (p.ID is
// PopulationID(p.Of, force)): loading the same table again gives the same
// one population.
func (s *Store) PutPopulation(ctx context.Context, p *Population) error {
	p.ImportedAt = s.now().UTC()
	_, err := s.c("populations").ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: put population: %w", err)
	}
	return nil
}

// Population returns a force's Census population (residents). Returns
// ErrNotFound. On the embedded server it is a copy in memory, dropped by
// every write to the populations: callers must not change what they get.
func (s *Store) Population(ctx context.Context, force string) (*Population, error) {
	return s.PopulationOf(ctx, Residents, force)
}

// PopulationOf returns a force's population of one kind (Residents,
// Drivers). Returns ErrNotFound. A copy on the embedded server, as
// Population.
func (s *Store) PopulationOf(ctx context.Context, of, force string) (*Population, error) {
	id := PopulationID(of, force)
	if s.embedded == nil {
		return s.dbPopulation(ctx, id)
	}
	p, err := s.populations.load(id, anyVersion, func() (*Population, error) {
		p, err := s.dbPopulation(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil, nil // kept too: a page asks for a population that is not there on every request
		}
		return p, err
	})
	if err == nil && p == nil {
		return nil, fmt.Errorf("store: population %s: %w", id, ErrNotFound)
	}
	return p, err
}

func (s *Store) dbPopulation(ctx context.Context, id string) (*Population, error) {
	var p Population
	if err := s.r("populations").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil {
		return nil, fmt.Errorf("store: population %s: %w", id, notFound(err))
	}
	return &p, nil
}

// DisparityPublication is the period of a force's disparity figures that a
// coordinator has published on the public page.
type DisparityPublication struct {
	ID          string    `bson:"_id"` // force
	From        string    `bson:"from"`
	To          string    `bson:"to"`
	Ethnicity   string    `bson:"ethnicity"`
	PublishedAt time.Time `bson:"publishedAt"`
	PublishedBy string    `bson:"publishedBy"`
}

// PublishDisparity sets (replaces) a force's published period.
func (s *Store) PublishDisparity(ctx context.Context, p *DisparityPublication) error {
	p.PublishedAt = s.now().UTC()
	_, err := s.c("disparity_publications").ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: publish disparity: %w", err)
	}
	return nil
}

// DisparityPublications lists every force's published period.
func (s *Store) DisparityPublications(ctx context.Context) ([]DisparityPublication, error) {
	cur, err := s.r("disparity_publications").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: disparity publications: %w", err)
	}
	var ps []DisparityPublication
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("store: disparity publications: %w", err)
	}
	return ps, nil
}

// SampledRecord is one record drawn into a panel sample, as published.
type SampledRecord struct {
	Ref    string   `bson:"ref"` // force/month/#line-in-file-order, for the panel's notes
	Month  string   `bson:"month"`
	Fields []string `bson:"fields"`
}

// PanelSample is a random sample of stop-and-search records drawn by a chair
// or coordinator for a scrutiny panel to review, and attached to the panel's
// review visit (AttachSample), where its members review the records.
type PanelSample struct {
	ID          string          `bson:"_id"`
	Force       string          `bson:"force"`
	From        string          `bson:"from"`
	To          string          `bson:"to"`
	Legislation string          `bson:"legislation,omitempty"`
	Group       string          `bson:"group,omitempty"`   // self-defined high-level group
	Removal     bool            `bson:"removal,omitempty"` // only searches that went beyond outer clothing
	Size        int             `bson:"size"`              // asked for
	Matching    int64           `bson:"matching"`          // records that met the filters
	Records     []SampledRecord `bson:"records"`
	DrawnBy     string          `bson:"drawnBy"`
	DrawnAt     time.Time       `bson:"drawnAt"`
	VisitID     string          `bson:"visitId,omitempty"`

	// A verifiable sample is committed before it is drawn (disparity's
	// Commitment): Pending until the draw; Seed is shown only after it.
	// Samples drawn before commitments existed have none.
	Commitment  string    `bson:"commitment,omitempty"`
	Seed        string    `bson:"seed,omitempty"`
	CommittedAt time.Time `bson:"committedAt,omitempty"`
	Pending     bool      `bson:"pending,omitempty"`
}

// Drawn reports whether the sample's records have been drawn.
func (p *PanelSample) Drawn() bool { return !p.Pending }

// CreatePanelSample stores a drawn sample.
func (s *Store) CreatePanelSample(ctx context.Context, p *PanelSample) error {
	if p.ID == "" {
		p.ID = NewID()
	}
	p.DrawnAt = s.now().UTC()
	if _, err := s.c("panel_samples").InsertOne(ctx, p); err != nil {
		return fmt.Errorf("store: create panel sample: %w", err)
	}
	return nil
}

// CommitPanelSample stores a sample's commitment before its records are
// drawn: the filter, the commitment and the seed (kept until the draw
// reveals it), pending.
func (s *Store) CommitPanelSample(ctx context.Context, p *PanelSample) error {
	if p.ID == "" {
		p.ID = NewID()
	}
	p.CommittedAt = s.now().UTC()
	p.Pending = true
	if _, err := s.c("panel_samples").InsertOne(ctx, p); err != nil {
		return fmt.Errorf("store: commit panel sample: %w", err)
	}
	return nil
}

// DrawPanelSample stores the records drawn for a committed sample, once:
// a sample already drawn returns ErrConflict and keeps its records.
func (s *Store) DrawPanelSample(ctx context.Context, id string, records []SampledRecord, matching int64, by string) error {
	res, err := s.updateIf(ctx, "panel_samples", id, Eq("pending", true), bson.D{
		{Key: "$set", Value: bson.D{{Key: "records", Value: records}, {Key: "matching", Value: matching}, {Key: "drawnBy", Value: by}, {Key: "drawnAt", Value: s.now().UTC()}}},
		{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}}},
	})
	if err != nil {
		return fmt.Errorf("store: draw panel sample %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: draw panel sample %s: %w", id, ErrConflict)
	}
	return nil
}

// PanelSample returns one sample. Returns ErrNotFound.
func (s *Store) PanelSample(ctx context.Context, id string) (*PanelSample, error) {
	var p PanelSample
	if err := s.r("panel_samples").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil {
		return nil, fmt.Errorf("store: panel sample %s: %w", id, notFound(err))
	}
	return &p, nil
}

// AttachSample attaches a sample to a record-review visit: the visit names
// the sample (its members review its records) and the sample names the
// visit. A visit has one sample; attaching another replaces it. Both
// writes are idempotent, so repeating it after a failure puts both right.
func (s *Store) AttachSample(ctx context.Context, sampleID, visitID string) error {
	res, err := s.c("panel_samples").UpdateOne(ctx, bson.D{{Key: "_id", Value: sampleID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "visitId", Value: visitID}}}})
	if err != nil {
		return fmt.Errorf("store: attach sample %s: %w", sampleID, err)
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	res, err = s.c("visits").UpdateOne(ctx, bson.D{{Key: "_id", Value: visitID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "sampleId", Value: sampleID}}}})
	if err != nil {
		return fmt.Errorf("store: attach sample to visit %s: %w", visitID, err)
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// PanelSamples lists the samples drawn, newest first (a few a month).
func (s *Store) PanelSamples(ctx context.Context) ([]PanelSample, error) {
	cur, err := s.r("panel_samples").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "drawnAt", Value: -1}}).SetLimit(PageSize))
	if err != nil {
		return nil, fmt.Errorf("store: panel samples: %w", err)
	}
	var ps []PanelSample
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("store: panel samples: %w", err)
	}
	return ps, nil
}

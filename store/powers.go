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

// PowerMonth is one force's records of one power for one month: the unit
// of import (re-importing a month replaces it) and of the counters every
// disparity report reads, so no page ever scans the records.
type PowerMonth struct {
	ID           string       `bson:"_id"` // kind/force/month
	Kind         string       `bson:"kind"`
	Force        string       `bson:"force"`
	Month        string       `bson:"month"` // YYYY-MM
	Records      int64        `bson:"records"`
	Chunks       int          `bson:"chunks"`
	Gen          string       `bson:"gen"` // the import whose chunks are current
	Cells        []PowerCell  `bson:"cells"`
	Unrecognised []ValueCount `bson:"unrecognised,omitempty"` // values outside the known vocabularies
	Source       string       `bson:"source"`
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
	err := s.c("power_months").FindOne(ctx, bson.D{{Key: "_id", Value: powerMonthID(kind, force, month)}}).Decode(&m)
	if err != nil {
		return nil, fmt.Errorf("store: power month: %w", notFound(err))
	}
	return &m, nil
}

// chunkCollection names the collection that holds one import's records.
// Each import writes a collection of its own and the previous one is
// dropped when the new one becomes current: on the embedded server every
// delete or upsert scans its whole collection, but inserts and dropping a
// collection do not, so a re-import costs the same as the first.
func chunkCollection(gen string) string { return "power_chunks_" + gen }

// PutPowerChunk stores chunk i of a month's import generation gen.
func (s *Store) PutPowerChunk(ctx context.Context, kind, force, month, gen string, i int, rows []string) error {
	monthID := powerMonthID(kind, force, month)
	id := powerChunkID(monthID, gen, i)
	_, err := s.c(chunkCollection(gen)).InsertOne(ctx, PowerChunk{ID: id, MonthID: monthID, Gen: gen, Rows: rows})
	if err != nil {
		return fmt.Errorf("store: put power chunk %s: %w", id, err)
	}
	return nil
}

// PowerChunk reads chunk i of a month's current import. Returns ErrNotFound.
func (s *Store) PowerChunk(ctx context.Context, kind, force, month string, i int) (*PowerChunk, error) {
	m, err := s.PowerMonth(ctx, kind, force, month)
	if err != nil {
		return nil, err
	}
	return s.PowerChunkOf(ctx, m, i)
}

// PowerChunkOf reads chunk i of a month document's import. Returns ErrNotFound.
func (s *Store) PowerChunkOf(ctx context.Context, m *PowerMonth, i int) (*PowerChunk, error) {
	var c PowerChunk
	id := powerChunkID(m.ID, m.Gen, i)
	if err := s.c(chunkCollection(m.Gen)).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		return nil, fmt.Errorf("store: power chunk %s: %w", id, notFound(err))
	}
	return &c, nil
}

// FinishPowerMonth makes a month's new counters and chunks current in one
// single-document write (reports switch from the old import to the new one
// at once), then drops the previous import's records.
func (s *Store) FinishPowerMonth(ctx context.Context, m *PowerMonth) error {
	m.ID = powerMonthID(m.Kind, m.Force, m.Month)
	m.ImportedAt = s.now().UTC()
	var old PowerMonth
	err := s.c("power_months").FindOneAndReplace(ctx, bson.D{{Key: "_id", Value: m.ID}}, m,
		options.FindOneAndReplace().SetUpsert(true)).Decode(&old)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("store: finish power month %s: %w", m.ID, err)
	}
	// The small per-force index of months lets pages list what there is
	// without reading every month's counters; its version changes with
	// every import, so cached reports know when they are stale.
	_, err = s.c("power_index").UpdateOne(ctx, bson.D{{Key: "_id", Value: m.Kind + "/" + m.Force}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "kind", Value: m.Kind}, {Key: "force", Value: m.Force}}},
		{Key: "$addToSet", Value: bson.D{{Key: "months", Value: m.Month}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: power index: %w", err)
	}
	if old.Gen != "" && old.Gen != m.Gen {
		if err := s.c(chunkCollection(old.Gen)).Drop(ctx); err != nil {
			return fmt.Errorf("store: drop records of an earlier import of %s: %w", m.ID, err)
		}
	}
	return nil
}

// PowerMonths returns the months of a force's records of a kind between
// from and to (YYYY-MM, inclusive; empty means open), oldest first.
func (s *Store) PowerMonths(ctx context.Context, kind, force, from, to string) ([]PowerMonth, error) {
	filter := bson.D{{Key: "kind", Value: kind}, {Key: "force", Value: force}}
	rng := bson.D{}
	if from != "" {
		rng = append(rng, bson.E{Key: "$gte", Value: from})
	}
	if to != "" {
		rng = append(rng, bson.E{Key: "$lte", Value: to})
	}
	if len(rng) > 0 {
		filter = append(filter, bson.E{Key: "month", Value: rng})
	}
	cur, err := s.c("power_months").Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("store: power months: %w", err)
	}
	var ms []PowerMonth
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("store: power months: %w", err)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Month < ms[j].Month })
	return ms, nil
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
	cur, err := s.c("power_index").Find(ctx, bson.D{{Key: "kind", Value: kind}})
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

// Population is a force area's usual residents by high-level ethnic group.
type Population struct {
	ID         string           `bson:"_id"` // force
	Groups     map[string]int64 `bson:"groups"`
	Detailed   []ValueCount     `bson:"detailed"` // residents by Census 2021 detailed label
	Total      int64            `bson:"total"`
	Source     string           `bson:"source"`
	ImportedAt time.Time        `bson:"importedAt"`
}

// PutPopulation replaces a force's population.
func (s *Store) PutPopulation(ctx context.Context, p *Population) error {
	p.ImportedAt = s.now().UTC()
	_, err := s.c("populations").ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: put population: %w", err)
	}
	return nil
}

// Population returns a force's population. Returns ErrNotFound.
func (s *Store) Population(ctx context.Context, force string) (*Population, error) {
	var p Population
	if err := s.c("populations").FindOne(ctx, bson.D{{Key: "_id", Value: force}}).Decode(&p); err != nil {
		return nil, fmt.Errorf("store: population %s: %w", force, notFound(err))
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
	cur, err := s.c("disparity_publications").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
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
	Group       string          `bson:"group,omitempty"` // self-defined high-level group
	Size        int             `bson:"size"`            // asked for
	Matching    int64           `bson:"matching"`        // records that met the filters
	Records     []SampledRecord `bson:"records"`
	DrawnBy     string          `bson:"drawnBy"`
	DrawnAt     time.Time       `bson:"drawnAt"`
	VisitID     string          `bson:"visitId,omitempty"`
}

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

// PanelSample returns one sample. Returns ErrNotFound.
func (s *Store) PanelSample(ctx context.Context, id string) (*PanelSample, error) {
	var p PanelSample
	if err := s.c("panel_samples").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil {
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
	cur, err := s.c("panel_samples").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "drawnAt", Value: -1}}).SetLimit(PageSize))
	if err != nil {
		return nil, fmt.Errorf("store: panel samples: %w", err)
	}
	var ps []PanelSample
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("store: panel samples: %w", err)
	}
	return ps, nil
}

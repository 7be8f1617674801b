package powers

import (
	"context"

	"candour/disparity"
	"candour/store"
)

// DB is the part of the store an activity's import and report use: the
// months of records with their parts and chunks, the index of months, a
// record typed on a form, and the populations. *store.Store is one;
// handler tests keep them in memory, so that the figures need no
// database.
type DB interface {
	disparity.DB
	PowerMonth(ctx context.Context, kind, force, month string) (*store.PowerMonth, error)
	PutPowerPartMonth(ctx context.Context, kind, force, month string, part store.PowerPart) (*store.PowerMonth, error)
	RemovePowerPartsOutside(ctx context.Context, kind, force, key string, keep []string) ([]string, error)
	PutPowerChunk(ctx context.Context, kind, force, month, gen string, i int, rows []string) error
	AddPowerRecord(ctx context.Context, kind, force, month, row string, cells []store.PowerCell, by string) error
	PowerForces(ctx context.Context, kind string) (map[string]store.PowerIndex, error)
	Population(ctx context.Context, force string) (*store.Population, error)
	PopulationOf(ctx context.Context, of, force string) (*store.Population, error)
}

var _ DB = (*store.Store)(nil)

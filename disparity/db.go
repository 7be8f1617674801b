package disparity

import (
	"context"

	"candour/store"
)

// DB is the part of the store the disparity figures read and write: the
// populations, a month's records kept in chunks, and the months of stop
// and search a panel's sample is drawn from. *store.Store is one; handler
// tests keep them in memory, so that the figures need no database.
type DB interface {
	PutPopulation(ctx context.Context, p *store.Population) error
	PutPowerChunks(ctx context.Context, kind, force, month, gen string, first int, chunks [][]string) error
	PowerMonths(ctx context.Context, kind, force, from, to string) ([]store.PowerMonth, error)
	PowerChunkOf(ctx context.Context, m *store.PowerMonth, p *store.PowerPart, i int) (*store.PowerChunk, error)
}

var _ DB = (*store.Store)(nil)

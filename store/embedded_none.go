//go:build candour_no_embedded

package store

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
)

// A build for MongoDB only (go build -tags candour_no_embedded): the
// embedded store, and with it FerretDB, is left out of the binary, and
// the portal needs MONGODB_URI. TestMongoOnlyBuildHasNoFerretDB checks
// that nothing else brings FerretDB in.
type embedded struct {
	uri   string
	dbDir string
}

// ErrNoEmbedded is what opening the embedded store gives in such a build.
var ErrNoEmbedded = errors.New("store: this build has no embedded store (built with -tags candour_no_embedded): set MONGODB_URI")

func startEmbedded(context.Context, string, *slog.Logger) (*embedded, error) {
	return nil, ErrNoEmbedded
}

func (e *embedded) file(name string) string { return filepath.Join(e.dbDir, name+".sqlite") }

func (e *embedded) stop() {}

package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	"candour/disparity"
	"candour/powers"
	"candour/store"
)

// seedStopSearch imports the real police.uk files and the Census table (the
// copies embedded from demo/data/, or those in dir when CANDOUR_DEMO_DATA names
// one) and publishes the newest month, so the disparity pages have something
// true to show. Without the files the demo simply has no stop-and-search data.
func seedStopSearch(ctx context.Context, db *store.Store, dir string, by *store.User) error {
	fsys, err := fs.Sub(demoData, "data")
	if err != nil {
		return err
	}
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	census := "census2021-ts021-dorset-force-area.csv"
	f, err := fsys.Open(census)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = disparity.ImportPopulation(ctx, db, f, "dorset", census)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", census, err)
	}
	files, err := fs.Glob(fsys, "*-dorset-stop-and-search.csv")
	if err != nil {
		return err
	}
	newest := ""
	for _, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		res, err := powers.Import(ctx, db, powers.StopSearch, bytes.NewReader(b), powers.ImportOptions{Source: path.Base(name), By: by.Email})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, m := range res.Months {
			newest = max(newest, m)
		}
	}
	if newest == "" {
		return nil
	}
	return db.PublishDisparity(ctx, &store.DisparityPublication{ID: "dorset", From: newest, To: newest,
		Ethnicity: disparity.SelfDefined, PublishedBy: by.Email})
}

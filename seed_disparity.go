package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"candour/disparity"
	"candour/store"
)

// seedStopSearch imports the real police.uk files and the Census table from
// dir (../shared/data beside the project by default) and publishes the
// newest month, so the disparity pages have something true to show. Without
// the files the demo simply has no stop-and-search data.
func seedStopSearch(ctx context.Context, db *store.Store, dir string, by *store.User) error {
	census := filepath.Join(dir, "census2021-ts021-dorset-force-area.csv")
	f, err := os.Open(census)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = disparity.ImportPopulation(ctx, db, f, "dorset", filepath.Base(census))
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", census, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*-dorset-stop-and-search.csv"))
	if err != nil {
		return err
	}
	newest := ""
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		res, err := disparity.ImportStopSearch(ctx, db, f, disparity.ImportOptions{Source: filepath.Base(path), By: by.Email})
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
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

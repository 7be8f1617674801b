package cli

import (
	"context"
	"fmt"
	"io"

	"candour/demo"
)

// seedDemo is "candour seed demo": fill an empty store with the demo force
// (package demo) and print its sign-ins.
func seedDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("seed demo", "Usage: candour seed demo\n\nFills an empty store with a believable demo force and prints the demo sign-ins.", stderr)
	if done, err := parse(fs, args); done {
		return err
	}
	cfg, _, db, err := open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	if n, err := db.CountUsers(ctx, ""); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("the store already has %d accounts: seed demo only fills an empty store (remove %s to start again)", n, cfg.DataDir)
	}
	logins, err := demo.Seed(ctx, db, cfg)
	if err != nil {
		return err
	}
	demo.PrintLogins(stdout, logins)
	return nil
}

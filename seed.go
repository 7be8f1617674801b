package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"candour/config"
	"candour/server"
	"candour/store"
)

// login is a demo account's sign-in, printed for newcomers.
type login struct {
	Role     store.Role
	Email    string
	Password string
	Note     string
}

// demoPassword is every demo account's password (development only).
const demoPassword = "candour-demo-2026"

func seedDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: candour seed demo\n\nFills an empty store with a believable demo force and prints the demo sign-ins.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
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
	logins, err := seedDemoData(ctx, db, cfg)
	if err != nil {
		return err
	}
	printLogins(stdout, logins)
	return nil
}

func printLogins(w io.Writer, logins []login) {
	fmt.Fprintf(w, "\nDemo sign-ins (password %q for all):\n", demoPassword)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-12s %-36s %s\n", l.Role, l.Email, l.Note)
	}
	fmt.Fprintln(w)
}

// seedDemoData fills an empty store with the demo force.
func seedDemoData(ctx context.Context, db *store.Store, cfg config.Config) ([]login, error) {
	hash := server.HashPassword(cfg, demoPassword)
	var logins []login
	for _, p := range []struct {
		role  store.Role
		email string
		name  string
		note  string
	}{
		{store.RoleAdmin, "admin@candour.example", "Alex Admin", "two-factor set-up at first sign-in"},
		{store.RoleCoordinator, "coordinator@candour.example", "Priya Shah", ""},
		{store.RoleCCU, "ccu@candour.example", "Sam Okafor", "two-factor set-up at first sign-in"},
		{store.RoleChair, "chair@candour.example", "Grace Mensah", ""},
		{store.RoleMember, "member@candour.example", "Daniel Clarke", ""},
		{store.RolePartner, "partner@candour.example", "Jo Whitfield", ""},
	} {
		u := &store.User{Email: p.email, Name: p.name, Role: p.role, Status: store.StatusActive, PasswordHash: hash}
		if err := db.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		logins = append(logins, login{Role: p.role, Email: p.email, Password: demoPassword, Note: p.note})
	}
	return logins, nil
}

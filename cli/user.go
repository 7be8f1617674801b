package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"candour/apperr"
	"candour/password"
	"candour/store"
	"candour/words"
)

// roleNames lists every role as --role takes it.
func roleNames() string {
	var names []string
	for _, r := range store.Roles {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

// userAdd creates an account from the shell: the way to make the first admin.
func userAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("user add", "Usage: candour user add --email E --name N --role R [--password-stdin]", stderr)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "", "role: "+roleNames()+" (required)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input; without it the account is created with an invitation link to set one")
	if done, err := parse(fs, args); done {
		return err
	}
	r := store.Role(*role)
	switch {
	case strings.TrimSpace(*email) == "" || !strings.Contains(*email, "@"):
		return usageError{"--email: give the account's email address"}
	case strings.TrimSpace(*name) == "":
		return usageError{"--name: give the person's full name"}
	case !r.Valid():
		return usageError{fmt.Sprintf("--role: %q is not one of %s", *role, roleNames())}
	}
	var pw string
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
		if err := password.Check(pw); err != nil {
			return usageError{"password: " + err.Error()}
		}
	}
	cfg, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())

	u := &store.User{Email: *email, Name: strings.TrimSpace(*name), Role: r}
	if pw != "" {
		u.PasswordHash = password.For(cfg).Hash(pw)
		u.Status = store.StatusActive
	}
	if err := db.CreateUser(ctx, u); err != nil {
		if apperr.Is(err, apperr.Duplicate) {
			return usageError{fmt.Sprintf("--email: an account for %s already exists", u.Email)}
		}
		return err
	}
	if err := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditUserCreated, Target: "user:" + u.ID,
		Detail: "created from the command line with role " + string(r)}); err != nil {
		return err
	}
	if pw != "" {
		fmt.Fprintf(stdout, "Created %s (%s). They can sign in at %s/sign-in\n", u.Email, words.Role(string(r)), cfg.BaseURL)
		return nil
	}
	secret, err := db.CreateToken(ctx, store.TokenInvitation, u.ID, "system", store.InvitationLife)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created %s (%s). To set a password, open within 7 days:\n%s/invitation/%s\n", u.Email, words.Role(string(r)), cfg.BaseURL, secret)
	return nil
}

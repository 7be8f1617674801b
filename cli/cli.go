// Package cli is Candour's command line: one file per command, each a
// function that parses its flags (flags.go holds what they share), opens
// the store when it needs one (open, in serve.go) and does its work. Run
// picks the command; package main only wires the process to it.
package cli

import (
	"context"
	"fmt"
	"io"
)

const usage = `Usage: candour [command]

Commands:
  serve                 run the portal (the default)
  user add              create an account from the shell (the first admin)
  seed demo             fill the store with a believable demo force
  import stop-search    import police.uk stop-and-search CSV files
  import population     import Census 2021 TS021 population rows for a force area
  import drivers        load a force's drivers by ethnic group (vehicle stops per 1,000 drivers)
  report disparity      print stop-and-search disparity figures (json, csv or text)
  publish disparity     put a period of a force's disparity figures on the public page
  keys                  make, rotate (add, then promote) and re-seal with the field-encryption keys
  audit verify          check the audit chain (--against FEED: and every published head)
  dpia                  print the record of processing, the start of a DPIA, from the configuration
  report survey         print a survey's results, suppressed (json or csv)
  survey rebuild        recount a survey's counters from its stored responses
  backup                copy the embedded store, consistently, while the portal runs
  restore               put a backup of the embedded store back (portal stopped)
  migrate-to-mongo      copy a pilot's embedded store into MongoDB and verify the copy
  version               print the version and commit
  healthcheck           exit 0 when /readyz at CANDOUR_ADDR answers 200 (for the container)
  help                  show this help

Configuration comes from CANDOUR_* environment variables and MONGODB_URI;
see README.md. Run "candour COMMAND --help" for a command's flags.
`

// Run is the whole program, so that tests can drive it.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return usageError{"unknown user command: try \"candour user add --help\""}
		}
		return userAdd(ctx, args[2:], getenv, stdin, stdout, stderr)
	case "seed":
		if len(args) < 2 || args[1] != "demo" {
			return usageError{"unknown seed command: try \"candour seed demo\""}
		}
		return seedDemo(ctx, args[2:], getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], getenv, stdout, stderr)
	case "report":
		return reportCmd(ctx, args[1:], getenv, stdout, stderr)
	case "publish":
		return publishCmd(ctx, args[1:], getenv, stdout, stderr)
	case "dpia":
		return dpiaCmd(args[1:], getenv, stdout)
	case "audit":
		return auditCmd(ctx, args[1:], getenv, stdout, stderr)
	case "keys":
		return keysCmd(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "survey":
		return surveyCmd(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args[1:], getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args[1:], getenv, stdout, stderr)
	case "migrate-to-mongo":
		return migrateToMongo(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version":
		return versionCmd(stdout)
	case "healthcheck":
		return healthcheck(ctx, args[1:], getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageError{fmt.Sprintf("unknown command %q: run \"candour help\"", args[0])}
	}
}

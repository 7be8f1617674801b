package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"candour/apperr"
)

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// IsUsage reports whether err is a mistake in the command line (exit
// status 2), not a failure of the command (exit status 1).
func IsUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// refused is the command line's one printer of a refusal: when err is
// about the input (an apperr.Invalid: a file's wrong lines, the wrong
// force or year, a period with no figures to publish) it returns the usage
// error (exit status 2) that says before, the refusal and after; for nil or
// any other error (a fault of the system: exit status 1) it returns nil.
func refused(err error, before, after string) error {
	if !apperr.Is(err, apperr.Invalid) {
		return nil
	}
	return usageError{before + err.Error() + after}
}

// newFlags is a command's flag set: its mistakes and help go to stderr;
// --help prints usage (when there is one) and then each flag with its
// default. With no usage, the flag package's own "Usage of NAME:" heads
// the list.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if usage != "" {
		fs.Usage = func() {
			fmt.Fprintln(stderr, usage)
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse reads args into fs. done says the command has nothing more to do:
// help was asked for (err is nil) or the line is wrong (err is a
// usageError, exit status 2). Every command starts
//
//	if done, err := parse(fs, args); done {
//		return err
//	}
func parse(fs *flag.FlagSet, args []string) (done bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return true, usageError{err.Error()}
	}
	return false, nil
}

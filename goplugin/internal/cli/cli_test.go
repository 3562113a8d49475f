package cli

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The CLI contract: request JSON on stdin, NDJSON events on stdout, files in $WORK. Scripts live
// in testdata/script; they use fake interpreters written by the scripts themselves, so no Python
// is needed. UPDATE_SCRIPTS=1 rewrites their expected output.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pyreqs": func() { os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") == "1",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// expand FILE...: replace $VAR references in files with their values (e.g. $WORK).
			"expand": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, f := range args {
					data := ts.ReadFile(f)
					ts.Check(os.WriteFile(ts.MkAbs(f), []byte(os.Expand(data, ts.Getenv)), 0o644))
				}
			},
		},
	})
}

// Command pyindex builds the test distributions of testdata/pypkgs (pyindex.Build) and serves
// them on 127.0.0.1 until its standard input closes. It prints one line, the index URL for pip's
// --index-url, once the index is up. Tests outside test/ (which cannot import test/internal)
// run it to install from the same index as the acceptance tests; people run it to try things:
//
//	go run ./test/internal/pyindex/cmd/pyindex -python .tools/venv/bin/python
//	go run ./test/internal/pyindex/cmd/pyindex -serve .tools/bench-wheels   # serve a folder of distributions as it is
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/test/internal/pyindex"
)

func main() {
	python := flag.String("python", ".tools/venv/bin/python", "interpreter with pip, setuptools, wheel and build")
	src := flag.String("src", "testdata/pypkgs", "the distributions' sources (with index.json)")
	out := flag.String("out", filepath.Join(os.TempDir(), "pyreqs-pyindex"), "where the built distributions go (cached)")
	serve := flag.String("serve", "", "serve this folder of wheels and sdists as it is (nothing is built)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *serve != "" {
		*out = *serve
	} else if err := pyindex.Build(ctx, *python, *src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "pyindex:", err)
		os.Exit(1)
	}
	s, err := pyindex.NewServer(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pyindex:", err)
		os.Exit(1)
	}
	defer s.Close()
	fmt.Println(s.IndexURL())
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin) //nolint:errcheck // any end of stdin stops the server
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

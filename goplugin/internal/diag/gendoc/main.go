// Command gendoc writes docs/errors.md from the message catalog (run through `go generate`).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

func main() {
	out := flag.String("o", "docs/errors.md", "file to write")
	flag.Parse()
	if err := write(*out, diag.Markdown()); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// write replaces path atomically (temporary file in the same folder, then rename).
func write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".errors-*.md")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

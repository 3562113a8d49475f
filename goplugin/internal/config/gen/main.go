// Command gen writes the files generated from the option table of package config:
// schema/python-requirements.schema.json, schema/function-properties.schema.json and the options
// table of README.md (between its markers). Run it with `go generate ./goplugin/internal/config`.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return err
	}
	newReadme, err := config.ReplaceREADMETable(string(readme))
	if err != nil {
		return err
	}
	for path, data := range map[string][]byte{
		filepath.Join(root, "schema", "python-requirements.schema.json"): config.SchemaJSON(),
		filepath.Join(root, "schema", "function-properties.schema.json"): config.FunctionSchemaJSON(),
		filepath.Join(root, "README.md"):                                 []byte(newReadme),
	} {
		if err := writeAtomic(path, data); err != nil {
			return err
		}
	}
	return nil
}

// repoRoot is the nearest folder at or above the working directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// writeAtomic replaces path with data through a temporary file in the same folder, keeping the
// file's mode; an unchanged file is left alone.
func writeAtomic(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

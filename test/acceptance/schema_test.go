package acceptance

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The JSON Schema the plugin registers, as Serverless v3 and osls (the open-source fork of
// Serverless v4, which stops on schema errors) report it.

// oslsBin is osls's CLI, installed apart from test/tools/node_modules because it also provides
// the `sls` and `serverless` commands.
func oslsBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(Root(t), "test", "tools", "osls", "node_modules", ".bin", "osls")
	if _, err := os.Stat(bin); err != nil {
		msg := "osls is not installed: run `npm ci` in test/tools/osls (scripts/setup.sh does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// cli is one Serverless CLI a schema test runs.
type cli struct {
	name string
	run  func(t *testing.T, s *Service, args ...string) (string, error)
}

func schemaCLIs() []cli {
	return []cli{
		{"serverless-v3", func(t *testing.T, s *Service, args ...string) (string, error) {
			// v3 only warns by default and then runs the hooks: make it stop at the schema.
			s.SetConfig("configValidationMode", "error")
			stdout, stderr, err := s.Sls(args...)
			return stdout + stderr, err
		}},
		{"osls", func(t *testing.T, s *Service, args ...string) (string, error) {
			bin := oslsBin(t)
			s.UnsetConfig("frameworkVersion") // '3' is refused by osls 4
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir = s.Dir
			cmd.Env = s.Environ()
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			t.Logf("osls %s: %v\n%s", strings.Join(args, " "), err, tail(out.String(), 4000))
			return out.String(), err
		}},
	}
}

// TestSchemaNamesUnknownKey: a misspelt option, in the block or in `layer`, is reported by name
// ("unrecognized property 'dockerizePipp'"), not as "unsupported object format".
func TestSchemaNamesUnknownKey(t *testing.T) {
	for _, c := range schemaCLIs() {
		t.Run(c.name, func(t *testing.T) {
			for _, tc := range []struct {
				key, value string
				want       string
			}{
				{"custom.pythonRequirements.dockerizePipp", "true",
					"at 'custom.pythonRequirements': unrecognized property 'dockerizePipp'"},
				{"custom.pythonRequirements.layer.nmae", "deps",
					"at 'custom.pythonRequirements.layer': unrecognized property 'nmae'"},
			} {
				s := NewService(t, "basic", Ours)
				s.SetConfig(tc.key, tc.value)
				out, err := c.run(t, s, "package")
				var exit *exec.ExitError
				if !errors.As(err, &exit) {
					t.Fatalf("%s: want a failed run, got %v", tc.key, err)
				}
				if !strings.Contains(out, tc.want) {
					t.Errorf("%s: output does not contain %q", tc.key, tc.want)
				}
				if strings.Contains(out, "unsupported object format") || strings.Contains(out, "unsupported configuration format") {
					t.Errorf("%s: output still has the vague message", tc.key)
				}
				if _, err := os.Stat(s.Path(".serverless")); err == nil {
					t.Errorf("%s: packaging went on after the schema error", tc.key)
				}
			}
		})
	}
}

// TestSchemaAcceptsYAML11Booleans: `zip: yes`, `slim: Off` and the like pass the schema of both
// CLIs (osls stops on any schema error, so reaching the package step proves it), and mean what
// they say.
func TestSchemaAcceptsYAML11Booleans(t *testing.T) {
	for _, c := range schemaCLIs() {
		t.Run(c.name, func(t *testing.T) {
			s := NewService(t, "basic", Ours)
			s.SetConfig("custom.pythonRequirements.zip", "Yes")
			s.SetConfig("custom.pythonRequirements.slim", "off")
			s.SetConfig("custom.pythonRequirements.useStaticCache", "NO")
			out, err := c.run(t, s, "package")
			if err != nil {
				t.Fatalf("package failed: %v", err)
			}
			if strings.Contains(out, "custom.pythonRequirements") {
				t.Errorf("a message names the block:\n%s", out)
			}
			entries := ZipEntries(t, s.Path(".serverless/basic.zip"))
			if _, ok := entries[".requirements.zip"]; !ok {
				t.Errorf("zip: Yes did not ship .requirements.zip")
			}
		})
	}
}

package acceptance

// Bad input gets a clear error, and nothing is lost: each case fails `sls package`
// with an error that names the config key or file and the fix, without a stack trace, and
// leaves nothing half-written in the cache or in .serverless.

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// errorPart is the part of Serverless's output from its error banner on: the message of the
// error that stopped the run (warnings printed earlier, e.g. by schema validation, excluded).
func errorPart(stdout, stderr string) string {
	all := stdout + "\n" + stderr
	if i := strings.LastIndex(all, "Error:"); i >= 0 {
		return all[i:]
	}
	return ""
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		setup     func(t *testing.T, s *Service)
		args      []string
		want      []string // in the error message
		forbidden []string // anywhere in the output
	}{
		{
			name: "python-missing",
			setup: func(t *testing.T, s *Service) {
				s.SetConfig("custom.pythonRequirements.pythonBin", "python3.99")
			},
			// The fix is its own line under the message (the error event's fix field).
			want: []string{"custom.pythonRequirements.pythonBin", "python3.99",
				"\nInstall that Python version, or set custom.pythonRequirements.pythonBin to an interpreter that exists"},
		},
		{
			name: "pip-missing",
			setup: func(t *testing.T, s *Service) {
				venv := filepath.Join(t.TempDir(), "nopip")
				if out, err := exec.Command("python3.11", "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
					t.Fatalf("python3.11 -m venv --without-pip: %v\n%s", err, out)
				}
				s.SetConfig("custom.pythonRequirements.pythonBin", filepath.Join(venv, "bin", "python"))
			},
			want: []string{"custom.pythonRequirements.pythonBin", "pip"},
		},
		{
			name: "pip-fails-without-static-cache",
			setup: func(t *testing.T, s *Service) {
				s.WriteFile("requirements.txt", "pyreqs-pure\npyreqs-does-not-exist==1.0\n")
				s.SetConfig("custom.pythonRequirements.useStaticCache", false)
			},
			want: []string{"pyreqs-does-not-exist", "No matching distribution found"},
		},
		{
			name: "fileName-missing",
			setup: func(t *testing.T, s *Service) {
				s.SetConfig("custom.pythonRequirements.fileName", "requirements-prod.txt")
			},
			want: []string{"custom.pythonRequirements.fileName", "requirements-prod.txt"},
		},
		{
			name: "pip-fails-with-credentials",
			setup: func(t *testing.T, s *Service) {
				u, err := url.Parse(IndexURL(t))
				if err != nil {
					t.Fatal(err)
				}
				u.User = url.UserPassword("user", "s3cret")
				s.WriteFile("requirements.txt", "pyreqs-pure\npyreqs-does-not-exist==1.0\n")
				s.SetConfig("custom.pythonRequirements.pipCmdExtraArgs", []any{"--index-url " + u.String()})
			},
			args:      []string{"--verbose"},
			want:      []string{"pyreqs-does-not-exist", "No matching distribution found"},
			forbidden: []string{"s3cret"},
		},
		{
			name: "wrong-type",
			setup: func(t *testing.T, s *Service) {
				// Not a scalar: Serverless's own schema validation (AJV with coerceTypes: 'array')
				// silently turns a scalar such as 42 into ["42"] before any plugin sees it.
				s.SetConfig("custom.pythonRequirements.pipCmdExtraArgs", map[string]any{"index": "https://x.example/simple"})
			},
			want: []string{"custom.pythonRequirements.pipCmdExtraArgs"},
		},
		{
			name: "cache-not-writable",
			setup: func(t *testing.T, s *Service) {
				s.WriteFile("not-a-dir", "a regular file\n")
				s.SetConfig("custom.pythonRequirements.cacheLocation", "not-a-dir/cache")
			},
			want: []string{"custom.pythonRequirements.cacheLocation", "not-a-dir",
				"\nFix the folder's permissions, set custom.pythonRequirements.cacheLocation to a writable folder"},
		},
		{
			name: "include-missing",
			setup: func(t *testing.T, s *Service) {
				s.WriteFile("requirements.txt", "pyreqs-pure\n-r extra/nope.txt\n")
			},
			want: []string{"requirements.txt: line 2: included requirements file", "extra/nope.txt",
				"\nCreate ", "or fix the line -r extra/nope.txt in", "an included path is relative to the folder of the file that includes it"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			tc.setup(t, s)
			stdout, stderr, err := s.Sls(append([]string{"package"}, tc.args...)...)
			assertUserError(t, err, stdout, stderr)
			assertNotContains(t, stdout+"\n"+stderr, tc.forbidden...)
			msg := errorPart(stdout, stderr)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the error does not contain %q:\n%s", w, tail(msg, 3000))
				}
			}
			assertNothingHalfWritten(t, s, s.Path("not-a-dir"))
			for _, f := range tc.forbidden {
				assertNoFileContains(t, f, s.Path(".serverless"), cacheRoot(s))
			}
			if _, err := os.Stat(s.Artifact()); err == nil {
				t.Errorf("an artifact was written despite the failure")
			}
		})
	}
}

// assertNoFileContains checks that no file under the roots contains s.
func assertNoFileContains(t testing.TB, s string, roots ...string) {
	t.Helper()
	for _, root := range roots {
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error { //nolint:errcheck
			if err != nil || !info.Mode().IsRegular() {
				return nil
			}
			if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), s) {
				t.Errorf("%s contains %q", p, s)
			}
			return nil
		})
	}
}

// TestBadInputZipSlimLayer runs `sls package` with wrong zip/slim/layer settings: each fails before
// installing anything, with an error that names the key and says what is allowed.
func TestBadInputZipSlimLayer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		config map[string]any
		want   []string
	}{
		{"slimPatterns glob", map[string]any{"slim": true, "slimPatterns": []string{"**/tests/**", "[unclosed"}},
			[]string{"custom.pythonRequirements.slimPatterns[1]", "[unclosed"}},
		{"layer string", map[string]any{"layer": "python-deps"},
			[]string{"custom.pythonRequirements.layer", "must be true, false or an object of layer properties"}},
		{"layer unknown key", map[string]any{"layer": map[string]any{"name": "deps", "compatibleRuntime": []string{"python3.11"}}},
			[]string{"custom.pythonRequirements.layer.compatibleRuntime", "is not a layer property", "compatibleRuntimes"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			s.SetConfig("custom.pythonRequirements", tc.config)
			stdout, stderr, err := s.Sls("package")
			assertUserError(t, err, stdout, stderr, tc.want...)
			if exists(s.Path(".serverless/requirements")) {
				t.Errorf("requirements were installed despite the configuration error")
			}
		})
	}
}

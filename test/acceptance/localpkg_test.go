package acceptance

// Local path requirements (issue 18, section 7): the static cache key covers the local package's
// content, and uv rebuilds it instead of reusing its own cached wheel.

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalPackageRebuilt packages a service whose requirements name a local package, changes the
// package's source, and packages again: the artifact has the new source (before: the old one,
// from the static cache, or from uv's wheel cache).
func TestLocalPackageRebuilt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		module string // "" for the service root
		setup  func(s *Service)
	}{
		{"pip", "", nil},
		{"uv", "", func(s *Service) { s.SetConfig("custom.pythonRequirements.installer", "uv") }},
		{"pip per module", "mod", nil},
		{"uv per module", "mod", func(s *Service) { s.SetConfig("custom.pythonRequirements.installer", "uv") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			if c.setup != nil {
				c.setup(s)
			}
			dir := ""
			art := s.Artifact
			if c.module != "" {
				dir = c.module + "/"
				s.WriteFile(dir+"handler.py", "def hello(event, context):\n    return 1\n")
				s.SetConfig("package.individually", true)
				s.SetConfig("functions.hello.module", c.module)
				art = func() string { // .serverless/<module>-<function name>.zip
					m, _ := filepath.Glob(s.Path(".serverless/" + c.module + "-*hello.zip"))
					if len(m) != 1 {
						t.Fatalf("module artifacts %v, want one", m)
					}
					return m[0]
				}
			}
			if err := copyTree(filepath.Join(Root(t), "testdata", "pypkgs", "pyreqs-sdistonly"), s.Path(dir+"localpkg"), false); err != nil {
				t.Fatal(err)
			}
			s.WriteFile(dir+"requirements.txt", "./localpkg\n")
			s.SetConfig("package.patterns", []any{"!node_modules/**", "!package.json", "!package-lock.json", "!**/localpkg/**"})
			src := dir + "localpkg/pyreqs_sdistonly/__init__.py"
			for _, v := range []string{"first", "second"} {
				s.WriteFile(src, "SOURCE = "+`"`+v+`"`+"\n")
				s.MustSls("package")
				got := string(ZipRead(t, art(), "pyreqs_sdistonly/__init__.py"))
				if !strings.Contains(got, `"`+v+`"`) {
					t.Fatalf("after writing the %s source, the artifact has %q", v, got)
				}
			}
		})
	}
}

package acceptance

// Bad paths end to end (issue 18, sections 4 and 5): every path from the configuration or a
// requirements file is checked before anything reads it, and one that leaves the project is
// refused unless allowPathsOutsideProject is set; no error echoes a line of a file that is not a
// requirements file.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretLine is what the file outside the project holds; it must never reach the output.
const secretLine = "root:pyreqs-secret-7f3a9:20228:0:99999:7:::"

func TestBadPathsNamed(t *testing.T) {
	t.Parallel()
	outside := t.TempDir() // a folder outside the service's project
	secret := filepath.Join(outside, "shadow")
	if err := os.WriteFile(secret, []byte(secretLine+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel := func(s *Service, p string) string { // p relative to the service folder, through ..
		r, err := filepath.Rel(s.Dir, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		name  string
		setup func(s *Service)
		want  []string
	}{
		// section 4: filesystem checks
		{"fileName is a folder", func(s *Service) {
			if err := os.MkdirAll(s.Path("reqs"), 0o755); err != nil {
				t.Fatal(err)
			}
			s.SetConfig("custom.pythonRequirements.fileName", "reqs")
		}, []string{"custom.pythonRequirements.fileName", "is a folder", "Set custom.pythonRequirements.fileName to a requirements file"}},
		{"requirements.txt a dangling symlink", func(s *Service) {
			os.Remove(s.Path("requirements.txt"))
			if err := os.Symlink("gone.txt", s.Path("requirements.txt")); err != nil {
				t.Fatal(err)
			}
		}, []string{"requirements.txt", "symbolic link to gone.txt, which does not exist"}},
		{"module missing", func(s *Service) {
			s.SetConfig("package.individually", true)
			s.SetConfig("functions.hello.module", "missing")
		}, []string{"functions.hello.module", "the module folder missing does not exist"}},
		{"module is a file", func(s *Service) {
			s.SetConfig("package.individually", true)
			s.SetConfig("functions.hello.module", "handler.py")
		}, []string{"functions.hello.module", "is a file, not a folder"}},
		{"vendor is a file", func(s *Service) {
			s.SetConfig("custom.pythonRequirements.vendor", "handler.py")
		}, []string{"custom.pythonRequirements.vendor", "is a file, not a folder"}},
		{"vendor missing", func(s *Service) {
			s.SetConfig("custom.pythonRequirements.vendor", "./missing")
		}, []string{"custom.pythonRequirements.vendor", "missing does not exist", "Create the folder"}},
		// section 5: paths that leave the project
		{"vendor outside", func(s *Service) {
			s.SetConfig("custom.pythonRequirements.vendor", outside)
		}, []string{"custom.pythonRequirements.vendor", "resolves outside the project", "allowPathsOutsideProject: true"}},
		{"fileName outside", func(s *Service) {
			s.SetConfig("custom.pythonRequirements.fileName", rel(s, secret))
		}, []string{"custom.pythonRequirements.fileName", "resolves outside the project", "allowPathsOutsideProject: true"}},
		{"-r outside", func(s *Service) {
			s.WriteFile("requirements.txt", "pyreqs-pure\n-r "+secret+"\n")
		}, []string{"requirements.txt", "line 2: -r " + secret, "resolves outside the project", "allowPathsOutsideProject: true"}},
		{"-c outside", func(s *Service) {
			s.WriteFile("requirements.txt", "-c "+secret+"\npyreqs-pure\n")
		}, []string{"line 1: -c " + secret, "resolves outside the project"}},
		{"local package outside", func(s *Service) {
			if err := copyTree(filepath.Join(Root(t), "testdata", "pypkgs", "pyreqs-sdistonly"), filepath.Join(outside, "pkg"), false); err != nil {
				t.Fatal(err)
			}
			s.WriteFile("requirements.txt", "pyreqs-pure\n"+filepath.Join(outside, "pkg")+"\n")
		}, []string{"line 2: the local package", "resolves outside the project"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			c.setup(s)
			stdout, stderr, err := s.Sls("package")
			assertUserError(t, err, stdout, stderr, c.want...)
			assertNotContains(t, stdout+stderr, "pyreqs-secret-7f3a9", "PYREQS_INTERNAL", "serverless-pyreqs failed")
		})
	}
}

// TestPathsOutsideProjectAllowed: allowPathsOutsideProject lets an -r include and a vendor folder
// outside the project through.
func TestPathsOutsideProjectAllowed(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "base.txt"), []byte("pyreqs-pure\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(outside, "vendored"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "vendored", "vendored_mod.py"), []byte("X = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements.txt", "-r "+filepath.Join(outside, "base.txt")+"\n")
	s.SetConfig("custom.pythonRequirements.vendor", filepath.Join(outside, "vendored"))
	s.SetConfig("custom.pythonRequirements.allowPathsOutsideProject", true)
	s.MustSls("package")
	art := s.Artifact()
	assertHas(t, art, ZipEntries(t, art), "pyreqs_pure/__init__.py", "vendored_mod.py")
	if strings.Contains(string(ZipRead(t, art, "vendored_mod.py")), "X = 1") == false {
		t.Errorf("vendored_mod.py has the wrong content")
	}
}

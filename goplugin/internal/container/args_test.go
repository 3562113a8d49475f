package container

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

func TestParseRunArgs(t *testing.T) {
	environ := []string{"HOST_VAR=from-host", "PATH=/bin"}
	for _, tc := range []struct {
		name    string
		args    []string
		want    RunArgs
		wantErr string // substring of the error; "" for success
	}{
		{name: "none", args: nil, want: RunArgs{}},
		{name: "all supported", args: []string{"--network", "host", "-v", "./data:/opt/data:ro", "--volume=/abs:/abs",
			"-e", "A=1", "--env=HOST_VAR", "-e", "UNSET_VAR", "-u", "1000:1000", "--add-host", "pypi.local:10.0.0.1",
			"--entrypoint", "", "-w", "/work", "--platform", "linux/arm64"},
			want: RunArgs{Network: "host", Volumes: []string{"/svc/data:/opt/data:ro", "/abs:/abs"},
				Env: []string{"A=1", "HOST_VAR=from-host"}, User: "1000:1000", AddHosts: []string{"pypi.local:10.0.0.1"},
				Entrypoint: []string{""}, Workdir: "/work", Platform: "linux/arm64"}},
		{name: "joined shorthand", args: []string{"-eX=1", "--network=bridge"}, want: RunArgs{Env: []string{"X=1"}, Network: "bridge"}},
		{name: "unsupported long flag", args: []string{"--network", "host", "--privileged"},
			wantErr: "custom.pythonRequirements.dockerRunCmdExtraArgs: the flag --privileged is not supported (element 2)"},
		{name: "unsupported shorthand", args: []string{"-p", "80:80"}, wantErr: "the flag -p is not supported"},
		{name: "missing value", args: []string{"--network"}, wantErr: "the flag --network needs a value"},
		{name: "positional", args: []string{"--rm", "img"}, wantErr: "the flag --rm is not supported"},
		{name: "image as argument", args: []string{"myimage"}, wantErr: `"myimage" is not a flag (element 0)`},
		{name: "bad volume", args: []string{"-v", "/only-one"}, wantErr: `the volume "/only-one" is not SOURCE:TARGET`},
		{name: "relative target", args: []string{"-v", "/a:b"}, wantErr: "must be an absolute path"},
		{name: "bad platform", args: []string{"--platform", "arm64"}, wantErr: `--platform "arm64"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRunArgs(tc.args, environ, "/svc")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if d, ok := diag.As(err); !ok || d.Key != "custom.pythonRequirements.dockerRunCmdExtraArgs" {
					t.Errorf("not a diag error naming the option: %#v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Transformer("nilEmpty", func(s []string) []string {
				if len(s) == 0 {
					return nil
				}
				return s
			})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRunArgsHintListsFlags(t *testing.T) {
	_, err := ParseRunArgs([]string{"--cap-add", "SYS_ADMIN"}, nil, "/svc")
	d, ok := diag.As(err)
	if !ok || !strings.Contains(d.Message, "--cap-add") || !strings.Contains(d.Hint, "-v/--volume, -e/--env, --network") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseBuildArgs(t *testing.T) {
	got, err := ParseBuildArgs([]string{"--build-arg", "A=1", "--build-arg=FROM_HOST", "--build-arg", "UNSET",
		"--target", "deps", "--no-cache", "--pull", "--network", "host", "--add-host", "h:1.2.3.4"}, []string{"FROM_HOST=h"})
	if err != nil {
		t.Fatal(err)
	}
	one, h := "1", "h"
	want := BuildArgs{BuildArgs: map[string]*string{"A": &one, "FROM_HOST": &h}, Target: "deps", NoCache: true, Pull: true,
		Network: "host", AddHosts: []string{"h:1.2.3.4"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = ParseBuildArgs([]string{"--squash"}, nil)
	if d, ok := diag.As(err); !ok || d.Key != "custom.pythonRequirements.dockerBuildCmdExtraArgs" || !strings.Contains(d.Message, "--squash") ||
		!strings.Contains(d.Hint, "--build-arg, --target, --no-cache") {
		t.Fatalf("err = %v", err)
	}
}

func TestResolveEnv(t *testing.T) {
	got := ResolveEnv([]string{"A=1", "B", "C", "D="}, []string{"B=x", "B=y"})
	if diff := cmp.Diff([]string{"A=1", "B=y", "D="}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestIgnore(t *testing.T) {
	m := parseIgnore([]byte("# comment\n*.pyc\nbuild/\n/docs\n**/secret*\n!docs/keep.md\nnode_modules\n"))
	for rel, want := range map[string]bool{
		"a.pyc": true, "x/a.pyc": false, // "*.pyc" is anchored at the root, as docker's
		"build": true, "build/x/y": true, "docs/a.md": true, "docs/keep.md": false,
		"a/b/secret.txt": true, "secret": true, "node_modules/x/y.js": true, "src/app.py": false,
	} {
		if got := m.excluded(rel); got != want {
			t.Errorf("excluded(%q) = %t, want %t", rel, got, want)
		}
	}
	// With an exception, an excluded folder is still walked; others are pruned.
	f := m.filter("Dockerfile")
	for _, c := range []struct {
		rel   string
		isDir bool
		want  walk
	}{{"docs", true, descend}, {"build", true, prune}, {"Dockerfile", false, include}, {"src", true, include}} {
		if got := f(c.rel, c.isDir); got != c.want {
			t.Errorf("filter(%q) = %d, want %d", c.rel, got, c.want)
		}
	}
	if got := parseIgnore([]byte("*\n!**/*.py\n")).filter()("src", true); got != descend {
		t.Errorf("a wildcard exception must keep folders walkable, got %d", got)
	}
}

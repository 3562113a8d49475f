package pipeline

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// planFor parses a service (as the shim sends it) and plans its named layers.
func planFor(t *testing.T, svcJSON string) ([]*namedLayer, map[string]*fnLayers, error) {
	t.Helper()
	req := &protocol.Request{ServicePath: t.TempDir()}
	if err := json.Unmarshal([]byte(svcJSON), &req.Service); err != nil {
		t.Fatal(err)
	}
	opts, _, err := config.Parse(req.Service.Custom["pythonRequirements"], config.Host{GOOS: "linux", ProviderRuntime: req.Service.Provider.Runtime})
	if err != nil {
		return nil, nil, err
	}
	fns, err := functions(req)
	if err != nil {
		t.Fatal(err)
	}
	s := &state{req: req, opts: opts, fns: fns}
	return s.planLayers()
}

func TestPlanLayers(t *testing.T) {
	layers := `"custom": {"pythonRequirements": {"layers": {"numeric": {"path": "n"}, "web": {"path": "w", "compatibleRuntimes": ["python3.11", "python3.12"]}}}}`
	t.Run("attach", func(t *testing.T) {
		ls, attach, err := planFor(t, `{"service": "s", "provider": {"runtime": "python3.12", "architecture": "arm64", "layers": ["arn:p"]}, `+layers+`,
			"functions": {
				"a": {"handler": "h.a", "requirementsLayers": ["numeric", "web", "numeric"]},
				"b": {"handler": "h.b", "layers": [{"Ref": "PythonRequirementsWebLambdaLayer"}], "requirementsLayers": ["web"]},
				"c": {"handler": "h.c"}}}`)
		if err != nil {
			t.Fatal(err)
		}
		if got := compactJSON(attach["a"].final); got != `["arn:p",{"Ref":"PythonRequirementsNumericLambdaLayer"},{"Ref":"PythonRequirementsWebLambdaLayer"}]` || !attach["a"].added {
			t.Errorf("a: provider layers plus both Refs, once each: %s", got)
		}
		if got := compactJSON(attach["b"].final); got != `[{"Ref":"PythonRequirementsWebLambdaLayer"}]` || attach["b"].added {
			t.Errorf("b: a Ref written by hand is kept, not duplicated: %s (added %v)", got, attach["b"].added)
		}
		if attach["c"] != nil {
			t.Errorf("c attaches nothing")
		}
		web := ls[1]
		if web.Arch != "arm64" || web.Runtime != "python3.12" || compactJSON(web.Archs) != `["arm64"]` || compactJSON(web.Runtimes) != `["python3.11","python3.12"]` {
			t.Errorf("web target: %s %s %v %v", web.Runtime, web.Arch, web.Archs, web.Runtimes)
		}
		if len(web.fns) != 2 || len(ls[0].fns) != 1 {
			t.Errorf("attaching functions: web %d, numeric %d", len(web.fns), len(ls[0].fns))
		}
	})
	for _, tc := range []struct {
		name, svc string
		code      string
		want      []string
	}{
		{"runtime", `{"provider": {"runtime": "python3.13"}, ` + layers + `, "functions": {"f": {"handler": "h", "requirementsLayers": ["web"]}}}`,
			diag.CodeLayerMismatch, []string{"layers.web.compatibleRuntimes", "python3.11, python3.12", `"f"`, "python3.13"}},
		{"user layer", `{"provider": {"runtime": "python3.12"}, "layers": {"PythonRequirementsWeb": {"path": "x"}}, ` + layers + `}`,
			diag.CodeLayerDuplicate, []string{"layers.web", "PythonRequirementsWeb", "PythonRequirementsWebLambdaLayer"}},
		{"no layers defined", `{"provider": {"runtime": "python3.12"}, "functions": {"f": {"handler": "h", "requirementsLayers": ["web"]}}}`,
			diag.CodeLayerUnknown, []string{"functions.f.requirementsLayers[0]", `"web"`}},
		{"not a list", `{"provider": {"runtime": "python3.12"}, ` + layers + `, "functions": {"f": {"handler": "h", "requirementsLayers": "web"}}}`,
			diag.CodeConfigInvalid, []string{"functions.f.requirementsLayers", "list"}},
		{"node layer-only", `{"provider": {"runtime": "nodejs20.x"}, ` + strings.Replace(layers, `, "compatibleRuntimes": ["python3.11", "python3.12"]`, "", 1) + `}`,
			diag.CodeLayerMismatch, []string{"layers.numeric", "no Python runtime"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := planFor(t, tc.svc)
			d, ok := diag.As(err)
			if !ok || d.Code != tc.code {
				t.Fatalf("got %v, want a %s error", err, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(d.Error(), w) {
					t.Errorf("%q lacks %q", d.Error(), w)
				}
			}
		})
	}
}

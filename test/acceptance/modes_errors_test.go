package acceptance

import "testing"

// TestModesBadInputs runs `sls package` with wrong zip/slim/layer settings: each fails before
// installing anything, with an error that names the key and says what is allowed.
func TestModesBadInputs(t *testing.T) {
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
			modesUserError(t, err, stdout, stderr, tc.want...)
			if modesExists(s.Path(".serverless/requirements")) {
				t.Errorf("requirements were installed despite the configuration error")
			}
		})
	}
}

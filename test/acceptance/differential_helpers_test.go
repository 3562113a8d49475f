package acceptance

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
)

// documentedDiff tells whether a requirement file may differ between the plugins because of a
// documented deliberate difference (README "Differences"): the original ships bytecode, its cache
// marker and the filtered requirements.txt, and its RECORD files list the bytecode.
func documentedDiff(name string) bool {
	base := name[strings.LastIndex(name, "/")+1:]
	return name == ".completed_requirements" || name == "requirements.txt" ||
		strings.Contains(name, "__pycache__/") || strings.HasSuffix(name, ".pyc") ||
		base == "RECORD" && strings.Contains(name, ".dist-info/")
}

// compareRequirementFiles compares two plugins' requirement files (path → sha256) apart from the
// documented differences, reports every other difference, and returns how many files matched.
func compareRequirementFiles(t testing.TB, what string, ours, original map[string]string) int {
	t.Helper()
	names := map[string]bool{}
	for n := range ours {
		names[n] = true
	}
	for n := range original {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		if !documentedDiff(n) {
			sorted = append(sorted, n)
		}
	}
	sort.Strings(sorted)
	compared := 0
	for _, n := range sorted {
		o, inOurs := ours[n]
		g, inOriginal := original[n]
		switch {
		case !inOurs:
			t.Errorf("%s: %s is in the original's archive, not in ours", what, n)
		case !inOriginal:
			t.Errorf("%s: %s is in our archive, not in the original's", what, n)
		case o != g:
			t.Errorf("%s: %s differs (ours %s, original %s)", what, n, o[:12], g[:12])
		default:
			compared++
		}
	}
	if compared == 0 {
		t.Errorf("%s: no requirement file in common", what)
	}
	t.Logf("%s: %d requirement files identical in both plugins' archives", what, compared)
	return compared
}

// readJSON decodes a JSON object file (a CloudFormation template, serverless-state.json).
func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// dig walks nested JSON objects by keys; nil when a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

package config

import (
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// BlockName is the key of the options block under custom.
const BlockName = "pythonRequirements"

// CheckCustomBlock returns one warning for every key of the service's `custom` block that looks
// like a misspelling of pythonRequirements (pythonRequirments, pythonrequirements,
// python_requirements, ...): such a block is ignored, and the service would ship without the
// options the user meant. Keys are checked in sorted order. custom may be nil; only its keys
// are read (pass protocol.Service.Custom).
func CheckCustomBlock[V any](custom map[string]V) []*diag.Warning {
	var keys []string
	for k := range custom {
		if k != BlockName && looksLikeBlockName(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []*diag.Warning
	for _, k := range keys {
		w := diag.WarnAtKey(diag.CodeOptionsBlockMisspelt, "custom."+k, "is not read by serverless-pyreqs: did you mean custom.%s?", BlockName).
			WithFix("Rename the key to %s (with this spelling and case).", BlockName)
		if _, both := custom[BlockName]; both {
			w = diag.WarnAtKey(diag.CodeOptionsBlockMisspelt, "custom."+k, "is not read by serverless-pyreqs (only custom.%s is).", BlockName).
				WithFix("Merge its keys into custom.%s and remove it.", BlockName)
		}
		out = append(out, w)
	}
	return out
}

// looksLikeBlockName reports whether key is pythonRequirements with a different case, with
// separators, or within a few typing mistakes.
func looksLikeBlockName(key string) bool {
	norm := strings.NewReplacer("-", "", "_", "", " ", "", ".", "").Replace(strings.ToLower(key))
	want := strings.ToLower(BlockName)
	if norm == want {
		return true
	}
	if len(norm) < 12 {
		return false
	}
	return editDistance(norm, want) <= 3
}

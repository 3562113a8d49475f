package config

import (
	"fmt"
	"sort"
	"strings"
)

// BlockName is the key of the options block under custom.
const BlockName = "pythonRequirements"

// CheckCustomBlock returns one warning for every key of the service's `custom` block that looks
// like a misspelling of pythonRequirements (pythonRequirments, pythonrequirements,
// python_requirements, ...): such a block is ignored, and the service would ship without the
// options the user meant. Keys are checked in sorted order. custom may be nil; only its keys
// are read (pass protocol.Service.Custom).
func CheckCustomBlock[V any](custom map[string]V) []string {
	var keys []string
	for k := range custom {
		if k != BlockName && looksLikeBlockName(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		msg := fmt.Sprintf("custom.%s is not read by serverless-pyreqs: did you mean custom.%s? Rename the key to %s (with this spelling and case).", k, BlockName, BlockName)
		if _, both := custom[BlockName]; both {
			msg = fmt.Sprintf("custom.%s is not read by serverless-pyreqs (only custom.%s is): did you mean to merge it into custom.%s?", k, BlockName, BlockName)
		}
		out = append(out, msg)
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

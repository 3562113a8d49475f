package config

import "strings"

// suggest returns the known key closest to key, or "" when none is close enough to be a
// plausible typo. Case differences alone always match (dockerizepip → dockerizePip).
func suggest(key string, known []string) string {
	lk := strings.ToLower(key)
	best, bestDist := "", -1
	for _, k := range known {
		dist := editDistance(lk, strings.ToLower(k))
		if bestDist < 0 || dist < bestDist {
			best, bestDist = k, dist
		}
	}
	// Allow about one edit per four characters, at least two, so "zipp" → "zip" and
	// "pipCmdExtraArg" → "pipCmdExtraArgs", but "foo" suggests nothing.
	limit := max(2, len(lk)/4)
	if len(lk) <= 3 {
		limit = 1
	}
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in bytes (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

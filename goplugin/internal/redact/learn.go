package redact

import (
	"slices"
	"sync"
)

// The process-wide set of learned secrets: credentials found while reading the user's files
// (index URLs in requirements files, exported lock files). Every Redactor masks them, so that a
// package that parses a file does not need a Redactor in hand to keep its secrets out of output.
// The binary handles one request per process, so the set never outlives the service it came from.
var learned struct {
	mu      sync.Mutex
	secrets []string
	gen     uint64
}

// Learn records the URL credentials in text (see URLSecrets) so that every Redactor masks them.
func Learn(text string) {
	found := URLSecrets(text)
	if len(found) == 0 {
		return
	}
	learned.mu.Lock()
	defer learned.mu.Unlock()
	for _, s := range found {
		if !slices.Contains(learned.secrets, s) {
			learned.secrets = append(learned.secrets, s)
			learned.gen++
		}
	}
}

func learnedSecrets() ([]string, uint64) {
	learned.mu.Lock()
	defer learned.mu.Unlock()
	return slices.Clone(learned.secrets), learned.gen
}

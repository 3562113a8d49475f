package size

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
)

// CacheEntry is an existing static cache entry and the generated requirements.txt it was built
// from (key header and requirement lines).
type CacheEntry struct {
	Name    string // folder name, <sha256>_<arch>_slspyc
	Content []byte // .pyreqs/requirements.txt, or the original plugin's requirements.txt
}

// ReadCacheEntries lists the complete static cache entries in root with the requirements file
// each was built from: .pyreqs/requirements.txt (this plugin), else requirements.txt at the
// entry's top (the original plugin). Entries holding neither are left out. Newest first.
func ReadCacheEntries(root string) ([]CacheEntry, error) {
	infos, err := cache.Entries(root) // oldest first
	if err != nil {
		return nil, err
	}
	var out []CacheEntry
	for i := len(infos) - 1; i >= 0; i-- {
		dir := filepath.Join(root, infos[i].Name())
		if !cache.Complete(dir) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, cache.MetaDir, "requirements.txt"))
		if errors.Is(err, os.ErrNotExist) {
			b, err = os.ReadFile(filepath.Join(dir, "requirements.txt"))
		}
		if err != nil {
			continue
		}
		out = append(out, CacheEntry{Name: infos[i].Name(), Content: b})
	}
	return out, nil
}

// KeyDiff is one key line that differs between a requirements set and a cache entry.
type KeyDiff struct {
	// Kind names what the line is about: "interpreter", "docker", "target", "installer",
	// "pip arguments", "slim", "static cache", "key version", "requirement" or "option".
	Kind string `json:"kind"`
	// Name is the header key ("python", "slim", ...) or the requirement's normalised name.
	Name string `json:"name"`
	Old  string `json:"old"` // the line in the entry ("" when the set adds it)
	New  string `json:"new"` // the line in the set ("" when the set drops it)
}

// CacheExplanation says whether a requirements set hits the static cache and, on a miss, how it
// differs from the nearest existing entry.
type CacheExplanation struct {
	Entry string `json:"entry"` // the entry name the set needs
	Hit   bool   `json:"hit"`
	// Nearest is the existing entry with the fewest differing lines ("" when there is none or on
	// a hit); Diffs lists those lines.
	Nearest string    `json:"nearest,omitempty"`
	Diffs   []KeyDiff `json:"diffs"`
}

// ExplainCache compares content (the generated .serverless/requirements.txt, header included)
// with the existing entries. arch is the set's architecture (part of the entry name).
func ExplainCache(content []byte, arch string, entries []CacheEntry) CacheExplanation {
	ex := CacheExplanation{Entry: cache.EntryName(content, arch), Diffs: []KeyDiff{}}
	for _, e := range entries {
		if e.Name == ex.Entry {
			ex.Hit = true
			return ex
		}
	}
	want := parseKey(content)
	best := -1
	for _, e := range entries { // newest first: ties keep the newest
		d := diffKeys(parseKey(e.Content), want)
		if best < 0 || len(d) < best {
			best = len(d)
			ex.Nearest = e.Name
			ex.Diffs = d
		}
	}
	return ex
}

// keyLines is a requirements file split into header fields and requirement lines.
type keyLines struct {
	header map[string]string // key -> whole line
	order  []string          // header keys in file order
	reqs   []string          // non-comment lines, as written
}

// headerKinds maps header keys (see the pipeline's keyHeader) to what they are about.
var headerKinds = map[string]string{
	"python": "interpreter", "docker": "docker", "target": "target", "installer": "installer",
	"args": "pip arguments", "slim": "slim", "static cache": "static cache", "key-version": "key version",
}

func parseKey(b []byte) keyLines {
	k := keyLines{header: map[string]string{}}
	for _, l := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			continue
		}
		if c, ok := strings.CutPrefix(l, "# "); ok {
			if key, _, ok := strings.Cut(c, ":"); ok && headerKinds[key] != "" {
				if _, dup := k.header[key]; !dup {
					k.order = append(k.order, key)
				}
				k.header[key] = l
			}
			continue
		}
		if strings.HasPrefix(l, "#") {
			continue
		}
		k.reqs = append(k.reqs, l)
	}
	return k
}

// diffKeys lists the lines of want that differ from have: header fields by key, requirements by
// name (a changed specifier is one diff), other lines (options, URLs) as added or removed.
func diffKeys(have, want keyLines) []KeyDiff {
	var out []KeyDiff
	keys := append([]string{}, want.order...)
	for _, k := range have.order {
		if _, ok := want.header[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if have.header[k] != want.header[k] {
			out = append(out, KeyDiff{Kind: headerKinds[k], Name: k, Old: have.header[k], New: want.header[k]})
		}
	}
	hn, hOther := byName(have.reqs)
	wn, wOther := byName(want.reqs)
	var names []string
	for n := range wn {
		names = append(names, n)
	}
	for n := range hn {
		if _, ok := wn[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if o, w := strings.Join(hn[n], "\n"), strings.Join(wn[n], "\n"); o != w {
			out = append(out, KeyDiff{Kind: "requirement", Name: n, Old: o, New: w})
		}
	}
	for _, l := range wOther {
		if !contains(hOther, l) {
			out = append(out, KeyDiff{Kind: "option", New: l})
		}
	}
	for _, l := range hOther {
		if !contains(wOther, l) {
			out = append(out, KeyDiff{Kind: "option", Old: l})
		}
	}
	return out
}

func byName(lines []string) (map[string][]string, []string) {
	m := map[string][]string{}
	var other []string
	for _, l := range lines {
		if n := requirements.ParseName(l); n != "" {
			k := requirements.NormalizeName(n)
			m[k] = append(m[k], l)
			continue
		}
		other = append(other, l)
	}
	return m, other
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Text renders the explanation in English for the report.
func (ex CacheExplanation) Text() string {
	if ex.Hit {
		return "static cache hit: " + ex.Entry
	}
	if ex.Nearest == "" {
		return "static cache miss: no cache entry yet (will build " + ex.Entry + ")"
	}
	var b strings.Builder
	b.WriteString("static cache miss: will build " + ex.Entry + "; the nearest entry " + ex.Nearest + " differs in:")
	for _, d := range ex.Diffs {
		label := d.Kind
		if d.Kind == "requirement" {
			label += " " + d.Name
		}
		b.WriteString("\n  " + label + ":")
		switch {
		case d.Old == "":
			b.WriteString(" added " + d.New)
		case d.New == "":
			b.WriteString(" removed " + d.Old)
		default:
			b.WriteString(" " + strings.ReplaceAll(d.Old, "\n", " | ") + "  ->  " + strings.ReplaceAll(d.New, "\n", " | "))
		}
	}
	return b.String()
}

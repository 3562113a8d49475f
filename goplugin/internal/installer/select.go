package installer

import "strings"

// registration is one installer in the registry.
type registration struct {
	name    string
	applies func(Env) bool
	create  func(Env) Installer
}

// registry lists the installers, most specific first; Select takes the first that applies.
// Adding an installer is one line here (and its file).
var registry = []registration{
	{"docker", func(e Env) bool { return e.Options.Dockerized(e.GOOS) }, newDocker},
	{"assemble", assembleApplies, newAssembled},                                        // target, with host-matching pip sets built from wheels
	{"target", func(e Env) bool { return !e.Options.Dockerized(e.GOOS) }, newTargeted}, // host install for matching sets
	{"host", func(Env) bool { return true }, newHost},
}

// Select returns the installer for the options and the host.
func Select(e Env) Installer {
	for _, r := range registry {
		if r.applies(e) {
			return r.create(e)
		}
	}
	return newHost(e) // unreachable: host always applies
}

func cut(kv string) (string, string, bool) { return strings.Cut(kv, "=") }

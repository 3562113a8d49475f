package pipeline

import (
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/binarycheck"
)

// checkBinaries reads the header of every native file an install put into dir and fails, naming
// the package, the file and what it was built for, when one cannot load on the unit's target
// (another architecture, a macOS or Windows binary). It runs inside the build, after every
// install whatever the installer (host, target, docker) and before packing, so a bad set never
// becomes a complete cache entry.
func (r *state) checkBinaries(dir string, u *unit) error {
	problems, err := binarycheck.Check(dir, lambdaMachine(u.Arch))
	if err != nil {
		return err
	}
	return binarycheck.Err(problems, u.Runtime+" "+u.Arch)
}

// lambdaMachine is the ELF machine name of a Lambda architecture ("arm64" → "aarch64").
func lambdaMachine(arch string) string {
	if arch == "arm64" || arch == "aarch64" {
		return "aarch64"
	}
	return "x86_64"
}

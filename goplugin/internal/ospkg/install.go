package ospkg

import (
	"fmt"
	"strings"
)

// Manager is a package manager of a build image.
type Manager string

// The package managers InstallScript knows, in the order it looks for them.
const (
	APT      Manager = "apt-get"
	DNF      Manager = "dnf"
	YUM      Manager = "yum"
	MicroDNF Manager = "microdnf"
)

// Managers lists the supported package managers in the order they are looked for.
var Managers = []Manager{APT, DNF, YUM, MicroDNF}

// ScriptName is $0 of the scripts below, shown by the shell in its messages.
const ScriptName = "pyreqs-os-packages"

// installScript installs the packages given as its arguments ("$@") with the first package
// manager found. It is a constant: package names never become shell text.
const installScript = `set -eu
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "$@"
elif command -v dnf >/dev/null 2>&1; then
  dnf install -y --setopt=install_weak_deps=False "$@"
elif command -v yum >/dev/null 2>&1; then
  yum install -y "$@"
elif command -v microdnf >/dev/null 2>&1; then
  microdnf install -y "$@"
else
  echo "serverless-pyreqs: the build image has none of apt-get, dnf, yum or microdnf to install OS packages" >&2
  exit 127
fi
`

// filesScript prints the files of the installed packages given as its arguments, one per line.
const filesScript = `set -eu
if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -L "$@"
elif command -v rpm >/dev/null 2>&1; then
  rpm -ql "$@"
else
  echo "serverless-pyreqs: the build image has neither dpkg-query nor rpm to list package files" >&2
  exit 127
fi
`

const detectScript = `for m in apt-get dnf yum microdnf; do
  if command -v "$m" >/dev/null 2>&1; then echo "$m"; exit 0; fi
done
exit 127
`

// InstallCommand is the argument list that installs pkgs in a build container with whichever
// of apt-get, dnf, yum or microdnf the image has (run as root). The names are passed as
// arguments of a fixed script, never interpolated into it; they must be valid (see Parse).
func InstallCommand(pkgs []string) ([]string, error) {
	if err := checkNames(pkgs); err != nil {
		return nil, err
	}
	return append([]string{"/bin/sh", "-c", installScript, ScriptName}, pkgs...), nil
}

// FilesCommand is the argument list that prints the files the installed pkgs own (dpkg-query -L
// or rpm -ql), one absolute path per line, for SharedLibraries.
func FilesCommand(pkgs []string) ([]string, error) {
	if err := checkNames(pkgs); err != nil {
		return nil, err
	}
	return append([]string{"/bin/sh", "-c", filesScript, ScriptName}, pkgs...), nil
}

// DetectCommand is the argument list that prints the image's package manager (one of
// Managers) or exits 127; parse its output with ParseManager.
func DetectCommand() []string {
	return []string{"/bin/sh", "-c", detectScript, ScriptName}
}

// ParseManager reads the output of DetectCommand.
func ParseManager(out string) (Manager, error) {
	m := Manager(strings.TrimSpace(out))
	for _, known := range Managers {
		if m == known {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown package manager %q", out)
}

// Commands are the argument lists that install pkgs with m, run in order, for an installer that
// already knows the image's manager; Env is the environment they need.
func Commands(m Manager, pkgs []string) ([][]string, error) {
	if err := checkNames(pkgs); err != nil {
		return nil, err
	}
	if len(pkgs) == 0 {
		return nil, nil
	}
	with := func(args ...string) []string { return append(args, pkgs...) }
	switch m {
	case APT:
		return [][]string{{"apt-get", "update", "-q"}, with("apt-get", "install", "-y", "-q", "--no-install-recommends")}, nil
	case DNF:
		return [][]string{with("dnf", "install", "-y", "--setopt=install_weak_deps=False")}, nil
	case YUM:
		return [][]string{with("yum", "install", "-y")}, nil
	case MicroDNF:
		return [][]string{with("microdnf", "install", "-y")}, nil
	}
	return nil, fmt.Errorf("unknown package manager %q", m)
}

// Env is the environment Commands need under m (NAME=value).
func Env(m Manager) []string {
	if m == APT {
		return []string{"DEBIAN_FRONTEND=noninteractive"}
	}
	return nil
}

func checkNames(pkgs []string) error {
	for _, p := range pkgs {
		if !ValidName(p) {
			return fmt.Errorf("invalid package name %q", p)
		}
	}
	return nil
}

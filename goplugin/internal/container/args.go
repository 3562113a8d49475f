package container

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// RunArgs are the settings dockerRunCmdExtraArgs can give, parsed like `docker run` flags.
type RunArgs struct {
	Volumes    []string // -v/--volume: SOURCE:TARGET[:OPTIONS], sources made absolute
	Env        []string // -e/--env: NAME=value; a bare NAME takes the host's value (dropped when unset)
	Network    string   // --network
	Platform   string   // --platform, e.g. linux/arm64
	User       string   // -u/--user
	AddHosts   []string // --add-host HOST:IP
	Entrypoint []string // --entrypoint (nil: the image's; [""]: none)
	Workdir    string   // -w/--workdir
}

// BuildArgs are the settings dockerBuildCmdExtraArgs can give, parsed like `docker build` flags.
type BuildArgs struct {
	BuildArgs map[string]*string // --build-arg NAME[=value]; a bare NAME takes the host's value
	Target    string             // --target
	NoCache   bool               // --no-cache
	Pull      bool               // --pull
	Network   string             // --network
	Platform  string             // --platform
	AddHosts  []string           // --add-host
}

const runFlags = "-v/--volume, -e/--env, --network, --platform, -u/--user, --add-host, --entrypoint, -w/--workdir"
const buildFlags = "--build-arg, --target, --no-cache, --pull, --network, --platform, --add-host"

// ParseRunArgs parses dockerRunCmdExtraArgs (one argv token per element, as given to
// `docker run`). environ resolves bare -e NAME; relative volume sources are relative to dir.
// Anything else is a *diag.Error naming the option and the flag.
func ParseRunArgs(args, environ []string, dir string) (RunArgs, error) {
	const key = "dockerRunCmdExtraArgs"
	var r RunArgs
	var entrypoint string
	fs := newFlagSet(key)
	fs.StringArrayVarP(&r.Volumes, "volume", "v", nil, "")
	fs.StringArrayVarP(&r.Env, "env", "e", nil, "")
	fs.StringVar(&r.Network, "network", "", "")
	fs.StringVar(&r.Platform, "platform", "", "")
	fs.StringVarP(&r.User, "user", "u", "", "")
	fs.StringArrayVar(&r.AddHosts, "add-host", nil, "")
	fs.StringVar(&entrypoint, "entrypoint", "", "")
	fs.StringVarP(&r.Workdir, "workdir", "w", "", "")
	if err := parse(fs, key, args, runFlags, "docker run"); err != nil {
		return RunArgs{}, err
	}
	if fs.Changed("entrypoint") {
		r.Entrypoint = []string{entrypoint}
	}
	r.Env = ResolveEnv(r.Env, environ)
	for i, v := range r.Volumes {
		abs, err := volumeSpec(v, dir)
		if err != nil {
			return RunArgs{}, diag.AtKey(diag.CodeDockerArgsInvalid, key, "the volume %q is not SOURCE:TARGET[:OPTIONS]: %v", v, err).
				WithFix("Write it as docker run's -v does, e.g. ['-v', '/host/dir:/container/dir:ro'].")
		}
		r.Volumes[i] = abs
	}
	if r.Platform != "" {
		if _, err := ParsePlatform(r.Platform); err != nil {
			return RunArgs{}, diag.AtKey(diag.CodeDockerArgsInvalid, key, "--platform %q: %v", r.Platform, err).WithFix("Use linux/amd64 or linux/arm64.")
		}
	}
	return r, nil
}

// ParseBuildArgs parses dockerBuildCmdExtraArgs like `docker build` flags.
func ParseBuildArgs(args, environ []string) (BuildArgs, error) {
	const key = "dockerBuildCmdExtraArgs"
	var b BuildArgs
	var buildArgs []string
	fs := newFlagSet(key)
	fs.StringArrayVar(&buildArgs, "build-arg", nil, "")
	fs.StringVar(&b.Target, "target", "", "")
	fs.BoolVar(&b.NoCache, "no-cache", false, "")
	fs.BoolVar(&b.Pull, "pull", false, "")
	fs.StringVar(&b.Network, "network", "", "")
	fs.StringVar(&b.Platform, "platform", "", "")
	fs.StringArrayVar(&b.AddHosts, "add-host", nil, "")
	if err := parse(fs, key, args, buildFlags, "docker build"); err != nil {
		return BuildArgs{}, err
	}
	if b.Platform != "" {
		if _, err := ParsePlatform(b.Platform); err != nil {
			return BuildArgs{}, diag.AtKey(diag.CodeDockerArgsInvalid, key, "--platform %q: %v", b.Platform, err).WithFix("Use linux/amd64 or linux/arm64.")
		}
	}
	if len(buildArgs) > 0 {
		b.BuildArgs = map[string]*string{}
		for _, a := range buildArgs {
			name, value, ok := strings.Cut(a, "=")
			if !ok {
				v, set := lookup(environ, name)
				if !set {
					continue // as docker build: an unset bare name is left out
				}
				value = v
			}
			b.BuildArgs[name] = &value
		}
	}
	return b, nil
}

func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(true)
	fs.Usage = func() {}
	return fs
}

var flagInError = regexp.MustCompile(`(?:flag: |argument: )'?(-{0,2}[^\s']+)`)

func parse(fs *pflag.FlagSet, key string, args []string, supported, cmd string) error {
	err := fs.Parse(args)
	if err == nil && fs.NArg() == 0 {
		return nil
	}
	unsupported := func(format string, args ...any) error {
		return diag.AtKey(diag.CodeDockerArgsInvalid, key, format, args...).
			WithFix("serverless-pyreqs passes %s settings through the Docker Engine API and understands these flags: %s. "+
				"Remove the others, or build an image with them (dockerFile) and use that.", cmd, supported)
	}
	if err != nil {
		flag := ""
		if m := flagInError.FindStringSubmatch(err.Error()); m != nil {
			flag = m[1]
			if !strings.HasPrefix(flag, "-") {
				flag = "-" + flag // "unknown shorthand flag: 'p' in -p"
			}
		}
		switch {
		case strings.Contains(err.Error(), "needs an argument"):
			return diag.AtKey(diag.CodeDockerArgsInvalid, key, "the flag %s needs a value (give it as the next element or as %s=value)", flag, flag)
		case flag != "":
			return unsupported("the flag %s is not supported%s", flag, where(args, flag))
		default:
			return unsupported("%s", err.Error())
		}
	}
	return diag.AtKey(diag.CodeDockerArgsInvalid, key, "%q is not a flag%s (each element must be a flag or a flag's value; the image is set by dockerImage or dockerFile)",
		fs.Arg(0), where(args, fs.Arg(0)))
}

// where names the element of args holding tok: " (element 2)".
func where(args []string, tok string) string {
	for i, a := range args {
		if a == tok || strings.HasPrefix(a, tok+"=") {
			return fmt.Sprintf(" (element %d)", i)
		}
	}
	return ""
}

// ResolveEnv turns docker-style env items into NAME=value: NAME=value is kept, a bare NAME takes
// its value from environ and is dropped when environ does not set it (as `docker run -e NAME`).
func ResolveEnv(items, environ []string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		if strings.Contains(it, "=") {
			out = append(out, it)
			continue
		}
		if v, ok := lookup(environ, it); ok {
			out = append(out, it+"="+v)
		}
	}
	return out
}

func lookup(environ []string, name string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(environ[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// volumeSpec checks a -v value and makes a relative host source (./x, ../x) absolute.
// Named volumes (no slash) pass unchanged.
func volumeSpec(v, dir string) (string, error) {
	src, rest, ok := strings.Cut(v, ":")
	if filepath.VolumeName(v) != "" { // C:\dir:/target on Windows
		vol := filepath.VolumeName(v)
		src2, rest2, ok2 := strings.Cut(v[len(vol):], ":")
		src, rest, ok = vol+src2, rest2, ok2
	}
	if !ok || src == "" || rest == "" {
		return "", fmt.Errorf("missing SOURCE or TARGET")
	}
	target, _, _ := strings.Cut(rest, ":")
	if !strings.HasPrefix(target, "/") {
		return "", fmt.Errorf("TARGET %q must be an absolute path in the container", target)
	}
	if strings.HasPrefix(src, ".") {
		src = filepath.Join(dir, src)
	}
	return src + ":" + rest, nil
}

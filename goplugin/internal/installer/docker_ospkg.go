package installer

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/ospkg"
)

// osLibsDir is the folder of TaskDir (and so of the installed set) where the container leaves
// the shared libraries of the OS packages and the list of their files, for shipLibraries; it is
// removed from the set afterwards.
const osLibsDir = ".pyreqs-os-libs"

// osLibsList is the package file list inside osLibsDir.
const osLibsList = "files.txt"

// exitOSPackages is the container's exit code when installing the OS packages failed.
const exitOSPackages = 202

// osPackagesError is the error of a container that could not install s's OS packages (nil for
// another failure).
func osPackagesError(s Set, x *container.ExitError) error {
	if len(s.OSPackages) == 0 || x.Code != exitOSPackages {
		return nil
	}
	return diag.AtFile(diag.CodeDockerCommandFailed, s.OSPackagesFile,
		"installing the OS packages %s in the image %s failed", strings.Join(s.OSPackages, ", "), x.Image).
		WithFix("Check the names against the image's distribution (apt-cache policy NAME, or dnf info NAME, in the image); " +
			"the Amazon Linux build images (SAM) use dnf/yum package names such as postgresql-libs, Debian images names such as libpq5.").
		WithOutput(x.Output)
}

// withOSPackages wraps the install command of a set with OS packages: install them as the
// container's user (root in the build images) with the image's package manager, run the
// install command, then copy the shared libraries the packages own into TaskDir/osLibsDir with
// the list of the packages' files. Package names are arguments of fixed scripts (ospkg), never
// shell text.
func withOSPackages(s Set, command []string) ([]string, error) {
	if len(s.OSPackages) == 0 {
		return command, nil
	}
	install, err := ospkg.InstallCommand(s.OSPackages)
	if err != nil {
		return nil, err
	}
	files, err := ospkg.FilesCommand(s.OSPackages)
	if err != nil {
		return nil, err
	}
	out := container.TaskDir + "/" + osLibsDir
	script := "set -e\n" +
		shellJoin(install) + " >&2 || exit " + strconv.Itoa(exitOSPackages) + "\n" +
		"\"$@\"\n" +
		"mkdir -p " + out + "\n" +
		shellJoin(files) + " > " + out + "/" + osLibsList + "\n" +
		"while IFS= read -r f; do\n" +
		"  case \"$f\" in *.so|*.so.*) if [ -f \"$f\" ]; then cp -L \"$f\" \"" + out + "/${f##*/}\"; fi ;; esac\n" +
		"done < " + out + "/" + osLibsList + "\n"
	return append([]string{"/bin/sh", "-c", script, ospkg.ScriptName}, command...), nil
}

// osPackagesKey is the set's OS packages line of the cache-key header ("" without any).
func osPackagesKey(s Set) string {
	if len(s.OSPackages) == 0 {
		return ""
	}
	return "# os-packages: " + strings.Join(s.OSPackages, " ") + "\n"
}

// shipLibraries moves the OS packages' shared libraries that the installed Python extensions
// load (directly or through each other) from destDir/osLibsDir into destDir/lib, the folder of
// Lambda's LD_LIBRARY_PATH (/var/task/lib), removes osLibsDir, and returns the sonames shipped.
func shipLibraries(s Set, destDir string) ([]string, error) {
	if len(s.OSPackages) == 0 {
		return nil, nil
	}
	staging := filepath.Join(destDir, osLibsDir)
	defer os.RemoveAll(staging)
	list, err := os.ReadFile(filepath.Join(staging, osLibsList))
	if err != nil {
		return nil, fmt.Errorf("reading the OS package file list: %w", err)
	}
	var files []string
	sc := bufio.NewScanner(bytes.NewReader(list))
	for sc.Scan() {
		files = append(files, strings.TrimSpace(sc.Text()))
	}
	byName, names := ospkg.SharedLibraries(files)
	provided := map[string]string{}
	for _, n := range names {
		local := filepath.Join(staging, path.Base(byName[n]))
		if st, err := os.Stat(local); err == nil && st.Mode().IsRegular() {
			provided[n] = local
		}
	}
	objects, err := elfObjects(destDir, staging)
	if err != nil {
		return nil, err
	}
	ship, err := ospkg.LibrariesToShip(objects, provided)
	if err != nil {
		return nil, err
	}
	if len(ship) == 0 {
		return nil, nil
	}
	libDir := filepath.Join(destDir, "lib")
	if err := os.MkdirAll(libDir, 0o755); err != nil {
		return nil, err
	}
	for _, soname := range ship {
		if err := os.Rename(provided[soname], filepath.Join(libDir, soname)); err != nil {
			return nil, err
		}
	}
	return ship, nil
}

// elfObjects lists the shared objects (*.so, *.so.N) under dir, outside skip, that are ELF files.
func elfObjects(dir, skip string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if p == skip {
				return filepath.SkipDir
			}
			return nil
		}
		base := e.Name()
		if !e.Type().IsRegular() || !(strings.HasSuffix(base, ".so") || strings.Contains(base, ".so.")) {
			return nil
		}
		if _, err := ospkg.Needed(p); err == nil {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// shellJoin quotes argv for a POSIX shell.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// reportLibraries ships the libraries of s's OS packages into destDir/lib and says which (info).
func (d *docker) reportLibraries(s Set, destDir string) error {
	if len(s.OSPackages) == 0 {
		return nil
	}
	ship, err := shipLibraries(s, destDir)
	if err != nil {
		return fmt.Errorf("copying the libraries of %s: %w", s.OSPackagesFile, err)
	}
	if len(ship) == 0 {
		d.env.Events.Info(fmt.Sprintf("OS packages of %s installed; no installed Python extension loads one of their libraries, so none was added to lib/", s.OSPackagesFile))
		return nil
	}
	d.env.Events.Info(fmt.Sprintf("Added to lib/ from the OS packages of %s: %s", s.OSPackagesFile, strings.Join(ship, ", ")))
	return nil
}

package ospkg

import (
	"debug/elf"
	"fmt"
	"path"
	"regexp"
	"sort"
)

var sharedLibRE = regexp.MustCompile(`\.so(\.[0-9]+)*$`)

// libDirs are the folders (and their subfolders, e.g. /usr/lib/x86_64-linux-gnu) where the
// dynamic loader finds libraries installed by packages.
var libDirs = []string{"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/"}

// SharedLibraries picks the shared libraries out of a package file list (FilesCommand's output):
// absolute paths under a library folder named like libfoo.so or libfoo.so.1.2. It returns them
// by file name (the name other objects ask for), the first path of a name winning, and the
// sorted names.
func SharedLibraries(files []string) (map[string]string, []string) {
	byName := map[string]string{}
	var names []string
	for _, f := range files {
		if !path.IsAbs(f) || !sharedLibRE.MatchString(f) {
			continue
		}
		inLib := false
		for _, d := range libDirs {
			if len(f) > len(d) && f[:len(d)] == d {
				inLib = true
				break
			}
		}
		base := path.Base(f)
		if !inLib || byName[base] != "" {
			continue
		}
		byName[base] = f
		names = append(names, base)
	}
	sort.Strings(names)
	return byName, names
}

// Needed returns the DT_NEEDED entries (sonames) of the ELF file at file.
func Needed(file string) ([]string, error) {
	f, err := elf.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return libs, nil
}

// LibrariesToShip follows the libraries that the given ELF files (the Python extension modules
// of an installed requirement set) load, through the libraries themselves, and returns the
// sonames found in provided (soname → local copy of the library that an OS package installed),
// sorted. Libraries that are not in provided (libc, the Lambda image's own) are not followed.
func LibrariesToShip(objects []string, provided map[string]string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	queue := append([]string(nil), objects...)
	for len(queue) > 0 {
		obj := queue[0]
		queue = queue[1:]
		needed, err := Needed(obj)
		if err != nil {
			return nil, err
		}
		for _, soname := range needed {
			local, ok := provided[soname]
			if !ok || seen[soname] {
				continue
			}
			seen[soname] = true
			out = append(out, soname)
			queue = append(queue, local)
		}
	}
	sort.Strings(out)
	return out, nil
}

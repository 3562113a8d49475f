// Package assembly builds a requirements cache entry straight from wheels, without pip
// installing anything: Resolve asks pip which distributions `pip install --target` would install
// (`pip install --dry-run --report`), Fetch downloads their wheels in parallel into the download
// cache (verified against their sha256), and Assemble writes the entry's packed zip by copying
// each wheel member's compressed bytes as they are, laid out as `pip install --target` lays them
// out (.data/purelib and .data/platlib at the root, .data/scripts and console scripts in bin/,
// the *.dist-info folders with the RECORD pip would write).
//
// Whatever this path does not reproduce exactly is reported as an *UnsupportedError (a wheel with
// .data/headers or .data/data, an unknown compression method, two wheels installing the same
// file, ...): the caller then falls back to the classic pip install, so a build never silently
// differs from what pip would have installed.
//
// Differences from `pip install --target`, by design: the *.dist-info folders have no INSTALLER,
// REQUESTED or direct_url.json (pip's bookkeeping of how a distribution was installed; RECORD
// lists none of them), and scripts in bin/ start with the shebang given in Options.Shebang.
package assembly

package assembly

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// Kind is what a resolved distribution is downloaded as.
type Kind string

// The kinds of distribution a resolution yields. Only wheels are assembled; the others are built
// into wheels first (Build) or, for editables, left to pip.
const (
	KindWheel    Kind = "wheel"    // a .whl archive (http(s) or file URL)
	KindSdist    Kind = "sdist"    // a source archive
	KindVCS      Kind = "vcs"      // a VCS checkout (git+https://...)
	KindLocalDir Kind = "localdir" // a local project directory
	KindEditable Kind = "editable" // an editable local project
)

// Dist is one distribution of a resolution, from pip's installation report.
type Dist struct {
	Name      string // as in its metadata
	Version   string
	URL       string // download_info.url (pip removes credentials from it; see Fetch)
	SHA256    string // hex, "" when the report gives none
	Kind      Kind
	Requested bool // listed in the requirements (not only a dependency)
	Direct    bool // a direct URL or path requirement
	// Subdirectory and VCSCommit complete URL for VCS and local requirements.
	Subdirectory string
	VCS          string
	VCSCommit    string
}

// Plan is a resolution: the distributions `pip install --target` would install, in pip's order.
type Plan struct {
	PipVersion string
	Dists      []Dist
}

// ResolveSpec is one resolution with pip.
type ResolveSpec struct {
	Python       string   // the interpreter that runs pip
	Requirements string   // the requirements file
	WorkDir      string   // a scratch folder, created when missing (the report, pip's --target placeholder)
	ExtraArgs    []string // index options, pipCmdExtraArgs, target-platform options, in that order
	CacheDir     string   // pip's --cache-dir; "" gives --no-cache-dir
	Env          []string
	Dir          string       // working directory (relative paths in the requirements file)
	OnLine       func(string) // pip's output, line by line (redact before showing)
}

// Args returns the pip command of the resolution: `pip install --dry-run --ignore-installed
// --report` with --target, so pip resolves exactly as the classic `pip install --target` does
// (ignoring what the interpreter has installed) without installing anything.
func (s ResolveSpec) Args() (name string, args []string) {
	args = []string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
		"--dry-run", "--ignore-installed", "--report", s.reportPath(),
		"--target", filepath.Join(s.WorkDir, "target"), "-r", s.Requirements}
	if s.CacheDir != "" {
		args = append(args, "--cache-dir", s.CacheDir)
	} else {
		args = append(args, "--no-cache-dir")
	}
	return s.Python, append(args, s.ExtraArgs...)
}

func (s ResolveSpec) reportPath() string { return filepath.Join(s.WorkDir, "report.json") }

// ResolveError is a failed pip resolution, with the redacted tail of pip's output.
type ResolveError struct {
	ExitCode int
	Output   string
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("pip could not resolve the requirements (exit code %d):\n%s", e.ExitCode, e.Output)
}

// Resolve runs pip's resolution through r and reads its installation report.
func Resolve(ctx context.Context, r proc.Runner, s ResolveSpec) (*Plan, error) {
	if err := os.MkdirAll(s.WorkDir, 0o755); err != nil {
		return nil, err
	}
	name, args := s.Args()
	res, err := r.Run(ctx, proc.Cmd{Name: name, Args: args, Env: s.Env, Dir: s.Dir, OnLine: s.OnLine})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ee *proc.ExitError
		if errors.As(err, &ee) {
			return nil, &ResolveError{ExitCode: ee.Result.ExitCode,
				Output: redact.String(proc.Tail(res.Output, 25), redact.EnvSecrets(s.Env)...)}
		}
		return nil, err
	}
	b, err := os.ReadFile(s.reportPath())
	if err != nil {
		return nil, fmt.Errorf("pip wrote no installation report: %w", err)
	}
	return ParseReport(b)
}

// report is the part of pip's installation report (format version 1) that Resolve reads.
type report struct {
	Version    string `json:"version"`
	PipVersion string `json:"pip_version"`
	Install    []struct {
		DownloadInfo struct {
			URL         string `json:"url"`
			Subdir      string `json:"subdirectory"`
			ArchiveInfo *struct {
				Hash   string            `json:"hash"`
				Hashes map[string]string `json:"hashes"`
			} `json:"archive_info"`
			DirInfo *struct {
				Editable bool `json:"editable"`
			} `json:"dir_info"`
			VCSInfo *struct {
				VCS      string `json:"vcs"`
				CommitID string `json:"commit_id"`
			} `json:"vcs_info"`
		} `json:"download_info"`
		IsDirect  bool `json:"is_direct"`
		Requested bool `json:"requested"`
		Metadata  struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"metadata"`
	} `json:"install"`
}

// ParseReport reads a pip installation report (`pip install --report`).
func ParseReport(b []byte) (*Plan, error) {
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("pip's installation report is not valid JSON: %w", err)
	}
	if major, _, _ := strings.Cut(rep.Version, "."); major != "1" {
		return nil, unsupported("", "pip's installation report has format version %q (expected 1)", rep.Version)
	}
	plan := &Plan{PipVersion: rep.PipVersion}
	for _, it := range rep.Install {
		di := it.DownloadInfo
		d := Dist{Name: it.Metadata.Name, Version: it.Metadata.Version, URL: di.URL,
			Requested: it.Requested, Direct: it.IsDirect, Subdirectory: di.Subdir}
		if d.Name == "" || d.URL == "" {
			return nil, fmt.Errorf("pip's installation report lists a distribution without name or URL")
		}
		switch {
		case di.DirInfo != nil && di.DirInfo.Editable:
			d.Kind = KindEditable
		case di.DirInfo != nil:
			d.Kind = KindLocalDir
		case di.VCSInfo != nil:
			d.Kind, d.VCS, d.VCSCommit = KindVCS, di.VCSInfo.VCS, di.VCSInfo.CommitID
		default:
			d.Kind = KindSdist
			if strings.HasSuffix(urlFileName(di.URL), ".whl") {
				d.Kind = KindWheel
			}
			if ai := di.ArchiveInfo; ai != nil {
				d.SHA256 = ai.Hashes["sha256"]
				if h, ok := strings.CutPrefix(ai.Hash, "sha256="); ok && d.SHA256 == "" {
					d.SHA256 = h
				}
			}
			if d.SHA256 == "" {
				d.SHA256 = fragmentSHA256(di.URL)
			}
			d.SHA256 = strings.ToLower(d.SHA256)
		}
		plan.Dists = append(plan.Dists, d)
	}
	return plan, nil
}

// urlFileName is the last path segment of a URL, unescaped.
func urlFileName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return path.Base(u.Path)
}

// fragmentSHA256 reads a PEP 503 "#sha256=<hex>" fragment.
func fragmentSHA256(raw string) string {
	_, frag, ok := strings.Cut(raw, "#")
	if !ok {
		return ""
	}
	for _, part := range strings.Split(frag, "&") {
		if h, ok := strings.CutPrefix(part, "sha256="); ok {
			return h
		}
	}
	return ""
}

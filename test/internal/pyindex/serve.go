package pyindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Server is a PEP 503 simple index over the wheels and sdists found in a list of directories
// (not recursive). The listing is generated on every request, so files added to the directories
// later are served too.
//
//	GET /simple/                 all projects
//	GET /simple/<project>/       that project's files, each link with #sha256=<hex>
//	GET /files/<n>/<filename>    a file of the n-th directory
//	GET /files/<n>/<wheel>.metadata  the wheel's METADATA (PEP 658), linked with
//	                                 data-dist-info-metadata and data-core-metadata (PEP 714)
//
// Like PyPI, it serves each wheel's core metadata on its own, so pip resolves without
// downloading whole wheels.
type Server struct {
	dirs []string
	ln   net.Listener
	srv  *http.Server

	mu       sync.Mutex
	requests []string
	digests  map[string]fileDigest // by path; recomputed when the file's size or time changes
}

// fileDigest is what the project pages say of one file: its sha256, and a wheel's METADATA with the
// sha256 of that.
type fileDigest struct {
	size     int64
	modTime  int64
	sha256   string
	metadata []byte // nil: not a wheel, or no METADATA found
	metaSum  string
}

// Serve starts a Server on 127.0.0.1 (a free port) over dir and the extra dirs, and returns its
// base URL (pip's index URL is url + "/simple") and a function that stops it. It panics when no
// local port can be opened; use NewServer to get the error instead.
func Serve(dir string, extra ...string) (url string, stop func()) {
	s, err := NewServer(append([]string{dir}, extra...)...)
	if err != nil {
		panic(err)
	}
	return s.URL(), s.Close
}

// NewServer starts a Server over dirs on 127.0.0.1.
func NewServer(dirs ...string) (*Server, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("pyindex: no directory to serve")
	}
	abs := make([]string, len(dirs))
	for i, d := range dirs {
		a, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		abs[i] = a
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pyindex: %w", err)
	}
	s := &Server{dirs: abs, ln: ln}
	s.srv = &http.Server{Handler: s}
	go s.srv.Serve(ln) //nolint:errcheck // returns http.ErrServerClosed on Close
	return s, nil
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234; the index is at URL()+"/simple".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// IndexURL is URL()+"/simple", the value for pip's --index-url or PIP_INDEX_URL.
func (s *Server) IndexURL() string { return s.URL() + "/simple" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Requests returns the paths requested so far, in order (e.g. "/simple/pyreqs-pure/",
// "/files/0/pyreqs_pure-1.0.0-py3-none-any.whl"): tests use it to tell a cache hit from a download.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Downloads returns the file names downloaded so far, in order (metadata files not counted).
func (s *Server) Downloads() []string {
	var out []string
	for _, r := range s.Requests() {
		if rest, ok := strings.CutPrefix(r, "/files/"); ok && !strings.HasSuffix(r, ".metadata") {
			if _, name, ok := strings.Cut(rest, "/"); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

var nonCanonical = regexp.MustCompile(`[-_.]+`)

// Normalize is the PEP 503 project name normalisation.
func Normalize(name string) string {
	return strings.ToLower(nonCanonical.ReplaceAllString(name, "-"))
}

// ProjectOf returns the project name of a wheel or sdist file name ("" if it is neither).
func ProjectOf(filename string) string {
	switch {
	case strings.HasSuffix(filename, ".whl"):
		parts := strings.Split(strings.TrimSuffix(filename, ".whl"), "-")
		if len(parts) < 5 {
			return ""
		}
		return parts[0]
	case strings.HasSuffix(filename, ".tar.gz"), strings.HasSuffix(filename, ".zip"):
		base := strings.TrimSuffix(strings.TrimSuffix(filename, ".tar.gz"), ".zip")
		i := strings.LastIndex(base, "-")
		if i <= 0 {
			return ""
		}
		return base[:i]
	}
	return ""
}

type distFile struct {
	dir  int
	name string
	path string
}

// files lists the distributions per normalised project; the first directory wins when a file
// name appears twice.
func (s *Server) files() (map[string][]distFile, error) {
	seen := map[string]bool{}
	projects := map[string][]distFile{}
	for i, dir := range s.dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || seen[e.Name()] {
				continue
			}
			p := ProjectOf(e.Name())
			if p == "" {
				continue
			}
			seen[e.Name()] = true
			n := Normalize(p)
			projects[n] = append(projects[n], distFile{dir: i, name: e.Name(), path: filepath.Join(dir, e.Name())})
		}
	}
	for _, list := range projects {
		slices.SortFunc(list, func(a, b distFile) int { return strings.Compare(a.name, b.name) })
	}
	return projects, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.Path)
	s.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/simple" || p == "/":
		http.Redirect(w, r, "/simple/", http.StatusMovedPermanently)
	case p == "/simple/":
		s.serveRoot(w)
	case strings.HasPrefix(p, "/simple/"):
		name := strings.TrimSuffix(strings.TrimPrefix(p, "/simple/"), "/")
		if name == "" || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		if norm := Normalize(name); norm != name || !strings.HasSuffix(p, "/") {
			http.Redirect(w, r, "/simple/"+norm+"/", http.StatusMovedPermanently)
			return
		}
		s.serveProject(w, r, name)
	case strings.HasPrefix(p, "/files/"):
		s.serveFile(w, r, strings.TrimPrefix(p, "/files/"))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveRoot(w http.ResponseWriter) {
	projects, err := s.files()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	names := make([]string, 0, len(projects))
	for n := range projects {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Simple index</title></head><body>\n")
	for _, n := range names {
		fmt.Fprintf(&b, "<a href=\"/simple/%s/\">%s</a><br>\n", n, html.EscapeString(n))
	}
	b.WriteString("</body></html>\n")
	writeHTML(w, b.String())
}

func (s *Server) serveProject(w http.ResponseWriter, r *http.Request, name string) {
	projects, err := s.files()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	files, ok := projects[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for %s</title></head><body>\n<h1>Links for %s</h1>\n",
		html.EscapeString(name), html.EscapeString(name))
	for _, f := range files {
		d, err := s.digest(f.path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		meta := ""
		if d.metadata != nil {
			meta = fmt.Sprintf(" data-dist-info-metadata=\"sha256=%s\" data-core-metadata=\"sha256=%s\"", d.metaSum, d.metaSum)
		}
		fmt.Fprintf(&b, "<a href=\"/files/%d/%s#sha256=%s\"%s>%s</a><br>\n",
			f.dir, url.PathEscape(f.name), d.sha256, meta, html.EscapeString(f.name))
	}
	b.WriteString("</body></html>\n")
	writeHTML(w, b.String())
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	idx, name, ok := strings.Cut(rest, "/")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 || i >= len(s.dirs) || name == "" || strings.ContainsAny(name, `/\`) || name == ".." {
		http.NotFound(w, r)
		return
	}
	if whl, ok := strings.CutSuffix(name, ".whl.metadata"); ok {
		d, err := s.digest(filepath.Join(s.dirs[i], whl+".whl"))
		if err != nil || d.metadata == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(d.metadata) //nolint:errcheck
		return
	}
	f, err := os.Open(filepath.Join(s.dirs[i], name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, name, info.ModTime(), f)
}

func writeHTML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, body) //nolint:errcheck
}

// digest returns path's digest, computed once per version of the file.
func (s *Server) digest(path string) (fileDigest, error) {
	info, err := os.Stat(path)
	if err != nil {
		return fileDigest{}, err
	}
	s.mu.Lock()
	d, ok := s.digests[path]
	s.mu.Unlock()
	if ok && d.size == info.Size() && d.modTime == info.ModTime().UnixNano() {
		return d, nil
	}
	d = fileDigest{size: info.Size(), modTime: info.ModTime().UnixNano()}
	b, err := os.ReadFile(path)
	if err != nil {
		return fileDigest{}, err
	}
	sum := sha256.Sum256(b)
	d.sha256 = hex.EncodeToString(sum[:])
	if strings.HasSuffix(path, ".whl") {
		// A wheel without readable METADATA is listed without it: pip then downloads the
		// wheel and reports what is wrong with it, as it would from any index.
		if d.metadata, err = wheelMetadata(b); err == nil {
			ms := sha256.Sum256(d.metadata)
			d.metaSum = hex.EncodeToString(ms[:])
		}
	}
	s.mu.Lock()
	if s.digests == nil {
		s.digests = map[string]fileDigest{}
	}
	s.digests[path] = d
	s.mu.Unlock()
	return d, nil
}

// wheelMetadata is the METADATA file of the wheel's .dist-info folder.
func wheelMetadata(whl []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		dir, base := path.Split(f.Name)
		if base != "METADATA" || !strings.HasSuffix(dir, ".dist-info/") || strings.Count(dir, "/") != 1 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	return nil, fmt.Errorf("no .dist-info/METADATA in the wheel")
}

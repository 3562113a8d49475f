package assembly

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// FetchOptions control Fetch.
type FetchOptions struct {
	// Dir holds the fetched wheels, named <sha256>.whl: a folder of the download cache (for
	// example <cache>/downloadCacheslspyc/wheels). Created when missing.
	Dir string
	// Parallel bounds the concurrent downloads; 0 means 8.
	Parallel int
	// Client makes the requests; nil means NewClient(nil, nil).
	Client *http.Client
	// IndexURLs are the index URLs pip was given (see IndexURLs). pip's report carries no
	// credentials, so the userinfo of the index URL with the same scheme and host is used for a
	// wheel's URL; it is never printed.
	IndexURLs []string
}

// Fetch makes every wheel of dists available locally and returns their paths, in the same order
// (entries of other kinds get ""). A wheel already in opt.Dir is used when its content matches
// its sha256; a corrupt or truncated one is fetched again. Downloads are verified against the
// sha256 of pip's report and written atomically; file: URLs are verified and used in place.
func Fetch(ctx context.Context, dists []Dist, opt FetchOptions) ([]string, error) {
	if opt.Parallel <= 0 {
		opt.Parallel = 8
	}
	if opt.Client == nil {
		c, err := NewClient(nil, nil)
		if err != nil {
			return nil, err
		}
		opt.Client = c
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, len(dists))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Parallel)
	for i, d := range dists {
		if d.Kind != KindWheel {
			continue
		}
		g.Go(func() error {
			p, err := fetchOne(gctx, d, opt)
			paths[i] = p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return paths, nil
}

func fetchOne(ctx context.Context, d Dist, opt FetchOptions) (string, error) {
	u, err := url.Parse(d.URL)
	if err != nil {
		return "", fmt.Errorf("wheel URL of %s: %w", d.Name, err)
	}
	u.Fragment = ""
	if u.Scheme == "file" {
		p := u.Path
		sum, err := fileSHA256(p)
		if err != nil {
			return "", fmt.Errorf("wheel of %s: %w", d.Name, err)
		}
		if d.SHA256 != "" && sum != d.SHA256 {
			return "", fmt.Errorf("wheel %s of %s has sha256 %s, pip resolved %s", p, d.Name, sum, d.SHA256)
		}
		return p, nil
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", unsupported(d.Name, "its wheel URL has the scheme %q", u.Scheme)
	}
	if d.SHA256 != "" {
		cached := filepath.Join(opt.Dir, d.SHA256+".whl")
		if sum, err := fileSHA256(cached); err == nil && sum == d.SHA256 {
			return cached, nil
		}
	}
	if u.User == nil {
		u.User = credentialsFor(u, opt.IndexURLs)
	}
	return download(ctx, opt, d, u)
}

func download(ctx context.Context, opt FetchOptions, d Dist, u *url.URL) (string, error) {
	shown := redact.String(d.URL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("wheel of %s: %w", d.Name, err)
	}
	req.Header.Set("User-Agent", "serverless-pyreqs")
	resp, err := opt.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, credentials included
		}
		return "", fmt.Errorf("download %s: %s", shown, redact.String(err.Error()))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", unsupported(d.Name, "the index answered %s for its wheel (pip may have credentials from netrc or a keyring)", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("download %s: %s", shown, resp.Status)
	}
	tmp, err := os.CreateTemp(opt.Dir, ".fetch-*.tmp")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("download %s: %s", shown, redact.String(err.Error()))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if d.SHA256 != "" && sum != d.SHA256 {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("download %s: sha256 %s does not match %s from the index", shown, sum, d.SHA256)
	}
	final := filepath.Join(opt.Dir, sum+".whl")
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return final, nil
}

// credentialsFor returns the userinfo of the first index URL with u's scheme and host.
func credentialsFor(u *url.URL, indexes []string) *url.Userinfo {
	for _, raw := range indexes {
		iu, err := url.Parse(raw)
		if err != nil || iu.User == nil {
			continue
		}
		if strings.EqualFold(iu.Scheme, u.Scheme) && strings.EqualFold(iu.Host, u.Host) {
			return iu.User
		}
	}
	return nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// IndexURLs returns the index and find-links URLs in pip options (--index-url, -i,
// --extra-index-url, --find-links, -f, also in the --opt=value form) and in PIP_INDEX_URL,
// PIP_EXTRA_INDEX_URL and PIP_FIND_LINKS (space-separated lists).
func IndexURLs(args, env []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		for _, opt := range []string{"--index-url", "--extra-index-url", "--find-links", "-i", "-f"} {
			if a == opt && i+1 < len(args) {
				out = append(out, args[i+1])
				i++
				break
			}
			if v, ok := strings.CutPrefix(a, opt+"="); ok {
				out = append(out, v)
				break
			}
		}
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PIP_INDEX_URL" || k == "PIP_EXTRA_INDEX_URL" || k == "PIP_FIND_LINKS" {
			out = append(out, strings.Fields(v)...)
		}
	}
	return out
}

// NewClient returns the HTTP client Fetch uses for pip options args and environment env: a
// --cert (or PIP_CERT) CA bundle replaces the system roots, as in pip; proxies come from the
// usual environment variables. Options that change how pip connects in ways this client does
// not reproduce (--client-cert, --trusted-host, --proxy and their PIP_ variables) give an
// *UnsupportedError, so such builds stay with pip.
func NewClient(args, env []string) (*http.Client, error) {
	cert := ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "PIP_CERT":
			cert = v
		case "PIP_CLIENT_CERT", "PIP_TRUSTED_HOST", "PIP_PROXY":
			if v != "" {
				return nil, unsupported("", "%s changes how pip downloads wheels", k)
			}
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--cert" && i+1 < len(args) {
			cert = args[i+1]
			i++
			continue
		}
		if v, ok := strings.CutPrefix(a, "--cert="); ok {
			cert = v
			continue
		}
		for _, opt := range []string{"--client-cert", "--trusted-host", "--proxy"} {
			if a == opt || strings.HasPrefix(a, opt+"=") {
				return nil, unsupported("", "pip option %s changes how wheels are downloaded", opt)
			}
		}
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 16}
	if cert != "" {
		pem, err := os.ReadFile(cert)
		if err != nil {
			return nil, fmt.Errorf("the CA bundle given to pip (--cert or PIP_CERT): %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the CA bundle %s given to pip (--cert or PIP_CERT) holds no PEM certificate", cert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

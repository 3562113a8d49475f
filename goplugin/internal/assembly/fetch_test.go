package assembly

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestFetch(t *testing.T) {
	body := []byte("wheel bytes")
	sum := sha256.Sum256(body)
	hexSum := hex.EncodeToString(sum[:])
	var hits atomic.Int32
	var sawAuth atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if u, p, ok := r.BasicAuth(); ok && u == "tok" && p == "pw" {
			sawAuth.Store(true)
		}
		switch r.URL.Path {
		case "/a-1-py3-none-any.whl":
			w.Write(body)
		case "/bad-1-py3-none-any.whl":
			w.Write([]byte("tampered"))
		case "/private-1-py3-none-any.whl":
			w.WriteHeader(http.StatusUnauthorized)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	dir := t.TempDir()
	wheel := Dist{Name: "a", Kind: KindWheel, URL: srv.URL + "/a-1-py3-none-any.whl", SHA256: hexSum}
	sdist := Dist{Name: "s", Kind: KindSdist, URL: srv.URL + "/s-1.tar.gz"}
	creds := "http://tok:pw@" + strings.TrimPrefix(srv.URL, "http://") + "/simple"

	paths, err := Fetch(ctx, []Dist{wheel, sdist}, FetchOptions{Dir: dir, IndexURLs: []string{creds}})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, hexSum+".whl")
	if !slices.Equal(paths, []string{want, ""}) || hits.Load() != 1 || !sawAuth.Load() {
		t.Fatalf("paths %v, %d requests, auth %v: want %s fetched once with the index credentials", paths, hits.Load(), sawAuth.Load(), want)
	}
	if _, err := Fetch(ctx, []Dist{wheel}, FetchOptions{Dir: dir}); err != nil || hits.Load() != 1 {
		t.Errorf("second fetch: %v, %d requests: want the cached wheel", err, hits.Load())
	}
	// A truncated or corrupt cached wheel is fetched again.
	if err := os.WriteFile(want, body[:3], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(ctx, []Dist{wheel}, FetchOptions{Dir: dir}); err != nil || hits.Load() != 2 {
		t.Errorf("after truncation: %v, %d requests: want a new download", err, hits.Load())
	}
	if b, _ := os.ReadFile(want); string(b) != string(body) {
		t.Errorf("cached wheel = %q after re-fetch", b)
	}
	// A download that does not match the index's hash is an error and leaves nothing behind.
	bad := Dist{Name: "bad", Kind: KindWheel, URL: srv.URL + "/bad-1-py3-none-any.whl", SHA256: hexSum}
	if _, err := Fetch(ctx, []Dist{bad}, FetchOptions{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("tampered download: %v", err)
	}
	// 401: unsupported (pip may hold credentials from netrc or a keyring).
	priv := Dist{Name: "private", Kind: KindWheel, URL: srv.URL + "/private-1-py3-none-any.whl"}
	var ue *UnsupportedError
	if _, err := Fetch(ctx, []Dist{priv}, FetchOptions{Dir: t.TempDir()}); !errors.As(err, &ue) {
		t.Errorf("401: %v, want *UnsupportedError", err)
	}
	// file: URLs are verified and used in place.
	local := filepath.Join(t.TempDir(), "l-1-py3-none-any.whl")
	os.WriteFile(local, body, 0o644)
	fd := Dist{Name: "l", Kind: KindWheel, URL: "file://" + local, SHA256: hexSum}
	if p, err := Fetch(ctx, []Dist{fd}, FetchOptions{Dir: t.TempDir()}); err != nil || p[0] != local {
		t.Errorf("file URL: %v %v", p, err)
	}
	fd.SHA256 = strings.Repeat("0", 64)
	if _, err := Fetch(ctx, []Dist{fd}, FetchOptions{Dir: t.TempDir()}); err == nil {
		t.Error("file URL with a wrong hash was accepted")
	}
}

func TestIndexURLsAndNewClient(t *testing.T) {
	got := IndexURLs([]string{"-i", "https://a/simple", "--extra-index-url=https://b/simple", "--find-links", "https://c/",
		"--no-deps"}, []string{"PIP_INDEX_URL=https://d/simple", "PIP_EXTRA_INDEX_URL=https://e/ https://f/", "HOME=/x"})
	want := []string{"https://a/simple", "https://b/simple", "https://c/", "https://d/simple", "https://e/", "https://f/"}
	if !slices.Equal(got, want) {
		t.Errorf("IndexURLs = %v, want %v", got, want)
	}
	var ue *UnsupportedError
	for _, c := range []struct {
		args, env []string
	}{
		{[]string{"--trusted-host", "x"}, nil},
		{[]string{"--client-cert=/c.pem"}, nil},
		{nil, []string{"PIP_PROXY=http://p:3128"}},
	} {
		if _, err := NewClient(c.args, c.env); !errors.As(err, &ue) {
			t.Errorf("NewClient(%v, %v) = %v, want *UnsupportedError", c.args, c.env, err)
		}
	}
	if _, err := NewClient([]string{"--no-deps", "-i", "https://x/"}, []string{"PIP_PROXY="}); err != nil {
		t.Errorf("NewClient with ordinary options: %v", err)
	}
	if _, err := NewClient([]string{"--cert", filepath.Join(t.TempDir(), "missing.pem")}, nil); err == nil {
		t.Error("NewClient accepted a missing CA bundle")
	}
}

// TestNewClientCABundle: a --cert (or PIP_CERT) bundle is trusted, as pip trusts it.
func TestNewClientCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	plain, err := NewClient(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Get(srv.URL); err == nil {
		t.Fatal("the test server's certificate is trusted without the bundle")
	}
	for _, c := range []struct{ args, env []string }{{[]string{"--cert", bundle}, nil}, {nil, []string{"PIP_CERT=" + bundle}}} {
		client, err := NewClient(c.args, c.env)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Errorf("with %v %v: %v", c.args, c.env, err)
			continue
		}
		resp.Body.Close()
	}
}

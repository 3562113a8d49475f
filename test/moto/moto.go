// Package moto runs moto's AWS emulator (moto_server, from the test venv) on 127.0.0.1 as a real
// S3 and ECR API for the acceptance tests and the benchmark. No test ever talks to real AWS.
package moto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Server is a running moto_server.
type Server struct {
	// Endpoint is its base URL (http://127.0.0.1:<port>), the value of AWS_ENDPOINT_URL.
	Endpoint string

	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// Options configure Start.
type Options struct {
	// Auth makes moto check request signatures against its IAM users
	// (INITIAL_NO_AUTH_ACTION_COUNT=0): any access key it did not issue is refused with
	// InvalidAccessKeyId, as AWS refuses a wrong key.
	Auth bool
}

// Start runs bin (the moto_server program) on a free port of 127.0.0.1 and waits until it
// accepts connections.
func Start(ctx context.Context, bin string, o Options) (*Server, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("moto_server not found: %w (run scripts/setup.sh)", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{})}
	s.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	s.cmd.Env = append(os.Environ(), "MOTO_ALLOW_NONEXISTENT_REGION=true")
	if o.Auth {
		s.cmd.Env = append(s.cmd.Env, "INITIAL_NO_AUTH_ACTION_COUNT=0")
	}
	s.cmd.Stdout, s.cmd.Stderr = (*lockedWriter)(s), (*lockedWriter)(s)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("moto_server exited: %s", s.Output())
		case <-ctx.Done():
			s.Close()
			return nil, errors.Join(ctx.Err(), fmt.Errorf("moto_server did not start: %s", s.Output()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Output is what the server printed so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// Close stops the server.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
}

type lockedWriter Server

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

// ForTest starts moto_server for one Go test: from $PYREQS_MOTO_SERVER, else the test venv's
// (.tools/venv/bin/moto_server under root). Without it the test is skipped locally and fails
// under CI=true. The server stops when the test ends; it returns the endpoint.
func ForTest(t testing.TB, root string) string {
	t.Helper()
	bin := os.Getenv("PYREQS_MOTO_SERVER")
	if bin == "" {
		bin = filepath.Join(root, ".tools", "venv", "bin", "moto_server")
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("moto_server not found at %s: run scripts/setup.sh", bin)
		}
		t.Skipf("moto_server not found at %s (run scripts/setup.sh)", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, bin, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s.Endpoint
}

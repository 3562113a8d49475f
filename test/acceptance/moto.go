package acceptance

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/test/moto"
)

// Fake AWS credentials of the tests: moto accepts any key; the secret must never appear in any
// output or artifact.
const (
	FakeAccessKey = "AKIAPYREQSFAKE000001"
	FakeSecretKey = "pyreqs/fake/SECRET/never+printed+0001"
)

// motoShared is moto_server, started on first use and stopped by Main: one plain server (any
// key is accepted) and one that checks keys (a key moto did not issue is refused).
var motoShared struct {
	mu    sync.Mutex
	plain *moto.Server
	auth  *moto.Server
	errs  map[bool]error
}

// Moto returns the endpoint of the shared moto_server (S3, ECR), which accepts any credentials.
func Moto(t testing.TB) string { return motoServer(t, false) }

// MotoAuth returns the endpoint of a moto_server that refuses keys it did not issue.
func MotoAuth(t testing.TB) string { return motoServer(t, true) }

func motoServer(t testing.TB, auth bool) string {
	t.Helper()
	requireHarness(t)
	m := &motoShared
	m.mu.Lock()
	defer m.mu.Unlock()
	slot := &m.plain
	if auth {
		slot = &m.auth
	}
	if *slot == nil && m.errs[auth] == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s, err := moto.Start(ctx, filepath.Join(h.root, ".tools", "venv", "bin", "moto_server"), moto.Options{Auth: auth})
		if err != nil {
			if m.errs == nil {
				m.errs = map[bool]error{}
			}
			m.errs[auth] = err
		}
		*slot = s
	}
	if err := m.errs[auth]; err != nil {
		Unavailable(t, "moto: %v", err)
	}
	return (*slot).Endpoint
}

// stopMoto stops the shared servers (Main calls it).
func stopMoto() {
	m := &motoShared
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range []*moto.Server{m.plain, m.auth} {
		if s != nil {
			s.Close()
		}
	}
	m.plain, m.auth = nil, nil
}

// UseRemoteCache points the service at remoteCache s3://<bucket>/<prefix> on endpoint with the
// fake credentials, and at its own cacheLocation (a "machine": two services with different
// cacheLocations share nothing but the bucket).
func (s *Service) UseRemoteCache(endpoint, url, cacheLocation string) {
	s.t.Helper()
	s.SetConfig("custom.pythonRequirements.remoteCache", url)
	s.SetConfig("custom.pythonRequirements.cacheLocation", cacheLocation)
	s.Env["AWS_ACCESS_KEY_ID"] = FakeAccessKey
	s.Env["AWS_SECRET_ACCESS_KEY"] = FakeSecretKey
	s.Env["AWS_REGION"] = "us-east-1"
	s.Env["AWS_ENDPOINT_URL_S3"] = endpoint
}

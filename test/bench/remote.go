package main

// The "remote-warm" row: ours on the heavy service with an empty local cache and a warm remote
// tier (remoteCache on moto_server, 127.0.0.1), next to the original plugin's cold time.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/serverless-pyreqs/serverless-pyreqs/test/moto"
)

const (
	benchBucket = "pyreqs-bench"
	benchKey    = "AKIAPYREQSBENCH00001"
	benchSecret = "pyreqs/bench/fake/secret"
)

// remoteBench is the moto server and the service copy of the remote-warm row.
type remoteBench struct {
	srv *moto.Server
	dir string
	env []string
	n   int // samples taken
}

// startRemote starts moto, creates the bucket and prepares a copy of svc with remoteCache.
func startRemote(svc, work, tarball string) (*remoteBench, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := moto.Start(ctx, filepath.Join(root, ".tools/venv/bin/moto_server"), moto.Options{})
	if err != nil {
		return nil, err
	}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(benchKey, benchSecret, "")})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(benchBucket)}); err != nil {
		srv.Close()
		return nil, err
	}
	dir, err := prepare(svc, ours, filepath.Join(work, "remote"), tarball)
	if err != nil {
		srv.Close()
		return nil, err
	}
	yml := filepath.Join(dir, "serverless.yml")
	b, err := os.ReadFile(yml)
	if err != nil {
		srv.Close()
		return nil, err
	}
	b = append(bytes.TrimRight(b, "\n"), []byte("\ncustom:\n  pythonRequirements:\n    remoteCache: s3://"+benchBucket+"/"+svc+"\n")...)
	if err := os.WriteFile(yml, b, 0o644); err != nil {
		srv.Close()
		return nil, err
	}
	env := []string{"AWS_ACCESS_KEY_ID=" + benchKey, "AWS_SECRET_ACCESS_KEY=" + benchSecret,
		"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL_S3=" + srv.Endpoint}
	return &remoteBench{srv: srv, dir: dir, env: env}, nil
}

// warm fills the remote tier with one cold build (not measured).
func (r *remoteBench) warm(work string) error {
	_, err := slsPackageEnv(r.dir, filepath.Join(work, "cache-remote-warmup"), r.env)
	return err
}

// sample measures one run with an empty local cache (a new folder: see setAside).
func (r *remoteBench) sample(work string) (sample, error) {
	r.n++
	cache := filepath.Join(work, fmt.Sprintf("cache-remote-%d", r.n))
	s, err := slsPackageEnv(r.dir, cache, r.env)
	if err != nil {
		return s, fmt.Errorf("remote-warm: %w", err)
	}
	return s, nil
}

package container

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/registry"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/registryauth"
)

func authResolver(t *testing.T) registryauth.Resolver {
	t.Helper()
	dir := t.TempDir()
	cfg := `{"auths":{"127.0.0.1:5000":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("builder:s3cret-pass")) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return registryauth.Resolver{Getenv: func(k string) string {
		if k == "DOCKER_CONFIG" {
			return dir
		}
		return ""
	}}
}

func TestPullSendsRegistryCredentials(t *testing.T) {
	f := newFake()
	f.pullBody = `{"status":"Pull complete"}` + "\n"
	e, ev := connect(t, f)
	e.auth = authResolver(t)
	if err := e.EnsureImage(context.Background(), "127.0.0.1:5000/team/py:1", nil, "dockerImage"); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.URLEncoding.DecodeString(f.pullOpts.RegistryAuth)
	if err != nil {
		t.Fatalf("RegistryAuth %q: %v", f.pullOpts.RegistryAuth, err)
	}
	var a registry.AuthConfig
	if err := json.Unmarshal(raw, &a); err != nil || a.Username != "builder" || a.Password != "s3cret-pass" {
		t.Fatalf("auth sent = %+v (%v)", a, err)
	}
	all := strings.Join(append(append(ev.logs, ev.warnings...), ev.progress...), "\n")
	if strings.Contains(all, "s3cret") {
		t.Fatalf("the password reached the events: %s", all)
	}
	// An image of a registry without credentials pulls anonymously.
	f2 := newFake()
	f2.pullBody = `{"status":"Pull complete"}` + "\n"
	e2, _ := connect(t, f2)
	e2.auth = authResolver(t)
	if err := e2.EnsureImage(context.Background(), "python:3.11", nil, "dockerImage"); err != nil {
		t.Fatal(err)
	}
	if f2.pullOpts.RegistryAuth != "" {
		t.Fatal("credentials sent to a registry that has none configured")
	}
}

func TestFromImages(t *testing.T) {
	df := "ARG BASE=x\nFROM --platform=linux/amd64 127.0.0.1:5000/team/py:1 AS build\nRUN true\nFROM build\nFROM $BASE\nfrom python:3.11 as final\nFROM scratch\n"
	if diff := cmp.Diff([]string{"127.0.0.1:5000/team/py:1", "python:3.11"}, fromImages([]byte(df))); diff != "" {
		t.Fatalf("fromImages (-want +got):\n%s", diff)
	}
	f := newFake()
	e, _ := connect(t, f)
	e.auth = authResolver(t)
	got := e.buildAuths(context.Background(), []byte(df))
	if a, ok := got["127.0.0.1:5000"]; !ok || a.Username != "builder" || len(got) != 1 {
		t.Fatalf("buildAuths = %+v", got)
	}
}

package registryauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/serverless-pyreqs/serverless-pyreqs/test/moto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/registry"
)

func writeConfig(t *testing.T, v any) func(string) string {
	t.Helper()
	dir := t.TempDir()
	b, _ := json.Marshal(v)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return func(k string) string {
		if k == "DOCKER_CONFIG" {
			return dir
		}
		return ""
	}
}

func TestForReadsAuthsHelpersAndStores(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("builder:s3cret-pass"))
	getenv := writeConfig(t, map[string]any{
		"auths": map[string]any{
			"127.0.0.1:5000":              map[string]string{"auth": basic},
			"https://index.docker.io/v1/": map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("hubuser:hubpass"))},
			"stored.example":              map[string]string{},
		},
		"credHelpers": map[string]string{"helped.example": "fake"},
		"credsStore":  "store",
	})
	var asked []string
	r := Resolver{Getenv: getenv, Helper: func(ctx context.Context, name, host string) ([]byte, error) {
		asked = append(asked, name+" "+host)
		switch {
		case name == "fake":
			return []byte(`{"ServerURL":"helped.example","Username":"<token>","Secret":"idtoken"}`), nil
		case name == "store" && host == "stored.example":
			return []byte(`{"Username":"su","Secret":"sp"}`), nil
		}
		return []byte("credentials not found in native keychain"), errors.New("exit status 1")
	}}
	ctx := context.Background()
	a, src, err := r.For(ctx, "127.0.0.1:5000")
	if err != nil || a == nil || a.Username != "builder" || a.Password != "s3cret-pass" || !strings.Contains(src, "auths") {
		t.Fatalf("auths: %+v %q %v", a, src, err)
	}
	if a, _, _ := r.For(ctx, "docker.io"); a == nil || a.Username != "hubuser" {
		t.Fatalf("docker hub: %+v", a)
	}
	if a, src, _ := r.For(ctx, "helped.example"); a == nil || a.IdentityToken != "idtoken" || src != "credential helper fake" {
		t.Fatalf("helper: %+v %q", a, src)
	}
	if a, src, _ := r.For(ctx, "stored.example"); a == nil || a.Username != "su" || src != "credential store store" {
		t.Fatalf("store: %+v %q", a, src)
	}
	if a, _, err := r.For(ctx, "anonymous.example"); a != nil || err != nil {
		t.Fatalf("anonymous: %+v %v", a, err)
	}
	enc, err := Encode(&registry.AuthConfig{Username: "u", Password: "p"})
	if dec, _ := base64.URLEncoding.DecodeString(enc); err != nil || !strings.Contains(string(dec), `"password":"p"`) {
		t.Fatalf("Encode = %q (%s), %v", enc, dec, err)
	}
}

func TestForECR(t *testing.T) {
	getenv := writeConfig(t, map[string]any{})
	r := Resolver{Getenv: getenv, ECR: func(ctx context.Context, region string) (string, string, error) {
		if region != "eu-west-1" {
			t.Errorf("region %q", region)
		}
		return "AWS", "ecr-token", nil
	}}
	a, src, err := r.For(context.Background(), "123456789012.dkr.ecr.eu-west-1.amazonaws.com")
	if err != nil || a.Username != "AWS" || a.Password != "ecr-token" || src != "ECR GetAuthorizationToken" {
		t.Fatalf("ECR: %+v %q %v", a, src, err)
	}
	if ECRRegion("public.ecr.aws") != "" || ECRRegion("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com") != "us-gov-west-1" {
		t.Error("ECRRegion")
	}
}

func TestHostAndEncode(t *testing.T) {
	for in, want := range map[string]string{
		"python:3.11":              "docker.io",
		"127.0.0.1:5000/team/py:1": "127.0.0.1:5000",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/x": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
	} {
		if got, err := Host(in); err != nil || got != want {
			t.Errorf("Host(%q) = %q, %v", in, got, err)
		}
	}
	if s, err := Encode(nil); s != "" || err != nil {
		t.Error("Encode(nil)")
	}
}

// TestECRTokenFromMoto asks moto's ECR API (127.0.0.1) for a token through the SDK path.
func TestECRTokenFromMoto(t *testing.T) {
	root, _ := filepath.Abs("../../..")
	endpoint := moto.ForTest(t, root)
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE1234")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake/secret")
	user, pass, err := ECRToken(context.Background(), "us-east-1")
	if err != nil || user != "AWS" || pass == "" {
		t.Fatalf("ECRToken = %q, %q, %v", user, pass, err)
	}
}

// Package registryauth finds the credentials a pull of a private base image needs, the way the
// docker CLI does (testcontainers-go's docker_auth.go is the model): the `auths` of the docker
// config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json), its per-registry
// `credHelpers` and its default `credsStore` (docker-credential-<name> programs), and for Amazon
// ECR registries (<account>.dkr.ecr.<region>.amazonaws.com) a token from ECR's
// GetAuthorizationToken through the AWS SDK's standard credential chain.
//
// Credentials are only ever handed to the engine in the pull request's X-Registry-Auth header:
// nothing here logs them, and errors name the registry and the source, never a secret.
package registryauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/registry"
)

// dockerHubKey is the key the docker CLI uses for Docker Hub in the config file.
const dockerHubKey = "https://index.docker.io/v1/"

// Resolver looks credentials up. The zero value reads the real environment and config file and
// runs the real credential helpers; tests set the fields.
type Resolver struct {
	Getenv func(string) string
	// Helper runs `docker-credential-<name> get` with the registry on stdin (nil: exec).
	Helper func(ctx context.Context, name, host string) ([]byte, error)
	// ECR returns the user and password for an ECR registry in region (nil: the AWS SDK).
	ECR func(ctx context.Context, region string) (user, password string, err error)
}

// Host returns the registry host of an image reference ("docker.io" for Docker Hub images).
func Host(image string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", err
	}
	return reference.Domain(named), nil
}

var ecrHost = regexp.MustCompile(`^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$`)

// ECRRegion returns the region of an ECR registry host, or "".
func ECRRegion(host string) string {
	if m := ecrHost.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// configFile is the part of the docker CLI's config.json read here.
type configFile struct {
	Auths       map[string]authEntry `json:"auths"`
	CredHelpers map[string]string    `json:"credHelpers"`
	CredsStore  string               `json:"credsStore"`
}

type authEntry struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
}

func (r Resolver) getenv(k string) string {
	if r.Getenv != nil {
		return r.Getenv(k)
	}
	return os.Getenv(k)
}

func (r Resolver) configPath() string {
	if d := r.getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	home := r.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".docker", "config.json")
}

func (r Resolver) readConfig() (*configFile, string, error) {
	p := r.configPath()
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return &configFile{}, p, nil
	}
	if err != nil {
		return nil, p, err
	}
	var c configFile
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, p, fmt.Errorf("%s is not valid JSON: %v", p, err)
	}
	return &c, p, nil
}

// For returns the credentials for pulling from host, or nil when there are none (an anonymous
// pull). source says where they came from, for a verbose line ("config.json auths",
// "credential helper ecr-login", "ECR GetAuthorizationToken").
func (r Resolver) For(ctx context.Context, host string) (auth *registry.AuthConfig, source string, err error) {
	cfg, path, err := r.readConfig()
	if err != nil {
		return nil, "", err
	}
	keys := []string{host, "https://" + host, "http://" + host, "https://" + host + "/v1/", "https://" + host + "/v2/"}
	if host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io" {
		keys = append([]string{dockerHubKey}, keys...)
	}
	helper := ""
	for _, k := range keys {
		if h := cfg.CredHelpers[k]; h != "" {
			helper = h
			break
		}
	}
	if helper != "" {
		a, err := r.fromHelper(ctx, helper, keys[0])
		return a, "credential helper " + helper, err
	}
	for _, k := range keys {
		e, ok := cfg.Auths[k]
		if !ok {
			continue
		}
		a, err := decodeEntry(e, host)
		if err != nil {
			return nil, "", fmt.Errorf("%s: the auths entry for %s: %v", path, host, err)
		}
		if a != nil {
			return a, "auths of " + path, nil
		}
	}
	if region := ECRRegion(host); region != "" {
		user, pass, err := r.ecr(ctx, region)
		if err != nil {
			return nil, "", fmt.Errorf("getting an ECR token for %s: %w", host, err)
		}
		return &registry.AuthConfig{Username: user, Password: pass, ServerAddress: host}, "ECR GetAuthorizationToken", nil
	}
	if cfg.CredsStore != "" {
		a, err := r.fromHelper(ctx, cfg.CredsStore, keys[0])
		if err != nil {
			return nil, "", err
		}
		if a != nil {
			return a, "credential store " + cfg.CredsStore, nil
		}
	}
	return nil, "", nil
}

func decodeEntry(e authEntry, host string) (*registry.AuthConfig, error) {
	a := &registry.AuthConfig{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken, ServerAddress: host}
	if e.Auth != "" {
		raw, err := base64.StdEncoding.DecodeString(e.Auth)
		if err != nil {
			return nil, errors.New(`"auth" is not base64`)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, errors.New(`"auth" is not base64 of user:password`)
		}
		a.Username, a.Password = user, pass
	}
	if a.Username == "" && a.Password == "" && a.IdentityToken == "" {
		return nil, nil // an entry docker login left for a credential store
	}
	return a, nil
}

// helperAnswer is what `docker-credential-* get` prints.
type helperAnswer struct {
	ServerURL string
	Username  string
	Secret    string
}

func (r Resolver) fromHelper(ctx context.Context, name, host string) (*registry.AuthConfig, error) {
	run := r.Helper
	if run == nil {
		run = execHelper
	}
	out, err := run(ctx, name, host)
	if err != nil {
		if bytes.Contains(out, []byte("credentials not found")) {
			return nil, nil
		}
		return nil, fmt.Errorf("the credential helper docker-credential-%s failed for %s: %v", name, host, err)
	}
	var a helperAnswer
	if err := json.Unmarshal(out, &a); err != nil {
		return nil, fmt.Errorf("the credential helper docker-credential-%s printed no credentials for %s", name, host)
	}
	if a.Username == "<token>" {
		return &registry.AuthConfig{IdentityToken: a.Secret, ServerAddress: host}, nil
	}
	return &registry.AuthConfig{Username: a.Username, Password: a.Secret, ServerAddress: host}, nil
}

func execHelper(ctx context.Context, name, host string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker-credential-"+name, "get")
	cmd.Stdin = strings.NewReader(host)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// The helper's stdout may hold the "not found" message; never its stderr (it can echo input).
		return stdout.Bytes(), errors.New(strings.TrimSpace(firstLine(stdout.String(), err.Error())))
	}
	return stdout.Bytes(), nil
}

func firstLine(s, fallback string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return fallback
	}
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Encode turns credentials into the X-Registry-Auth value the Engine API expects.
func Encode(a *registry.AuthConfig) (string, error) {
	if a == nil {
		return "", nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(b), nil
}

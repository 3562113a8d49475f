package container

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/registry"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/registryauth"
)

// pullAuth returns the X-Registry-Auth value for pulling ref ("" for an anonymous pull). A
// failure to find credentials is a verbose note, not an error: the pull then says whether the
// registry wanted them.
func (e *Engine) pullAuth(ctx context.Context, ref string) string {
	host, err := registryauth.Host(ref)
	if err != nil {
		return ""
	}
	a, source, err := e.auth.For(ctx, host)
	if err != nil {
		e.ev.Verbose(fmt.Sprintf("No registry credentials for %s: %v", host, err))
		return ""
	}
	if a == nil {
		return ""
	}
	enc, err := registryauth.Encode(a)
	if err != nil {
		return ""
	}
	e.ev.Verbose(fmt.Sprintf("Pulling from %s with credentials from %s", host, source))
	return enc
}

// buildAuths returns credentials for the registries of the Dockerfile's FROM images, keyed by
// registry as the build API expects.
func (e *Engine) buildAuths(ctx context.Context, dockerfile []byte) map[string]registry.AuthConfig {
	out := map[string]registry.AuthConfig{}
	for _, img := range fromImages(dockerfile) {
		host, err := registryauth.Host(img)
		if err != nil {
			continue
		}
		if _, done := out[host]; done {
			continue
		}
		a, source, err := e.auth.For(ctx, host)
		if err != nil {
			e.ev.Verbose(fmt.Sprintf("No registry credentials for %s: %v", host, err))
			continue
		}
		if a != nil {
			key := host
			if host == "docker.io" {
				key = "https://index.docker.io/v1/"
			}
			out[key] = *a
			e.ev.Verbose(fmt.Sprintf("Building with credentials for %s from %s", host, source))
		}
	}
	return out
}

// fromImages lists the images named by FROM lines (not build stages, not ARG-expanded names).
func fromImages(dockerfile []byte) []string {
	var out []string
	stages := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(dockerfile))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		args := f[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			args = args[1:]
		}
		if len(args) == 0 {
			continue
		}
		img := args[0]
		isStage := stages[strings.ToLower(img)]
		if len(args) >= 3 && strings.EqualFold(args[1], "AS") {
			stages[strings.ToLower(args[2])] = true
		}
		if isStage || strings.Contains(img, "$") || img == "scratch" {
			continue
		}
		out = append(out, img)
	}
	return out
}

// Package redact removes secrets (credentials in URLs, tokens in known environment variables)
// from text before it is logged or put into an error.
package redact

import (
	"regexp"
	"strings"
)

// userinfo in URLs: scheme://user:password@host or scheme://token@host.
var urlCreds = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)([^/\s:@]+)(:[^/\s@]*)?@`)

const mask = "****"

// String returns s with URL credentials and the values of secrets masked.
func String(s string, secrets ...string) string {
	s = urlCreds.ReplaceAllStringFunc(s, func(m string) string {
		sub := urlCreds.FindStringSubmatch(m)
		if sub[3] != "" { // user:password → keep the user name, mask the password
			return sub[1] + sub[2] + ":" + mask + "@"
		}
		return sub[1] + mask + "@" // a lone token
	})
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, mask)
		}
	}
	return s
}

// secretEnv lists environment variables whose values must never be shown.
var secretEnv = []string{
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
	"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL",
	"POETRY_HTTP_BASIC_", "UV_INDEX_", "PIPENV_PYPI_MIRROR", "GITHUB_TOKEN", "NPM_TOKEN",
}

// EnvSecrets returns the credential parts of secret-bearing variables in env (KEY=VALUE form):
// whole values for key material, and only the userinfo of index URLs (so the host stays readable).
func EnvSecrets(env []string) []string {
	var out []string
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			continue
		}
		for _, p := range secretEnv {
			if k == p || (strings.HasSuffix(p, "_") && strings.HasPrefix(k, p)) {
				if strings.Contains(v, "://") {
					for _, sub := range urlCreds.FindAllStringSubmatch(v, -1) {
						if sub[3] != "" {
							out = append(out, strings.TrimPrefix(sub[3], ":"))
						} else {
							out = append(out, sub[2])
						}
					}
				} else {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

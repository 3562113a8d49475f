// Package redact removes secrets from text before it is shown: credentials in URLs
// (scheme://user:password@host), token-like query parameters (?token=..., X-Amz-Signature=...),
// and the values of secret environment variables (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, the
// credentials inside PIP_INDEX_URL, ...).
//
// One Redactor, built from the environment and the config, sits in front of everything the binary
// writes: the protocol emitter (stdout) and the stderr writer. Code that builds messages does not
// redact on its own.
package redact

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Mask replaces every secret.
const Mask = "****"

// userinfo in URLs: scheme://user:password@host or scheme://token@host.
var urlCreds = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)([^/\s:@]+)(:[^/\s@]*)?@`)

// token-like query (or fragment/matrix) parameters: ?token=..., &private_token=...,
// X-Amz-Signature=..., X-Amz-Security-Token=..., api_key=..., password=...
var queryToken = regexp.MustCompile(`(?i)([?&;#][a-z0-9_.-]*(?:token|secret|password|passwd|pwd|api[_-]?key|apikey|access[_-]?key|signature|sig|credential|auth)=)([^&\s"'#<>;]+)`)

// minSecret is the shortest literal value masked: shorter ones would mask ordinary words.
const minSecret = 4

// Redactor masks secrets in text. It is safe for concurrent use; secrets can be added while it
// is in use (for example when an index URL is found in a requirements file).
type Redactor struct {
	mu       sync.Mutex
	secrets  []string
	replacer *strings.Replacer // nil: rebuild from secrets (and the learned ones)
	learnGen uint64            // generation of the learned set the replacer was built with
}

// New returns a Redactor that masks the secrets found in env (KEY=VALUE entries, as from
// os.Environ()), the secrets learned by this process (see Learn), and the URL patterns.
func New(env []string) *Redactor {
	r := &Redactor{}
	r.AddSecrets(EnvSecrets(env)...)
	return r
}

// AddSecrets adds literal values to mask (values shorter than 4 bytes are ignored).
func (r *Redactor) AddSecrets(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) >= minSecret && !slices.Contains(r.secrets, v) {
			r.secrets = append(r.secrets, v)
			r.replacer = nil
		}
	}
}

// AddText adds the credentials of every URL in text (userinfo, token-like query values), so
// that they are masked wherever they show up later, even outside a URL.
func (r *Redactor) AddText(text string) { r.AddSecrets(URLSecrets(text)...) }

// AddArgs adds the secrets in a list of command-line arguments (pipCmdExtraArgs,
// dockerRunCmdExtraArgs, dockerEnv): URL credentials anywhere, and the values of NAME=value
// arguments whose NAME is a secret variable (AWS_SECRET_ACCESS_KEY=..., GITHUB_TOKEN=...).
func (r *Redactor) AddArgs(args []string) {
	for _, a := range args {
		r.AddText(a)
		if k, v, ok := strings.Cut(a, "="); ok && !strings.HasPrefix(k, "-") {
			r.AddSecrets(EnvSecrets([]string{k + "=" + v})...)
		}
	}
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	if rep := r.literals(); rep != nil {
		s = rep.Replace(s)
	}
	return patterns(s)
}

// literals returns the replacer of the literal secrets (own and learned), or nil when there are
// none.
func (r *Redactor) literals() *strings.Replacer {
	learned, gen := learnedSecrets()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replacer != nil && r.learnGen == gen {
		return r.replacer
	}
	all := append(slices.Clone(r.secrets), learned...)
	if len(all) == 0 {
		return nil
	}
	// Longest first, so that a secret containing another is masked whole.
	slices.SortFunc(all, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	all = slices.Compact(all)
	oldnew := make([]string, 0, 2*len(all))
	for _, v := range all {
		oldnew = append(oldnew, v, Mask)
	}
	r.replacer, r.learnGen = strings.NewReplacer(oldnew...), gen
	return r.replacer
}

// patterns masks URL credentials and token-like query values.
func patterns(s string) string {
	if strings.Contains(s, "@") {
		s = urlCreds.ReplaceAllStringFunc(s, func(m string) string {
			sub := urlCreds.FindStringSubmatch(m)
			if sub[3] != "" { // user:password → keep the user name, mask the password
				if sub[3] == ":"+Mask {
					return m
				}
				return sub[1] + sub[2] + ":" + Mask + "@"
			}
			return sub[1] + Mask + "@" // a lone token
		})
	}
	if strings.Contains(s, "=") {
		s = queryToken.ReplaceAllString(s, "${1}"+Mask)
	}
	return s
}

// URLSecrets returns the credentials in the URLs of text: passwords (or lone tokens of http(s)
// URLs) of userinfo and the values of token-like query parameters.
func URLSecrets(text string) []string {
	if !strings.Contains(text, "://") && !strings.Contains(text, "=") {
		return nil
	}
	var out []string
	for _, sub := range urlCreds.FindAllStringSubmatch(text, -1) {
		switch {
		case sub[3] != "":
			out = append(out, strings.TrimPrefix(sub[3], ":"))
		case strings.Contains(strings.ToLower(sub[1]), "http"):
			// A lone https://TOKEN@host is a token; a lone ssh://user@host is only a user name.
			out = append(out, sub[2])
		}
	}
	for _, sub := range queryToken.FindAllStringSubmatch(text, -1) {
		out = append(out, sub[2])
	}
	return slices.DeleteFunc(out, func(s string) bool { return len(s) < minSecret || s == Mask })
}

// String returns s with URL credentials, token-like query values, the learned secrets and the
// given secrets masked. Prefer a Redactor; this is for text that never reaches the user.
func String(s string, secrets ...string) string {
	r := &Redactor{}
	r.AddSecrets(secrets...)
	return r.String(s)
}

// secretEnv lists environment variables whose values must never be shown; a trailing "_" makes
// the entry a prefix.
var secretEnv = []string{
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID",
	"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL",
	"UV_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS", "POETRY_HTTP_BASIC_", "POETRY_PYPI_TOKEN_", "UV_INDEX_",
	"PIPENV_PYPI_MIRROR", "GITHUB_TOKEN", "GH_TOKEN", "NPM_TOKEN", "DOCKER_AUTH_CONFIG",
}

// secretSuffixes mark other variables as secret by name (as GoReleaser does); their values are
// masked when they are at least 8 bytes long, so that FOO_KEY=true does not mask "true".
var secretSuffixes = []string{"_SECRET", "_PASSWORD", "_TOKEN", "_API_KEY", "_SECRET_KEY", "_PRIVATE_KEY"}

// EnvSecrets returns the secret parts of the variables in env (KEY=VALUE form): whole values
// for key material, and only the credentials of URLs (so that the host stays readable).
func EnvSecrets(env []string) []string {
	var out []string
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			continue
		}
		switch {
		case isSecretEnv(k):
			if strings.Contains(v, "://") {
				out = append(out, URLSecrets(v)...)
			} else {
				out = append(out, v)
			}
		case hasSecretSuffix(k) && len(v) >= 8:
			out = append(out, v)
		case strings.Contains(v, "://") && strings.Contains(v, "@"):
			// Any variable holding a URL with credentials (e.g. a custom index variable).
			out = append(out, URLSecrets(v)...)
		}
	}
	return out
}

func isSecretEnv(k string) bool {
	for _, p := range secretEnv {
		if k == p || (strings.HasSuffix(p, "_") && strings.HasPrefix(k, p)) {
			return true
		}
	}
	return false
}

func hasSecretSuffix(k string) bool {
	k = strings.ToUpper(k)
	for _, s := range secretSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

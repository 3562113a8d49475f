package redact

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// secretEnvironment holds one secret of every kind the binary must never show.
var secretEnvironment = []string{
	"PATH=/usr/bin",
	"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"AWS_SESSION_TOKEN=FwoGZXIvYXdzEJr//////////wEaDOSESSIONTOKEN",
	"PIP_INDEX_URL=https://alice:pip-index-pw@pypi.corp.example/simple",
	"PIP_EXTRA_INDEX_URL=https://extra-idx-token@extra.example/simple https://x.example/simple?token=extra-query-tok",
	"UV_INDEX_URL=https://uv:uv-index-secret@uv.example/simple",
	"UV_EXTRA_INDEX_URL=https://bob:uv-extra-pw@uvx.example/simple",
	"MY_SERVICE_TOKEN=long-enough-token-value",
	"FEATURE_TOKEN=yes",
}

var secretValues = []string{
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEJr//////////wEaDOSESSIONTOKEN",
	"pip-index-pw", "extra-idx-token", "extra-query-tok", "uv-index-secret", "uv-extra-pw",
	"long-enough-token-value",
}

func TestRedactorMasksEveryKind(t *testing.T) {
	r := New(secretEnvironment)
	r.AddArgs([]string{"--extra-index-url", "https://cfg:cfg-args-pw@cfg.example/simple", "--index-url=https://idx.example/simple?private_token=cfg-query-tok",
		"GITLAB_TOKEN=docker-env-token-value"})
	tests := []struct{ name, in, want string }{
		{"aws secret alone", "the key is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.", "the key is ****."},
		{"aws session token", "token FwoGZXIvYXdzEJr//////////wEaDOSESSIONTOKEN end", "token **** end"},
		{"index password outside a URL", "password pip-index-pw rejected", "password **** rejected"},
		{"index URL from env", "Looking in indexes: https://alice:pip-index-pw@pypi.corp.example/simple",
			"Looking in indexes: https://alice:****@pypi.corp.example/simple"},
		{"lone token userinfo", "GET https://extra-idx-token@extra.example/simple/six/", "GET https://****@extra.example/simple/six/"},
		{"query token from env", "GET https://x.example/simple?token=extra-query-tok", "GET https://x.example/simple?token=****"},
		{"unknown URL with credentials", "git+https://oauth2:glpat-abcdef@gitlab.com/x.git", "git+https://oauth2:****@gitlab.com/x.git"},
		{"unknown query token", "https://h.example/f.whl?X-Amz-Signature=abcdef0123&X-Amz-Security-Token=zzzzzz&v=1",
			"https://h.example/f.whl?X-Amz-Signature=****&X-Amz-Security-Token=****&v=1"},
		{"pipCmdExtraArgs URL", "--extra-index-url https://cfg:cfg-args-pw@cfg.example/simple", "--extra-index-url https://cfg:****@cfg.example/simple"},
		{"pipCmdExtraArgs password alone", "auth cfg-args-pw failed", "auth **** failed"},
		{"pipCmdExtraArgs query token alone", "cfg-query-tok", "****"},
		{"dockerEnv secret", "GITLAB_TOKEN=docker-env-token-value", "GITLAB_TOKEN=****"},
		{"generic suffix variable", "using long-enough-token-value", "using ****"},
		{"short generic value kept", "yes, it works", "yes, it works"},
		{"no secrets", "https://pypi.org/simple and http://127.0.0.1:8080/simple", "https://pypi.org/simple and http://127.0.0.1:8080/simple"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLearnedSecretsReachEveryRedactor(t *testing.T) {
	r := New(nil)
	if got := r.String("learned-pw-7781"); got != "learned-pw-7781" {
		t.Fatalf("masked before learning: %q", got)
	}
	Learn("--index-url https://u:learned-pw-7781@idx.example/simple")
	if got := r.String("pip said learned-pw-7781"); got != "pip said ****" {
		t.Errorf("after Learn: %q", got)
	}
	if got := String("x learned-pw-7781"); got != "x ****" {
		t.Errorf("package String after Learn: %q", got)
	}
}

// TestWriterSplitWrites writes text with secrets in every possible split into two writes, and
// byte by byte: nothing may leak.
func TestWriterSplitWrites(t *testing.T) {
	r := New(secretEnvironment)
	text := "Collecting six from https://alice:pip-index-pw@pypi.corp.example/simple/six\n" +
		"aws wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and ?token=extra-query-tok\n" +
		"tail without newline uv-extra-pw"
	want := r.String(text)
	for cut := 0; cut <= len(text); cut++ {
		var out bytes.Buffer
		w := r.NewWriter(&out)
		mustWrite(t, w, text[:cut])
		mustWrite(t, w, text[cut:])
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Fatalf("cut at %d:\n got %q\nwant %q", cut, out.String(), want)
		}
	}
	var out bytes.Buffer
	w := r.NewWriter(&out)
	for i := 0; i < len(text); i++ {
		mustWrite(t, w, text[i:i+1])
	}
	_ = w.Flush()
	assertClean(t, out.String())
	if out.String() != want {
		t.Fatalf("byte by byte:\n got %q\nwant %q", out.String(), want)
	}
}

func TestWriterPassesCompleteLinesAtOnce(t *testing.T) {
	var out bytes.Buffer
	w := New(nil).NewWriter(&out)
	mustWrite(t, w, "one\ntwo")
	if out.String() != "one\n" {
		t.Fatalf("after the first write: %q", out.String())
	}
	_ = w.Flush()
	if out.String() != "one\ntwo" {
		t.Fatalf("after Flush: %q", out.String())
	}
}

func TestWriterLongLineIsCutAtWhitespace(t *testing.T) {
	r := New(secretEnvironment)
	var out bytes.Buffer
	w := r.NewWriter(&out)
	filler := strings.Repeat("word ", maxPending/5+10)
	mustWrite(t, w, filler+"https://alice:pip-")
	mustWrite(t, w, "index-pw@pypi.corp.example/simple")
	_ = w.Flush()
	assertClean(t, out.String())
}

func TestWriterConcurrent(t *testing.T) {
	r := New(secretEnvironment)
	var out bytes.Buffer
	w := r.NewWriter(&out)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				fmt.Fprintf(w, "%d.%d uv-index-secret\n", i, j)
			}
		}()
	}
	wg.Wait()
	_ = w.Flush()
	assertClean(t, out.String())
	if n := strings.Count(out.String(), "\n"); n != 400 {
		t.Fatalf("lines = %d, want 400", n)
	}
}

func mustWrite(t *testing.T, w *Writer, s string) {
	t.Helper()
	if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
		t.Fatalf("Write = %d, %v", n, err)
	}
}

func assertClean(t *testing.T, out string) {
	t.Helper()
	for _, s := range secretValues {
		if strings.Contains(out, s) {
			t.Errorf("secret %q leaked: %q", s, out)
		}
	}
}

func TestSSHUserIsNotASecret(t *testing.T) {
	r := New([]string{"DOCKER_HOST=ssh://ubuntu@build.example"})
	if got := r.String("image for ubuntu from ssh://ubuntu@build.example"); got != "image for ubuntu from ssh://****@build.example" {
		t.Errorf("got %q", got)
	}
}

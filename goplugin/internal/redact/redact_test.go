package redact

import "testing"

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
		secrets        []string
	}{
		{"user and password", "--index-url https://bob:s3cr3t@pypi.example.com/simple", "--index-url https://bob:****@pypi.example.com/simple", nil},
		{"token only", "Looking in indexes: https://ghp_abcdef@example.com/simple", "Looking in indexes: https://****@example.com/simple", nil},
		{"no credentials", "https://pypi.org/simple and http://127.0.0.1:8080/simple", "https://pypi.org/simple and http://127.0.0.1:8080/simple", nil},
		{"git+https", "git+https://oauth2:tok@gitlab.com/x.git", "git+https://oauth2:****@gitlab.com/x.git", nil},
		{"explicit secret", "key AKIAXXXXSECRET used", "key **** used", []string{"AKIAXXXXSECRET"}},
		{"short secret ignored", "a b", "a b", []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in, tt.secrets...); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEnvSecrets(t *testing.T) {
	env := []string{
		"PATH=/usr/bin",
		"AWS_SECRET_ACCESS_KEY=abcd1234secret",
		"PIP_INDEX_URL=https://user:hunter22@idx.example.com/simple",
		"UV_INDEX_PRIVATE_PASSWORD=pw-value",
	}
	got := EnvSecrets(env)
	want := map[string]bool{"abcd1234secret": true, "hunter22": true, "pw-value": true}
	if len(got) != len(want) {
		t.Fatalf("EnvSecrets = %q, want the %d secrets", got, len(want))
	}
	for _, s := range got {
		if !want[s] {
			t.Errorf("unexpected secret %q", s)
		}
	}
}

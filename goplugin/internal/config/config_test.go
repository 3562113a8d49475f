package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/slim"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

var linux = Host{GOOS: "linux", ProviderRuntime: "python3.12"}

// want returns the options of an empty block on linux with provider.runtime python3.12, changed
// by edit.
func want(edit func(o *Options)) *Options {
	o := defaults()
	o.PythonBin = "python3.12"
	o.SlimPatternList = DefaultSlimPatterns
	if edit != nil {
		edit(o)
	}
	return o
}

func TestParseDecodes(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		host Host
		want *Options
	}{
		{"absent", ``, linux, want(nil)},
		{"null", `null`, linux, want(nil)},
		{"empty object", `{}`, linux, want(nil)},
		{"true", `true`, linux, want(nil)},
		{"false", `false`, linux, want(func(o *Options) { o.Enabled = false })},
		{"string false", `"false"`, linux, want(func(o *Options) { o.Enabled = false })},
		{"enabled false", `{"enabled": false, "zip": true}`, linux, want(func(o *Options) { o.Enabled, o.Zip = false, true })},
		{"enabled 'false'", `{"enabled": "false"}`, linux, want(func(o *Options) { o.Enabled = false })},
		{"null values keep defaults", `{"usePipenv": null, "strip": null, "fileName": null, "installer": null, "dockerEnv": null, "layer": null}`, linux, want(nil)},
		{
			"legacy string booleans have their real meaning",
			`{"zip": "true", "slim": "true", "strip": "false", "cleanupZipHelper": "false", "invalidateCaches": "true",
			  "usePipenv": "false", "usePoetry": "false", "useUv": "false", "dockerSsh": "false",
			  "dockerRootless": "true", "useStaticCache": "false", "useDownloadCache": "false",
			  "requirePoetryLockFile": "true", "slimPatternsAppendDefaults": "false"}`,
			linux,
			want(func(o *Options) {
				o.Zip, o.Slim, o.Strip, o.CleanupZipHelper, o.InvalidateCaches = true, true, false, false, true
				o.UsePipenv, o.UsePoetry, o.UseUv = false, false, false
				o.DockerRootless, o.UseStaticCache, o.UseDownloadCache, o.RequirePoetryLockFile = true, false, false, true
				o.SlimPatternsAppendDefaults = false
			}),
		},
		{"dockerizePip true", `{"dockerizePip": true}`, linux, want(func(o *Options) { o.DockerizePip = DockerOn })},
		{"dockerizePip 'true'", `{"dockerizePip": "true"}`, linux, want(func(o *Options) { o.DockerizePip = DockerOn })},
		{"dockerizePip 'false'", `{"dockerizePip": "false"}`, linux, want(nil)},
		{"dockerizePip non-linux", `{"dockerizePip": "non-linux"}`, linux, want(func(o *Options) { o.DockerizePip = DockerNonLinux })},
		{"dockerizePip when-needed", `{"dockerizePip": "when-needed"}`, linux, want(func(o *Options) { o.DockerizePip = DockerWhenNeeded })},
		{"installer uv", `{"installer": "uv"}`, linux, want(func(o *Options) { o.Installer = InstallerUv })},
		{"staticCacheMaxVersions number", `{"staticCacheMaxVersions": 4}`, linux, want(func(o *Options) { o.StaticCacheMaxVersions = 4 })},
		{"staticCacheMaxVersions numeric string", `{"staticCacheMaxVersions": "12"}`, linux, want(func(o *Options) { o.StaticCacheMaxVersions = 12 })},
		{"staticCacheMaxVersions 3.0", `{"staticCacheMaxVersions": 3.0}`, linux, want(func(o *Options) { o.StaticCacheMaxVersions = 3 })},
		{
			"strings and falsy strings",
			`{"fileName": "req/prod.txt", "cacheLocation": "/tmp/c", "vendor": "./v", "dockerImage": false, "dockerFile": "", "dockerPrivateKey": null}`,
			linux,
			want(func(o *Options) {
				o.FileName, o.FileNameSet, o.CacheLocation, o.Vendor = "req/prod.txt", true, "/tmp/c", "./v"
			}),
		},
		{
			"lists",
			`{"dockerEnv": ["A", "B=c d", "C="], "dockerRunCmdExtraArgs": ["--network", "host"], "dockerBuildCmdExtraArgs": ["--pull"],
			  "dockerExtraFiles": ["/usr/lib64/libpq.so.5"], "noDeploy": ["boto3"], "poetryWithGroups": ["a", "b"],
			  "poetryWithoutGroups": ["dev"], "poetryOnlyGroups": ["main"], "uvOptionalDependencies": ["s3"],
			  "uvWithGroups": ["lambda"], "uvWithoutGroups": ["dev"], "uvOnlyGroups": ["prod"]}`,
			linux,
			want(func(o *Options) {
				o.DockerEnv = []string{"A", "B=c d", "C="}
				o.DockerRunCmdExtraArgs = []string{"--network", "host"}
				o.DockerBuildCmdExtraArgs = []string{"--pull"}
				o.DockerExtraFiles = []string{"/usr/lib64/libpq.so.5"}
				o.NoDeploy = []string{"boto3"}
				o.PoetryWithGroups, o.PoetryWithoutGroups, o.PoetryOnlyGroups = []string{"a", "b"}, []string{"dev"}, []string{"main"}
				o.UvOptionalDependencies, o.UvWithGroups = []string{"s3"}, []string{"lambda"}
				o.UvWithoutGroups, o.UvOnlyGroups = []string{"dev"}, []string{"prod"}
			}),
		},
		{"falsy lists", `{"dockerEnv": false, "slimPatterns": false}`, linux, want(nil)},
		{
			"pipCmdExtraArgs keeps every token",
			`{"pipCmdExtraArgs": ["--extra-index-url https://x.example/simple --trusted-host x.example", "  --no-compile ", ""]}`,
			linux,
			want(func(o *Options) {
				o.PipCmdExtraArgs = []string{"--extra-index-url", "https://x.example/simple", "--trusted-host", "x.example", "--no-compile"}
			}),
		},
		{
			"slimPatterns appended to defaults",
			`{"slim": true, "slimPatterns": ["**/tests/**"]}`,
			linux,
			want(func(o *Options) {
				o.Slim = true
				o.SlimPatterns = []string{"**/tests/**"}
				o.SlimPatternList = []string{"**/*.py[c|o]", "**/__pycache__*", "**/*.dist-info*", "**/tests/**"}
			}),
		},
		{
			"slimPatterns replace defaults",
			`{"slimPatterns": ["**/tests/**"], "slimPatternsAppendDefaults": false}`,
			linux,
			want(func(o *Options) {
				o.SlimPatterns, o.SlimPatternsAppendDefaults = []string{"**/tests/**"}, false
				o.SlimPatternList = []string{"**/tests/**"}
			}),
		},
		{
			"empty slimPatterns replace defaults with nothing",
			`{"slimPatterns": [], "slimPatternsAppendDefaults": "false"}`,
			linux,
			want(func(o *Options) {
				o.SlimPatterns, o.SlimPatternsAppendDefaults = []string{}, false
				o.SlimPatternList = []string{}
			}),
		},
		{
			"no slimPatterns keeps defaults even when not appending",
			`{"slimPatternsAppendDefaults": false}`,
			linux,
			want(func(o *Options) { o.SlimPatternsAppendDefaults = false }),
		},
		{"layer true", `{"layer": true}`, linux, want(func(o *Options) { o.Layer = Layer{Enabled: true} })},
		{"layer 'true'", `{"layer": "true"}`, linux, want(func(o *Options) { o.Layer = Layer{Enabled: true} })},
		{"layer false", `{"layer": false}`, linux, want(nil)},
		{"layer {}", `{"layer": {}}`, linux, want(func(o *Options) { o.Layer = Layer{Enabled: true, Props: map[string]any{}} })},
		{
			"layer object",
			`{"layer": {"name": "deps", "description": "d", "compatibleRuntimes": ["python3.12"], "compatibleArchitectures": ["arm64"],
			  "licenseInfo": "MIT", "allowedAccounts": ["123456789012", "*", "arn:aws:iam::123456789012:root"], "retain": "true",
			  "artifact": "x.zip"}}`,
			linux,
			want(func(o *Options) {
				o.Layer = Layer{Enabled: true, Props: map[string]any{
					"name":                    "deps",
					"description":             "d",
					"compatibleRuntimes":      []string{"python3.12"},
					"compatibleArchitectures": []string{"arm64"},
					"licenseInfo":             "MIT",
					"allowedAccounts":         []string{"123456789012", "*", "arn:aws:iam::123456789012:root"},
					"retain":                  true,
					"artifact":                "x.zip",
				}}
			}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := Parse([]byte(tc.raw), tc.host)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(warnings) > 0 {
				t.Errorf("unexpected warnings: %v", warnings)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPythonBin(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		host    Host
		want    string
		wantSet bool
	}{
		{"provider python runtime", `{}`, Host{"linux", "python3.11"}, "python3.11", false},
		{"no runtime", `{}`, Host{"linux", ""}, "python", false},
		{"node runtime", `{}`, Host{"linux", "nodejs20.x"}, "python", false},
		{"darwin", `{}`, Host{"darwin", "python3.13"}, "python3.13", false},
		{"windows", `{}`, Host{"windows", "python3.12"}, "python.exe", false},
		{"windows with docker", `{"dockerizePip": true}`, Host{"windows", "python3.12"}, "python", false},
		{"windows with non-linux docker", `{"dockerizePip": "non-linux"}`, Host{"windows", "python3.12"}, "python", false},
		{"linux with non-linux docker", `{"dockerizePip": "non-linux"}`, Host{"linux", "python3.12"}, "python3.12", false},
		{"runtime-style name python39", `{}`, Host{"linux", "python39"}, "python3.9", false},
		{"runtime-style name python311", `{}`, Host{"linux", "python311"}, "python3.11", false},
		{"user runtime-style name", `{"pythonBin": "python310"}`, linux, "python3.10", true},
		{"user path is not rewritten", `{"pythonBin": "/opt/python311/bin/python"}`, linux, "/opt/python311/bin/python", true},
		{"python3 alone is not rewritten", `{"pythonBin": "python3"}`, linux, "python3", true},
		{"user value wins on windows with docker", `{"pythonBin": "python3.12", "dockerizePip": true}`, Host{"windows", ""}, "python3.12", true},
		{"user value", `{"pythonBin": "/usr/local/bin/python3.12"}`, linux, "/usr/local/bin/python3.12", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := Parse([]byte(tc.raw), tc.host)
			if err != nil {
				t.Fatal(err)
			}
			if got.PythonBin != tc.want || got.PythonBinSet != tc.wantSet {
				t.Errorf("PythonBin = %q (set %v), want %q (set %v)", got.PythonBin, got.PythonBinSet, tc.want, tc.wantSet)
			}
		})
	}
}

func TestDockerized(t *testing.T) {
	for _, tc := range []struct {
		mode DockerizeMode
		goos string
		want bool
	}{
		{DockerOff, "darwin", false},
		{DockerOn, "linux", true},
		{DockerNonLinux, "linux", false},
		{DockerNonLinux, "darwin", true},
		{DockerNonLinux, "windows", true},
	} {
		o := &Options{DockerizePip: tc.mode}
		if got := o.Dockerized(tc.goos); got != tc.want {
			t.Errorf("%v on %s: Dockerized = %v, want %v", tc.mode, tc.goos, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		host Host
		key  string   // the full key the error must name
		msgs []string // substrings of the error text
	}{
		{"block number", `42`, linux, "custom.pythonRequirements", []string{"must be true, false or an object of options (got 42)"}},
		{"block list", `["zip"]`, linux, "custom.pythonRequirements", []string{"(got a list)"}},
		{"block string", `"maybe"`, linux, "custom.pythonRequirements", []string{`(got "maybe")`}},
		{"not JSON", `{"zip": }`, linux, "custom.pythonRequirements", []string{"not valid JSON"}},
		{"trailing data", `{} {}`, linux, "custom.pythonRequirements", []string{"not valid JSON"}},
		{"enabled", `{"enabled": "nope"}`, linux, "custom.pythonRequirements.enabled", []string{`must be true or false (got "nope")`}},
		{"zip number", `{"zip": 1}`, linux, "custom.pythonRequirements.zip", []string{"must be true or false (got 1)"}},
		{"dockerRootless True", `{"dockerRootless": "True"}`, linux, "custom.pythonRequirements.dockerRootless", []string{"true or false"}},
		{"dockerizePip", `{"dockerizePip": "linux"}`, linux, "custom.pythonRequirements.dockerizePip", []string{"true, false, 'non-linux' or 'when-needed'", `"linux"`}},
		{"installer", `{"installer": "pipx"}`, linux, "custom.pythonRequirements.installer", []string{`must be "pip" or "uv" (got "pipx")`}},
		{"installer bool", `{"installer": true}`, linux, "custom.pythonRequirements.installer", []string{`"pip" or "uv" (got true)`}},
		{"dockerEnv string", `{"dockerEnv": "AWS_SECRET=abc"}`, linux, "custom.pythonRequirements.dockerEnv",
			[]string{"must be a list of NAME or NAME=value strings, or false (got a string)", "YAML list"}},
		{"dockerEnv missing name", `{"dockerEnv": ["A", "=x"]}`, linux, "custom.pythonRequirements.dockerEnv[1]", []string{"name before '=' is missing"}},
		{"dockerEnv empty item", `{"dockerEnv": [""]}`, linux, "custom.pythonRequirements.dockerEnv[0]", []string{"not an empty string"}},
		{"dockerEnv item number", `{"dockerEnv": [1]}`, linux, "custom.pythonRequirements.dockerEnv[0]", []string{"must be a string (got a number)"}},
		{"dockerImage and dockerFile", `{"dockerImage": "python:3.12", "dockerFile": "Dockerfile"}`, linux, "custom.pythonRequirements.dockerImage",
			[]string{"custom.pythonRequirements.dockerFile", "not both"}},
		{"cache-dir with docker", `{"dockerizePip": true, "pipCmdExtraArgs": ["--no-compile", "--cache-dir /tmp/x"]}`, linux,
			"custom.pythonRequirements.pipCmdExtraArgs[1]", []string{"--cache-dir", "useDownloadCache"}},
		{"cache-dir= with docker", `{"dockerizePip": "true", "pipCmdExtraArgs": ["--cache-dir=/tmp/x"]}`, linux,
			"custom.pythonRequirements.pipCmdExtraArgs[0]", []string{"useDownloadCache"}},
		{"cache-dir with non-linux docker on mac", `{"dockerizePip": "non-linux", "pipCmdExtraArgs": ["--cache-dir", "/x"]}`, Host{"darwin", ""},
			"custom.pythonRequirements.pipCmdExtraArgs[0]", []string{"useDownloadCache"}},
		{"dockerRunCmdExtraArgs", `{"dockerRunCmdExtraArgs": "--network host"}`, linux, "custom.pythonRequirements.dockerRunCmdExtraArgs",
			[]string{"must be a list of docker run arguments (got a string)"}},
		{"dockerBuildCmdExtraArgs", `{"dockerBuildCmdExtraArgs": "--pull"}`, linux, "custom.pythonRequirements.dockerBuildCmdExtraArgs",
			[]string{"docker build arguments"}},
		{"dockerExtraFiles", `{"dockerExtraFiles": {"a": 1}}`, linux, "custom.pythonRequirements.dockerExtraFiles", []string{"(got an object)"}},
		{"pipCmdExtraArgs string", `{"pipCmdExtraArgs": "--no-deps"}`, linux, "custom.pythonRequirements.pipCmdExtraArgs", []string{"list of pip install arguments"}},
		{"staticCacheMaxVersions negative", `{"staticCacheMaxVersions": -1}`, linux, "custom.pythonRequirements.staticCacheMaxVersions",
			[]string{"whole number", "(got -1)"}},
		{"staticCacheMaxVersions fraction", `{"staticCacheMaxVersions": 1.5}`, linux, "custom.pythonRequirements.staticCacheMaxVersions", []string{"(got 1.5)"}},
		{"staticCacheMaxVersions word", `{"staticCacheMaxVersions": "three"}`, linux, "custom.pythonRequirements.staticCacheMaxVersions", []string{`(got "three")`}},
		{"staticCacheMaxVersions negative string", `{"staticCacheMaxVersions": "-2"}`, linux, "custom.pythonRequirements.staticCacheMaxVersions", []string{`"-2"`}},
		{"staticCacheMaxVersions bool", `{"staticCacheMaxVersions": true}`, linux, "custom.pythonRequirements.staticCacheMaxVersions", []string{"(got true)"}},
		{"layer string", `{"layer": "y"}`, linux, "custom.pythonRequirements.layer", []string{"must be true, false or an object of layer properties"}},
		{"layer number", `{"layer": 1}`, linux, "custom.pythonRequirements.layer", []string{"object of layer properties (got 1)"}},
		{"layer unknown property", `{"layer": {"nmae": "x"}}`, linux, "custom.pythonRequirements.layer.nmae", []string{"is not a layer property", "Did you mean name?"}},
		{"layer path", `{"layer": {"path": "layer"}}`, linux, "custom.pythonRequirements.layer.path", []string{"installed requirements", "layers:"}},
		{"layer package", `{"layer": {"package": {"artifact": "x.zip"}}}`, linux, "custom.pythonRequirements.layer.package", []string{"cannot be set"}},
		{"layer name", `{"layer": {"name": "my deps"}}`, linux, "custom.pythonRequirements.layer.name", []string{"letters, digits"}},
		{"layer name too long", `{"layer": {"name": "` + strings.Repeat("a", 141) + `"}}`, linux, "custom.pythonRequirements.layer.name", []string{"1 to 140"}},
		{"layer architecture", `{"layer": {"compatibleArchitectures": ["amd64"]}}`, linux, "custom.pythonRequirements.layer.compatibleArchitectures[0]",
			[]string{`"x86_64" or "arm64" (got "amd64")`}},
		{"layer architectures too many", `{"layer": {"compatibleArchitectures": ["arm64", "x86_64", "arm64"]}}`, linux,
			"custom.pythonRequirements.layer.compatibleArchitectures", []string{"at most 2"}},
		{"layer runtimes string", `{"layer": {"compatibleRuntimes": "python3.12"}}`, linux, "custom.pythonRequirements.layer.compatibleRuntimes", []string{"(got a string)"}},
		{"layer account", `{"layer": {"allowedAccounts": ["12345"]}}`, linux, "custom.pythonRequirements.layer.allowedAccounts[0]", []string{"12-digit"}},
		{"layer retain", `{"layer": {"retain": "yes please"}}`, linux, "custom.pythonRequirements.layer.retain", []string{"true or false"}},
		{"layer retain null", `{"layer": {"retain": null}}`, linux, "custom.pythonRequirements.layer.retain", []string{"(got null)"}},
		{"layer description", `{"layer": {"description": "` + strings.Repeat("é", 257) + `"}}`, linux, "custom.pythonRequirements.layer.description",
			[]string{"at most 256 characters (got 257)"}},
		{"layer artifact empty", `{"layer": {"artifact": ""}}`, linux, "custom.pythonRequirements.layer.artifact", []string{"not an empty string"}},
		{"poetryWithGroups string", `{"poetryWithGroups": "lambda"}`, linux, "custom.pythonRequirements.poetryWithGroups", []string{"list of poetry group names"}},
		{"poetryWithoutGroups string", `{"poetryWithoutGroups": "dev"}`, linux, "custom.pythonRequirements.poetryWithoutGroups", []string{"(got a string)"}},
		{"poetryOnlyGroups bool", `{"poetryOnlyGroups": true}`, linux, "custom.pythonRequirements.poetryOnlyGroups", []string{"(got true)"}},
		{"uvOptionalDependencies string", `{"uvOptionalDependencies": "s3"}`, linux, "custom.pythonRequirements.uvOptionalDependencies", []string{"extra names"}},
		{"uvWithGroups string", `{"uvWithGroups": "a"}`, linux, "custom.pythonRequirements.uvWithGroups", []string{"uv group names"}},
		{"uvWithoutGroups string", `{"uvWithoutGroups": "a"}`, linux, "custom.pythonRequirements.uvWithoutGroups", []string{"uv group names"}},
		{"uvOnlyGroups string", `{"uvOnlyGroups": "a"}`, linux, "custom.pythonRequirements.uvOnlyGroups", []string{"uv group names"}},
		{"noDeploy string", `{"noDeploy": "boto3"}`, linux, "custom.pythonRequirements.noDeploy", []string{"distribution names"}},
		{"noDeploy item", `{"noDeploy": ["boto3", 7]}`, linux, "custom.pythonRequirements.noDeploy[1]", []string{"must be a string (got a number)"}},
		{"slimPatterns string", `{"slimPatterns": "**/tests/**"}`, linux, "custom.pythonRequirements.slimPatterns", []string{"glob patterns, or false"}},
		{"slimPatterns empty item", `{"slimPatterns": [""]}`, linux, "custom.pythonRequirements.slimPatterns[0]", []string{"not an empty string"}},
		{"slimPatterns bad glob", `{"slimPatterns": ["**/*.py", "**/[z-a].py"]}`, linux, "custom.pythonRequirements.slimPatterns[1]",
			[]string{`is not a valid glob pattern "**/[z-a].py"`}},
		{"slimPatterns bad class without defaults", `{"slimPatternsAppendDefaults": false, "slimPatterns": ["[abc"]}`, linux,
			"custom.pythonRequirements.slimPatterns[0]", []string{`"[abc"`}},
		{"fileName empty", `{"fileName": ""}`, linux, "custom.pythonRequirements.fileName", []string{"not an empty string"}},
		{"fileName list", `{"fileName": ["a"]}`, linux, "custom.pythonRequirements.fileName", []string{"(got a list)"}},
		{"pythonBin number", `{"pythonBin": 3.12}`, linux, "custom.pythonRequirements.pythonBin", []string{"(got a number)"}},
		{"pythonBin empty", `{"pythonBin": ""}`, linux, "custom.pythonRequirements.pythonBin", []string{"not an empty string"}},
		{"pythonBin false", `{"pythonBin": false}`, linux, "custom.pythonRequirements.pythonBin", []string{"(got false)"}},
		{"cacheLocation true", `{"cacheLocation": true}`, linux, "custom.pythonRequirements.cacheLocation", []string{"a folder path, or false (got true)"}},
		{"vendor number", `{"vendor": 1}`, linux, "custom.pythonRequirements.vendor", []string{"a folder path"}},
		{"dockerImage true", `{"dockerImage": true}`, linux, "custom.pythonRequirements.dockerImage", []string{"Docker image reference"}},
		{"dockerFile list", `{"dockerFile": ["Dockerfile"]}`, linux, "custom.pythonRequirements.dockerFile", []string{"path of a Dockerfile"}},
		{"dockerPrivateKey number", `{"dockerPrivateKey": 0}`, linux, "custom.pythonRequirements.dockerPrivateKey", []string{"SSH private key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, _, err := Parse([]byte(tc.raw), tc.host)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", opts)
			}
			if opts != nil {
				t.Errorf("options returned along with an error")
			}
			de, ok := diag.As(err)
			if !ok {
				t.Fatalf("error %T is not a *diag.Error: %v", err, err)
			}
			if de.Code != "PYREQS_CONFIG_INVALID" {
				t.Errorf("code = %q", de.Code)
			}
			if de.Key != tc.key {
				t.Errorf("key = %q, want %q (error: %v)", de.Key, tc.key, err)
			}
			if !strings.HasPrefix(err.Error(), tc.key+": ") {
				t.Errorf("error does not start with the key %q: %v", tc.key, err)
			}
			for _, m := range tc.msgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error does not contain %q:\n%v", m, err)
				}
			}
		})
	}
}

// TestListErrorsDoNotShowValues: list options may carry secrets (dockerEnv values, index URLs).
func TestListErrorsDoNotShowValues(t *testing.T) {
	for _, raw := range []string{
		`{"dockerEnv": "TOKEN=s3cr3t"}`,
		`{"pipCmdExtraArgs": "--index-url https://user:s3cr3t@x"}`,
		`{"dockerEnv": ["=s3cr3t"]}`,
	} {
		_, _, err := Parse([]byte(raw), linux)
		if err == nil {
			t.Fatalf("%s: accepted", raw)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error shows the value: %v", raw, err)
		}
	}
}

func TestSeveralErrorsAreAllReported(t *testing.T) {
	_, _, err := Parse([]byte(`{"zip": "yess", "dockerEnv": "A=1", "layer": {"nmae": "x"}}`), linux)
	de, ok := diag.As(err)
	if !ok {
		t.Fatalf("got %v", err)
	}
	if de.Key != "custom.pythonRequirements.zip" {
		t.Errorf("first error is %q, want the first key in option order (zip)", de.Key)
	}
	for _, m := range []string{"Also fix:", "custom.pythonRequirements.dockerEnv: must be a list", "custom.pythonRequirements.layer.nmae: is not a layer property"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error does not contain %q:\n%v", m, err)
		}
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		host Host
		want []string // substrings, one per expected warning, in order
	}{
		{"unknown key with suggestion", `{"dockerizepip": true}`, linux,
			[]string{"custom.pythonRequirements.dockerizepip: is not an option of serverless-pyreqs and is ignored.\nDid you mean dockerizePip?"}},
		{"typo", `{"pipCmdExtraArg": ["-q"], "slimPattern": ["x"]}`, linux,
			[]string{"pipCmdExtraArg: is not an option of serverless-pyreqs and is ignored.\nDid you mean pipCmdExtraArgs?", "slimPattern: is not an option of serverless-pyreqs and is ignored.\nDid you mean slimPatterns?"}},
		{"unknown key without suggestion", `{"individually": true}`, linux, []string{"custom.pythonRequirements.individually: is not an option"}},
		{"docker option without docker", `{"dockerImage": "python:3.12", "dockerSsh": true}`, linux,
			[]string{"You provided a docker related option but dockerizePip is set to false (custom.pythonRequirements.dockerSsh, custom.pythonRequirements.dockerImage ignored)."}},
		{"dockerFile without docker", `{"dockerFile": "Dockerfile", "dockerizePip": "false"}`, linux, []string{"custom.pythonRequirements.dockerFile ignored"}},
		{"no warning for docker options with non-linux on linux", `{"dockerPrivateKey": "/k", "dockerImage": "x", "dockerizePip": "non-linux"}`, linux, nil},
		{"cache-dir without docker", `{"pipCmdExtraArgs": ["--cache-dir /tmp/pip"]}`, linux,
			[]string{"custom.pythonRequirements.pipCmdExtraArgs[0]: You are using a deprecated --cache-dir inside your pipCmdExtraArgs which may not work properly, please use the useDownloadCache option instead."}},
		{"cache-dir with non-linux on linux", `{"dockerizePip": "non-linux", "pipCmdExtraArgs": ["-q", "--cache-dir=/x"]}`, linux,
			[]string{"pipCmdExtraArgs[1]"}},
		{"no warnings for docker options with docker", `{"dockerizePip": true, "dockerImage": "x", "dockerSsh": true, "dockerPrivateKey": "/k"}`, linux, nil},
		{"no warning for --cache-dirs", `{"pipCmdExtraArgs": ["--cache-dirs"]}`, linux, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, warnings, err := Parse([]byte(tc.raw), tc.host)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != len(tc.want) {
				t.Fatalf("warnings = %v, want %d", warnings, len(tc.want))
			}
			for i, w := range tc.want {
				if got := warnings[i].String() + "\n" + warnings[i].Fix(); !strings.Contains(got, w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got, w)
				}
				if _, ok := diag.Lookup(warnings[i].Code); !ok || warnings[i].Code == "" {
					t.Errorf("warning %d has no catalog code: %q", i, warnings[i].Code)
				}
			}
		})
	}
}

func TestDefaultSlimPatternsCompile(t *testing.T) {
	if _, err := slim.Compile(DefaultSlimPatterns); err != nil {
		t.Errorf("default slim patterns: %v", err)
	}
}

func TestParseValueFromYAMLTypes(t *testing.T) {
	// goccy/go-yaml decodes integers as uint64/int64 and mappings as map[string]any.
	v := map[string]any{
		"staticCacheMaxVersions": uint64(7),
		"zip":                    true,
		"dockerEnv":              []any{"A=1"},
		"layer":                  map[string]any{"compatibleRuntimes": []any{"python3.12"}},
	}
	o, _, err := ParseValue(v, linux)
	if err != nil {
		t.Fatal(err)
	}
	if o.StaticCacheMaxVersions != 7 || !o.Zip || len(o.DockerEnv) != 1 || !o.Layer.Enabled {
		t.Errorf("got %+v", o)
	}
	if _, _, err := ParseValue(map[string]any{"staticCacheMaxVersions": int64(-3)}, linux); err == nil {
		t.Error("negative int64 accepted")
	}
}

func TestSuggest(t *testing.T) {
	for key, want := range map[string]string{
		"dockerizepip":     "dockerizePip",
		"DOCKERIZEPIP":     "dockerizePip",
		"zipp":             "zip",
		"slimPattern":      "slimPatterns",
		"pipCmdExtraArg":   "pipCmdExtraArgs",
		"useStaticCaches":  "useStaticCache",
		"poetryWithGroup":  "poetryWithGroups",
		"dockerImg":        "dockerImage",
		"individually":     "",
		"foo":              "",
		"module":           "",
		"staticCacheMaxes": "",
	} {
		if got := suggest(key, KnownKeys()); got != want {
			t.Errorf("suggest(%q) = %q, want %q", key, got, want)
		}
	}
}

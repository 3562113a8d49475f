package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// Bad inputs of issue 18, section 4: each is an error naming the key, with what to write.
func TestBadInputsNameKeyAndFix(t *testing.T) {
	for _, tc := range []struct {
		name, raw, key string
		want           []string // in the message or hint
	}{
		{"cacheLocation true", `{"cacheLocation": true}`, "custom.pythonRequirements.cacheLocation",
			[]string{"must be a folder path, or false (got true)", "cacheLocation: .cache/pyreqs"}},
		{"cacheLocation 'true' (true after Serverless's coercion)", `{"cacheLocation": "true"}`, "custom.pythonRequirements.cacheLocation",
			[]string{"must be a folder path, or false (got true)", "remove the key to use the default"}},
		{"cacheLocation number", `{"cacheLocation": 5}`, "custom.pythonRequirements.cacheLocation",
			[]string{"(got a number)", "cacheLocation: .cache/pyreqs"}},
		{"cacheLocation list", `{"cacheLocation": ["a"]}`, "custom.pythonRequirements.cacheLocation",
			[]string{"(got a list)"}},
		{"cacheLocation object", `{"cacheLocation": {"path": "a"}}`, "custom.pythonRequirements.cacheLocation",
			[]string{"(got an object)"}},
		{"remoteCache https", `{"remoteCache": "https://bucket/p"}`, "custom.pythonRequirements.remoteCache",
			[]string{"must be an s3://bucket/prefix URL", "remoteCache: s3://my-ci-cache/pyreqs"}},
		{"remoteCache without bucket", `{"remoteCache": "s3:///p"}`, "custom.pythonRequirements.remoteCache",
			[]string{"names no bucket"}},
		{"remoteCache with credentials", `{"remoteCache": "s3://AKIA:secret@bucket/p"}`, "custom.pythonRequirements.remoteCache",
			[]string{"must not carry credentials", "AWS chain"}},
		{"remoteCache empty", `{"remoteCache": ""}`, "custom.pythonRequirements.remoteCache",
			[]string{"not an empty string"}},
		{"remoteCache true", `{"remoteCache": true}`, "custom.pythonRequirements.remoteCache",
			[]string{"(got true)"}},
		{"vendor true", `{"vendor": true}`, "custom.pythonRequirements.vendor",
			[]string{"must be a folder path, or false (got true)", "vendor: ./vendored"}},
		{"vendor 'true'", `{"vendor": "true"}`, "custom.pythonRequirements.vendor",
			[]string{"(got true)", "vendor: ./vendored"}},
		{"vendor list", `{"vendor": ["./vendored"]}`, "custom.pythonRequirements.vendor",
			[]string{"(got a list)", "vendor: ./vendored"}},
		{"dockerFile true", `{"dockerFile": true}`, "custom.pythonRequirements.dockerFile",
			[]string{"must be the path of a Dockerfile, or false (got true)"}},
		{"layer.compatibleRuntimes string", `{"layer": {"compatibleRuntimes": "python3.11"}}`, "custom.pythonRequirements.layer.compatibleRuntimes",
			[]string{"must be a list of Lambda runtimes such as python3.12 (got a string)", "Write a YAML list", "- first"}},
		{"layer.compatibleRuntimes number", `{"layer": {"compatibleRuntimes": 3.11}}`, "custom.pythonRequirements.layer.compatibleRuntimes",
			[]string{"(got a number)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tc.raw), linux)
			de, ok := diag.As(err)
			if !ok {
				t.Fatalf("got %v, want a *diag.Error", err)
			}
			if de.Key != tc.key || de.Code != "PYREQS_CONFIG_INVALID" {
				t.Errorf("key %q code %q, want %q PYREQS_CONFIG_INVALID", de.Key, de.Code, tc.key)
			}
			for _, w := range tc.want {
				if !strings.Contains(de.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, de)
				}
			}
		})
	}
}

func TestPathOptionsKeepPathsAndFalse(t *testing.T) {
	o, _, err := Parse([]byte(`{"cacheLocation": "./true", "vendor": false, "dockerFile": null}`), linux)
	if err != nil {
		t.Fatal(err)
	}
	if o.CacheLocation != "./true" || o.Vendor != "" || o.DockerFile != "" {
		t.Errorf("got cacheLocation %q vendor %q dockerFile %q", o.CacheLocation, o.Vendor, o.DockerFile)
	}
}

func TestYAML11Booleans(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{
		{"yes", true}, {"Yes", true}, {"YES", true}, {"yEs", true}, {"on", true}, {"On", true}, {"ON", true},
		{"no", false}, {"No", false}, {"NO", false}, {"off", false}, {"Off", false}, {"OFF", false}, {"oFf", false},
	} {
		for _, s := range optionTable {
			if s.Kind != Bool {
				continue
			}
			raw, _ := json.Marshal(map[string]string{s.Key: tc.value})
			o, _, err := Parse(raw, linux)
			if err != nil {
				t.Errorf("%s: %s: %v", s.Key, tc.value, err)
				continue
			}
			// Decoding the real boolean must give the same options.
			rawBool, _ := json.Marshal(map[string]bool{s.Key: tc.want})
			wantOpts, _, _ := Parse(rawBool, linux)
			if diff := compareOptions(o, wantOpts); diff != "" {
				t.Errorf("%s: %q differs from %v: %s", s.Key, tc.value, tc.want, diff)
			}
		}
	}
	for _, raw := range []string{`"Yes"`, `{"layer": "on"}`, `{"layer": {"retain": "YES"}}`} {
		o, _, err := Parse([]byte(raw), linux)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
		} else if !o.Enabled || (strings.Contains(raw, "layer") && !o.Layer.Enabled) {
			t.Errorf("%s: decoded to %+v", raw, o)
		}
	}
	o, _, _ := Parse([]byte(`{"layer": {"retain": "Off"}}`), linux)
	if o.Layer.Props["retain"] != false {
		t.Errorf("retain Off: %v", o.Layer.Props["retain"])
	}
	for _, bad := range []string{"y", "n", "yess", "TRUE", "True", "1", "enable"} {
		raw, _ := json.Marshal(map[string]string{"zip": bad})
		if _, _, err := Parse(raw, linux); err == nil {
			t.Errorf("zip: %q accepted", bad)
		}
	}
}

func compareOptions(a, b *Options) string {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		return string(ja) + "\n" + string(jb)
	}
	return ""
}

func TestParseFunction(t *testing.T) {
	ok := []struct {
		module, vendor string
		want           FunctionOptions
	}{
		{``, ``, FunctionOptions{}},
		{`null`, `null`, FunctionOptions{}},
		{`"./hello"`, `"./vendored"`, FunctionOptions{Module: "./hello", Vendor: "./vendored"}},
		{`"."`, ``, FunctionOptions{Module: "."}},
	}
	for _, tc := range ok {
		got, err := ParseFunction("hello", json.RawMessage(tc.module), json.RawMessage(tc.vendor))
		if err != nil || got != tc.want {
			t.Errorf("module %s vendor %s: %+v, %v", tc.module, tc.vendor, got, err)
		}
	}
	bad := []struct {
		module, vendor string
		key            string
		want           []string
	}{
		{`5`, ``, "functions.hello.module", []string{"(got a number)", "module: ./hello"}},
		{`3.12`, ``, "functions.hello.module", []string{"(got a number)"}},
		{`true`, ``, "functions.hello.module", []string{"(got true)"}},
		{`"true"`, ``, "functions.hello.module", []string{"(got true)"}},
		{`["a"]`, ``, "functions.hello.module", []string{"(got a list)"}},
		{`{"path": "a"}`, ``, "functions.hello.module", []string{"(got an object)"}},
		{`"."`, `true`, "functions.hello.vendor", []string{"(got true)", "vendor: ./vendored"}},
		{`"."`, `"true"`, "functions.hello.vendor", []string{"(got true)"}},
		{`"."`, `["x"]`, "functions.hello.vendor", []string{"(got a list)", "One vendor folder per function"}},
		{`"."`, `false`, "functions.hello.vendor", []string{"(got false)"}},
	}
	for _, tc := range bad {
		_, err := ParseFunction("hello", json.RawMessage(tc.module), json.RawMessage(tc.vendor))
		de, isDiag := diag.As(err)
		if !isDiag {
			t.Errorf("module %s vendor %s: got %v", tc.module, tc.vendor, err)
			continue
		}
		if de.Key != tc.key {
			t.Errorf("module %s vendor %s: key %q, want %q", tc.module, tc.vendor, de.Key, tc.key)
		}
		for _, w := range tc.want {
			if !strings.Contains(de.Error(), w) {
				t.Errorf("module %s vendor %s: error does not contain %q:\n%v", tc.module, tc.vendor, w, de)
			}
		}
	}
}

func TestCheckCustomBlock(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want []string // keys warned about
	}{
		{nil, nil},
		{[]string{"pythonRequirements"}, nil},
		{[]string{"pythonRequirments"}, []string{"pythonRequirments"}},
		{[]string{"pythonrequirements"}, []string{"pythonrequirements"}},
		{[]string{"PythonRequirements"}, []string{"PythonRequirements"}},
		{[]string{"python_requirements"}, []string{"python_requirements"}},
		{[]string{"python-requirements"}, []string{"python-requirements"}},
		{[]string{"pythonRequirement"}, []string{"pythonRequirement"}},
		{[]string{"pyhtonRequirements"}, []string{"pyhtonRequirements"}},
		{[]string{"pythonRequirements", "pythonRequirments"}, []string{"pythonRequirments"}},
		{[]string{"esbuild", "pythonReqs", "prune", "webpack", "requirements", "customDomain"}, nil},
		{[]string{"pythonRequirments", "pythonrequirements", "other"}, []string{"pythonRequirments", "pythonrequirements"}},
	} {
		custom := map[string]json.RawMessage{}
		for _, k := range tc.keys {
			custom[k] = json.RawMessage(`{}`)
		}
		got := CheckCustomBlock(custom)
		if len(got) != len(tc.want) {
			t.Errorf("%v: warnings %v, want %d", tc.keys, got, len(tc.want))
			continue
		}
		for i, k := range tc.want {
			text := got[i].String()
			if got[i].Code != diag.CodeOptionsBlockMisspelt || got[i].Key != "custom."+k || !strings.Contains(text, "custom."+k+": is not read") ||
				!strings.Contains(text, "custom.pythonRequirements") || !strings.Contains(got[i].Fix(), "pythonRequirements") {
				t.Errorf("%v: warning %q (fix %q) does not name custom.%s and custom.pythonRequirements", tc.keys, text, got[i].Fix(), k)
			}
		}
	}
	if got := CheckCustomBlock(map[string]any(nil)); got != nil {
		t.Errorf("nil custom: %v", got)
	}
}

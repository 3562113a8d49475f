package acceptance

import (
	"reflect"
	"sync"
	"testing"
)

// packageBoth packages a copy of the sample service with each plugin, in parallel, after
// applying config to both.
func packageBoth(t *testing.T, name string, config map[string]any) (ours, original *Service) {
	t.Helper()
	ours, original = NewService(t, name, Ours), NewService(t, name, Original)
	var wg sync.WaitGroup
	for _, s := range []*Service{ours, original} {
		for k, v := range config {
			s.SetConfig(k, v)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := s.Sls("package"); err != nil {
				t.Errorf("%s plugin: %v", s.Plugin, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return ours, original
}

// TestDifferentialZipSlim packages testdata/services/zip (zip, vendor) with slim on with
// both plugins: the .requirements.zip in the artifacts hold the same files with the same content
// (slim deleted the same files, strip gave the same bytes), apart from the documented differences.
func TestDifferentialZipSlim(t *testing.T) {
	t.Parallel()
	ours, original := packageBoth(t, "zip", map[string]any{
		"custom.pythonRequirements.slim":         true,
		"custom.pythonRequirements.slimPatterns": []string{"**/cli.py", "pyreqs_with*/**", "**/*.dist-info*/"},
	})
	files := map[Plugin]map[string]string{}
	for _, s := range []*Service{ours, original} {
		for _, n := range []string{"handler.py", "unzip_requirements.py", ".requirements.zip"} {
			if _, ok := ZipEntries(t, s.Artifact())[n]; !ok {
				t.Errorf("%s plugin: the artifact has no %s", s.Plugin, n)
			}
		}
		files[s.Plugin] = zipFileHashes(t, extractNested(t, s.Artifact(), ".requirements.zip"), "")
	}
	compareRequirementFiles(t, ".requirements.zip (zip + slim)", files[Ours], files[Original])
	for _, gone := range []string{"pyreqs_pure/cli.py", "pyreqs_withdeps/__init__.py"} {
		if _, ok := files[Ours][gone]; ok {
			t.Errorf("slimPatterns: %s is still in our .requirements.zip", gone)
		}
	}
}

// TestDifferentialLayer packages testdata/services/layer with both plugins: the layer zips
// hold the same files under python/ and the layer resources agree, apart from the documented
// differences (CompatibleArchitectures is ours only).
func TestDifferentialLayer(t *testing.T) {
	t.Parallel()
	ours, original := packageBoth(t, "layer", map[string]any{"custom.pythonRequirements.vendor": "./vendored"})
	files := map[Plugin]map[string]string{}
	props := map[Plugin]any{}
	for _, s := range []*Service{ours, original} {
		files[s.Plugin] = zipFileHashes(t, s.Path(".serverless/pythonRequirements.zip"), "python/")
		props[s.Plugin] = dig(readTemplate(t, s), "Resources", "PythonRequirementsLambdaLayer", "Properties")
		if inj := withPrefix(ZipEntries(t, s.Artifact()), "pyreqs_"); len(inj) > 0 {
			t.Errorf("%s plugin: requirements in the function artifact: %v", s.Plugin, inj)
		}
	}
	compareRequirementFiles(t, "layer zip", files[Ours], files[Original])
	if _, ok := files[Ours]["layer_vendored.py"]; !ok {
		t.Errorf("our layer has no vendor file")
	}
	for _, k := range []string{"LayerName", "Description", "CompatibleRuntimes"} {
		o, g := dig(props[Ours], k), dig(props[Original], k)
		if !reflect.DeepEqual(o, g) {
			t.Errorf("PythonRequirementsLambdaLayer.Properties.%s: ours %s, original %s", k, compactJSON(o), compactJSON(g))
		}
	}
	if got := dig(props[Ours], "CompatibleArchitectures"); compactJSON(got) != `["x86_64"]` {
		t.Errorf("our CompatibleArchitectures = %s", compactJSON(got))
	}
}

package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// storedZip writes a zip whose one entry holds n zeros stored uncompressed: the zip is n bytes
// and a bit, as a direct upload would be.
func storedZip(t *testing.T, p string, n int) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "pkg/data.bin", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSizePreflight runs the size step on hand-made artifacts: the 50 MB direct-upload limit
// applies to `deploy function` only, sizeCheck: warn turns the error into a warning, and the
// layer count includes layers attached by ARN.
func TestSizePreflight(t *testing.T) {
	dir := t.TempDir()
	near, over := filepath.Join(dir, "near.zip"), filepath.Join(dir, "over.zip")
	storedZip(t, near, 45<<20)
	storedZip(t, over, 53<<20)
	sixLayers := json.RawMessage(`["arn:aws:lambda:us-east-1:1:layer:a:1","arn:aws:lambda:us-east-1:1:layer:b:1",` +
		`"arn:aws:lambda:us-east-1:1:layer:c:1","arn:aws:lambda:us-east-1:1:layer:d:1","arn:aws:lambda:us-east-1:1:layer:e:1",` +
		`{"Ref":"PythonRequirementsLambdaLayer"}]`)
	for _, tt := range []struct {
		name, hook, artifact, sizeCheck string
		layers                          json.RawMessage
		wantErr                         string
		wantWarn                        []string
		forbid                          string
	}{
		{name: "package ignores the zipped size", hook: "after:package:createDeploymentArtifacts", artifact: over, forbid: "PYREQS_SIZE"},
		{name: "deploy function near 50 MB warns", hook: "after:deploy:function:packageFunction", artifact: near, wantWarn: []string{"PYREQS_SIZE_ZIPPED_NEAR"}},
		{name: "deploy function over 50 MB fails", hook: "after:deploy:function:packageFunction", artifact: over, wantErr: "PYREQS_SIZE_ZIPPED"},
		{name: "sizeCheck warn", hook: "after:deploy:function:packageFunction", artifact: over, sizeCheck: config.SizeCheckWarn, wantWarn: []string{`"code":"PYREQS_SIZE_ZIPPED",`}},
		{name: "six layers", hook: "after:package:createDeploymentArtifacts", artifact: near, layers: sixLayers, wantErr: "PYREQS_SIZE_LAYERS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			obj := &protocol.Function{Handler: "h.main", Package: &protocol.Package{Artifact: tt.artifact}, Layers: tt.layers}
			s := &state{
				req:   &protocol.Request{Hook: tt.hook, ServicePath: dir},
				emit:  protocol.NewEmitter(&out),
				ws:    workspace.New(dir),
				edits: &protocol.Edits{},
				opts:  &config.Options{SizeCheck: tt.sizeCheck, Layer: config.Layer{Enabled: true}},
				fns:   []*fn{{Key: "hello", Obj: obj, Runtime: "python3.12", Module: ".", Individual: true, Python: true}},
			}
			err := sizePreflight{}.Run(context.Background(), s)
			log := out.String()
			if tt.wantErr != "" {
				d, ok := diag.As(err)
				if !ok || d.Code != tt.wantErr || !strings.Contains(d.Message, `"hello"`) {
					t.Fatalf("err = %v, want a %s naming the function", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tt.wantWarn {
				if !strings.Contains(log, `"type":"warning"`) || !strings.Contains(log, w) {
					t.Errorf("no warning with %q:\n%s", w, log)
				}
			}
			if tt.forbid != "" && strings.Contains(log, tt.forbid) {
				t.Errorf("the events contain %q:\n%s", tt.forbid, log)
			}
			if !strings.Contains(log, "Size of hello: ") || !strings.Contains(log, "Size preflight: 1 function(s)") {
				t.Errorf("no --verbose summary:\n%s", log)
			}
		})
	}
}

package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/size"
)

// sizePreflight measures, for every Python function, its artifact and the layer this plugin
// built that it attaches, and checks them against Lambda's limits before anything is uploaded
// (issue 12): over a limit is an error (a warning with sizeCheck: warn), over 80% a warning, and
// --verbose shows a one-line summary per function. `sls deploy function` also checks the 50 MB
// direct-upload limit. Only the zips' central directories are read.
type sizePreflight struct{}

func (sizePreflight) String() string { return "size" }

func (sizePreflight) Run(_ context.Context, s *state) error {
	start := time.Now()
	if p := s.req.Service.Provider.Name; p != "" && p != "aws" {
		return skip("the limits are AWS Lambda's; the provider is " + p)
	}
	layer := ""
	if s.edits.Layers["pythonRequirements"] != nil {
		layer = s.ws.LayerZip()
	}
	var fns []size.Function
	for _, f := range s.pythonFuncs() {
		art := s.packagedArtifact(f)
		if art == "" {
			continue // remote or missing: inject already said so
		}
		fns = append(fns, s.sizeFunction(f, art, layer))
	}
	if len(fns) == 0 {
		return skip("no local artifact to measure")
	}
	rep, err := size.Measure(fns)
	if err != nil {
		return err
	}
	opts := size.Options{DirectUpload: s.directUpload(), WarnOnly: s.opts.SizeCheck == config.SizeCheckWarn}
	verdicts := size.Check(rep, opts)
	for _, f := range rep.Functions {
		s.emit.Verbose(size.Summary(f, size.DefaultLimits))
	}
	// test/bench reads this line: the preflight must stay well under 50 ms.
	s.emit.Verbose(fmt.Sprintf("Size preflight: %d function(s), %d zip(s) in %.1f ms",
		len(rep.Functions), len(rep.Artifacts), float64(time.Since(start).Microseconds())/1000))
	var errs []size.Message
	for _, v := range verdicts {
		for _, m := range v.Messages {
			if m.Level == size.Error {
				errs = append(errs, m)
				continue
			}
			w := diag.Warnf(m.Code, "%s", m.Text())
			if m.Code == size.CodeUnzipped || m.Code == size.CodeZipped || m.Code == size.CodeLayers {
				// an error that sizeCheck: warn let through: the catalog's fix would suggest it again
				w = w.WithFix("sizeCheck is warn, so packaging went on: AWS will refuse this function when it is deployed.")
			}
			s.emit.Warn(w)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	texts := make([]string, len(errs))
	for i, m := range errs {
		texts[i] = m.Text()
	}
	return diag.Errorf(errs[0].Code, "%s\nNothing was uploaded.", strings.Join(texts, "\n\n"))
}

// directUpload: `sls deploy function` uploads the function's zip directly (50 MB limit).
func (r *state) directUpload() bool {
	return strings.HasPrefix(r.req.Hook, "after:deploy:function") || strings.HasPrefix(r.req.Hook, "before:deploy:function")
}

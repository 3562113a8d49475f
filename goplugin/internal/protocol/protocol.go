// Package protocol defines the request the npm shim sends on stdin and the NDJSON events the
// binary answers with on stdout. docs/protocol.md is the human-readable contract.
package protocol

import (
	"encoding/json"
	"io"
	"strings"
	"sync"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// Version is the protocol version; bump it on incompatible changes.
const Version = 1

// Phases of a request.
const (
	PhaseBefore     = "before"
	PhaseAfter      = "after"
	PhaseInvalidate = "invalidate"
	PhaseClean      = "clean"
	PhaseCleanCache = "cleanCache"
	PhaseReport     = "report"
)

// Request is what the shim sends for one hook.
type Request struct {
	Protocol         int             `json:"protocol"`
	ShimVersion      string          `json:"shimVersion"`
	Hook             string          `json:"hook"`
	Phase            string          `json:"phase"`
	ServicePath      string          `json:"servicePath"`
	Cwd              string          `json:"cwd"`
	Stage            string          `json:"stage"`
	Region           string          `json:"region"`
	FrameworkVersion string          `json:"frameworkVersion"`
	Platform         string          `json:"platform"`
	Service          Service         `json:"service"`
	Options          Options         `json:"options"`
	FunctionObj      *Function       `json:"functionObj"`
	Extra            json.RawMessage `json:"-"`
}

// Options are the CLI options the shim forwards.
type Options struct {
	Function string `json:"function"`
	Stage    string `json:"stage"`
	Region   string `json:"region"`
	// JSON and HTML are the options of `sls requirements report` (--json, --html <path>).
	JSON   bool   `json:"json"`
	HTML   string `json:"html"`
	Remote bool   `json:"remote"` // cleanCache --remote: empty the remoteCache tier too
}

// Service is the resolved in-memory service.
type Service struct {
	Name      string                     `json:"service"`
	Provider  Provider                   `json:"provider"`
	Package   Package                    `json:"package"`
	Functions map[string]*Function       `json:"functions"`
	Layers    map[string]json.RawMessage `json:"layers"`
	Custom    map[string]json.RawMessage `json:"custom"`
}

// Provider is the part of provider the plugin reads.
type Provider struct {
	Name         string `json:"name"`
	Runtime      string `json:"runtime"`
	Architecture string `json:"architecture"`
	Stage        string `json:"stage"`
	// Layers is provider.layers as written (a list of ARNs or {Ref: ...} objects).
	Layers  json.RawMessage `json:"layers"`
	Profile string          `json:"profile"` // AWS profile of the service (the remote cache's credentials)
	Region  string          `json:"region"`  // region as written in serverless.yml ("" when absent)
}

// Package is a service or function package block.
type Package struct {
	Individually *bool    `json:"individually"`
	Artifact     string   `json:"artifact"`
	Patterns     []string `json:"patterns"`
}

// Function is one function as Serverless holds it. Module and Vendor stay raw so that a wrong type
// can be reported with its key.
type Function struct {
	Name         string          `json:"name"`
	Handler      string          `json:"handler"`
	Runtime      string          `json:"runtime"`
	Architecture string          `json:"architecture"`
	Module       json.RawMessage `json:"module"`
	Vendor       json.RawMessage `json:"vendor"`
	App          json.RawMessage `json:"app"`
	Image        json.RawMessage `json:"image"`
	Package      *Package        `json:"package"`
	// Layers is functions.<f>.layers as written; RequirementsLayers the named layers to attach.
	Layers             json.RawMessage `json:"layers"`
	RequirementsLayers json.RawMessage `json:"requirementsLayers"`
}

// HasImage reports whether the function is an image function.
func (f *Function) HasImage() bool {
	return len(f.Image) > 0 && string(f.Image) != "null" && string(f.Image) != "false" && string(f.Image) != `""`
}

// Edits is the result the shim applies to Serverless's in-memory service.
type Edits struct {
	ServicePatterns  []string            `json:"servicePatterns,omitempty"`
	FunctionPatterns map[string][]string `json:"functionPatterns,omitempty"`
	FunctionModules  map[string]string   `json:"functionModules,omitempty"`
	// FunctionHandlers sets functions.<f>.handler: the adapter module of a function with `app`.
	FunctionHandlers      map[string]string         `json:"functionHandlers,omitempty"`
	EnsureFunctionPackage bool                      `json:"ensureFunctionPackage,omitempty"`
	FunctionArtifacts     map[string]string         `json:"functionArtifacts,omitempty"`
	ServiceArtifact       string                    `json:"serviceArtifact,omitempty"`
	Layers                map[string]map[string]any `json:"layers,omitempty"`
	// FunctionLayers replaces functions.<f>.layers with the given list (the function's layers,
	// or provider.layers when it has none, plus the named layers it attaches).
	FunctionLayers map[string][]any `json:"functionLayers,omitempty"`
}

// Emitter writes NDJSON events. It is safe for concurrent use. It is the single redaction point
// of stdout: every text it writes (messages, keys, files, fixes, output tails) passes its
// Redactor; the result's edits (paths and patterns for Serverless) are data and are written as
// they are.
type Emitter struct {
	mu  sync.Mutex
	enc *json.Encoder
	red *redact.Redactor
}

// Option configures an Emitter.
type Option func(*Emitter)

// WithRedactor makes the Emitter mask secrets with r (built from the environment and the
// config). Without it, the Emitter masks URL credentials, token-like query values and learned
// secrets only.
func WithRedactor(r *redact.Redactor) Option { return func(e *Emitter) { e.red = r } }

// NewEmitter returns an Emitter writing to w.
func NewEmitter(w io.Writer, opts ...Option) *Emitter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	e := &Emitter{enc: enc}
	for _, o := range opts {
		o(e)
	}
	if e.red == nil {
		e.red = redact.New(nil)
	}
	return e
}

// Redactor returns the Emitter's redactor, for adding secrets found later.
func (e *Emitter) Redactor() *redact.Redactor { return e.red }

func (e *Emitter) emit(v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.enc.Encode(v) // a broken stdout means the shim is gone; nothing useful to do
}

// event builds an event from key/value pairs, redacting string values and leaving out empty
// optional ones.
func (e *Emitter) event(typ string, kv ...any) map[string]any {
	m := map[string]any{"type": typ}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		switch v := kv[i+1].(type) {
		case string:
			if v == "" && k != "message" {
				continue
			}
			m[k] = e.red.String(v)
		default:
			m[k] = v
		}
	}
	return m
}

// Hello is the first event.
func (e *Emitter) Hello(version string) {
	e.emit(map[string]any{"type": "hello", "version": version, "protocol": Version})
}

// Log writes a log event at level notice, info, verbose or debug.
func (e *Emitter) Log(level, msg string) {
	e.emit(e.event("log", "level", level, "message", msg))
}

// Info logs at info level (shown by default in Serverless v3 as a normal line).
func (e *Emitter) Info(msg string) { e.Log("info", msg) }

// Verbose logs at verbose level (shown with --verbose).
func (e *Emitter) Verbose(msg string) { e.Log("verbose", msg) }

// Debug logs at debug level (shown with --debug).
func (e *Emitter) Debug(msg string) { e.Log("debug", msg) }

// Warn writes a warning event with its code, key or file, message and fix.
func (e *Emitter) Warn(w *diag.Warning) {
	e.emit(e.event("warning", "code", w.Code, "key", w.Key, "file", w.File, "message", w.Message, "fix", w.Fix()))
}

// Progress updates (done=false) or removes (done=true) a progress line.
func (e *Emitter) Progress(id, msg string, done bool) {
	e.emit(e.event("progress", "id", id, "message", msg, "done", done))
}

// Result writes the result event.
func (e *Emitter) Result(ed *Edits) {
	e.emit(map[string]any{"type": "result", "edits": ed})
}

// Fail writes the error event of d: code, key or file, message, fix and output as fields.
func (e *Emitter) Fail(d *diag.Error) {
	code, fix := d.Code, d.Fix()
	if code == "" {
		code = diag.CodeError
	}
	if ent, ok := diag.Lookup(code); ok && fix == "" {
		fix = ent.Fix
	}
	e.emit(e.event("error", "code", code, "key", d.Key, "file", d.File, "message", d.Text(), "fix", fix,
		"output", strings.TrimRight(d.Output, "\n")))
}

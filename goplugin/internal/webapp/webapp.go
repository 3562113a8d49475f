// Package webapp serves web applications as Lambda functions, the way Vercel's Python runtime
// runs them: a function names a file with `app: api/index.py` (or `api/index.py:web`) instead of
// a handler, and the artifact gets a small adapter module that imports the file's WSGI or ASGI
// application (or BaseHTTPRequestHandler subclass) once per container and answers API Gateway
// (REST and HTTP API), Lambda function URL and Application Load Balancer events.
//
// The package is pure: it parses and validates the `app` value, names the handler to set and
// returns the files to add to the artifact. Shipping them is the pipeline's job.
package webapp

import (
	_ "embed"
)

// AdapterModule is the Python module name of the adapter, shared by every app function of an
// artifact.
const AdapterModule = "_pyreqs_webapp"

// AdapterFile is the adapter's path at the artifact's root.
const AdapterFile = AdapterModule + ".py"

// HandlerModulePrefix starts the name of the generated module of each app function.
const HandlerModulePrefix = "_pyreqs_app_"

//go:embed assets/_pyreqs_webapp.py
var adapterSource []byte

// Adapter returns the adapter's source (standard library only, Python 3.9 and later).
func Adapter() []byte {
	return append([]byte(nil), adapterSource...)
}

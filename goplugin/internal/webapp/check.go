package webapp

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// CheckArgs returns the arguments to give a Python interpreter (3.9 or later, any platform) to
// check e's app file at packaging time without importing it: adapterPath is the adapter written
// to disk (Adapter), appFile the app file on disk. The check reports only certain mistakes: the
// application's name is never bound in the file, or it is bound to a literal, a plain class or a
// function whose parameters fit neither WSGI nor ASGI. Run the command with an argument list;
// read its standard output with ParseCheck.
func (e Entry) CheckArgs(adapterPath, appFile string) []string {
	req := map[string]any{
		"path":     appFile,
		"source":   e.Source,
		"function": e.Function,
		"names":    e.Names,
	}
	if e.Attribute != "" {
		req["attribute"] = e.Attribute
	}
	b, _ := json.Marshal(req)
	return []string{"-I", "-B", adapterPath, "check", string(b)}
}

// ParseCheck reads the output of the command CheckArgs describes: nil if the file looks right,
// a user error naming functions.<f>.app if not.
func (e Entry) ParseCheck(stdout []byte) error {
	var res struct {
		Error *string `json:"error"`
	}
	line := strings.TrimSpace(string(stdout))
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		return fmt.Errorf("checking functions.%s.app: unexpected output %q: %w", e.Function, line, err)
	}
	if res.Error == nil {
		return nil
	}
	// The adapter's messages start with "functions.<f>.app: "; the key is the diag Key.
	msg := strings.TrimPrefix(*res.Error, "functions."+e.Function+".app: ")
	return diag.Config("functions."+e.Function+".app", "%s", msg)
}

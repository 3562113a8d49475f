package cli

import (
	"encoding/json"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// addConfigSecrets teaches red the secrets of custom.pythonRequirements: the credentials of
// every URL in it (index URLs in pipCmdExtraArgs, dockerEnv values, ...) and the values of
// NAME=value entries whose NAME is a secret variable. It reads the raw block without validating
// it (config reports what is wrong with it), so a block of the wrong shape adds nothing.
func addConfigSecrets(red *redact.Redactor, raw json.RawMessage) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			red.AddArgs([]string{v})
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
}

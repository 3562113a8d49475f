package size

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

//go:embed assets/report.html
var pageTemplate []byte

const dataPlaceholder = "/*PYREQS_DATA*/"

// pageData is what the page's script reads: the metafile plus the messages and cache
// explanations rendered as text.
type pageData struct {
	Meta     *Metafile     `json:"meta"`
	Messages []pageMessage `json:"messages"`
	Cache    []pageCache   `json:"cache"`
}

type pageMessage struct {
	Function string `json:"function"`
	Level    Level  `json:"level"`
	Code     string `json:"code"`
	Text     string `json:"text"`
}

type pageCache struct {
	Requirements string `json:"requirements"`
	Text         string `json:"text"`
}

// WriteHTML writes the self-contained HTML page: no network access, everything inline (a
// squarified treemap of each artifact by package and folder with sizes on hover, and per
// function gauges with the limits drawn).
func (d *Document) WriteHTML(w io.Writer) error {
	pd := pageData{Meta: d.Metafile(), Messages: []pageMessage{}, Cache: []pageCache{}}
	for _, f := range d.Functions {
		for _, m := range f.Messages {
			pd.Messages = append(pd.Messages, pageMessage{Function: f.Name, Level: m.Level, Code: m.Code, Text: m.Text()})
		}
	}
	for _, c := range d.Cache {
		pd.Cache = append(pd.Cache, pageCache{Requirements: c.Requirements, Text: c.Text()})
	}
	// encoding/json escapes <, > and & (and U+2028/2029), so the data cannot end the script.
	data, err := json.Marshal(pd)
	if err != nil {
		return err
	}
	before, after, _ := bytes.Cut(pageTemplate, []byte(dataPlaceholder))
	for _, b := range [][]byte{before, data, after} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// MetafilePath is the metafile written beside an HTML page: report.html -> report.meta.json.
func MetafilePath(htmlPath string) string {
	return strings.TrimSuffix(htmlPath, filepath.Ext(htmlPath)) + ".meta.json"
}

// WriteFiles writes the HTML page to htmlPath and the metafile beside it (MetafilePath), each
// atomically. It returns the metafile's path.
func (d *Document) WriteFiles(htmlPath string) (string, error) {
	var page, meta bytes.Buffer
	if err := d.WriteHTML(&page); err != nil {
		return "", err
	}
	if err := d.Metafile().WriteJSON(&meta); err != nil {
		return "", err
	}
	mp := MetafilePath(htmlPath)
	if err := workspace.WriteFile(mp, meta.Bytes()); err != nil {
		return "", err
	}
	return mp, workspace.WriteFile(htmlPath, page.Bytes())
}

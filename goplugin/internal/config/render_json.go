package config

import (
	"bytes"
	"encoding/json"
	"strings"
)

// obj is a JSON object that keeps its keys in order, so the generated schema reads like the
// hand-written one did (description first, then the type, then the constraints).
type obj []kv

type kv struct {
	K string
	V any
}

// marshal writes v as indented JSON with a final newline. Arrays of scalars stay on one line.
func marshal(v any) []byte {
	var b bytes.Buffer
	write(&b, v, 0)
	b.WriteByte('\n')
	return b.Bytes()
}

func write(b *bytes.Buffer, v any, depth int) {
	pad := strings.Repeat("  ", depth+1)
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, e := range v {
			b.WriteString(pad)
			scalar(b, e.K)
			b.WriteString(": ")
			write(b, e.V, depth+1)
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(pad[2:])
		b.WriteByte('}')
	case []any:
		inline := true
		for _, e := range v {
			switch e.(type) {
			case obj, []any:
				inline = false
			}
		}
		if inline {
			b.WriteByte('[')
			for i, e := range v {
				if i > 0 {
					b.WriteString(", ")
				}
				scalar(b, e)
			}
			b.WriteByte(']')
			return
		}
		b.WriteString("[\n")
		for i, e := range v {
			b.WriteString(pad)
			write(b, e, depth+1)
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(pad[2:])
		b.WriteByte(']')
	default:
		scalar(b, v)
	}
}

func scalar(b *bytes.Buffer, v any) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("config: schema value: " + err.Error())
	}
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}

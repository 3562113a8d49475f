package protocol

// Output writes an output event: text for the command's standard output (the report of
// `sls requirements report`), not a log line. The shim writes it as it is, so `--json` output
// stays machine-readable.
func (e *Emitter) Output(text string) {
	e.emit(e.event("output", "text", text))
}

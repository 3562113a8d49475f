package redact

import (
	"bytes"
	"io"
	"sync"
)

// maxPending bounds the text held back while waiting for the end of a line.
const maxPending = 64 << 10

// Writer redacts what is written through it before passing it on. It redacts whole lines, so a
// secret (or a URL with credentials) split over several Write calls is still masked: the
// unfinished last line is held back until its newline arrives, Flush is called, or it grows past
// 64 KiB (then it is cut at the last space or tab, which never falls inside a URL). It is safe for
// concurrent use.
type Writer struct {
	r       *Redactor
	w       io.Writer
	mu      sync.Mutex
	pending []byte
}

// NewWriter returns a Writer that writes to w what r leaves of the text.
func (r *Redactor) NewWriter(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Write implements io.Writer. It reports len(p) written unless w fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	cut := bytes.LastIndexByte(w.pending, '\n') + 1
	if cut == 0 && len(w.pending) > maxPending {
		cut = bytes.LastIndexAny(w.pending, " \t") + 1
		if cut == 0 {
			cut = len(w.pending)
		}
	}
	if cut == 0 {
		return len(p), nil
	}
	if err := w.emit(cut); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes the held-back text (the unfinished last line).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return nil
	}
	return w.emit(len(w.pending))
}

// Close flushes; it does not close the underlying writer.
func (w *Writer) Close() error { return w.Flush() }

func (w *Writer) emit(n int) error {
	out := w.r.String(string(w.pending[:n]))
	w.pending = append(w.pending[:0], w.pending[n:]...)
	_, err := io.WriteString(w.w, out)
	return err
}

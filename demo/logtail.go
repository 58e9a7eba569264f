package demo

import (
	"bytes"
	"context"
	"os"
	"time"
)

// logPoll is how often the access log is checked for new lines.
const logPoll = 200 * time.Millisecond

// maxLogLine bounds a line kept from the access log; longer ones are cut.
const maxLogLine = 64 << 10

// followLog reads the lines appended to the file at path, from its end
// at the time it is first seen, and adds them to the hub until ctx ends.
// A file that is replaced (rolled) or truncated is read again from its
// start.
func (d *Demo) followLog(ctx context.Context, path string) {
	t := time.NewTicker(logPoll)
	defer t.Stop()
	var (
		f       *os.File
		info    os.FileInfo
		off     int64
		partial []byte
		first   = true
	)
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		cur, err := os.Stat(path)
		switch {
		case err != nil:
			// Not written yet: Caddy creates it when it starts.
			first = false
		case f == nil || !os.SameFile(info, cur) || cur.Size() < off:
			if f != nil {
				f.Close()
			}
			f, err = os.Open(path)
			if err != nil {
				f = nil
				break
			}
			info, off, partial = cur, 0, nil
			if first {
				// Lines from before the demo started are not this run's.
				off = cur.Size()
			}
			first = false
		}
		for f != nil {
			n, err := f.ReadAt(buf, off)
			if n > 0 {
				off += int64(n)
				var lines []string
				partial, lines = splitLines(append(partial, buf[:n]...))
				d.hub.addLog(lines)
			}
			if err != nil || n == 0 {
				break // io.EOF: all read for now
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// splitLines returns the complete lines in b and what follows the last
// one. A partial line over maxLogLine is cut and returned as a line.
func splitLines(b []byte) (rest []byte, lines []string) {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		if line := bytes.TrimRight(b[:i], "\r"); len(line) > 0 {
			lines = append(lines, string(line))
		}
		b = b[i+1:]
	}
	if len(b) > maxLogLine {
		lines = append(lines, string(b[:maxLogLine]))
		b = nil
	}
	return append([]byte(nil), b...), lines
}

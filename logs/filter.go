package logs

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"sync"
)

// LongLineTag replaces a line longer than FilterOptions.MaxLineSize.
const LongLineTag = "[line too long: redacted]"

// Defaults of FilterOptions.
const (
	DefaultBlockSize   = 512 << 10
	DefaultMaxLineSize = 16 << 20
)

// FilterOptions tunes Filter and Audit. The zero value means the defaults.
type FilterOptions struct {
	// Workers is the number of goroutines that sanitize blocks.
	// Default: GOMAXPROCS.
	Workers int

	// BlockSize is the size of the blocks read from the input; each block
	// is handed to one worker. Default: 512 KiB.
	BlockSize int

	// MaxLineSize is the length of the longest line sanitized, without its
	// line ending. A longer line is replaced by LongLineTag, since it
	// cannot be held in memory to be sanitized and must not pass through.
	// Default: 16 MiB.
	MaxLineSize int

	// Progress, if not nil, is called after each block is written with the
	// number of input bytes consumed so far. It is called from one
	// goroutine at a time, in order.
	Progress func(consumed int64)
}

func (o FilterOptions) withDefaults() FilterOptions {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BlockSize <= 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.MaxLineSize <= 0 {
		o.MaxLineSize = DefaultMaxLineSize
	}
	return o
}

// Stats describes what Filter did.
type Stats struct {
	// Format is the format the input was read as; for FormatAuto, the one
	// DetectFormat chose from the first lines.
	Format Format
	// Lines is the number of lines read, and written.
	Lines int64
	// Fallback is the number of lines that did not parse as Format and
	// were sanitized as text.
	Fallback int64
	// LongLines is the number of lines replaced by LongLineTag.
	LongLines int64
	// BytesIn and BytesOut count the bytes read and written.
	BytesIn, BytesOut int64
}

// Filter copies r to w, sanitizing every line with s. Lines end in '\n'; a
// "\r\n" ending is kept as it is, and a last line without a line ending is
// written without one, so that output has exactly the lines of input.
// Invalid UTF-8 and NUL bytes are processed like any other byte.
//
// Blocks of lines are sanitized by opts.Workers goroutines and written in
// input order, one Write per block. When s is for FormatAuto the format is
// chosen once, by DetectFormat, from the first block.
//
// Filter returns the first error from reading, writing or ctx; lines of a
// block read before the error are written, an incomplete last line is not.
// Cancellation takes effect between reads.
func Filter(ctx context.Context, w io.Writer, r io.Reader, s *Sanitizer, opts FilterOptions) (Stats, error) {
	var stats Stats
	err := pipeline(ctx, r, opts, func(first []byte) stage {
		if s.format == FormatAuto {
			s = NewSanitizer(s.e, DetectFormat(first))
		}
		stats.Format = s.format
		return &filterStage{s: s, w: w, stats: &stats, max: opts.withDefaults().MaxLineSize, progress: opts.Progress}
	})
	return stats, err
}

type filterStage struct {
	s        *Sanitizer
	w        io.Writer
	stats    *Stats
	max      int
	progress func(int64)
}

func (f *filterStage) worker() func(*block) {
	st := new(state)
	return func(b *block) {
		out := outBufs.get(len(b.buf) + len(b.buf)/8 + 64)
		if b.long {
			out = append(out, LongLineTag...)
			out = append(out, b.longEnd...)
			b.lines, b.longLines = 1, 1
		} else {
			buf := b.buf
			for len(buf) > 0 {
				line := buf
				i := bytes.IndexByte(buf, '\n')
				if i >= 0 {
					line, buf = buf[:i], buf[i+1:]
				} else {
					buf = nil
				}
				if len(line) > f.max {
					out = append(out, LongLineTag...)
					if line[len(line)-1] == '\r' {
						out = append(out, '\r')
					}
					b.longLines++
				} else {
					var fb bool
					if out, fb = f.s.appendLine(st, out, line); fb {
						b.fallback++
					}
				}
				if i >= 0 {
					out = append(out, '\n')
				}
				b.lines++
			}
		}
		b.out = out
		st.trim()
	}
}

func (f *filterStage) consume(b *block) error {
	n, err := f.w.Write(b.out)
	f.stats.BytesOut += int64(n)
	if err == nil && n < len(b.out) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return err
	}
	f.stats.Lines += b.lines
	f.stats.Fallback += b.fallback
	f.stats.LongLines += b.longLines
	f.stats.BytesIn += b.n
	if f.progress != nil {
		f.progress(f.stats.BytesIn)
	}
	return nil
}

// A stage is what a pipeline does with blocks: worker returns the function
// one worker goroutine runs on each block, consume takes the blocks back in
// input order.
type stage interface {
	worker() func(*block)
	consume(*block) error
}

// block is a run of whole lines, or a stand-in for one line too long to
// read.
type block struct {
	buf     []byte // lines; all but perhaps the last (at EOF) end in '\n'
	n       int64  // input bytes the block stands for
	long    bool   // buf is empty: the block stands for one overlong line
	longEnd string // how that line ended: "\n", "\r\n" or "" at EOF

	out                        []byte
	lines, fallback, longLines int64
	audit                      *auditPart

	done chan struct{}
}

var blockPool = sync.Pool{New: func() any { return &block{done: make(chan struct{}, 1)} }}

func newBlock() *block { return blockPool.Get().(*block) }

func releaseBlock(b *block) {
	inBufs.put(b.buf)
	outBufs.put(b.out)
	*b = block{done: b.done}
	blockPool.Put(b)
}

// pipeline reads r in blocks, passes them to the stage's workers and back
// to its consume in order. setup is called once with the first block's
// lines (nil for empty input) before any worker starts.
func pipeline(ctx context.Context, r io.Reader, opts FilterOptions, setup func(first []byte) stage) error {
	opts = opts.withDefaults()
	rd := &blockReader{r: r, size: opts.BlockSize, max: opts.MaxLineSize}
	b, rerr := rd.next()
	if b == nil {
		setup(nil)
		if rerr == io.EOF {
			rerr = nil
		}
		return rerr
	}
	stg := setup(b.buf)

	// Up to four blocks per worker are in flight (about 1 MiB each with
	// the default size): workers can run ahead of one that is slow,
	// within bounded memory.
	ordered := make(chan *block, 4*opts.Workers)
	work := make(chan *block, opts.Workers)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := stg.worker()
			for b := range work {
				select {
				case <-quit:
				default:
					fn(b)
				}
				b.done <- struct{}{}
			}
		}()
	}
	consumed := make(chan error, 1)
	go func() {
		var err error
		for b := range ordered {
			<-b.done
			if err == nil {
				if err = stg.consume(b); err != nil {
					close(quit)
				}
			}
			releaseBlock(b)
		}
		consumed <- err
	}()

	rerr = nil
	for b != nil {
		select {
		case ordered <- b:
		case <-ctx.Done():
			releaseBlock(b)
			rerr = ctx.Err()
		}
		if rerr != nil {
			break
		}
		work <- b
		select {
		case <-quit:
			b = nil
			continue
		default:
		}
		if rerr = ctx.Err(); rerr != nil {
			break
		}
		if b, rerr = rd.next(); rerr == io.EOF {
			rerr = nil
		}
	}
	rd.release()
	close(work)
	close(ordered)
	wg.Wait()
	if err := <-consumed; err != nil {
		return err
	}
	return rerr
}

// blockReader cuts a stream into blocks of whole lines, carrying the
// partial last line of each read into the next block.
type blockReader struct {
	r         io.Reader
	size, max int
	buf       []byte // bytes read and not yet handed out
	scanned   int    // buf[:scanned] holds no '\n'
	eof       bool
	err       error
}

// next returns the next block, or nil and io.EOF at the end, or nil and
// the read error. Lines read before an error are returned first.
func (rd *blockReader) next() (*block, error) {
	if rd.buf == nil {
		rd.buf = inBufs.get(rd.size)
	}
	for {
		if k := bytes.LastIndexByte(rd.buf[rd.scanned:], '\n'); k >= 0 {
			k += rd.scanned
			b := newBlock()
			b.buf, b.n = rd.buf[:k+1], int64(k+1)
			rd.buf = append(inBufs.get(rd.size), rd.buf[k+1:]...)
			rd.scanned = len(rd.buf)
			return b, nil
		}
		rd.scanned = len(rd.buf)
		if len(rd.buf) > rd.max {
			return rd.long()
		}
		if rd.err != nil {
			return nil, rd.err
		}
		if rd.eof {
			if len(rd.buf) == 0 {
				return nil, io.EOF
			}
			b := newBlock()
			b.buf, b.n = rd.buf, int64(len(rd.buf))
			rd.buf, rd.scanned = inBufs.get(0), 0
			return b, nil
		}

		// Read up to a block; a pooled buffer may be bigger.
		limit := min(cap(rd.buf), rd.size)
		if len(rd.buf) >= limit {
			if len(rd.buf) == cap(rd.buf) {
				// A line longer than the buffer: grow, up to max+1 bytes
				// so that an overlong line can be told apart.
				nb := inBufs.get(min(max(2*cap(rd.buf), rd.size), rd.max+1))
				nb = append(nb, rd.buf...)
				inBufs.put(rd.buf)
				rd.buf = nb
			}
			limit = cap(rd.buf)
		}
		n, err := rd.r.Read(rd.buf[len(rd.buf):limit])
		rd.buf = rd.buf[:len(rd.buf)+n]
		if err == io.EOF {
			rd.eof = true
		} else if err != nil {
			rd.err = err
		}
	}
}

// long reads past the rest of a line too long to keep (all of rd.buf,
// which holds no '\n') and returns the block that stands for it.
func (rd *blockReader) long() (*block, error) {
	b := newBlock()
	b.long = true
	b.n = int64(len(rd.buf))
	last := rd.buf[len(rd.buf)-1]
	inBufs.put(rd.buf)
	buf := inBufs.get(rd.size)
	buf = buf[:min(cap(buf), rd.size)]
	for !rd.eof {
		if rd.err != nil {
			releaseBlock(b)
			inBufs.put(buf)
			rd.buf, rd.scanned = nil, 0
			return nil, rd.err
		}
		n, err := rd.r.Read(buf)
		if err == io.EOF {
			rd.eof = true
		} else if err != nil {
			rd.err = err
		}
		chunk := buf[:n]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			if i > 0 {
				last = chunk[i-1]
			}
			b.n += int64(i + 1)
			b.longEnd = "\n"
			if last == '\r' {
				b.longEnd = "\r\n"
			}
			rd.buf, rd.scanned = buf[:copy(buf, chunk[i+1:])], 0
			return b, nil
		}
		b.n += int64(n)
		if n > 0 {
			last = chunk[n-1]
		}
	}
	rd.buf, rd.scanned = buf[:0], 0
	return b, nil
}

func (rd *blockReader) release() {
	inBufs.put(rd.buf)
	rd.buf, rd.scanned = nil, 0
}

// Buffers are pooled up to maxPooled bytes; bigger ones, grown for long
// lines, are left to the garbage collector. Input and output buffers have
// pools of their own, as their sizes differ: a buffer too small for its use
// is not reused.
const maxPooled = 4 << 20

type bufPool struct{ p sync.Pool } // *[]byte

var inBufs, outBufs bufPool

// get returns an empty buffer with room for at least n bytes.
func (bp *bufPool) get(n int) []byte {
	if p, ok := bp.p.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]byte, 0, max(n, 4096))
}

func (bp *bufPool) put(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooled {
		return
	}
	bp.p.Put(&b)
}

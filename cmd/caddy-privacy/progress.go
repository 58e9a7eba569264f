package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws a one-line progress bar on a terminal.
type progressBar struct {
	w      io.Writer
	label  string
	total  int64
	start  time.Time
	last   time.Time
	shown  bool
	now    func() time.Time
	period time.Duration
}

func newProgressBar(w io.Writer, label string, total int64) *progressBar {
	p := &progressBar{w: w, label: label, total: total, now: time.Now, period: 100 * time.Millisecond}
	p.start = p.now()
	return p
}

// update shows that n bytes of total are done, at most ten times a second.
func (p *progressBar) update(n int64) {
	now := p.now()
	if p.shown && now.Sub(p.last) < p.period && n < p.total {
		return
	}
	p.last, p.shown = now, true
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(n, now))
}

// line renders the bar:
//
//	sanitize  42% [##########..............]  98.1 MiB / 230.0 MiB  61.3 MiB/s  0:02 left
func (p *progressBar) line(n int64, now time.Time) string {
	const width = 24
	n = min(max(n, 0), p.total)
	frac := 1.0
	if p.total > 0 {
		frac = float64(n) / float64(p.total)
	}
	fill := int(frac * width)
	s := fmt.Sprintf("%s %3d%% [%s%s]  %s / %s", p.label, int(frac*100),
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), humanBytes(n), humanBytes(p.total))
	if el := now.Sub(p.start); el > 0 && n > 0 {
		rate := float64(n) / el.Seconds()
		s += fmt.Sprintf("  %s/s", humanBytes(int64(rate)))
		if n < p.total {
			left := time.Duration(float64(p.total-n) / rate * float64(time.Second))
			s += fmt.Sprintf("  %d:%02d left", int(left.Minutes()), int(left.Seconds())%60)
		}
	}
	return s
}

// clear removes the bar, leaving the cursor at the start of the line. It
// does nothing on a nil bar.
func (p *progressBar) clear() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.shown = false
}

// humanBytes formats a size in binary units: "512 B", "1.5 KiB", "98.1 MiB".
func humanBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		if v < 1024 || unit == "TiB" {
			return fmt.Sprintf("%.1f %s", v, unit)
		}
	}
	panic("unreachable")
}

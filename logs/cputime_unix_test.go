//go:build unix

package logs

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user and system CPU time, so that
// benchmarks on a busy machine can report work done as well as wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

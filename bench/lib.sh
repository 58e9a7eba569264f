# Shared helpers for the end-to-end benchmarks: timing, medians and ratios.
# Every comparison runs its sides alternately, round after round, so that
# the noise of a shared machine falls on both alike.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/bench/out}
mkdir -p "$OUT"

# seconds CMD...: wall-clock seconds of one run of a shell command.
seconds() {
	local start end
	start=$(date +%s%N)
	bash -c "$1" >/dev/null
	end=$(date +%s%N)
	echo "scale=4; ($end - $start) / 1000000000" | bc
}

# median: the median of the numbers on stdin.
median() {
	sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

# ratio A B: A / B to two decimals.
ratio() { echo "scale=2; $1 / $2" | bc; }

# freeport: a loopback port nobody listens on.
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# waitport PORT: wait until something listens on PORT.
waitport() {
	for _ in $(seq 200); do
		(echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "nothing listens on $1" >&2
	return 1
}

#!/usr/bin/env bash
# Two builds of a package's benchmarks, alternately, ROUNDS rounds; prints
# each benchmark's MB/s per side and the median of per-round ratios B/A.
#
#	go test -c -o /tmp/a.test ./cmd/caddy-privacy/   # before
#	go test -c -o /tmp/b.test ./cmd/caddy-privacy/   # after
#	ROUNDS=7 bench/ab.sh /tmp/a.test /tmp/b.test -test.bench SanitizeLoggen -test.benchtime 1x
set -euo pipefail
A=$1 B=$2
shift 2
ROUNDS=${ROUNDS:-7}
tmp=$(mktemp -d)
for i in $(seq "$ROUNDS"); do
	for side in A B; do
		bin=$A
		[ $side = B ] && bin=$B
		"$bin" -test.run '^$' -test.count 1 "$@" | awk -v s=$side -v r=$i '/^Benchmark/ {for (j = 2; j <= NF; j++) if ($j == "MB/s") print r, s, $1, $(j-1)}' >>"$tmp/all"
	done
done
awk '{v[$3" "$2" "$1] = $4; n[$3] = 1; if ($1 > R) R = $1}
	function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
	END {
		printf "%-50s %10s %10s %8s\n", "benchmark", "A MB/s", "B MB/s", "B/A"
		for (b in n) {
			k = 0
			for (r = 1; r <= R; r++) if ((b" A "r) in v && (b" B "r) in v) { k++; x[k] = v[b" A "r]; y[k] = v[b" B "r]; q[k] = v[b" B "r] / v[b" A "r] }
			printf "%-50s %10.1f %10.1f %8.3f\n", b, med(x, k), med(y, k), med(q, k)
		}
	}' "$tmp/all"
rm -r "$tmp"

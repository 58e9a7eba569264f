#!/usr/bin/env bash
# The log sanitiser at pipe speed (issue 12): `caddy-privacy sanitize` with
# the default (strict) policy against its peers, on varied logs from
# bench/loggen (nothing repeats, so no cache is flattered). Every command
# runs once per round, in turn, ROUNDS rounds; figures are medians.
#   - vs `cat | cat | cat` (the pipe's limit), combined and Caddy JSON;
#   - vs `sed -E` truncating IPv4 addresses only, combined;
#   - 2 workers vs 1 (-j), combined and Caddy JSON;
#   - CPU per line (user+sys of the sanitize process over the lines).
# Each sanitize run is a single cold pass: a fresh process over lines it
# has not seen.
#
#	ROUNDS=5 SIZE_MB=100 SEED=1 bench/pipe.sh
#
# CLI=path runs another build of caddy-privacy (to compare two builds, run
# the script once with CLI2=path too: both are timed alternately).
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-5}
SIZE_MB=${SIZE_MB:-100}
SEED=${SEED:-1}
GEOIP_DB=${GEOIP_DB:-$HOME/.cache/caddy-privacy/geo-whois-asn-country.mmdb}

[ -f "$GEOIP_DB" ] || make -C "$ROOT" geoip >/dev/null
if [ -z "${CLI:-}" ]; then
	make -C "$ROOT" build >/dev/null
	CLI=$ROOT/bin/caddy-privacy
fi

combined=$OUT/loggen-combined-$SIZE_MB-$SEED.log
json=$OUT/loggen-json-$SIZE_MB-$SEED.json
[ -s "$combined" ] || (cd "$ROOT" && go run ./bench/loggen -format combined -size "$SIZE_MB" -seed "$SEED" >"$combined")
[ -s "$json" ] || (cd "$ROOT" && go run ./bench/loggen -format json -size "$SIZE_MB" -seed "$SEED" >"$json")

# timed NAME CMD: one run of CMD; appends wall seconds (nanosecond clock)
# to t-NAME and user+sys CPU seconds (10 ms resolution) to c-NAME.
timed() {
	local f start end
	f=$(mktemp)
	start=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$f" bash -c "$2" >/dev/null
	end=$(date +%s%N)
	echo "scale=4; ($end - $start) / 1000000000" | bc >>"$OUT/t-$1"
	awk '{print $1 + $2}' "$f" >>"$OUT/c-$1"
	rm -f "$f"
}

san="$CLI sanitize -geoip-db $GEOIP_DB"
declare -A cmd=(
	[pipe_combined]="cat $combined | cat | cat"
	[sanitize_combined]="$san -format combined -j 2 $combined"
	[sanitize_combined_j1]="$san -format combined -j 1 $combined"
	[sed_combined]="sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+/\1.0/' $combined"
	[pipe_json]="cat $json | cat | cat"
	[sanitize_json]="$san -format caddy-json -j 2 $json"
	[sanitize_json_j1]="$san -format caddy-json -j 1 $json"
)
order=(pipe_combined sanitize_combined sed_combined sanitize_combined_j1 pipe_json sanitize_json sanitize_json_j1)
if [ -n "${CLI2:-}" ]; then
	san2="$CLI2 sanitize -geoip-db $GEOIP_DB"
	cmd[b_sanitize_combined]="$san2 -format combined -j 2 $combined"
	cmd[b_sanitize_combined_j1]="$san2 -format combined -j 1 $combined"
	cmd[b_sanitize_json]="$san2 -format caddy-json -j 2 $json"
	cmd[b_sanitize_json_j1]="$san2 -format caddy-json -j 1 $json"
	order=(pipe_combined sanitize_combined b_sanitize_combined sed_combined sanitize_combined_j1 b_sanitize_combined_j1
		pipe_json sanitize_json b_sanitize_json sanitize_json_j1 b_sanitize_json_j1)
fi
for k in "${order[@]}"; do : >"$OUT/t-$k"; : >"$OUT/c-$k"; done
for i in $(seq "$ROUNDS"); do
	for k in "${order[@]}"; do
		timed "$k" "${cmd[$k]}"
	done
	echo "round $i done" >&2
done

t() { median <"$OUT/t-$1"; }
c() { median <"$OUT/c-$1"; }
mb() { echo "scale=1; $(stat -c %s "$1") / 1048576" | bc; }
lines() { wc -l <"$1"; }
mbps() { echo "scale=0; $(mb "$2") / $(t "$1")" | bc; }
# per-round ratio medians: each round's A/B, then the median.
rr() { paste "$OUT/t-$1" "$OUT/t-$2" | awk '{printf "%.3f\n", $1 / $2}' | median; }
nsline() { echo "scale=0; $(c "$1") * 1000000000 / $2" | bc; }
lc=$(lines "$combined")
lj=$(lines "$json")
echo "inputs: combined $(mb "$combined") MB ($lc lines), caddy-json $(mb "$json") MB ($lj lines); seed=$SEED rounds=$ROUNDS; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8s %8s %6s\n' command "wall s" "cpu s" "MB/s"
for k in "${order[@]}"; do
	case $k in *json*) in=$json ;; *) in=$combined ;; esac
	printf '%-34s %8s %8s %6s\n' "$k" "$(t "$k")" "$(c "$k")" "$(mbps "$k" "$in")"
done
echo "ratios (median of per-round ratios; median-of-medians in brackets):"
echo "  sanitize / pipe, combined:   $(rr pipe_combined sanitize_combined)x  [$(ratio "$(t pipe_combined)" "$(t sanitize_combined)")]"
echo "  sanitize / pipe, caddy-json: $(rr pipe_json sanitize_json)x  [$(ratio "$(t pipe_json)" "$(t sanitize_json)")]"
echo "  sanitize vs sed -E:          $(rr sed_combined sanitize_combined)x  [$(ratio "$(t sed_combined)" "$(t sanitize_combined)")]"
echo "  2 workers vs 1, combined:    $(rr sanitize_combined_j1 sanitize_combined)x  [$(ratio "$(t sanitize_combined_j1)" "$(t sanitize_combined)")]"
echo "  2 workers vs 1, caddy-json:  $(rr sanitize_json_j1 sanitize_json)x  [$(ratio "$(t sanitize_json_j1)" "$(t sanitize_json)")]"
echo "  CPU per line, 1 worker:      combined $(nsline sanitize_combined_j1 "$lc") ns, caddy-json $(nsline sanitize_json_j1 "$lj") ns"
echo "  CPU per line, 2 workers:     combined $(nsline sanitize_combined "$lc") ns, caddy-json $(nsline sanitize_json "$lj") ns"
if [ -n "${CLI2:-}" ]; then
	echo "  CLI2 / CLI time, combined -j2: $(rr b_sanitize_combined sanitize_combined)  -j1: $(rr b_sanitize_combined_j1 sanitize_combined_j1)"
	echo "  CLI2 / CLI time, json -j2:     $(rr b_sanitize_json sanitize_json)  -j1: $(rr b_sanitize_json_j1 sanitize_json_j1)"
fi

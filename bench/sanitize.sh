#!/usr/bin/env bash
# `caddy-privacy sanitize` against its peers on the same files, alternating,
# ROUNDS rounds, medians:
#   - vs `cat | cat | cat` (the pipe's limit) on a combined log and on Caddy JSON;
#   - vs `sed -E` truncating IPv4 addresses only, on the combined log;
#   - vs `jq` deleting Cookie and masking remote_ip only, on Caddy JSON;
#   - 2 workers vs 1 on the combined log.
# The inputs are built from ../shared/corpus/apache_logs, repeated to SIZE_MB.
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-5}
SIZE_MB=${SIZE_MB:-200}
JQ_SIZE_MB=${JQ_SIZE_MB:-$SIZE_MB}
CORPUS=$ROOT/../shared/corpus/apache_logs
GEOIP_DB=${GEOIP_DB:-$HOME/.cache/caddy-privacy/geo-whois-asn-country.mmdb}

[ -f "$CORPUS" ] || { echo "corpus not found at $CORPUS" >&2; exit 1; }
[ -f "$GEOIP_DB" ] || make -C "$ROOT" geoip >/dev/null
for tool in jq gawk bc; do command -v $tool >/dev/null || { echo "$tool is needed: apt-get install $tool" >&2; exit 1; }; done
make -C "$ROOT" build >/dev/null
CLI=$ROOT/bin/caddy-privacy

combined=$OUT/combined.log
json=$OUT/caddy.json
json_small=$OUT/caddy-small.json
if [ ! -f "$combined" ] || [ $(( $(stat -c %s "$combined") >> 20 )) -lt "$SIZE_MB" ]; then
	: >"$combined"
	while [ $(( $(stat -c %s "$combined") >> 20 )) -lt "$SIZE_MB" ]; do cat "$CORPUS" >>"$combined"; done
fi
# Caddy access-log JSON made from the same requests.
if [ ! -f "$json" ] || [ $(( $(stat -c %s "$json") >> 20 )) -lt "$SIZE_MB" ]; then
	gawk 'BEGIN {srand(1)}
	match($0, /^([^ ]+) [^ ]+ [^ ]+ \[[^]]+\] "([A-Z]+) ([^ "]*) ([^"]*)" ([0-9]+) ([0-9-]+) "([^"]*)" "([^"]*)"/, m) {
		for (i = 3; i <= 8; i++) { gsub(/\\/, "\\\\", m[i]); gsub(/"/, "\\\"", m[i]); gsub(/[\001-\037]/, "", m[i]) }
		printf "{\"level\":\"info\",\"ts\":1431857103.%d,\"logger\":\"http.log.access.log0\",\"msg\":\"handled request\",\"request\":{\"remote_ip\":\"%s\",\"remote_port\":\"%d\",\"client_ip\":\"%s\",\"proto\":\"%s\",\"method\":\"%s\",\"host\":\"semicomplete.com\",\"uri\":\"%s\",\"headers\":{\"User-Agent\":[\"%s\"],\"Referer\":[\"%s\"],\"Cookie\":[\"_ga=GA1.2.%d.1431857103; session=%x\"],\"Accept\":[\"*/*\"]}},\"bytes_read\":0,\"user_id\":\"\",\"duration\":0.00%d,\"size\":%s,\"status\":%s,\"resp_headers\":{\"Server\":[\"Caddy\"],\"Content-Type\":[\"text/html\"]}}\n",
			NR, m[1], 40000 + NR % 20000, m[1], m[4], m[2], m[3], m[8], m[7], 100000000 + NR, NR * 7919, NR % 10, (m[6] == "-" ? 0 : m[6]), m[5]
	}' "$CORPUS" >"$json.one"
	: >"$json"
	while [ $(( $(stat -c %s "$json") >> 20 )) -lt "$SIZE_MB" ]; do cat "$json.one" >>"$json"; done
	rm "$json.one"
fi
head -c $((JQ_SIZE_MB << 20)) "$json" | sed '$d' >"$json_small"

mb() { echo "scale=1; $(stat -c %s "$1") / 1048576" | bc; }
san="$CLI sanitize -geoip-db $GEOIP_DB"
declare -A cmd=(
	[pipe_combined]="cat $combined | cat | cat"
	[sanitize_combined]="$san -format combined $combined"
	[sanitize_combined_j1]="$san -format combined -j 1 $combined"
	[sed_combined]="sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+/\1.0/' $combined"
	[pipe_json]="cat $json | cat | cat"
	[sanitize_json]="$san -format caddy-json $json"
	[sanitize_json_small]="$san -format caddy-json $json_small"
	[jq_json_small]="jq -c 'del(.request.headers.Cookie) | .request.remote_ip = \"x\"' $json_small"
)
order=(pipe_combined sanitize_combined sed_combined sanitize_combined_j1 pipe_json sanitize_json jq_json_small sanitize_json_small)
for k in "${order[@]}"; do : >"$OUT/t-$k"; done
for i in $(seq "$ROUNDS"); do
	for k in "${order[@]}"; do
		seconds "${cmd[$k]}" >>"$OUT/t-$k"
	done
	echo "round $i done" >&2
done
t() { median <"$OUT/t-$1"; }
mbps() { echo "scale=0; $(mb "$2") / $(t "$1")" | bc; }
echo "inputs: combined $(mb "$combined") MB, caddy-json $(mb "$json") MB, caddy-json for jq $(mb "$json_small") MB; rounds=$ROUNDS"
printf '%-34s %8s s %6s MB/s\n' "cat|cat|cat, combined" "$(t pipe_combined)" "$(mbps pipe_combined "$combined")"
printf '%-34s %8s s %6s MB/s\n' "sanitize, combined (2 workers)" "$(t sanitize_combined)" "$(mbps sanitize_combined "$combined")"
printf '%-34s %8s s %6s MB/s\n' "sanitize, combined (1 worker)" "$(t sanitize_combined_j1)" "$(mbps sanitize_combined_j1 "$combined")"
printf '%-34s %8s s %6s MB/s\n' "sed -E IPv4 truncation, combined" "$(t sed_combined)" "$(mbps sed_combined "$combined")"
printf '%-34s %8s s %6s MB/s\n' "cat|cat|cat, caddy-json" "$(t pipe_json)" "$(mbps pipe_json "$json")"
printf '%-34s %8s s %6s MB/s\n' "sanitize, caddy-json" "$(t sanitize_json)" "$(mbps sanitize_json "$json")"
printf '%-34s %8s s %6s MB/s\n' "jq subset, caddy-json (jq input)" "$(t jq_json_small)" "$(mbps jq_json_small "$json_small")"
printf '%-34s %8s s %6s MB/s\n' "sanitize, caddy-json (jq input)" "$(t sanitize_json_small)" "$(mbps sanitize_json_small "$json_small")"
echo "sanitize / pipe, combined:   $(ratio "$(t pipe_combined)" "$(t sanitize_combined)")x the pipe's throughput"
echo "sanitize / pipe, caddy-json: $(ratio "$(t pipe_json)" "$(t sanitize_json)")x the pipe's throughput"
echo "sanitize vs sed:             $(ratio "$(t sed_combined)" "$(t sanitize_combined)")x faster"
echo "sanitize vs jq:              $(ratio "$(t jq_json_small)" "$(t sanitize_json_small)")x faster"
echo "2 workers vs 1:              $(ratio "$(t sanitize_combined_j1)" "$(t sanitize_combined)")x"

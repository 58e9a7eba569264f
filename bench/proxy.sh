#!/usr/bin/env bash
# Throughput and p99 latency of `privacy` + `reverse_proxy` against
# `reverse_proxy` alone, same binary, same upstream, wrk on loopback,
# alternating A and B for ROUNDS rounds of DURATION seconds.
#
#   bench/proxy.sh            # ROUNDS=5 DURATION=10 CONNECTIONS=32
#   MODE=beacon bench/proxy.sh  # privacy + privacy_beacon ga4 + reverse_proxy vs reverse_proxy
#   MODE=posthog bench/proxy.sh # the same with a gzip-compressed posthog-js batch (POST /e/)
#   MODE=embeds bench/proxy.sh  # privacy { embeds } + reverse_proxy vs reverse_proxy: a ~256 KB
#                               # HTML page with embeds, no marketing consent (rewritten)
#   MODE=embeds-other bench/proxy.sh # the same bytes as a non-HTML response (untouched)
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
MODE=${MODE:-proxy}
GEOIP_DB=${GEOIP_DB:-$HOME/.cache/caddy-privacy/geo-whois-asn-country.mmdb}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -f "$GEOIP_DB" ] || make -C "$ROOT" geoip >/dev/null
make -C "$ROOT" build >/dev/null
CADDY=$ROOT/bin/caddy

dir=$(mktemp -d)
pids=()
script=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$dir"' EXIT

up=$(freeport); pa=$(freeport); pb=$(freeport)
global="{
	admin off
	auto_https off
	storage file_system $dir/storage
	log default {
		level ERROR
	}
}"
cat >"$dir/upstream" <<CADDY
$global
http://127.0.0.1:$up {
	handle /page.* {
		root * $dir/site
		file_server
	}
	respond "ok" 200
}
CADDY
mkdir -p "$dir/site"

if [ "$MODE" = beacon ]; then
	path="/g/collect?v=2&tid=G-TEST123&gtm=45je4&_p=1700000000000&cid=1234567890.1700000000&ul=en-gb&sr=1920x1080&_s=1&sid=1700000000&sct=1&seg=1&dl=https%3A%2F%2Fshop.example%2Fproducts%3Fpage%3D2&dt=Products&en=page_view"
	a_route="handle /g/collect {
		reverse_proxy 127.0.0.1:$up
	}"
	b_route="privacy {
		geoip $GEOIP_DB
		consent json consent
	}
	handle /g/collect {
		privacy_beacon ga4 {
			geoip $GEOIP_DB
		}
		reverse_proxy 127.0.0.1:$up
	}"
elif [ "$MODE" = posthog ]; then
	# The batch posthog-js 1.449.2 sent in Chromium: 4 events, gzip as
	# text/plain, as the SDK sends it by default.
	path="/e/?ip=0&_=1796357237346&ver=1.449.2"
	gzip -9 -c "$ROOT/beacon/testdata/posthog-batch.json" >"$dir/body.gz"
	cat >"$dir/post.lua" <<LUA
local f = io.open("$dir/body.gz", "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
wrk.headers["Content-Type"] = "text/plain"
f:close()
LUA
	script=(-s "$dir/post.lua")
	a_route="handle /e/ {
		reverse_proxy 127.0.0.1:$up
	}"
	b_route="privacy {
		geoip $GEOIP_DB
		consent json consent
	}
	handle /e/ {
		privacy_beacon posthog {
			geoip $GEOIP_DB
		}
		reverse_proxy 127.0.0.1:$up
	}"
elif [ "$MODE" = embeds ] || [ "$MODE" = embeds-other ]; then
	# 256 KB of article text with a YouTube, a Vimeo and a Maps frame and
	# an X widget script every 15 KB; the same bytes as application/
	# octet-stream for embeds-other.
	block=$(
		for j in $(seq 150); do
			printf '<p>Paragraph %d of the article, with <a href="/shop?page=%d">a link</a> and some text to read.</p>\n' "$j" "$j"
		done
		printf '<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0" allowfullscreen></iframe>\n'
		printf '<iframe src="https://player.vimeo.com/video/76979871" width="640" height="360"></iframe>\n'
		printf '<iframe src="https://www.google.com/maps/embed?pb=!1m18" width="600" height="450"></iframe>\n'
		printf '<blockquote class="twitter-tweet"><a href="https://twitter.com/x/status/1">post</a></blockquote><script async src="https://platform.twitter.com/widgets.js"></script>\n'
	)
	{
		echo '<!doctype html><html><head><title>Visit us</title></head><body>'
		for _ in $(seq 17); do echo "$block"; done
		echo '</body></html>'
	} >"$dir/page.html"
	cp "$dir/page.html" "$dir/site/page.html"
	cp "$dir/page.html" "$dir/site/page.bin"
	path=/page.html
	[ "$MODE" = embeds-other ] && path=/page.bin
	a_route="reverse_proxy 127.0.0.1:$up"
	b_route="privacy {
		geoip $GEOIP_DB
		consent json consent
		embeds
	}
	reverse_proxy 127.0.0.1:$up"
else
	path="/products/shoes?page=2&utm_source=newsletter"
	a_route="reverse_proxy 127.0.0.1:$up"
	b_route="privacy {
		geoip $GEOIP_DB
		consent json consent
	}
	reverse_proxy 127.0.0.1:$up"
fi
printf '%s\nhttp://127.0.0.1:%s {\n\t%s\n}\n' "$global" "$pa" "$a_route" >"$dir/a"
printf '%s\nhttp://127.0.0.1:%s {\n\t%s\n}\n' "$global" "$pb" "$b_route" >"$dir/b"

for f in upstream a b; do
	"$CADDY" run --adapter caddyfile --config "$dir/$f" >"$dir/$f.log" 2>&1 &
	pids+=($!)
done
for f in upstream a b; do
	port=$up; [ $f = a ] && port=$pa; [ $f = b ] && port=$pb
	waitport "$port" || { cat "$dir/$f.log" >&2; exit 1; }
done

headers=(-H 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
	-H 'Accept-Language: en-GB,en;q=0.9'
	-H 'Cookie: session=abc123; _ga=GA1.1.1234567890.1700000000; consent={"analytics":true}'
	-H 'X-Forwarded-For: 81.2.69.160')

# run PORT: "requests_per_second p99_ms" of one wrk run.
run() {
	wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${headers[@]}" "${script[@]}" "http://127.0.0.1:$1$path" |
		awk '/Requests\/sec/ {rps=$2}
		     /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v}
		     /Non-2xx/ {print "non-2xx responses" > "/dev/stderr"}
		     END {print rps, p99}'
}

run "$pa" >/dev/null; run "$pb" >/dev/null # warm up both
: >"$OUT/$MODE-a"; : >"$OUT/$MODE-b"
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then order="a b"; else order="b a"; fi
	for side in $order; do
		port=$pa; [ "$side" = b ] && port=$pb
		r=$(run "$port")
		echo "$r" >>"$OUT/$MODE-$side"
		echo "round $i $side: $r" >&2
	done
done
rps_a=$(cut -d' ' -f1 "$OUT/$MODE-a" | median); rps_b=$(cut -d' ' -f1 "$OUT/$MODE-b" | median)
p99_a=$(cut -d' ' -f2 "$OUT/$MODE-a" | median); p99_b=$(cut -d' ' -f2 "$OUT/$MODE-b" | median)
echo "mode=$MODE rounds=$ROUNDS duration=${DURATION}s connections=$CONNECTIONS"
echo "reverse_proxy alone:     $rps_a req/s, p99 $p99_a ms"
echo "with privacy:            $rps_b req/s, p99 $p99_b ms"
echo "throughput ratio (B/A):  $(ratio "$rps_b" "$rps_a")"
if [ -f "$dir/page.html" ]; then
	mb=$(awk -v n="$(wc -c <"$dir/page.html")" 'BEGIN {print n / 1048576}')
	awk -v a="$rps_a" -v b="$rps_b" -v mb="$mb" 'BEGIN {
		printf "MB/s: reverse_proxy alone %.0f, with privacy %.0f; added cost %.2f ms of CPU-bound wall time per MB\n", a*mb, b*mb, (1/(b*mb) - 1/(a*mb)) * 1000 }'
fi
echo "p99 latency ratio (B/A): $(ratio "$p99_b" "$p99_a")"

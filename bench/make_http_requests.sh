#!/usr/bin/env bash
# make_http_requests.sh OUTDIR [N]
#
# Makes OUTDIR/http-requests.pcap: a loopback capture of at least N (default
# 200000) keep-alive HTTPS requests with small responses, TLS 1.2, RSA key
# exchange, AES128-GCM-SHA256, between nginx and curl, for the HTTP
# inspection benchmark (run_inspect.sh). Also writes OUTDIR/server.key (kept
# if it exists, so every capture in OUTDIR shares it) and
# OUTDIR/http-requests.info (port, requests, connections, bytes, tcpdump
# counters, checks).
#
# The requests look like a browser's on a shop site: pages, static assets,
# JSON API calls, form and JSON POSTs; paths with query strings (some
# percent-encoded), browser User-Agent, Accept, Accept-Language, Cookie and
# Referer headers; one browser (User-Agent, cookies, Host) per connection.
# They are made by an awk generator with a fixed seed (BENCH_SEED), so the
# same N gives the same requests. Each connection is one curl run over a
# config file (-K) of BENCH_CONN_REQS (default 1000) requests separated by
# "next": curl keeps the one connection alive across them. BENCH_PAR (default
# 2) curl processes run side by side. nginx answers every request with
# `return 200` and a body of a few hundred bytes whose type depends on the
# path (HTML, JSON, CSS, JavaScript, image).
#
# The server listens on BENCH_PORT (default 8443): the port must be in the
# default "Web Server Common" port list (80, 443, 8080, 8443) so that
# `tlsips inspect` without a config treats the flows as HTTP.
#
# Checks (any failure fails the script): every curl transfer returned 200
# with a body and reused its connection (one connect per curl run); nginx's
# access log has every request; tcpdump dropped nothing and wrote everything
# it received; tshark sees no lost segment; tshark, decrypting with the key,
# counts exactly BENCH_CONN_REQS requests and responses in each of the first
# and the last connection (cut out of the capture by client port).
#
# If tcpdump loses packets (a busy machine), run again with BENCH_PAR=1.
#
# Needs root (tcpdump on lo), nginx (nginx-light), curl, tcpdump, tshark,
# openssl, ss, awk, renice.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[[ $# -ge 1 && $# -le 2 ]] || bench_die "usage: make_http_requests.sh OUTDIR [N]"
outdir=$1
n=${2:-200000}
per=${BENCH_CONN_REQS:-1000}
par=${BENCH_PAR:-2}
port=${BENCH_PORT:-8443}
seed=${BENCH_SEED:-4}
suite=AES128-GCM-SHA256
[[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || bench_die "bad N: $n"
[[ $per =~ ^[0-9]+$ && $per -ge 1 && $per -le 100000 ]] || bench_die "bad BENCH_CONN_REQS: $per"
[[ $par =~ ^[0-9]+$ && $par -ge 1 && $par -le 64 ]] || bench_die "bad BENCH_PAR: $par"
[[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || bench_die "bad BENCH_PORT: $port"
[[ $seed =~ ^[0-9]+$ ]] || bench_die "bad BENCH_SEED: $seed"
case $port in
80 | 443 | 8080 | 8443) ;;
*) bench_log "warning: port $port is not in the default Web Server Common list (80, 443, 8080, 8443): tlsips inspect needs a config naming it" ;;
esac
conns=$(((n + per - 1) / per))
total=$((conns * per))

bench_need nginx curl tcpdump tshark openssl ss awk renice
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
pcap=$outdir/http-requests.pcap
info=$outdir/http-requests.info

# (TIME-WAIT leftovers of an earlier run do not matter: nginx binds with
# SO_REUSEADDR, and the capture only sees packets on live connections.)
[[ -z $(ss -Htan "( sport = :$port or dport = :$port )" | awk '$1 != "TIME-WAIT"') ]] ||
	bench_die "port $port is in use (set BENCH_PORT to 80, 443, 8080 or 8443)"

# About 1.2 KB of capture per request (request, response, ACKs); the curl
# configs take about as much again while the capture runs.
avail_kb=$(df -Pk "$outdir" | awk 'NR==2 {print $4}')
((avail_kb > total * 3 + 100000)) || bench_die "not enough space in $outdir ($((avail_kb / 1000)) MB free)"

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
trap bench_cleanup EXIT
chmod 755 "$BENCH_TMP"
cfgdir=$BENCH_TMP/cfg
mkdir -p "$cfgdir"

# --- the requests ----------------------------------------------------------
# One curl config per connection, cfgdir/cN. Every block repeats the TLS
# options because "next" resets them; the last block has no "next" (curl
# refuses a trailing one). The write-out line per transfer: status,
# connects, body bytes, client port, request header bytes, uploaded bytes.
bench_log "generating $total requests in $conns curl configs"
awk -v conns="$conns" -v per="$per" -v port="$port" -v dir="$cfgdir" -v seed="$seed" '
function pick(a, n) { return a[int(rand() * n) + 1] }
function num(lo, hi) { return lo + int(rand() * (hi - lo + 1)) }
function hex(k,   s, i) { s = ""; for (i = 0; i < k; i++) s = s substr("0123456789abcdef", num(1, 16), 1); return s }
function q(s) { gsub(/"/, "\\\"", s); return "\"" s "\"" }
function hdr(f, s) { print "header = " q(s) >f }
BEGIN {
	srand(seed)
	nua = split("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36|" \
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0|" \
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15|" \
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1|" \
		"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36|" \
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.72|" \
		"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0|" \
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36", ua, "|")
	nlang = split("en-US,en;q=0.9|de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7|fr-FR,fr;q=0.9,en;q=0.8|en-GB,en;q=0.9|" \
		"es-ES,es;q=0.9|nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7|it-IT,it;q=0.9,en;q=0.8|pl-PL,pl;q=0.9,en;q=0.8", lang, "|")
	nhost = split("shop.example.com|www.example.com|store.example.org|m.example.com", host, "|")
	nword = split("wireless+headphones|running+shoes|coffee+grinder|usb-c+cable|winter+jacket|office+chair|" \
		"4k+monitor|yoga+mat|garden+hose|cast+iron+pan|caf%C3%A9+table|kids%27+bike|led+desk+lamp|" \
		"mechanical+keyboard|water+bottle|phone+case|%22gift+card%22|smart+watch|rain+boots|tent+2+person", word, "|")
	ncat = split("electronics|home-garden|fashion/women|fashion/men|sports|toys|books|kitchen|beauty|outdoor", cat, "|")
	nsort = split("relevance|price_asc|price_desc|newest|rating", sorts, "|")
	nslug = split("how-to-choose-a-mattress|summer-sale-2024|10-tips-for-remote-work|our-sustainability-report|" \
		"best-gifts-under-50|spring-cleaning-checklist|new-arrivals-this-week|care-guide-leather-boots", slug, "|")
	nfirst = split("anna|ben|carla|david|emma|farid|greta|hugo|ines|jonas|kim|lena", first, "|")
	ncolor = split("black|white|blue|red|green|grey", color, "|")
	nsize = split("XS|S|M|L|XL|42|43|44", sz, "|")
	html = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	for (c = 0; c < conns; c++) {
		f = dir "/c" c
		b = num(1, nua); h = pick(host, nhost); l = pick(lang, nlang)
		chrome = ua[b] ~ /Chrome/
		sid = hex(32); ga = "GA1.2." num(100000000, 999999999) "." num(1600000000, 1700000000)
		csrf = hex(40); uid = num(1000, 999999)
		cookie = "session_id=" sid "; _ga=" ga "; cookie_consent=accepted; currency=EUR"
		prev = ""
		for (r = 1; r <= per; r++) {
			x = rand(); method = "GET"; body = ""; ctype = ""; kind = "page"
			if (x < 0.28) {
				y = rand()
				if (y < 0.10) path = "/"
				else if (y < 0.35) path = "/products/" num(1, 50000) "-" pick(slug, nslug) (rand() < 0.4 ? "?variant=" num(1, 9) "&ref=rec" : "")
				else if (y < 0.55) path = "/category/" pick(cat, ncat) "?page=" num(1, 20) "&sort=" pick(sorts, nsort) (rand() < 0.3 ? "&price_min=" num(5, 50) "&price_max=" num(60, 900) : "")
				else if (y < 0.80) path = "/search?q=" pick(word, nword) "&page=" num(1, 5) (rand() < 0.3 ? "&utm_source=newsletter&utm_medium=email&utm_campaign=wk" num(1, 52) : "")
				else if (y < 0.92) path = "/blog/20" num(19, 24) "/" sprintf("%02d", num(1, 12)) "/" pick(slug, nslug)
				else path = "/account/orders?status=" (rand() < 0.5 ? "shipped" : "open") "&sort=date&dir=desc"
			} else if (x < 0.62) {
				kind = "asset"; y = rand()
				if (y < 0.25) { path = "/static/css/" (rand() < 0.5 ? "main" : "vendor") "." hex(8) ".css"; kind = "css" }
				else if (y < 0.50) { path = "/static/js/" (rand() < 0.5 ? "app" : "chunk-" num(1, 40)) "." hex(8) ".js?v=" num(1, 300); kind = "js" }
				else if (y < 0.95) { path = "/images/products/" num(1, 50000) "-" (rand() < 0.5 ? "400x400" : "1200x1200") (rand() < 0.6 ? ".webp" : ".jpg"); kind = "img" }
				else { path = "/fonts/inter-var.woff2"; kind = "font" }
			} else if (x < 0.84) {
				kind = "api"; y = rand()
				if (y < 0.35) path = "/api/v1/products/" num(1, 50000) "?fields=name,price,stock,rating&currency=EUR"
				else if (y < 0.55) path = "/api/v1/cart?session=" substr(sid, 1, 16)
				else if (y < 0.75) path = "/api/v1/recommendations?user=" uid "&limit=" num(4, 24) "&context=" (rand() < 0.5 ? "home" : "product")
				else if (y < 0.90) path = "/api/v1/search/suggest?q=" substr(pick(word, nword), 1, num(2, 6))
				else path = "/api/v2/stock?sku=SKU-" num(10000, 99999) "-" pick(sz, nsize)
			} else if (x < 0.96) {
				method = "POST"; y = rand()
				if (y < 0.20) {
					kind = "form"; path = "/cart/add"
					body = "product_id=" num(1, 50000) "&quantity=" num(1, 4) "&size=" pick(sz, nsize) "&color=" pick(color, ncolor) "&csrf_token=" csrf
				} else if (y < 0.30) {
					kind = "form"; path = "/login"
					body = "email=" pick(first, nfirst) "." num(1, 999) "%40example.net&password=" hex(12) "&remember_me=on&csrf_token=" csrf
				} else if (y < 0.38) {
					kind = "form"; path = "/newsletter/subscribe?src=footer"
					body = "email=" pick(first, nfirst) "%2B" num(1, 99) "%40mail.example&consent=1"
				} else if (y < 0.65) {
					kind = "json"; path = "/api/v1/cart/items"
					body = "{\"product_id\":" num(1, 50000) ",\"quantity\":" num(1, 4) ",\"options\":{\"size\":\"" pick(sz, nsize) "\",\"color\":\"" pick(color, ncolor) "\"},\"session\":\"" sid "\"}"
				} else {
					kind = "json"; path = "/api/v1/events"
					body = "{\"client_id\":\"" ga "\",\"events\":["
					k = num(1, 5)
					for (e = 0; e < k; e++)
						body = body (e ? "," : "") "{\"type\":\"" (rand() < 0.6 ? "view_item" : "scroll") "\",\"item\":" num(1, 50000) ",\"ts\":" num(1700000000, 1700999999) num(100, 999) ",\"page\":\"/products/" num(1, 50000) "\",\"depth\":" num(0, 100) "}"
					body = body "]}"
				}
			} else {
				kind = "misc"; y = rand()
				if (y < 0.4) path = "/favicon.ico"
				else if (y < 0.6) path = "/robots.txt"
				else if (y < 0.8) path = "/manifest.json"
				else path = "/sitemap.xml?page=" num(1, 9)
			}
			print "url = " q("https://127.0.0.1:" port path) >f
			print "globoff\nsilent\nshow-error\ninsecure\ntlsv1.2\ntls-max = 1.2\nciphers = AES128-GCM-SHA256\noutput = /dev/null" >f
			print "write-out = \"%{http_code} %{num_connects} %{size_download} %{local_port} %{size_request} %{size_upload}\\n\"" >f
			hdr(f, "Host: " h)
			hdr(f, "User-Agent: " ua[b])
			if (kind == "page") acc = html
			else if (kind == "css") acc = "text/css,*/*;q=0.1"
			else if (kind == "img") acc = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
			else if (kind == "api" || kind == "json") acc = "application/json, text/plain, */*"
			else acc = "*/*"
			hdr(f, "Accept: " acc)
			hdr(f, "Accept-Language: " l)
			hdr(f, "Accept-Encoding: gzip, deflate, br")
			if (chrome && (kind == "page" || kind == "form")) {
				hdr(f, "Upgrade-Insecure-Requests: 1")
				hdr(f, "Sec-Fetch-Dest: document"); hdr(f, "Sec-Fetch-Mode: navigate"); hdr(f, "Sec-Fetch-Site: same-origin")
			}
			if (kind == "api" || kind == "json") hdr(f, "X-Requested-With: XMLHttpRequest")
			if (prev != "") hdr(f, "Referer: https://" h prev)
			if (r > 1 || rand() < 0.5) hdr(f, "Cookie: " cookie (rand() < 0.3 ? "; recently_viewed=" num(1, 50000) "%2C" num(1, 50000) : ""))
			hdr(f, "Connection: keep-alive")
			if (method == "POST") {
				if (kind == "form") {
					hdr(f, "Content-Type: application/x-www-form-urlencoded"); hdr(f, "Origin: https://" h)
				} else
					hdr(f, "Content-Type: application/json")
				print "data-raw = " q(body) >f
			}
			if (kind == "page") prev = path
			if (r < per) print "next" >f
		}
		close(f)
	}
}' </dev/null || bench_die "request generator failed"

# --- nginx -----------------------------------------------------------------
# lib.sh's server block with an access log and one `return 200` per kind of
# path; regex locations win over lib.sh's "location /". Bodies of 150 to
# 600 bytes; $uri (the decoded path) in the HTML makes pages differ.
# shellcheck disable=SC2016,SC2089,SC2034 # nginx variables and quotes; read by lib.sh
BENCH_NGINX_EXTRA='        access_log '"$BENCH_TMP"'/ngx/access.log;
        location ~ ^/api/ {
            default_type application/json;
            add_header Cache-Control "no-store";
            return 200 '\''{"status":"ok","path":"$uri","data":{"items":[{"id":1042,"name":"Wireless headphones","price":{"amount":"89.90","currency":"EUR"},"stock":17,"rating":4.6},{"id":2210,"name":"Cast iron pan 28 cm","price":{"amount":"39.00","currency":"EUR"},"stock":3,"rating":4.8}],"next":null},"request_id":"$request_id"}'\'';
        }
        location ~ \.css$ {
            default_type text/css;
            add_header Cache-Control "public, max-age=31536000, immutable";
            return 200 '\'':root{--brand:#1f6feb;--text:#1b1f24}body{margin:0;font:16px/1.5 Inter,system-ui,sans-serif;color:var(--text)}.btn{display:inline-block;padding:.5rem 1rem;border-radius:6px;background:var(--brand);color:#fff}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:1rem}'\'';
        }
        location ~ \.js$ {
            default_type application/javascript;
            add_header Cache-Control "public, max-age=31536000, immutable";
            return 200 '\''"use strict";(self.webpackChunk=self.webpackChunk||[]).push([[42],{4711:function(e,t,n){n.d(t,{a:function(){return r}});var r=function(e){return fetch("/api/v1/cart",{credentials:"same-origin"}).then(function(e){return e.json()})}}}]);'\'';
        }
        location ~ \.(webp|jpg|png|ico|woff2)$ {
            default_type image/webp;
            add_header Cache-Control "public, max-age=604800";
            return 200 '\''RIFF0000WEBPVP8 placeholder image data for the tlsips benchmark, about two hundred bytes long so that the response stays small like a thumbnail or icon would be in a real capture.'\'';
        }
        location ~ ^/ {
            default_type text/html;
            add_header Cache-Control "private, no-cache";
            add_header X-Frame-Options SAMEORIGIN;
            return 200 '\''<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>$uri - Example Shop</title><link rel="stylesheet" href="/static/css/main.css"></head><body><header><a href="/">Example Shop</a><form action="/search"><input name="q"></form></header><main><h1>$uri</h1><p>Free delivery from 50 EUR.</p></main><script src="/static/js/app.js" defer></script></body></html>'\'';
        }'
bench_key "$outdir"
bench_nginx_start "$BENCH_TMP/ngx" "$outdir/server.key" "$suite" "$port" 127.0.0.1

rm -f "$pcap"
bench_tcpdump_start "$pcap" "$port" "$BENCH_TMP/tcpdump.log"
# Small packets at a high rate: on a busy machine a starved tcpdump lost
# packets (received by the kernel, never written) although its ring was
# large enough, so it runs at a higher priority.
renice -n "${BENCH_TCPDUMP_NICE:--10}" -p "$BENCH_TCPDUMP_PID" >/dev/null ||
	bench_log "warning: cannot renice tcpdump"
bench_log "http requests: $total over $conns connections, $par curl processes, nginx and tcpdump on 127.0.0.1:$port"

t0=$(date +%s.%N)
pids=()
for ((j = 0; j < par; j++)); do
	# Process j runs connections j, j+par, ... one after another.
	(
		for ((c = j; c < conns; c += par)); do
			curl -K "$cfgdir/c$c" >"$BENCH_TMP/out.$c" || exit 1
			rm -f "$cfgdir/c$c"
		done
	) &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || bench_die "a curl process failed"; done
t1=$(date +%s.%N)
bench_tcpdump_stop "$pcap" "$BENCH_TMP/tcpdump.log"
bench_nginx_stop

# --- checks ----------------------------------------------------------------
bench_log "checking the transfers"
for ((c = 0; c < conns; c++)); do
	awk -v per="$per" -v c="$c" '
		$1 != 200 || $3 < 100 { bad++ }
		{ conn += $2; if (NR == 1) port = $4 }
		END {
			if (NR != per || bad || conn != 1) { printf "connection %d: %d transfers, %d bad, %d connects\n", c, NR, bad, conn; exit 1 }
		}' "$BENCH_TMP/out.$c" || bench_die "curl run $c did not make $per good requests over one connection"
done
read -r req_bytes up_bytes body_bytes < <(cat "$BENCH_TMP"/out.* | awk '{h += $5; u += $6; d += $3} END {printf "%.0f %.0f %.0f\n", h, u, d}')
logged=$(wc -l <"$BENCH_TMP/ngx/access.log")
((logged == total)) || bench_die "nginx logged $logged requests, expected $total"
gets=$(awk '$6 == "\"GET"' "$BENCH_TMP/ngx/access.log" | wc -l)
posts=$(awk '$6 == "\"POST"' "$BENCH_TMP/ngx/access.log" | wc -l)
ok200=$(awk '$9 == 200' "$BENCH_TMP/ngx/access.log" | wc -l)
((gets + posts == total && ok200 == total)) || bench_die "access log: $gets GET, $posts POST, $ok200 with status 200 of $total"
ports=$(for ((c = 0; c < conns; c++)); do head -1 "$BENCH_TMP/out.$c" | cut -d' ' -f4; done)
reused=$(sort <<<"$ports" | uniq -d | wc -l)
((reused == 0)) || bench_die "$reused client ports were used by two connections (the per-connection check needs them unique)"

bench_log "checking TCP completeness with tshark"
lost=$(bench_check_tcp "$pcap")
[[ $lost == 0 ]] || bench_die "tshark sees $lost lost segments in $pcap"

# Decrypt two whole connections with tshark and count their HTTP messages.
sample=""
for c in 0 $((conns - 1)); do
	cp=$(head -1 "$BENCH_TMP/out.$c" | cut -d' ' -f4)
	tcpdump -r "$pcap" -w "$BENCH_TMP/one.pcap" "tcp port $cp" 2>/dev/null
	targs=(tshark -n -r "$BENCH_TMP/one.pcap" -d "tcp.port==$port,tls"
		-o "uat:rsa_keys:\"$outdir/server.key\",\"\"" -T fields -e frame.number)
	q=$("${targs[@]}" -Y http.request 2>/dev/null | wc -l)
	s=$("${targs[@]}" -Y http.response 2>/dev/null | wc -l)
	((q == per && s == per)) ||
		bench_die "tshark finds $q requests and $s responses in connection $c (client port $cp), expected $per each"
	sample+="${sample:+ }c$c:$q/$s"
done

bytes=$(stat -c %s "$pcap")
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
cat >"$info" <<EOF
file=$pcap
suite=$suite
port=$port
bytes=$bytes
requests=$total
connections=$conns
requests_per_connection=$per
get_requests=$gets
post_requests=$posts
request_header_bytes=$req_bytes
request_body_bytes=$up_bytes
response_body_bytes=$body_bytes
seed=$seed
packets_captured=$BENCH_CAPTURED
packets_received=$BENCH_RECEIVED
dropped_kernel=$BENCH_DROPPED_KERNEL
dropped_interface=$BENCH_DROPPED_IF
lost_segments=$lost
tshark_sample=$sample
generate_seconds=$secs
made=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
bench_log "wrote $pcap: $((bytes / 1000000)) MB, $total requests ($gets GET, $posts POST) over $conns connections, $BENCH_CAPTURED packets, 0 dropped, ${secs}s ($(awk -v n="$total" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') requests/s)"

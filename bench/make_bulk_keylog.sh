#!/usr/bin/env bash
# make_bulk_keylog.sh OUTDIR SUITE [MB]
#
# Like make_bulk.sh, for suites that need the session secrets (key log mode):
# makes OUTDIR/bulk-SUITE.pcap, a loopback capture of at least MB megabytes
# (10^6 bytes, default 520) of keep-alive HTTPS GETs of a 64 KiB file between
# nginx and curl, and OUTDIR/bulk-SUITE.keys, the NSS key log curl wrote for
# it (SSLKEYLOGFILE; curl built with OpenSSL writes the client side's
# secrets). SUITE is
#   - a TLS 1.2 OpenSSL cipher name (upper case, e.g.
#     ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-CHACHA20-POLY1305): TLS 1.2 only;
#   - a TLS 1.3 suite (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
#     TLS_CHACHA20_POLY1305_SHA256): TLS 1.3 only, that one suite on both
#     sides.
# Also writes OUTDIR/server.key (kept if it exists) and OUTDIR/bulk-SUITE.info.
#
# Checks, besides make_bulk.sh's (tcpdump lost nothing, tshark sees no lost
# segment, every GET returned the whole file): tshark sees exactly one
# ClientHello per connection curl made, and every ClientHello's random has
# its secrets in the key log (CLIENT_RANDOM for TLS 1.2; the four traffic
# secrets for TLS 1.3), and the ServerHello chose SUITE each time.
#
# Needs root (tcpdump on lo), nginx (nginx-light), curl, tcpdump, tshark, openssl.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[[ $# -ge 2 ]] || bench_die "usage: make_bulk_keylog.sh OUTDIR SUITE [MB]"
outdir=$1
suite=$2
mb=${3:-520}
round=${BENCH_ROUND:-1000}
rate=${BENCH_RATE:-}
[[ $mb =~ ^[0-9]+$ && $mb -ge 1 ]] || bench_die "bad MB: $mb"

# suite -> TLS version, curl options, nginx settings, IANA code point.
case $suite in
TLS_AES_128_GCM_SHA256) code=0x1301 ;;
TLS_AES_256_GCM_SHA384) code=0x1302 ;;
TLS_CHACHA20_POLY1305_SHA256) code=0x1303 ;;
TLS_AES_128_CCM_SHA256) code=0x1304 ;;
TLS_*) bench_die "unknown TLS 1.3 suite: $suite" ;;
*)
	[[ $suite =~ ^[A-Z0-9-]+$ ]] || bench_die "bad suite name: $suite"
	# "0xC0,0x2F - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ..." -> 0xc02f
	code=$(openssl ciphers -V "$suite" 2>/dev/null |
		awk -v s="$suite" '$3 == s {split($1, b, ","); print tolower(b[1] substr(b[2], 3)); exit}')
	[[ -n $code ]] || bench_die "openssl does not know the suite $suite"
	;;
esac
if [[ $suite == TLS_* ]]; then
	version=1.3
	curl_tls=(--tlsv1.3 --tls-max 1.3 --tls13-ciphers "$suite")
	# ssl_ciphers only covers TLS 1.2; the TLS 1.3 list goes to OpenSSL directly.
	export BENCH_NGINX_PROTOCOLS=TLSv1.3
	export BENCH_NGINX_EXTRA="        ssl_conf_command Ciphersuites $suite;"
	nginx_ciphers=HIGH
else
	version=1.2
	curl_tls=(--tlsv1.2 --tls-max 1.2 --ciphers "$suite")
	export BENCH_NGINX_PROTOCOLS=TLSv1.2
	nginx_ciphers=$suite
fi

bench_need nginx curl tcpdump tshark capinfos openssl ss
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
pcap=$outdir/bulk-$suite.pcap
keys=$outdir/bulk-$suite.keys
info=$outdir/bulk-$suite.info

avail_kb=$(df -Pk "$outdir" | awk 'NR==2 {print $4}')
((avail_kb > mb * 1000 * 13 / 10 + 100000)) ||
	bench_die "not enough space in $outdir for a $mb MB capture ($((avail_kb / 1000)) MB free)"

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
trap bench_cleanup EXIT
chmod 755 "$BENCH_TMP"

bench_key "$outdir"
port=$(bench_free_port)
bench_nginx_start "$BENCH_TMP/ngx" "$outdir/server.key" "$nginx_ciphers" "$port" 127.0.0.1
# Printable body, as in make_bulk.sh (ssldump -d hex-dumps binary data).
head -c 49152 /dev/urandom | base64 -w 0 >"$BENCH_TMP/ngx/www/f64k"

rm -f "$pcap" "$keys"
bench_tcpdump_start "$pcap" "$port" "$BENCH_TMP/tcpdump.log"
bench_log "bulk $suite (TLS $version, key log): nginx and tcpdump on 127.0.0.1:$port, target $mb MB"

target=$((mb * 1000000))
t0=$(date +%s.%N)
requests=0 connections=0 rounds=0
limit=()
[[ -n $rate ]] && limit=(--limit-rate "$rate")
while (($(stat -c %s "$pcap") < target)); do
	SSLKEYLOGFILE=$keys curl -sS -k "${curl_tls[@]}" \
		--cacert "$BENCH_TMP/ngx/cert.pem" "${limit[@]}" \
		-o /dev/null -w '%{http_code} %{num_connects} %{size_download}\n' \
		"https://127.0.0.1:$port/f64k?r$rounds-[1-$round]" >"$BENCH_TMP/curl.out"
	ok=$(awk '$1 == 200 && $3 == 65536' "$BENCH_TMP/curl.out" | wc -l)
	((ok == round)) || bench_die "round $rounds: only $ok of $round GETs returned the whole file"
	requests=$((requests + ok))
	connections=$((connections + $(awk '{s += $2} END {print s}' "$BENCH_TMP/curl.out")))
	rounds=$((rounds + 1))
	((rounds < 1000)) || bench_die "capture does not grow"
done
t1=$(date +%s.%N)
bench_tcpdump_stop "$pcap" "$BENCH_TMP/tcpdump.log"
bench_nginx_stop
chmod 600 "$keys"

bytes=$(stat -c %s "$pcap")
((bytes >= target)) || bench_die "capture is only $bytes bytes"
bench_log "checking TCP completeness with tshark"
lost=$(bench_check_tcp "$pcap")
[[ $lost == 0 ]] || bench_die "tshark sees $lost lost segments in $pcap"

# Every ClientHello's random must have its secrets in the key log, and every
# ServerHello must have picked SUITE. (Handshake messages are in the clear up
# to ServerHello in both versions.)
bench_log "checking the key log against the ClientHellos"
# One pass: handshake types (a server flight may carry several: "2,11,12,14"),
# the random (ClientHello's or ServerHello's) and the chosen suite.
tshark -n -r "$pcap" -d "tcp.port==$port,tls" -Y 'tls.handshake.type == 1 || tls.handshake.type == 2' \
	-T fields -E separator=/t -e tls.handshake.type -e tls.handshake.random \
	-e tls.handshake.ciphersuite 2>/dev/null >"$BENCH_TMP/hellos"
awk -F'\t' '$1 == "1" {gsub(":", "", $2); print tolower($2)}' "$BENCH_TMP/hellos" | sort >"$BENCH_TMP/randoms"
awk -F'\t' '$1 ~ /^2(,|$)/ {print tolower($3)}' "$BENCH_TMP/hellos" | sort | uniq -c >"$BENCH_TMP/chosen"
hellos=$(wc -l <"$BENCH_TMP/randoms")
((hellos == connections)) || bench_die "tshark sees $hellos ClientHellos, curl made $connections connections"
if [[ $version == 1.2 ]]; then
	labels=(CLIENT_RANDOM)
else
	labels=(CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET
		CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0)
fi
for l in "${labels[@]}"; do
	awk -v l="$l" '$1 == l {print tolower($2)}' "$keys" | sort -u >"$BENCH_TMP/have"
	miss=$(comm -23 "$BENCH_TMP/randoms" "$BENCH_TMP/have" | wc -l)
	((miss == 0)) || bench_die "$miss of $hellos connections have no $l line in $keys"
done
keylines=$(grep -c . "$keys")
nchosen=$(wc -l <"$BENCH_TMP/chosen")
((nchosen == 1)) || bench_die "ServerHellos chose several suites: $(tr '\n' ' ' <"$BENCH_TMP/chosen")"
chosen=$(awk '{print $2}' "$BENCH_TMP/chosen")
[[ $((chosen)) == $((code)) ]] || bench_die "ServerHello chose $chosen, not $suite ($code)"

cap=$BENCH_CAPTURED rec=$BENCH_RECEIVED dk=$BENCH_DROPPED_KERNEL di=$BENCH_DROPPED_IF
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')

cat >"$info" <<EOF
file=$pcap
keylog=$keys
suite=$suite
tls_version=$version
server_hello_suite=$chosen
port=$port
bytes=$bytes
requests=$requests
connections=$connections
client_hellos=$hellos
keylog_lines=$keylines
object_bytes=65536
packets_captured=$cap
packets_received=$rec
dropped_kernel=$dk
dropped_interface=$di
lost_segments=$lost
generate_seconds=$secs
curl_limit_rate=${rate:-none}
made=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
bench_log "wrote $pcap: $((bytes / 1000000)) MB, $requests GETs over $connections connections, $cap packets, 0 dropped, ${secs}s; $keylines key log lines covering all $hellos ClientHellos"

#!/usr/bin/env bash
# make_bulk.sh OUTDIR [SUITE] [MB]
#
# Makes OUTDIR/bulk-SUITE.pcap: a loopback capture of at least MB megabytes
# (10^6 bytes, default 520) of keep-alive HTTPS GETs of a 64 KiB file, TLS 1.2,
# RSA key exchange, cipher SUITE (default AES128-GCM-SHA256; the benchmarks use
# AES128-GCM-SHA256 and AES128-SHA), between nginx and curl. Also writes
# OUTDIR/server.key (kept if it exists, so all captures in OUTDIR share it) and
# OUTDIR/bulk-SUITE.info (port, requests, connections, tcpdump counters).
#
# Each round is one curl run of BENCH_ROUND requests (default 1000, ~66 MB)
# over one kept-alive connection; rounds go on until the capture is big
# enough. The script fails if tcpdump lost any packet; then set BENCH_RATE
# (curl --limit-rate, e.g. 150M) and run again.
#
# Needs root (tcpdump on lo), nginx (nginx-light), curl, tcpdump, tshark, openssl.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[[ $# -ge 1 ]] || bench_die "usage: make_bulk.sh OUTDIR [SUITE] [MB]"
outdir=$1
suite=${2:-AES128-GCM-SHA256}
mb=${3:-520}
round=${BENCH_ROUND:-1000}
rate=${BENCH_RATE:-}
[[ $suite =~ ^[A-Z0-9-]+$ ]] || bench_die "bad suite name: $suite"
[[ $mb =~ ^[0-9]+$ && $mb -ge 1 ]] || bench_die "bad MB: $mb"

bench_need nginx curl tcpdump tshark capinfos openssl ss
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
pcap=$outdir/bulk-$suite.pcap
info=$outdir/bulk-$suite.info

# Room for the capture plus slack.
avail_kb=$(df -Pk "$outdir" | awk 'NR==2 {print $4}')
((avail_kb > mb * 1000 * 13 / 10 + 100000)) ||
	bench_die "not enough space in $outdir for a $mb MB capture ($((avail_kb / 1000)) MB free)"

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
trap bench_cleanup EXIT
chmod 755 "$BENCH_TMP"

bench_key "$outdir"
port=$(bench_free_port)
bench_nginx_start "$BENCH_TMP/ngx" "$outdir/server.key" "$suite" "$port" 127.0.0.1
# Printable text (base64 of random bytes, exactly 65536 bytes): ssldump -d
# prints text as it is but hex-dumps binary data, which would make it spend
# nearly all its time formatting (about 10 MB/s here) instead of decrypting.
head -c 49152 /dev/urandom | base64 -w 0 >"$BENCH_TMP/ngx/www/f64k"

rm -f "$pcap"
bench_tcpdump_start "$pcap" "$port" "$BENCH_TMP/tcpdump.log"
bench_log "bulk $suite: nginx and tcpdump on 127.0.0.1:$port, target $mb MB"

target=$((mb * 1000000))
t0=$(date +%s.%N)
requests=0 connections=0 rounds=0
limit=()
[[ -n $rate ]] && limit=(--limit-rate "$rate")
while (($(stat -c %s "$pcap") < target)); do
	# One connection per round: curl keeps it alive across the glob's URLs.
	curl -sS -k --tlsv1.2 --tls-max 1.2 --ciphers "$suite" \
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

bytes=$(stat -c %s "$pcap")
((bytes >= target)) || bench_die "capture is only $bytes bytes"
bench_log "checking TCP completeness with tshark"
lost=$(bench_check_tcp "$pcap")
[[ $lost == 0 ]] || bench_die "tshark sees $lost lost segments in $pcap"
cap=$BENCH_CAPTURED rec=$BENCH_RECEIVED dk=$BENCH_DROPPED_KERNEL di=$BENCH_DROPPED_IF
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')

cat >"$info" <<EOF
file=$pcap
suite=$suite
port=$port
bytes=$bytes
requests=$requests
connections=$connections
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
bench_log "wrote $pcap: $((bytes / 1000000)) MB, $requests GETs over $connections connections, $cap packets, 0 dropped, ${secs}s"

#!/usr/bin/env bash
# make_handshakes.sh OUTDIR [N]
#
# Makes OUTDIR/handshakes.pcap: a loopback capture of N (default 20000) short
# TLS 1.2 sessions, each a full RSA key exchange handshake with
# AES128-GCM-SHA256 (nginx has no session cache and no tickets, curl
# --no-sessionid), one small GET ("Connection: close") and its 128-byte
# response. Also OUTDIR/server.key (kept if it exists) and
# OUTDIR/handshakes.info.
#
# nginx listens on K loopback addresses (127.0.0.1, 127.0.0.2, ... 127.0.1.1,
# ...), and each address gets at most BENCH_HS_CHUNK (default 50) sessions,
# so that no TCP 4-tuple repeats in the capture: Linux picks client ports
# with small random steps from a per-destination offset, but with several
# destinations in use at once that offset sometimes jumps back by about a
# hundred connections (seen with 400 per address: 95 repeats in 20,000).
# Repeats are checked afterwards and only warned about (legal TCP). BENCH_PAR
# (default 4) curl processes run side by side, each taking the URLs of the
# addresses it owns and making its connections one after another (no fork per
# session). Afterwards one tshark pass counts ClientHello messages and SYNs
# (both must equal N), repeated 4-tuples and lost segments.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[[ $# -ge 1 ]] || bench_die "usage: make_handshakes.sh OUTDIR [N]"
outdir=$1
n=${2:-20000}
par=${BENCH_PAR:-4}
chunk=${BENCH_HS_CHUNK:-50}
suite=AES128-GCM-SHA256
[[ $n =~ ^[0-9]+$ && $n -ge $par ]] || bench_die "bad N: $n"
[[ $par =~ ^[0-9]+$ && $par -ge 1 && $par -le 200 ]] || bench_die "bad BENCH_PAR: $par"
[[ $chunk =~ ^[0-9]+$ && $chunk -ge 1 ]] || bench_die "bad BENCH_HS_CHUNK: $chunk"
naddr=$(((n + chunk - 1) / chunk))
((naddr <= 250 * 250)) || bench_die "N / BENCH_HS_CHUNK needs too many addresses"
addr() { echo "127.0.$((($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"; }

bench_need nginx curl tcpdump tshark openssl ss
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
pcap=$outdir/handshakes.pcap
info=$outdir/handshakes.info

# About 4 KB of capture per session.
avail_kb=$(df -Pk "$outdir" | awk 'NR==2 {print $4}')
((avail_kb > n * 8 + 100000)) || bench_die "not enough space in $outdir"

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
trap bench_cleanup EXIT
chmod 755 "$BENCH_TMP"

bench_key "$outdir"
port=$(bench_free_port)
addrs=()
for ((k = 1; k <= naddr; k++)); do addrs+=("$(addr "$k")"); done
bench_nginx_start "$BENCH_TMP/ngx" "$outdir/server.key" "$suite" "$port" "${addrs[@]}"
head -c 96 /dev/urandom | base64 -w0 >"$BENCH_TMP/ngx/www/s"

rm -f "$pcap"
bench_tcpdump_start "$pcap" "$port" "$BENCH_TMP/tcpdump.log"
bench_log "handshakes: $n sessions, $par curl processes over $naddr server addresses, nginx and tcpdump on port $port"

t0=$(date +%s.%N)
pids=()
for ((j = 0; j < par; j++)); do
	# Process j owns addresses j+1, j+1+par, ...; address k carries sessions
	# (k-1)*chunk+1 .. min(k*chunk, n).
	urls=()
	for ((k = j + 1; k <= naddr; k += par)); do
		cnt=$((k * chunk <= n ? chunk : n - (k - 1) * chunk))
		urls+=(-o /dev/null "https://$(addr "$k"):$port/s?[1-$cnt]")
	done
	((${#urls[@]})) || continue
	curl -sS -k --tlsv1.2 --tls-max 1.2 --ciphers "$suite" --no-sessionid \
		--cacert "$BENCH_TMP/ngx/cert.pem" -H 'Connection: close' \
		-w '%{http_code} %{num_connects} %{size_download}\n' \
		"${urls[@]}" >"$BENCH_TMP/curl.$j.out" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || bench_die "a curl process failed"; done
t1=$(date +%s.%N)
bench_tcpdump_stop "$pcap" "$BENCH_TMP/tcpdump.log"
bench_nginx_stop

ok=$(cat "$BENCH_TMP"/curl.*.out | awk '$1 == 200 && $2 == 1 && $3 == 128' | wc -l)
((ok == n)) || bench_die "only $ok of $n sessions completed with a new connection and the whole response"

bench_log "counting sessions with tshark"
# One tshark pass over the capture; fields: 1 frame, 2 handshake types,
# 3 SYN, 4 ACK, 5 source, 6 source port, 7 destination, 8 lost segment
# before this one, 9 this one ACKs a lost segment.
tshark -r "$pcap" -n -d "tcp.port==$port,tls" \
	-Y 'tls.handshake.type == 1 || (tcp.flags.syn == 1 && tcp.flags.ack == 0) || tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment' \
	-T fields -E separator='|' -e frame.number -e tls.handshake.type -e tcp.flags.syn -e tcp.flags.ack \
	-e ip.src -e tcp.srcport -e ip.dst -e tcp.analysis.lost_segment -e tcp.analysis.ack_lost_segment \
	>"$BENCH_TMP/check.txt" 2>/dev/null
hello=$(awk -F'|' '$2 ~ /(^|,)1(,|$)/' "$BENCH_TMP/check.txt" | wc -l)
awk -F'|' '$3 == 1 && $4 == 0 {print $5, $6, $7}' "$BENCH_TMP/check.txt" | sort >"$BENCH_TMP/syn.txt"
syns=$(wc -l <"$BENCH_TMP/syn.txt")
reused=$(uniq -d "$BENCH_TMP/syn.txt" | wc -l)
lost=$(awk -F'|' '$8 != "" || $9 != ""' "$BENCH_TMP/check.txt" | wc -l)
((hello == n)) || bench_die "capture has $hello ClientHello messages, expected $n"
((syns == n)) || bench_die "capture has $syns SYNs, expected $n"
((reused == 0)) || bench_log "warning: $reused TCP 4-tuples occur twice (client ports came back); use a smaller BENCH_HS_CHUNK"
[[ $lost == 0 ]] || bench_die "tshark sees $lost lost segments in $pcap"

bytes=$(stat -c %s "$pcap")
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
cat >"$info" <<EOF
file=$pcap
suite=$suite
port=$port
bytes=$bytes
sessions=$n
client_hellos=$hello
syns=$syns
reused_tuples=$reused
curl_loops=$par
server_addresses=$naddr
sessions_per_address=$chunk
packets_captured=$BENCH_CAPTURED
packets_received=$BENCH_RECEIVED
dropped_kernel=$BENCH_DROPPED_KERNEL
dropped_interface=$BENCH_DROPPED_IF
lost_segments=$lost
generate_seconds=$secs
made=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
bench_log "wrote $pcap: $n sessions ($hello ClientHello), $((bytes / 1000000)) MB, $BENCH_CAPTURED packets, 0 dropped, ${secs}s ($(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') sessions/s)"

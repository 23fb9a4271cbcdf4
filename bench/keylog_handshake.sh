#!/usr/bin/env bash
# keylog_handshake.sh BUILD_DIR
#
# What libtlsips-keylog.so costs nginx on new TLS connections: requests/s of
# h2load over HTTP/1.1, one full handshake per request (nginx has
# keepalive_timeout 0, so it closes every connection after its response and
# h2load connects again; no session cache, no tickets), for three nginx
# instances started side by side, all with the same config:
#   plain    no preload
#   plain2   no preload either: a second, identical control (A/A), whose
#            difference from plain shows the noise of the measurement
#   socket   LD_PRELOAD=libtlsips-keylog.so, tlsips listening on the key
#            socket (tlsips decrypt -i lo --key-socket ..., capturing nothing)
#   nobody   LD_PRELOAD=libtlsips-keylog.so, nothing listening on its socket
# for TLS 1.3 (TLS_AES_128_GCM_SHA256; five key log lines per handshake, which
# the library sends in two datagrams) and TLS 1.2 (ECDHE-RSA-AES128-GCM-SHA256;
# one line, one datagram), RSA 2048 certificate,
# X25519. Runs alternate between the four (the order rotates each round) so
# that load changes on the machine hit all of them alike; the median of the
# rounds is reported, and the difference from plain as the median of the
# per-round ratios (variant / plain in the same round).
#
# nginx runs pinned to BENCH_NGINX_CPU (default 0); h2load and tlsips share
# BENCH_CLIENT_CPU (default 1). Besides requests/s (wall clock), the nginx
# CPU time per request (utime + stime from /proc/PID/stat) is reported: on a
# busy machine it is the steadier figure.
#
# On a machine other work shares, the CPU share nginx gets swings from run
# to run and the A/A control (plain2) shows it. BENCH_HS_NICE=-20 runs nginx,
# h2load and tlsips at that nice level (root only), so they take their CPUs
# from other work while the measurement lasts (a few minutes).
#
# Environment: BENCH_HS_ROUNDS (default 15), BENCH_HS_REQUESTS (requests per
# run, default 1500), BENCH_HS_CLIENTS (h2load -c, default 32: enough
# connections in flight that nginx, not the round trips, sets the pace).
#
# Then, with the same tlsips still listening, bench/keylog_send_bench.c
# times the library's send path alone (non-blocking datagrams of one line,
# 2 or 1 per handshake as the library sends them, with 600 us of busy work
# between handshakes), pinned like nginx: microseconds of CPU per datagram
# and per handshake, and how many datagrams tlsips' socket queue refused
# (net.unix.max_dgram_qlen). tlsips' own counters give the key lines and
# datagrams that reached it from nginx.
#
# Prints a table (it can be sourced into run_keylog.sh's output) and the
# verdict against the issue's target (<= 3 % fewer requests/s).
#
# Needs root, nginx, h2load (Debian package nghttp2-client), openssl, ss.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[[ $# -eq 1 ]] || bench_die "usage: keylog_handshake.sh BUILD_DIR"
build=$1
if [[ -f $build && -x $build ]]; then build=$(dirname "$build"); fi
build=$(cd "$build" && pwd)
tlsips=$build/tlsips
lib=$build/src/keylog/libtlsips-keylog.so
[[ -x $tlsips ]] || bench_die "no $tlsips"
[[ -f $lib ]] || bench_die "no $lib"
rounds=${BENCH_HS_ROUNDS:-15}
nreq=${BENCH_HS_REQUESTS:-1500}
clients=${BENCH_HS_CLIENTS:-32}
ncpu=${BENCH_NGINX_CPU:-0}
ccpu=${BENCH_CLIENT_CPU:-1}
nice_n=${BENCH_HS_NICE:-0}
[[ $nice_n =~ ^-?[0-9]+$ ]] || bench_die "bad BENCH_HS_NICE: $nice_n"

bench_need nginx h2load openssl ss taskset awk cc

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
chmod 755 "$BENCH_TMP"
declare -A NGX_PID=()
tlsips_pid=
hs_cleanup() {
	local v
	for v in "${!NGX_PID[@]}"; do
		kill "${NGX_PID[$v]}" 2>/dev/null || true
		wait "${NGX_PID[$v]}" 2>/dev/null || true
	done
	if [[ -n $tlsips_pid ]]; then
		kill -INT "$tlsips_pid" 2>/dev/null || true
		wait "$tlsips_pid" 2>/dev/null || true
	fi
	bench_cleanup
}
trap hs_cleanup EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$BENCH_TMP/server.key" 2>/dev/null
cc -O2 -std=c11 "$here/keylog_send_bench.c" -o "$BENCH_TMP/keylog_send_bench"
sock=$BENCH_TMP/keys.sock
nobody_sock=$BENCH_TMP/nobody.sock # never bound

# tlsips: key socket only; the capture filter matches a port nobody uses.
# One tlsips per protocol, so its counters say what each part delivered.
start_tlsips() {
	local deadport
	deadport=$(bench_free_port)
	rm -f "$sock"
	nice -n "$nice_n" taskset -c "$ccpu" "$tlsips" decrypt -q -i lo --filter "tcp port $deadport" --key-socket "$sock" \
		-w /dev/null >"$BENCH_TMP/tlsips.out" 2>"$BENCH_TMP/tlsips.err" &
	tlsips_pid=$!
	for _ in $(seq 1 100); do
		[[ -S $sock ]] && return 0
		kill -0 "$tlsips_pid" 2>/dev/null || bench_die "tlsips exited: $(cat "$BENCH_TMP/tlsips.err")"
		sleep 0.05
	done
	bench_die "tlsips did not open $sock"
}
stop_tlsips() { # sets T_DGRAMS and T_LINES (datagrams and key log lines received)
	kill -INT "$tlsips_pid"
	wait "$tlsips_pid" || true
	tlsips_pid=
	T_DGRAMS=$(sed -n 's/^keysock: \([0-9]*\) datagrams.*/\1/p' "$BENCH_TMP/tlsips.err")
	T_LINES=$(sed -n 's/^keylog: \([0-9]*\) lines.*/\1/p' "$BENCH_TMP/tlsips.err")
	T_SUMMARY=$(grep '^keysock:' "$BENCH_TMP/tlsips.err" || echo 'no summary')
}

variants=(plain plain2 socket nobody)
declare -A PORT=() RPS=() CPUUS=()

# proc_cpu_ns PID: time the process has spent on a CPU, ns (schedstat).
proc_cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }

start_variants() { # PROTOCOLS SUITE EXTRA
	local v w
	for v in "${variants[@]}"; do
		w=$BENCH_TMP/ngx-$v
		PORT[$v]=$(bench_free_port)
		export BENCH_NGINX_PROTOCOLS=$1
		export BENCH_NGINX_EXTRA="        keepalive_timeout 0;"$'\n'"$3"
		case $v in
		plain | plain2) BENCH_NGINX_WRAP=(nice -n "$nice_n" taskset -c "$ncpu") ;;
		socket) BENCH_NGINX_WRAP=(env LD_PRELOAD="$lib" TLSIPS_KEYLOG_SOCKET="$sock" nice -n "$nice_n" taskset -c "$ncpu") ;;
		nobody) BENCH_NGINX_WRAP=(env LD_PRELOAD="$lib" TLSIPS_KEYLOG_SOCKET="$nobody_sock" nice -n "$nice_n" taskset -c "$ncpu") ;;
		esac
		bench_nginx_start "$w" "$BENCH_TMP/server.key" "$2" "${PORT[$v]}" 127.0.0.1
		NGX_PID[$v]=$BENCH_NGINX_PID
		BENCH_NGINX_PID=
		printf 'ok\n' >"$w/www/small"
		if [[ $v == plain* ]]; then
			! grep -q libtlsips-keylog "/proc/${NGX_PID[$v]}/maps" || bench_die "plain nginx has the library"
		else
			grep -q libtlsips-keylog "/proc/${NGX_PID[$v]}/maps" || bench_die "nginx ($v) did not load $lib"
		fi
	done
	unset BENCH_NGINX_WRAP
}

stop_variants() {
	local v
	for v in "${variants[@]}"; do
		kill "${NGX_PID[$v]}" 2>/dev/null || true
		wait "${NGX_PID[$v]}" 2>/dev/null || true
		unset "NGX_PID[$v]"
	done
}

# one_run VARIANT N TLSARGS...: h2load against VARIANT; sets H_RPS, H_CPUUS.
one_run() {
	local v=$1 n=$2 c0 c1 out
	shift 2
	out=$BENCH_TMP/h2load.out
	c0=$(proc_cpu_ns "${NGX_PID[$v]}")
	timeout 300 nice -n "$nice_n" taskset -c "$ccpu" h2load --h1 -n "$n" -c "$clients" "$@" \
		"https://127.0.0.1:${PORT[$v]}/small" >"$out" 2>&1 || bench_die "h2load failed: $(tail -3 "$out")"
	c1=$(proc_cpu_ns "${NGX_PID[$v]}")
	grep -q "^requests: $n total, $n started, $n done, $n succeeded, 0 failed, 0 errored, 0 timeout" "$out" ||
		bench_die "h2load against $v: not every request succeeded: $(grep '^requests:' "$out")"
	H_RPS=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' "$out")
	H_CPUUS=$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN {printf "%.1f", (b - a) / n / 1e3}')
	H_PROTO=$(awk -F': ' '/^TLS Protocol/ {print $2}' "$out")
	H_CIPHER=$(awk -F': ' '/^Cipher/ {print $2}' "$out")
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
pctdiff() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f", (a - b) * 100 / b}'; }
# paired "A1 A2 ..." "B1 B2 ...": median over i of (Ai / Bi - 1), in %.
paired() {
	local -a a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	local i out=""
	for i in "${!a[@]}"; do out+=" $(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN {printf "%.6f", (x / y - 1) * 100}')"; done
	printf '%+.1f' "$(median <<<"$out")"
}

echo "handshake cost of libtlsips-keylog.so in nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), $(h2load --version | head -1)"
echo "nginx on CPU $ncpu, h2load and tlsips on CPU $ccpu, nice $nice_n; $rounds rounds x $nreq requests, h2load -c $clients, new TLS connection per request"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A SUMMARY=()
for proto in tls13 tls12; do
	if [[ $proto == tls13 ]]; then
		start_variants TLSv1.3 HIGH "        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;"
		targs=(--tls13-ciphers TLS_AES_128_GCM_SHA256)
		want_proto=TLSv1.3 want_cipher=TLS_AES_128_GCM_SHA256 lines_per=5 dgrams_per=2
	else
		start_variants TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 ""
		targs=(--ciphers ECDHE-RSA-AES128-GCM-SHA256)
		want_proto=TLSv1.2 want_cipher=ECDHE-RSA-AES128-GCM-SHA256 lines_per=1 dgrams_per=1
	fi
	start_tlsips
	for v in "${variants[@]}"; do
		RPS[$v]='' CPUUS[$v]=''
		one_run "$v" 300 "${targs[@]}" # warm-up
		[[ $H_PROTO == "$want_proto" && $H_CIPHER == "$want_cipher" ]] ||
			bench_die "$v negotiated $H_PROTO $H_CIPHER, not $want_proto $want_cipher"
	done
	for ((r = 0; r < rounds; r++)); do
		for ((k = 0; k < ${#variants[@]}; k++)); do
			v=${variants[$(((r + k) % ${#variants[@]}))]}
			one_run "$v" "$nreq" "${targs[@]}"
			RPS[$v]+=" $H_RPS" CPUUS[$v]+=" $H_CPUUS"
		done
	done
	stop_variants
	nice -n "$nice_n" taskset -c "$ncpu" "$BENCH_TMP/keylog_send_bench" "$sock" 5000 "$dgrams_per" 600 >"$BENCH_TMP/send.out"
	sb() { sed -n "s/^$1=//p" "$BENCH_TMP/send.out"; }
	send_line="send path alone (keylog_send_bench, $dgrams_per datagram(s) per handshake, 600 us apart): $(sb cpu_us_per_line) us cpu per datagram, $(sb cpu_us_per_handshake) us per handshake; $(sb refused) of $((5000 * dgrams_per)) datagrams refused by a full queue"
	stop_tlsips
	# tlsips counted the send benchmark's datagrams (one line each) too: take them out.
	T_DGRAMS=$((T_DGRAMS - $(sb sent)))
	T_LINES=$((T_LINES - $(sb sent)))
	want=$(((300 + rounds * nreq) * lines_per))
	echo
	echo "$want_proto $want_cipher ($lines_per key log line(s) per handshake)"
	echo "  tlsips $T_SUMMARY (the send benchmark's $(sb sent) included)"
	echo "  lines delivered by the socket nginx: $T_LINES of $want ($(awk -v a="$T_LINES" -v b="$want" 'BEGIN {printf "%.1f", a * 100 / b}') %) in $T_DGRAMS datagrams ($(awk -v a="$T_DGRAMS" -v b="$((300 + rounds * nreq))" 'BEGIN {printf "%.2f", a / b}') per handshake); net.unix.max_dgram_qlen = $(sysctl -n net.unix.max_dgram_qlen)"
	SUMMARY[$proto,lines]="$T_LINES $want"
	SUMMARY[$proto,send]=$send_line
	# "vs plain" is the median over the rounds of (variant / plain in the
	# same round) - 1: the machine's load drifts from round to round (even
	# between two levels), and a round's four runs follow each other within
	# seconds, so pairing within the round takes most of that drift out.
	printf '  %-8s %10s %8s %12s %8s   %s\n' nginx "req/s" "vs plain" "cpu us/req" "vs plain" "req/s | cpu us/req of each round"
	for v in "${variants[@]}"; do
		m=$(median <<<"${RPS[$v]}") c=$(median <<<"${CPUUS[$v]}")
		dr=$(paired "${RPS[$v]}" "${RPS[plain]}") dc=$(paired "${CPUUS[$v]}" "${CPUUS[plain]}")
		printf '  %-8s %10s %8s %12s %8s   %s | %s\n' "$v" "$m" "$dr%" "$c" "$dc%" "${RPS[$v]# }" "${CPUUS[$v]# }"
		SUMMARY[$proto,$v]="$m $dr $c $dc"
	done
done

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "summary (target from issue 3: <= 3 % fewer requests/s with the library; also shown: <= 3 % more nginx CPU"
echo "per request; NOISY: the A/A control plain2 itself differs from plain by more than 3 %)"
for proto in tls13 tls12; do
	for v in plain2 socket nobody; do
		read -r m d c dc <<<"${SUMMARY[$proto,$v]}"
		if [[ $v == plain2 ]]; then
			verdict=control cverdict=control
		else
			# When the A/A control (plain2 vs plain) differs by more than
			# the 3 % asked for, no verdict can be drawn from this run.
			read -r _ ad _ adc <<<"${SUMMARY[$proto,plain2]}"
			verdict=$(awk -v d="$d" -v a="$ad" 'BEGIN {if (a > 3 || a < -3) print "NOISY"; else print (d >= -3) ? "PASS" : "FAIL"}')
			cverdict=$(awk -v d="$dc" -v a="$adc" 'BEGIN {if (a > 3 || a < -3) print "NOISY"; else print (d <= 3) ? "PASS" : "FAIL"}')
		fi
		printf '  %-6s %-7s %8s req/s %6s%% vs plain %-7s nginx cpu/req %6s%% %s\n' "$proto" "$v" "$m" "$d" \
			"$verdict" "$dc" "$cverdict"
	done
	read -r got want <<<"${SUMMARY[$proto,lines]}"
	printf '  %-6s key log lines received by tlsips: %s of %s\n' "$proto" "$got" "$want"
	printf '  %-6s %s\n' "$proto" "${SUMMARY[$proto,send]}"
done

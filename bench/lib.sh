# shellcheck shell=bash
# Shared helpers for the bench/ scripts (sourced, not run).
#
# Everything here works on loopback only: an nginx started from a config in a
# private temp dir, tcpdump on lo restricted to that nginx's port, and checks
# that the capture lost nothing.

set -euo pipefail

bench_die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }
bench_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

bench_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || bench_die "missing tool: $t (see docs/benchmarks.md)"
	done
}

# bench_warm FILE: put FILE in the page cache as one sequential read leaves
# it. Its cached pages are dropped first (dd iflag=nocache count=0 advises
# POSIX_FADV_DONTNEED for the whole file) because how they got there sets
# how fast read() copies them out: pages once faulted in through mmap stay in
# 4 KiB folios, which on this machine read at 5.5 GB/s, against 14 to 20 GB/s
# for the large folios readahead makes. Without this, an earlier program's
# way of reading the file would change every tool's figure.
bench_warm() {
	dd if="$1" iflag=nocache count=0 status=none 2>/dev/null || true
	cat "$1" >/dev/null
}

# bench_free_port: print a TCP port no socket on this host uses.
bench_free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 10000))
		# (no "| grep -q": with pipefail an early grep exit fails the pipe)
		if [[ -z $(ss -Htan "( sport = :$p or dport = :$p )") ]]; then
			echo "$p"
			return 0
		fi
	done
	bench_die "no free port found"
}

# bench_key OUTDIR: make OUTDIR/server.key (RSA 2048) unless it exists, so that
# every capture in OUTDIR is decrypted by the same key.
bench_key() {
	local out=$1
	if [[ ! -s $out/server.key ]]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
			-out "$out/server.key" 2>/dev/null
		chmod 600 "$out/server.key"
	fi
}

# bench_nginx_start WORKDIR KEY SUITE PORT ADDR...: start nginx in the
# foreground-less single-process mode, listening on ADDR:PORT for each ADDR,
# TLS 1.2 only, cipher list SUITE, no session cache and no tickets (every
# connection makes a full RSA handshake). Serves WORKDIR/www.
# Sets BENCH_NGINX_PID.
# Optional, for the key log benchmarks (unset: the behaviour above):
#   BENCH_NGINX_PROTOCOLS  ssl_protocols value (default TLSv1.2)
#   BENCH_NGINX_EXTRA      more lines for the server block (e.g.
#                          "ssl_conf_command Ciphersuites ...;",
#                          "keepalive_timeout 0;")
#   BENCH_NGINX_WRAP       array: command words put before nginx (e.g.
#                          (env LD_PRELOAD=... taskset -c 0))
bench_nginx_start() {
	local w=$1 key=$2 suite=$3 port=$4
	shift 4
	local a listen=""
	for a in "$@"; do
		listen+="        listen $a:$port ssl;"$'\n'
	done
	local protocols=${BENCH_NGINX_PROTOCOLS:-TLSv1.2} extra=${BENCH_NGINX_EXTRA:-}
	local -a wrap=()
	if [[ -n ${BENCH_NGINX_WRAP+set} ]]; then wrap=("${BENCH_NGINX_WRAP[@]}"); fi
	mkdir -p "$w/www" "$w/tmp"
	openssl req -new -x509 -key "$key" -out "$w/cert.pem" -days 30 \
		-subj /CN=tlsips-bench 2>/dev/null
	cat >"$w/nginx.conf" <<EOF
# written by tlsips bench/lib.sh
daemon off;
master_process off;
worker_processes 1;
pid $w/nginx.pid;
error_log $w/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path $w/tmp/body;
    proxy_temp_path $w/tmp/proxy;
    fastcgi_temp_path $w/tmp/fastcgi;
    uwsgi_temp_path $w/tmp/uwsgi;
    scgi_temp_path $w/tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    server {
$listen
        ssl_certificate $w/cert.pem;
        ssl_certificate_key $key;
        ssl_protocols $protocols;
        ssl_ciphers $suite;
        ssl_prefer_server_ciphers on;
        ssl_session_cache off;
        ssl_session_tickets off;
        root $w/www;
        location / { }
$extra
    }
}
EOF
	nginx -t -q -p "$w" -c "$w/nginx.conf" -e "$w/error.log" ||
		bench_die "nginx config test failed: $(cat "$w/error.log")"
	"${wrap[@]}" nginx -p "$w" -c "$w/nginx.conf" -e "$w/error.log" &
	BENCH_NGINX_PID=$!
	for _ in $(seq 1 100); do
		if [[ -n $(ss -Hltn "( sport = :$port )") ]]; then
			return 0
		fi
		kill -0 "$BENCH_NGINX_PID" 2>/dev/null ||
			bench_die "nginx exited: $(cat "$w/error.log")"
		sleep 0.05
	done
	bench_die "nginx did not start listening on port $port"
}

bench_nginx_stop() {
	if [[ -n ${BENCH_NGINX_PID:-} ]]; then
		kill "$BENCH_NGINX_PID" 2>/dev/null || true
		wait "$BENCH_NGINX_PID" 2>/dev/null || true
		BENCH_NGINX_PID=
	fi
}

# bench_tcpdump_start FILE PORT LOG: capture whole packets on lo for PORT into
# FILE with a 512 MiB kernel buffer. Returns once tcpdump is listening.
# Sets BENCH_TCPDUMP_PID.
bench_tcpdump_start() {
	local file=$1 port=$2 log=$3
	: >"$log"
	tcpdump -i lo -n -s 0 -B "${BENCH_TCPDUMP_BUF_KIB:-524288}" -Z root \
		-w "$file" "tcp port $port" 2>"$log" &
	BENCH_TCPDUMP_PID=$!
	for _ in $(seq 1 200); do
		grep -q 'listening on' "$log" && return 0
		kill -0 "$BENCH_TCPDUMP_PID" 2>/dev/null ||
			bench_die "tcpdump exited: $(cat "$log")"
		sleep 0.05
	done
	bench_die "tcpdump did not start"
}

# bench_tcpdump_stop FILE LOG: wait until tcpdump has written everything the
# kernel handed it (file size stable), stop it, and check its counters:
# nothing dropped, and every packet the kernel passed was written. On lo the
# kernel hands each packet to the socket twice (outgoing and incoming) and
# libpcap discards the outgoing copy, so "received by filter" is exactly twice
# "captured" when tcpdump wrote all it got. Sets BENCH_CAPTURED,
# BENCH_RECEIVED, BENCH_DROPPED_KERNEL, BENCH_DROPPED_IF. Fails on any loss.
# Call it in the main shell (not in $(...)): it waits for tcpdump.
bench_tcpdump_stop() {
	local file=$1 log=$2 prev=-1 cur
	# libpcap hands over a ring block when it is full or when its timeout
	# (tcpdump: 1 s) expires, and a stop loses the block being filled; so
	# wait until the file has not grown for 2 s.
	sleep 1
	for _ in $(seq 1 600); do
		cur=$(stat -c %s "$file")
		[[ $cur == "$prev" ]] && break
		prev=$cur
		sleep 2
	done
	kill -INT "$BENCH_TCPDUMP_PID"
	wait "$BENCH_TCPDUMP_PID" || true
	BENCH_TCPDUMP_PID=
	local cap rec dk di
	cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$log")
	rec=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$log")
	dk=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$log")
	di=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by interface.*/\1/p' "$log")
	: "${di:=0}"
	[[ -n $cap && -n $rec && -n $dk ]] || bench_die "cannot read tcpdump counters: $(cat "$log")"
	# shellcheck disable=SC2034 # read by the calling script
	BENCH_CAPTURED=$cap BENCH_RECEIVED=$rec BENCH_DROPPED_KERNEL=$dk BENCH_DROPPED_IF=$di
	if [[ $dk != 0 || $di != 0 || $((2 * cap)) != "$rec" ]]; then
		bench_die "capture $file lost packets (captured $cap, received $rec, dropped by kernel $dk, by interface $di); lower the rate (BENCH_RATE) and run again"
	fi
}

# bench_check_tcp FILE: count TCP segments Wireshark flags as lost or never
# seen; prints the count (0 for a complete capture).
bench_check_tcp() {
	tshark -r "$1" -n -Y 'tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment' \
		-T fields -e frame.number 2>/dev/null | wc -l
}

bench_cleanup() {
	bench_nginx_stop
	if [[ -n ${BENCH_TCPDUMP_PID:-} ]]; then
		kill -INT "$BENCH_TCPDUMP_PID" 2>/dev/null || true
		wait "$BENCH_TCPDUMP_PID" 2>/dev/null || true
	fi
	if [[ -n ${BENCH_TMP:-} && -d $BENCH_TMP ]]; then
		rm -rf "$BENCH_TMP"
	fi
}

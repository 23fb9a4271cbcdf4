#!/usr/bin/env bash
# run_inline.sh [BUILD_DIR] [OUT_DIR]
#
# Inline prevention (issue 5): what `tlsips run` in the packet path costs a
# real HTTPS server, against no inspection and against nginx + ModSecurity v3
# + OWASP CRS doing the same job. Everything runs in two network namespaces
# this script makes (bench/lib_netns_bench.sh): a client namespace (wrk, the
# idle-connection client) and a server namespace (nginx, the NFQUEUE rules,
# tlsips), joined by a veth pair. Same run, same machine for every figure.
#
# nginx (one worker, TLS 1.2 only, AES128-GCM-SHA256 = RSA key exchange so
# the server key decrypts, RSA 2048, no session cache or tickets, a 128-byte
# text/html response) listens on three ports:
#   plain    PORT_PLAIN (9443): no NFQUEUE rule, nothing inspects it
#   tlsips-bypass  PORT_BYP (8445), the same nginx process, queue 1, a second
#            tlsips run as below but monitor-responses: false and
#            bypass-mark: 0x100, with the bypass rules of docs/inline.md
#            before the queue rules: responses skip the queue once each
#            connection's handshake is done (part rps only)
#   tlsips   PORT_IPS (8443), the same nginx process: both directions queued
#            to NFQUEUE 0, `tlsips run -c policy.yaml` (prevent mode, a TLS
#            inspection entry with the server's key, built-in rules,
#            responses inspected, alert/tls/stats events to a file)
#   modsec   PORT_MODSEC (7443): a second nginx, identical but for
#            ModSecurity v3 (Debian libnginx-mod-http-modsecurity) with the
#            OWASP CRS 3.3 (Debian modsecurity-crs, paranoia level 1,
#            anomaly scoring, blocking: SecRuleEngine On, request and
#            response bodies inspected), no tlsips
# Before measuring, each is checked: a benign GET returns 200, and a SQL
# injection is blocked (tlsips: connection reset; ModSecurity: 403).
#
# Parts (BENCH_PARTS, default "rps conn mem offline"; each runs alone):
#   rps      wrk -t2 -c32 -d15s --latency, keep-alive, against plain, tlsips
#            and modsec, BENCH_ROUNDS rounds (default 3) in a rotating order;
#            plus wrk -t1 -c1 (one request at a time: the latency a request
#            sees without queueing). Medians of the rounds; differences from
#            plain as the median of the per-round ratios.
#   conn     new connections: the same wrk with "Connection: close" (nginx
#            closes after each response, wrk reconnects: one full RSA
#            handshake per request), plain vs tlsips.
#   mem      BENCH_MEM_CONNS (default 100000) TLS connections, handshake
#            complete, then idle (bench/idle_tls.c), through the inline path
#            to a second nginx on PORT_MEM (8444, queued to the same tlsips;
#            a master and enough workers, reuseport, that none holds more
#            than BENCH_PER_PROC connections: the open-files hard limit may
#            be low and not raisable); several idle_tls processes (same
#            limit) and several client addresses (one address has at most
#            64,512 source ports). A fresh tlsips; its VmRSS after 2,000
#            warm-up connections and after all: bytes per connection.
#            nginx's VmRSS (all processes) the same way, for comparison.
#   offline  the same without a live path: a capture (tcpdump on the server
#            veth) of BENCH_OFFLINE_CONNS (default 20000) handshakes left
#            open against PORT_MEM with no queue rule and no tlsips, then `tlsips inspect` on it and on
#            its first 10 % under /usr/bin/time -v: peak RSS per connection.
#
# Targets (issue 5): tlsips keeps >= 85 % of the uninspected requests/s and
# adds <= 100 us p50, and beats the ModSecurity set-up on both.
#
# Prints a table and writes it to OUT_DIR/inline-results.txt (default OUT_DIR:
# /work/bench-data). BUILD_DIR (default: build) holds the tlsips binary.
# Needs root, nginx, wrk, openssl, iptables, ip, ss, cc, tcpdump, /usr/bin/time;
# installs libnginx-mod-http-modsecurity and modsecurity-crs with apt-get when
# they are missing (part rps only).
#
# Environment: BENCH_ROUNDS (3), BENCH_DURATION (15, seconds per wrk run),
# BENCH_LAT_DURATION (10, the -c1 runs), BENCH_THREADS (2), BENCH_CONNS (32),
# BENCH_MEM_CONNS (100000), BENCH_OFFLINE_CONNS (20000), BENCH_NGINX_WORKERS (1),
# BENCH_VARIANTS (part rps: a subset of "tlsips tlsips-bypass modsec" to
# measure; plain always runs), BENCH_PER_PROC (connections per idle_tls process and per nginx worker in
# parts mem and offline; default: the open-files hard limit less 2048, at most
# 30000), BENCH_KEEP=1 (keep the temp dir: configs, logs, events, capture).

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$here/lib.sh"
. "$here/lib_netns_bench.sh"

build=${1:-$repo/build}
out=${2:-/work/bench-data}
if [[ -f $build && -x $build ]]; then build=$(dirname "$build"); fi
build=$(cd "$build" && pwd)
tlsips=$build/tlsips
[[ -x $tlsips ]] || bench_die "no $tlsips (build it: cmake --build $build --target tlsips)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
results=$out/inline-results.txt

parts=${BENCH_PARTS:-rps conn mem offline}
rounds=${BENCH_ROUNDS:-3}
dur=${BENCH_DURATION:-15}
lat_dur=${BENCH_LAT_DURATION:-10}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNS:-32}
mem_n=${BENCH_MEM_CONNS:-100000}
off_n=${BENCH_OFFLINE_CONNS:-20000}
workers=${BENCH_NGINX_WORKERS:-1}
for v in rounds dur lat_dur threads conns mem_n off_n workers; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || bench_die "bad value for $v: ${!v}"
done
for p in $parts; do
	[[ $p =~ ^(rps|conn|mem|offline)$ ]] || bench_die "unknown part '$p' in BENCH_PARTS (rps conn mem offline)"
done
has_part() { [[ " $parts " == *" $1 "* ]]; }

PORT_PLAIN=9443 PORT_IPS=8443 PORT_MODSEC=7443 PORT_MEM=8444 PORT_BYP=8445
QUEUE=0 QUEUE_BYP=1 BYP_MARK=0x100
WARM_CONNS=2000
# Open files per process: this machine's hard limit (ulimit -Hn) may be low
# and, without CAP_SYS_RESOURCE, cannot be raised; so each idle_tls process
# and each nginx worker of part mem keeps at most PER_PROC connections.
fd_hard=$(ulimit -Hn)
[[ $fd_hard == unlimited ]] && fd_hard=1048576
PER_PROC=$((fd_hard - 2048 < 30000 ? fd_hard - 2048 : 30000))
if [[ -n ${BENCH_PER_PROC:-} ]]; then PER_PROC=$((BENCH_PER_PROC < PER_PROC ? BENCH_PER_PROC : PER_PROC)); fi
((PER_PROC >= 1000)) || bench_die "open files hard limit $fd_hard is too low"
MODSEC_SO=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so
CRS_LOAD=/usr/share/modsecurity-crs/owasp-crs.load

bench_need nginx wrk openssl iptables ip ss cc awk jq
has_part offline && bench_need tcpdump /usr/bin/time
nb_require

# --- ModSecurity: Debian's module for nginx 1.22 and the CRS. The module
# loads into Debian's nginx (nginx-light is a transitional package for it in
# bookworm, so the same binary serves every bench); install if missing.
modsec_install() {
	[[ -f $MODSEC_SO && -f $CRS_LOAD ]] && return 0
	bench_log "installing libnginx-mod-http-modsecurity modsecurity-crs (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Use-Pty=0 libnginx-mod-http-modsecurity modsecurity-crs >&2 ||
		bench_die "apt-get install libnginx-mod-http-modsecurity modsecurity-crs failed"
	[[ -f $MODSEC_SO && -f $CRS_LOAD ]] || bench_die "ModSecurity module or CRS missing after install"
}

BENCH_TMP=$(mktemp -d /tmp/tlsips-ibench.XXXXXX)
chmod 755 "$BENCH_TMP"
W=$BENCH_TMP
declare -A PID=() # name -> pid of a background process of ours
IDLE_PIDS=()

# stop_pid NAME [SIGNAL]: signal, wait up to 30 s, then SIGKILL (noted).
stop_pid() {
	local name=$1 sig=${2:-TERM} pid=${PID[$1]:-}
	[[ -n $pid ]] || return 0
	kill -"$sig" "$pid" 2>/dev/null || true
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		bench_log "$name (pid $pid) still running 30 s after SIG$sig: SIGKILL"
		echo "$name: did not exit within 30 s of SIG$sig (killed)" >>"$W/notes"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	# tlsips must end by itself with 0 on SIGTERM; anything else is noted.
	if [[ $name == tlsips* && $sig == TERM && $rc != 0 ]]; then
		bench_log "$name exited with status $rc on SIGTERM"
		{
			echo "$name run: exit status $rc on SIGTERM ($((rc > 128 ? rc - 128 : 0)) = signal number if > 0); its last stderr lines:"
			tail -4 "$W/$name.err" | sed 's/^/  | /'
		} >>"$W/notes"
	fi
	unset "PID[$name]"
}

ib_cleanup() {
	local p
	for p in "${IDLE_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${!PID[@]}"; do stop_pid "$p" 2>/dev/null || true; done
	[[ -z ${TCPDUMP_PID:-} ]] || { kill -INT "$TCPDUMP_PID" 2>/dev/null || true; wait "$TCPDUMP_PID" 2>/dev/null || true; }
	nb_cleanup
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		bench_log "kept $BENCH_TMP (BENCH_KEEP=1)"
	else
		rm -rf "$BENCH_TMP"
	fi
}
trap ib_cleanup EXIT

# Client addresses: at most 40,000 connections per address (64,512 ports).
n_cli=$((((mem_n > off_n ? mem_n : off_n) + 39999) / 40000))
nb_setup "$n_cli"
SRV=$NB_SRV_IP

# --- nginx ---------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/server.key" 2>/dev/null
chmod 600 "$W/server.key"
openssl req -new -x509 -key "$W/server.key" -out "$W/server.crt" -days 30 -subj /CN=tlsips-bench 2>/dev/null
mkdir -p "$W/www"
# 128 bytes of HTML: small, and a type ModSecurity inspects in responses.
awk 'BEGIN {
	s = "<!doctype html><html><head><title>ok</title></head><body><p>tlsips inline bench</p></body></html>"
	while (length(s) < 127) s = s " "
	print s
}' >"$W/www/small.html"
[[ $(stat -c %s "$W/www/small.html") == 128 ]] || bench_die "small.html is not 128 bytes"
maxconn=16384

# ngx_conf NAME EXTRA_MAIN EXTRA_HTTP PORT...: an nginx config in $W/NAME.
# NGX_MASTER (off), NGX_WORKERS ($workers), NGX_WCONN ($maxconn) and
# NGX_LISTEN (extra listen parameters) change it for part mem.
ngx_conf() {
	local name=$1 main=$2 http=$3 d=$W/$1 p listen=""
	local master=${NGX_MASTER:-off} nw=${NGX_WORKERS:-$workers} wconn=${NGX_WCONN:-$maxconn}
	shift 3
	for p in "$@"; do listen+="        listen $SRV:$p ssl backlog=65535${NGX_LISTEN:-};"$'\n'; done
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
# written by tlsips bench/run_inline.sh
$main
daemon off;
master_process $master;
worker_processes $nw;
worker_rlimit_nofile $((wconn + 1024 < fd_hard ? wconn + 1024 : fd_hard));
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections $wconn; }
http {
    access_log off;
    default_type text/html;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 3600s;
    # idle connections that never send a request (part mem) stay open
    client_header_timeout 3600s;
$http
    server {
$listen
        ssl_certificate $W/server.crt;
        ssl_certificate_key $W/server.key;
        ssl_protocols TLSv1.2;
        ssl_ciphers AES128-GCM-SHA256;
        ssl_session_cache off;
        ssl_session_tickets off;
        root $W/www;
        location / { }
    }
}
EOF
	ip netns exec "$NB_SRV" nginx -t -q -p "$d" -c "$d/nginx.conf" -e "$d/error.log" 2>"$d/test.err" ||
		bench_die "nginx config $name: $(cat "$d/test.err" "$d/error.log" 2>/dev/null)"
}

# ngx_start NAME PORT: start the nginx of NAME in the server namespace.
ngx_start() {
	local name=$1 port=$2 d=$W/$1
	ip netns exec "$NB_SRV" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" 2>>"$d/stderr.log" &
	PID[$name]=$!
	nb_wait_listen "$port" "${PID[$name]}" "nginx $name"
}

ngx_conf ngx "" "" "$PORT_PLAIN" "$PORT_IPS" "$PORT_BYP"
ngx_start ngx "$PORT_PLAIN"

modsec_ok=0
if has_part rps; then
	modsec_install
	mkdir -p "$W/modsec/tmp"
	# The settings of Debian's /etc/nginx/modsecurity.conf (the recommended
	# ModSecurity config), blocking on, files kept in the temp dir, status
	# engine off; then the CRS files Debian's owasp-crs.load names
	# (crs-setup.conf: paranoia 1, anomaly scoring, inbound threshold 5,
	# outbound 4), with Include: libmodsecurity 3.0.9 refuses that file's
	# IncludeOptional.
	cat >"$W/modsec/main.conf" <<EOF
SecRuleEngine On
SecRequestBodyAccess On
SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\+|/)|text/)xml" "id:'200000',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:'200001',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecRequestBodyLimitAction Reject
SecRule REQBODY_ERROR "!@eq 0" "id:'200002', phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.',severity:2"
SecPcreMatchLimit 1000
SecPcreMatchLimitRecursion 1000
SecResponseBodyAccess On
SecResponseBodyMimeType text/plain text/html text/xml
SecResponseBodyLimit 524288
SecResponseBodyLimitAction ProcessPartial
SecTmpDir $W/modsec/tmp
SecDataDir $W/modsec/tmp
SecAuditEngine RelevantOnly
SecAuditLogRelevantStatus "^(?:5|4(?!04))"
SecAuditLogParts ABIJDEFHZ
SecAuditLogType Serial
SecAuditLog $W/modsec/audit.log
SecArgumentSeparator &
SecCookieFormat 0
SecUnicodeMapFile /etc/nginx/unicode.mapping 20127
SecStatusEngine Off
Include /etc/modsecurity/crs/crs-setup.conf
Include /etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf
Include /usr/share/modsecurity-crs/rules/*.conf
Include /etc/modsecurity/crs/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf
EOF
	ngx_conf modsec "load_module $MODSEC_SO;" "    modsecurity on;
    modsecurity_rules_file $W/modsec/main.conf;" "$PORT_MODSEC"
	ngx_start modsec "$PORT_MODSEC"
	modsec_ok=1
fi

# --- tlsips ---------------------------------------------------------------
cat >"$W/policy.yaml" <<EOF
# written by tlsips bench/run_inline.sh
mode: prevent
capture: inline
key-files: refuse
app-types:
  - name: Web Server Common
    protocol: http
    ports: [$PORT_IPS, $PORT_MEM, $PORT_PLAIN]
    monitor-responses: true
    rules: [builtin]
tls-inspection:
  - name: bench site
    interfaces: all
    ports: [$PORT_IPS, $PORT_MEM, $PORT_PLAIN]
    ips: all
    credentials:
      - key: $W/server.key
        cert: $W/server.crt
    undecryptable: block
limits:
  flows: $((mem_n + 16384))
  flow-timeout: 3600s
  transactions: 16777216
outputs:
  - type: file
    path: $W/events.json
    events: [alert, tls, stats]
inline:
  queues: [$QUEUE]
  fail-open: false
stats-interval: 5s
EOF
"$tlsips" check -c "$W/policy.yaml" >"$W/check.out" 2>&1 ||
	bench_die "tlsips check -c policy.yaml failed: $(cat "$W/check.out")"

# The bypass variant: its own port, queue, events; responses not monitored.
sed -e "s/ports: \[$PORT_IPS, $PORT_MEM, $PORT_PLAIN\]/ports: [$PORT_BYP]/" \
	-e 's/monitor-responses: true/monitor-responses: false/' \
	-e "s/queues: \[$QUEUE\]/queues: [$QUEUE_BYP]\n  bypass-mark: $BYP_MARK/" \
	-e "s|$W/events.json|$W/events-bypass.json|" "$W/policy.yaml" >"$W/policy-bypass.yaml"
"$tlsips" check -c "$W/policy-bypass.yaml" >"$W/check-bypass.out" 2>&1 ||
	bench_die "tlsips check -c policy-bypass.yaml failed: $(cat "$W/check-bypass.out")"

IPS_ERR=""
# ips_start: NFQUEUE rules for PORT_IPS and tlsips run; returns 1 (and sets
# IPS_ERR) when tlsips does not come up, so other variants still run.
ips_start() {
	: >"$W/tlsips.err"
	nb_queue_port "$PORT_IPS" "$QUEUE"
	nb_queue_port "$PORT_MEM" "$QUEUE"
	ip netns exec "$NB_SRV" "$tlsips" run -c "$W/policy.yaml" >"$W/tlsips.out" 2>"$W/tlsips.err" &
	PID[tlsips]=$!
	for _ in $(seq 1 300); do
		grep -q '^tlsips: running: ' "$W/tlsips.err" && return 0
		kill -0 "${PID[tlsips]}" 2>/dev/null || break
		sleep 0.1
	done
	IPS_ERR="tlsips run did not start: $(head -c 2000 "$W/tlsips.err")"
	bench_log "$IPS_ERR"
	stop_pid tlsips KILL
	nb_unqueue
	return 1
}
ips_stop() {
	stop_pid tlsips TERM
	nb_unqueue
}
# ipsb_start: the bypass variant (tlsips-bypass); 1 with IPSB_ERR when it does not start.
IPSB_ERR=""
ipsb_start() {
	: >"$W/tlsips-bypass.err"
	nb_bypass_rules "$PORT_BYP" "$BYP_MARK"
	nb_queue_port "$PORT_BYP" "$QUEUE_BYP"
	ip netns exec "$NB_SRV" "$tlsips" run -c "$W/policy-bypass.yaml" >"$W/tlsips-bypass.out" 2>"$W/tlsips-bypass.err" &
	PID[tlsips-bypass]=$!
	for _ in $(seq 1 300); do
		grep -q '^tlsips: running: .*response bypass$' "$W/tlsips-bypass.err" && return 0
		kill -0 "${PID[tlsips-bypass]}" 2>/dev/null || break
		sleep 0.1
	done
	IPSB_ERR="tlsips run (bypass) did not start with the bypass on: $(head -c 2000 "$W/tlsips-bypass.err")"
	bench_log "$IPSB_ERR"
	stop_pid tlsips-bypass KILL
	return 1
}
ips_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/${PID[tlsips]}/status"; }
# ips_stats: the next stats event tlsips writes (every 5 s), as JSON.
ips_stats() {
	local n0 n
	n0=$(grep -c '"event_type":"stats"' "$W/events.json" 2>/dev/null || true)
	for _ in $(seq 1 200); do
		n=$(grep -c '"event_type":"stats"' "$W/events.json" 2>/dev/null || true)
		((${n:-0} > ${n0:-0})) && break
		sleep 0.1
	done
	((${n:-0} > ${n0:-0})) || bench_die "tlsips wrote no stats event within 20 s"
	grep '"event_type":"stats"' "$W/events.json" | tail -1
}

CURL=(curl --noproxy '*' -sk -H 'Host: bench.test' --http1.1 --tlsv1.2 --tls-max 1.2 --ciphers AES128-GCM-SHA256 --max-time 10)
ATTACK='/small.html?id=1%20UNION%20SELECT%20username,password%20FROM%20users--'

# check_variant NAME PORT BLOCK: benign 200 byte-exact; the attack blocked the
# way BLOCK says (reset: no HTTP answer; 403: status 403).
check_variant() {
	local name=$1 port=$2 block=$3 code rc=0
	in_cli "${CURL[@]}" -o "$W/got.$name" "https://$SRV:$port/small.html" ||
		bench_die "$name: benign GET failed"
	cmp -s "$W/got.$name" "$W/www/small.html" || bench_die "$name: benign GET returned other bytes"
	code=$(in_cli "${CURL[@]}" -o /dev/null -w '%{http_code}' "https://$SRV:$port$ATTACK") || rc=$?
	case $block in
	reset) [[ $rc -ne 0 && ${code:-000} == 000 ]] || bench_die "$name: the SQL injection was not cut (curl $rc, HTTP $code)" ;;
	403) [[ $code == 403 ]] || bench_die "$name: the SQL injection got HTTP $code, not 403" ;;
	none) [[ $code == 200 ]] || bench_die "$name: HTTP $code" ;;
	esac
	bench_log "$name: benign GET ok, SQL injection: ${code:-no answer} (curl $rc)"
}

# --- wrk -------------------------------------------------------------------
# to_us VALUE: wrk's "1.23ms" / "456.00us" / "1.02s" in microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.0f", v }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.0f", v * 1000 }
		else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60e6 }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.0f", v * 1e6 }
		else printf "nan" }'
}

# run_wrk THREADS CONNS SECONDS URL [ARGS]: sets W_RPS W_P50 W_P99 (us) W_ERR.
run_wrk() {
	local t=$1 c=$2 d=$3 url=$4 o=$W/wrk.out
	shift 4
	# A host name, not the address: CRS scores a numeric Host header
	# (920350), and ModSecurity would write an audit record for every request.
	in_cli wrk -t"$t" -c"$c" -d"${d}s" --latency -H 'Host: bench.test' "$@" "$url" >"$o" 2>&1 ||
		bench_die "wrk failed: $(tail -5 "$o")"
	W_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$o")
	W_P50=$(to_us "$(awk '$1 == "50%" {print $2}' "$o")")
	W_P99=$(to_us "$(awk '$1 == "99%" {print $2}' "$o")")
	W_REQ=$(awk '/requests in/ {print $1}' "$o")
	W_ERR=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10} /Non-2xx/ {print "non2xx", $NF}' "$o" | paste -sd' ')
	[[ -n $W_RPS && -n $W_P50 && -n $W_P99 ]] || bench_die "cannot read wrk output: $(cat "$o")"
	[[ ${W_REQ:-0} -gt 0 ]] || bench_die "wrk made no request: $(cat "$o")"
	if grep -q 'Non-2xx' "$o"; then bench_die "wrk: some responses were not 200 ($url): $(cat "$o")"; fi
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# cpu_ns PID: time the process (all threads) has spent on a CPU (schedstat of
# each thread summed; /proc/PID/schedstat is the main thread only).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
# cpu_us_per N0 N1 REQ: microseconds of CPU per request.
cpu_us_per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {printf "%.1f", (b - a) / n / 1e3}'; }
# paired_ratio "A1 A2 .." "B1 B2 ..": median of Ai / Bi, in %.
paired_ratio() {
	local -a a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	local i s=""
	for i in "${!a[@]}"; do s+=" $(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN {printf "%.2f", x * 100 / y}')"; done
	median <<<"$s"
}
# paired_diff "A.." "B..": median of Ai - Bi.
paired_diff() {
	local -a a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	local i s=""
	for i in "${!a[@]}"; do s+=" $((${a[$i]%.*} - ${b[$i]%.*}))"; done
	median <<<"$s"
}

: >"$W/notes"
REPORT=$W/report
: >"$REPORT"
say() { printf '%s\n' "$*" | tee -a "$REPORT"; }

say "tlsips inline benchmark (bench/run_inline.sh), $(date -u '+%Y-%m-%d %H:%M UTC')"
say "tlsips: $tlsips; $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(openssl version | cut -d' ' -f1-2)"
say "machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "path: client netns -> veth -> server netns; nginx $workers worker(s), TLS 1.2 AES128-GCM-SHA256 (RSA 2048 key exchange), 128-byte response"

ips_up=0
if has_part rps || has_part conn || has_part mem; then
	if ips_start; then
		ips_up=1
		check_variant tlsips "$PORT_IPS" reset
	fi
fi
ipsb_up=0
if has_part rps && ipsb_start; then
	ipsb_up=1
	check_variant tlsips-bypass "$PORT_BYP" reset
fi
check_variant plain "$PORT_PLAIN" none
[[ $modsec_ok == 0 ]] || check_variant modsec "$PORT_MODSEC" 403

declare -A URL=([plain]="https://$SRV:$PORT_PLAIN/small.html" [tlsips]="https://$SRV:$PORT_IPS/small.html" [modsec]="https://$SRV:$PORT_MODSEC/small.html"
	[tlsips-bypass]="https://$SRV:$PORT_BYP/small.html")

# --- part rps -----------------------------------------------------------------
if has_part rps; then
	variants=(plain)
	[[ $ips_up == 1 ]] && variants+=(tlsips)
	[[ $ipsb_up == 1 ]] && variants+=(tlsips-bypass)
	variants+=(modsec)
	if [[ -n ${BENCH_VARIANTS:-} ]]; then
		# plain stays: every other figure is a ratio to it.
		keep=(plain)
		for v in "${variants[@]}"; do [[ " $BENCH_VARIANTS " == *" $v "* && $v != plain ]] && keep+=("$v"); done
		variants=("${keep[@]}")
		[[ " ${variants[*]} " == *" tlsips "* ]] || { ips_up=0; IPS_ERR="not selected (BENCH_VARIANTS)"; }
		[[ " ${variants[*]} " == *" tlsips-bypass "* ]] || { ipsb_up=0; IPSB_ERR="not selected (BENCH_VARIANTS)"; }
	fi
	declare -A RPS=() P50=() P99=() L50=() L99=() NCPU=() ICPU=()
	bench_log "rps: warm-up"
	for v in "${variants[@]}"; do run_wrk "$threads" "$conns" 3 "${URL[$v]}"; done
	for ((r = 0; r < rounds; r++)); do
		for ((k = 0; k < ${#variants[@]}; k++)); do
			v=${variants[$(((r + k) % ${#variants[@]}))]}
			ngxp=${PID[ngx]}
			[[ $v == modsec ]] && ngxp=${PID[modsec]}
			c0=$(cpu_ns "$ngxp") i0=0
			[[ $v == tlsips* ]] && i0=$(cpu_ns "${PID[$v]}")
			run_wrk "$threads" "$conns" "$dur" "${URL[$v]}"
			c1=$(cpu_ns "$ngxp") i1=0
			[[ $v == tlsips* ]] && i1=$(cpu_ns "${PID[$v]}")
			RPS[$v]+=" $W_RPS" P50[$v]+=" $W_P50" P99[$v]+=" $W_P99"
			NCPU[$v]+=" $(cpu_us_per "$c0" "$c1" "$W_REQ")"
			[[ $v != tlsips* ]] || ICPU[$v]+=" $(cpu_us_per "$i0" "$i1" "$W_REQ")"
			bench_log "rps round $((r + 1)) $v -c$conns: $W_RPS req/s, p50 $W_P50 us, p99 $W_P99 us"
			run_wrk 1 1 "$lat_dur" "${URL[$v]}"
			L50[$v]+=" $W_P50" L99[$v]+=" $W_P99"
			bench_log "rps round $((r + 1)) $v -c1: $W_RPS req/s, p50 $W_P50 us, p99 $W_P99 us"
		done
	done
	say ""
	say "1. keep-alive HTTPS, wrk -t$threads -c$conns -d${dur}s --latency, $rounds rounds (median; vs plain: median of per-round ratios/differences)"
	say "   and wrk -t1 -c1 -d${lat_dur}s (one request at a time: latency without queueing)"
	say "$(printf '   %-13s %10s %9s %9s %9s %10s   %9s %9s %10s' variant 'req/s' 'vs plain' 'p50 us' 'p99 us' '+p50 us' 'c1 p50' 'c1 p99' 'c1 +p50')"
	for v in "${variants[@]}"; do
		say "$(printf '   %-13s %10s %8s%% %9s %9s %10s   %9s %9s %10s' "$v" "$(median <<<"${RPS[$v]}")" \
			"$(paired_ratio "${RPS[$v]}" "${RPS[plain]}")" "$(median <<<"${P50[$v]}")" "$(median <<<"${P99[$v]}")" \
			"$(paired_diff "${P50[$v]}" "${P50[plain]}")" "$(median <<<"${L50[$v]}")" "$(median <<<"${L99[$v]}")" \
			"$(paired_diff "${L50[$v]}" "${L50[plain]}")")"
	done
	say "   CPU per request at -c$conns (median): nginx $(median <<<"${NCPU[plain]}") us plain${NCPU[modsec]:+, $(median <<<"${NCPU[modsec]}") us with ModSecurity+CRS}${ICPU[tlsips]:+; with tlsips: nginx $(median <<<"${NCPU[tlsips]}") us + tlsips $(median <<<"${ICPU[tlsips]}") us}"
	[[ -z ${ICPU[tlsips-bypass]:-} ]] || say "   CPU per request at -c$conns (median), tlsips-bypass: nginx $(median <<<"${NCPU[tlsips-bypass]}") us + tlsips $(median <<<"${ICPU[tlsips-bypass]}") us; $(grep -c '"event_type":"stats"' "$W/events-bypass.json" 2>/dev/null || echo 0) stats events"
	for v in "${variants[@]}"; do say "   $v each round: req/s${RPS[$v]} | p50${P50[$v]} | c1 p50${L50[$v]} | nginx cpu us${NCPU[$v]}${ICPU[$v]:+ | tlsips cpu us${ICPU[$v]}}"; done
	[[ -z ${RPS[modsec]:-} ]] || say "   ModSecurity wrote $(wc -l <"$W/modsec/error.log") error.log lines and $(stat -c %s "$W/modsec/audit.log" 2>/dev/null || echo 0) audit.log bytes (the two blocked checks: benign traffic is not logged)"
	pf() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo FAIL; fi; }
	# say_targets VARIANT LABEL: the throughput and latency targets for one variant.
	say_targets() {
		local keep add add1
		keep=$(paired_ratio "${RPS[$1]}" "${RPS[plain]}")
		add=$(paired_diff "${P50[$1]}" "${P50[plain]}")
		add1=$(paired_diff "${L50[$1]}" "${L50[plain]}")
		say "   target$2: tlsips keeps >= 85 % of plain req/s: $keep % -> $(pf "$keep >= 85")"
		say "   target$2: tlsips adds <= 100 us p50: $add us at -c$conns -> $(pf "$add <= 100"); $add1 us at -c1 -> $(pf "$add1 <= 100")"
	}
	if [[ $ips_up == 1 ]]; then
		say_targets tlsips ""
		[[ -z ${RPS[modsec]:-} ]] || say "   target: tlsips beats ModSecurity+CRS: req/s $(median <<<"${RPS[tlsips]}") vs $(median <<<"${RPS[modsec]}") -> $(pf "$(median <<<"${RPS[tlsips]}") > $(median <<<"${RPS[modsec]}")");" \
			"p50 $(median <<<"${P50[tlsips]}") vs $(median <<<"${P50[modsec]}") us -> $(pf "$(median <<<"${P50[tlsips]}") < $(median <<<"${P50[modsec]}")");" \
			"c1 p50 $(median <<<"${L50[tlsips]}") vs $(median <<<"${L50[modsec]}") us -> $(pf "$(median <<<"${L50[tlsips]}") < $(median <<<"${L50[modsec]}")")"
	else
		say "   tlsips: not measured: $IPS_ERR"
	fi
	if [[ $ipsb_up == 1 ]]; then
		say_targets tlsips-bypass " (tlsips-bypass)"
		stop_pid tlsips-bypass TERM
		say "   tlsips-bypass: $(grep -o '[0-9]* flows bypassed' "$W/tlsips-bypass.err" | tail -1), queue: $(grep -o '^tlsips: queue [0-9]*: [0-9]* packets' "$W/tlsips-bypass.err" | tail -1 | sed 's/.*: //')"
	elif has_part rps; then
		say "   tlsips-bypass: not measured: $IPSB_ERR"
	fi
fi

# --- part conn ----------------------------------------------------------------
if has_part conn; then
	variants=(plain)
	[[ $ips_up == 1 ]] && variants+=(tlsips)
	declare -A CRPS=() CP50=() CNCPU=() CICPU=()
	run_wrk "$threads" "$conns" 3 "${URL[plain]}" -H 'Connection: close'
	[[ $ips_up == 1 ]] && hs0=$(ips_stats | jq '.stats.tls.handshakes')
	for ((r = 0; r < rounds; r++)); do
		for ((k = 0; k < ${#variants[@]}; k++)); do
			v=${variants[$(((r + k) % ${#variants[@]}))]}
			c0=$(cpu_ns "${PID[ngx]}") i0=0
			[[ $v == tlsips ]] && i0=$(cpu_ns "${PID[tlsips]}")
			run_wrk "$threads" "$conns" "$dur" "${URL[$v]}" -H 'Connection: close'
			c1=$(cpu_ns "${PID[ngx]}") i1=0
			[[ $v == tlsips ]] && i1=$(cpu_ns "${PID[tlsips]}")
			CRPS[$v]+=" $W_RPS" CP50[$v]+=" $W_P50"
			CNCPU[$v]+=" $(cpu_us_per "$c0" "$c1" "$W_REQ")"
			[[ $v != tlsips ]] || CICPU[$v]+=" $(cpu_us_per "$i0" "$i1" "$W_REQ")"
			[[ $v == tlsips ]] && ips_req=$((${ips_req:-0} + W_REQ))
			bench_log "conn round $((r + 1)) $v: $W_RPS conn/s, p50 $W_P50 us, errors: $W_ERR"
		done
	done
	say ""
	say "2. new connections: wrk -t$threads -c$conns -d${dur}s -H 'Connection: close' (one full RSA handshake per request), $rounds rounds"
	say "$(printf '   %-8s %10s %9s %9s' variant 'conn/s' 'vs plain' 'p50 us')"
	for v in "${variants[@]}"; do
		say "$(printf '   %-8s %10s %8s%% %9s' "$v" "$(median <<<"${CRPS[$v]}")" "$(paired_ratio "${CRPS[$v]}" "${CRPS[plain]}")" "$(median <<<"${CP50[$v]}")")"
	done
	say "   CPU per connection (median): nginx $(median <<<"${CNCPU[plain]}") us plain${CICPU[tlsips]:+; with tlsips: nginx $(median <<<"${CNCPU[tlsips]}") us + tlsips $(median <<<"${CICPU[tlsips]}") us}"
	for v in "${variants[@]}"; do say "   $v each round: conn/s${CRPS[$v]} | nginx cpu us${CNCPU[$v]}${CICPU[$v]:+ | tlsips cpu us${CICPU[$v]}}"; done
	if [[ $ips_up == 1 ]]; then
		hs1=$(ips_stats | jq '.stats.tls.handshakes')
		say "   tlsips handshakes seen during the measured runs: $((hs1 - hs0)) (wrk completed $ips_req requests)"
	else
		say "   tlsips: not measured: $IPS_ERR"
	fi
fi

# --- part mem -------------------------------------------------------------------
cc -O2 -std=c11 -Wall -Wextra "$here/idle_tls.c" -o "$W/idle_tls" -lssl -lcrypto

# idle_open N PORT TAG: start idle_tls processes in the client namespace
# for N connections in all, at most PER_PROC each, every one using all the
# client addresses in turn; tags TAG0, TAG1 ... (IDLE_TAGS). Their pids go
# to IDLE_PIDS (`ip netns exec` execs idle_tls: the pid is idle_tls').
idle_open() {
	local n=$1 port=$2 tag=$3 i=0 k srcs
	srcs=$(IFS=,; echo "${NB_CLI_IPS[*]}")
	IDLE_TAGS=()
	while ((n > 0)); do
		k=$((n < PER_PROC ? n : PER_PROC))
		ip netns exec "$NB_CLI" "$W/idle_tls" "$SRV" "$port" "$k" "$srcs" 128 \
			>"$W/idle.$tag$i.out" 2>"$W/idle.$tag$i.err" &
		IDLE_PIDS+=($!)
		IDLE_PID[$tag$i]=$!
		IDLE_TAGS+=("$tag$i")
		n=$((n - k)) i=$((i + 1))
	done
}
declare -A IDLE_PID=()
# idle_wait TAG...: until each has printed its "established" line; sets IDLE_EST.
idle_wait() {
	local tag l
	IDLE_EST=0
	for tag in "$@"; do
		for _ in $(seq 1 36000); do
			grep -q '^established' "$W/idle.$tag.out" && break
			kill -0 "${IDLE_PID[$tag]}" 2>/dev/null ||
				bench_die "idle_tls $tag exited: $(head -5 "$W/idle.$tag.err")"
			sleep 0.1
		done
		l=$(grep '^established' "$W/idle.$tag.out") || bench_die "idle_tls $tag did not finish: $(tail -3 "$W/idle.$tag.err")"
		bench_log "idle_tls $tag: $l"
		IDLE_EST=$((IDLE_EST + $(awk '{print $2}' <<<"$l")))
		[[ $(awk '{print $4}' <<<"$l") -le $(($(awk '{print $2}' <<<"$l") / 100)) ]] ||
			bench_die "idle_tls $tag: more than 1 % failed: $l; $(head -5 "$W/idle.$tag.err")"
	done
}
# idle_close_all: stop the idle_tls processes, and wait until the server
# namespace holds no connection of theirs (so that a later capture or
# measurement does not see their teardown).
idle_close_all() {
	local p n
	for p in "${IDLE_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${IDLE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	IDLE_PIDS=()
	for _ in $(seq 1 600); do
		n=$(in_srv ss -Htan "( sport = :$PORT_MEM )" | grep -vc LISTEN || true)
		((n == 0)) && return 0
		sleep 0.2
	done
	bench_die "$n connections on port $PORT_MEM still open 120 s after idle_tls stopped"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# rss_settle PID: VmRSS (kB) once it has stopped moving (2 s apart, <= 64 kB).
rss_settle() {
	local a b
	a=$(rss_kb "$1")
	for _ in $(seq 1 30); do
		sleep 2
		b=$(rss_kb "$1")
		((b - a <= 64 && a - b <= 64)) && break
		a=$b
	done
	echo "$b"
}

# ngxmem_start: the nginx of parts mem and offline on PORT_MEM: a master
# and enough workers that none holds more than PER_PROC connections
# (reuseport: the kernel spreads new connections over the workers).
ngxmem_start() {
	[[ -z ${PID[ngxmem]:-} ]] || return 0
	local nw=$(((mem_n > off_n ? mem_n : off_n) / PER_PROC + 2))
	NGX_MASTER=on NGX_WORKERS=$nw NGX_WCONN=$PER_PROC NGX_LISTEN=" reuseport" \
		ngx_conf ngxmem "" "" "$PORT_MEM"
	ngx_start ngxmem "$PORT_MEM"
	NGXMEM_WORKERS=$nw
}
# ngx_rss_kb: VmRSS of the mem nginx, master and workers summed.
ngx_rss_kb() {
	local p s=0
	for p in ${PID[ngxmem]} $(pgrep -P "${PID[ngxmem]}"); do s=$((s + $(rss_kb "$p"))); done
	echo "$s"
}
# ngx_rss_settle: like rss_settle, for ngx_rss_kb.
ngx_rss_settle() {
	local a b
	a=$(ngx_rss_kb)
	for _ in $(seq 1 30); do
		sleep 2
		b=$(ngx_rss_kb)
		((b - a <= 256 && a - b <= 256)) && break
		a=$b
	done
	echo "$b"
}

if has_part mem; then
	say ""
	say "3. memory, idle TLS connections through the inline path (handshake complete, then silent)"
	if [[ $ips_up == 1 ]]; then
		# A fresh tlsips: what it holds is the connections below, nothing earlier.
		ips_stop
		ips_start || ips_up=0
	fi
	if [[ $ips_up == 1 ]]; then
		ngxmem_start
		idle_open "$WARM_CONNS" "$PORT_MEM" warm
		idle_wait "${IDLE_TAGS[@]}"
		t_rss1=$(rss_settle "${PID[tlsips]}") n_rss1=$(ngx_rss_settle)
		t0=$(date +%s)
		idle_open $((mem_n - WARM_CONNS)) "$PORT_MEM" m
		nproc_m=${#IDLE_TAGS[@]}
		idle_wait "${IDLE_TAGS[@]}"
		secs=$(($(date +%s) - t0))
		est=$IDLE_EST
		t_rss2=$(rss_settle "${PID[tlsips]}") n_rss2=$(ngx_rss_settle)
		open_srv=$(in_srv ss -Htn state established "( sport = :$PORT_MEM )" | wc -l)
		st=$(ips_stats)
		tls_hs=$(jq '.stats.tls.handshakes' <<<"$st")
		peak=$(jq '.stats.tcp.flows_peak' <<<"$st")
		evicted=$(jq '.stats.tcp.flows_evicted' <<<"$st")
		cache=$(jq '.stats.tls.session_cache_entries' <<<"$st")
		bpc=$(awk -v a="$t_rss1" -v b="$t_rss2" -v n="$est" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}')
		nbpc=$(awk -v a="$n_rss1" -v b="$n_rss2" -v n="$est" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}')
		total=$((est + WARM_CONNS))
		say "   connections: $WARM_CONNS warm-up, then $est more in ${secs} s ($nproc_m idle_tls processes, ${#NB_CLI_IPS[@]} client addresses; nginx $NGXMEM_WORKERS workers, reuseport); established at nginx: $open_srv"
		say "   tlsips VmRSS: $t_rss1 kB after the warm-up, $t_rss2 kB with $total open -> $bpc bytes per connection"
		say "   nginx  VmRSS (all processes): $n_rss1 kB after the warm-up, $n_rss2 kB with $total open -> $nbpc bytes per connection (for comparison)"
		say "   tlsips stats: flows_peak $peak, flows_evicted $evicted, tls handshakes $tls_hs, session cache entries $cache"
		[[ $evicted == 0 ]] || say "   WARNING: tlsips evicted flows: the figure is not for all connections"
		if ((total < 100000)); then
			say "   fewer than 100,000 connections ($total): extrapolated linearly, 100,000 would take $(awk -v b="$bpc" 'BEGIN {printf "%.0f MB", b * 100000 / 1e6}') beyond the warm-up RSS"
		else
			say "   $total connections: $(awk -v b="$bpc" -v n="$total" 'BEGIN {printf "%.0f MB", b * n / 1e6}') beyond the warm-up RSS"
		fi
		idle_close_all
	else
		say "   tlsips: not measured: $IPS_ERR"
	fi
fi

# --- part offline ------------------------------------------------------------------
if has_part offline; then
	say ""
	say "4. offline equivalent: tlsips inspect on a capture of $off_n TLS handshakes left open (no NFQUEUE, no tlsips run)"
	# No NFQUEUE rule and no tlsips: the capture sees the plain path.
	if [[ $ips_up == 1 ]]; then ips_stop; ips_up=0; fi
	ngxmem_start
	cap=$W/idle.pcap
	: >"$W/tcpdump.log"
	ip netns exec "$NB_SRV" tcpdump -i "$NB_VETH_SRV" -n -s 0 -B 262144 -w "$cap" "tcp port $PORT_MEM" 2>"$W/tcpdump.log" &
	TCPDUMP_PID=$!
	for _ in $(seq 1 100); do grep -q 'listening on' "$W/tcpdump.log" && break; sleep 0.1; done
	grep -q 'listening on' "$W/tcpdump.log" || bench_die "tcpdump did not start: $(cat "$W/tcpdump.log")"
	idle_open "$off_n" "$PORT_MEM" o
	idle_wait "${IDLE_TAGS[@]}"
	off_est=$IDLE_EST
	sleep 3
	kill -INT "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" || true
	TCPDUMP_PID=
	idle_close_all
	dk=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$W/tcpdump.log")
	[[ $dk == 0 ]] || bench_die "tcpdump dropped packets: $(cat "$W/tcpdump.log")"
	npk=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$W/tcpdump.log")
	editcap -r "$cap" "$W/idle-10.pcap" "1-$((npk / 10))" 2>/dev/null ||
		bench_die "editcap failed (package tshark brings it)"
	syns() { tcpdump -n -r "$1" 'tcp[tcpflags] == tcp-syn' 2>/dev/null | wc -l; }
	n_full=$(syns "$cap") n_cut=$(syns "$W/idle-10.pcap")
	# inspect: the same policy (server key, built-in rules, limits).
	for f in "$cap" "$W/idle-10.pcap"; do
		/usr/bin/time -v "$tlsips" inspect -r "$f" -c "$W/policy.yaml" -o /dev/null \
			>"$f.out" 2>"$f.time" || bench_die "tlsips inspect $f failed: $(tail -5 "$f.time")"
	done
	maxrss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
	r_full=$(maxrss "$cap.time") r_cut=$(maxrss "$W/idle-10.pcap.time")
	obpc=$(awk -v a="$r_cut" -v b="$r_full" -v x="$n_cut" -v y="$n_full" 'BEGIN {printf "%.0f", (b - a) * 1024 / (y - x)}')
	say "   capture: $npk packets, $n_full connections ($off_est established, 0 dropped by tcpdump), $(($(stat -c %s "$cap") / 1000000)) MB"
	say "   tlsips inspect peak RSS: $r_cut kB on the first 10 % ($n_cut connections), $r_full kB on all ($n_full) -> $obpc bytes per connection"
	say "   $(grep -E '^(tls|tcp):' "$cap.time" | head -3 | paste -sd';' || true)"
fi

say ""
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ ! -s $W/notes ]] || { say "notes:"; sed 's/^/   /' "$W/notes" | tee -a "$REPORT"; }
cp "$REPORT" "$results"
bench_log "written: $results"

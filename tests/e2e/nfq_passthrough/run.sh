#!/usr/bin/env bash
# The inline packet source on a real packet path: a client and a server
# namespace joined by veth, nginx (plain HTTP) in the server namespace, its
# port's traffic in both directions sent to NFQUEUE, and tests/tools/nfq_probe
# (capture_nfq + net_reset + capture_reset) deciding every packet:
#   - ordinary requests and responses pass byte for byte (IPv4 and IPv6,
#     a 3 MB download, a 600 kB upload), with verdicts given at once and, in
#     a second run, deferred (HOLD, then capture_nfq_verdict);
#   - a request carrying the marker is dropped and both ends are reset: curl
#     fails at once with a reset, nginx never logs the request; the same for
#     a response carrying the marker (the other direction);
#   - with the probe gone, the queue without --queue-bypass stops traffic
#     (curl times out) and with --queue-bypass lets it through.
# Skipped (exit 77) where namespaces or NFQUEUE are not available.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_netns.sh"
netns_require
e2e_init "$@"
e2e_need curl nginx
PROBE=${TLSIPS_NFQ_PROBE:-$(dirname "$TLSIPS")/tests/nfq_probe}
[ -x "$PROBE" ] || die "nfq_probe not found: $PROBE (build target nfq_probe)"
e2e_log "   probe:   $PROBE"
netns_setup

PORT=8080
Q=3
MARK='x-tlsips-nfq-block-me'

mkdir -p ngx/html ngx/tmp
seq 1 3000 | sed 's/^/nginx line /' >ngx/html/index.html
head -c 3000000 /dev/urandom >ngx/html/big.bin
printf 'the response carries %s here\n' "$MARK" >ngx/html/leak.txt
head -c 300000 /dev/urandom | xxd -p >upload.txt
cat >ngx/nginx.conf <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $WORK/ngx/nginx.pid;
error_log $WORK/ngx/error.log info;
events { worker_connections 64; }
http {
    default_type application/octet-stream;
    access_log $WORK/ngx/access.log;
    client_body_temp_path $WORK/ngx/tmp/body;
    proxy_temp_path $WORK/ngx/tmp/proxy;
    fastcgi_temp_path $WORK/ngx/tmp/fastcgi;
    uwsgi_temp_path $WORK/ngx/tmp/uwsgi;
    scgi_temp_path $WORK/ngx/tmp/scgi;
    client_max_body_size 10m;
    server {
        listen $SRV_IP4:$PORT;
        listen [$SRV_IP6]:$PORT;
        root $WORK/ngx/html;
        location /up/ { dav_methods PUT; create_full_put_path on; }
        location / { }
    }
}
CONF
netns_bg_srv ngx nginx -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -e "$WORK/ngx/error.log"
netns_wait_listen "$PORT" ngx

U4="http://$SRV_IP4:$PORT"
U6="http://[$SRV_IP6]:$PORT"
CURL=(curl --noproxy '*' -sS --http1.1)

# fetch TAG MAXTIME ARGS...: curl in the client namespace, body in got.TAG,
# stderr in curl.TAG.err; CURL_RC its status, CURL_MS its duration.
fetch() {
    local tag=$1 max=$2 t0
    shift 2
    t0=$(date +%s%N)
    CURL_RC=0
    in_cli "${CURL[@]}" --connect-timeout "$max" --max-time "$max" -o "got.$tag" "$@" \
        2>"curl.$tag.err" || CURL_RC=$?
    CURL_MS=$((($(date +%s%N) - t0) / 1000000))
}

# passes TAG EXPECTED WHAT ARGS...: the transfer succeeds, body byte-exact.
passes() {
    local tag=$1 exp=$2 what=$3
    shift 3
    fetch "$tag" 20 "$@"
    if [ "$CURL_RC" -ne 0 ]; then
        fail "$what: curl failed with status $CURL_RC: $(head -c 300 "curl.$tag.err")"
        return 0
    fi
    check_same_bytes "$exp" "got.$tag" "$what"
}

# blocked TAG WHAT ARGS...: the transfer ends at once with a reset (curl 56
# "connection reset" or 52 "empty reply"), not with a timeout.
blocked() {
    local tag=$1 what=$2
    shift 2
    fetch "$tag" 10 "$@"
    case $CURL_RC in
        52 | 56)
            if [ "$CURL_MS" -lt 5000 ]; then
                ok "$what: connection reset after $CURL_MS ms (curl $CURL_RC: $(head -c 120 "curl.$tag.err" | tr -d '\n'))"
            else
                fail "$what: curl ended with $CURL_RC but only after $CURL_MS ms"
            fi
            ;;
        *) fail "$what: expected a reset (curl 52/56), curl said $CURL_RC: $(head -c 300 "curl.$tag.err")" ;;
    esac
}

# srv_closed WHAT: the server holds no established connection on PORT any
# more: the reset toward it arrived (without it, a blocked request would
# leave nginx waiting on the connection for a minute).
srv_closed() {
    local est
    sleep 0.2
    est=$(in_srv ss -Htn state established "( sport = :$PORT )")
    if [ -z "$est" ]; then
        ok "$1: the server side was reset too"
    else
        fail "$1: the server still has established connections: $est"
    fi
}

# probe_start NAME ARGS...: nfq_probe in the server namespace, bound.
probe_start() {
    local name=$1
    shift
    netns_bg_srv "$name" "$PROBE" -q "$Q" -m "$MARK" "$@"
    if ! wait_grep "$WORK/$name.err" 'bound' 1 10; then
        sed 's/^/  | /' "$WORK/$name.err"
        die "nfq_probe $name did not bind queue $Q"
    fi
}

# probe_stop NAME: SIGTERM, wait; its counters in STAT[...] (from its
# "stats k=v ..." line). A sanitizer report or a hang is a failed check.
declare -A STAT
probe_stop() {
    local name=$1 kv
    bg_stop "$name"
    sed 's/^/  | /' "$WORK/$name.out" "$WORK/$name.err"
    if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$WORK/$name.err"; then
        fail "nfq_probe $name: sanitizer report"
    fi
    STAT=()
    # shellcheck disable=SC2013 # the stats line is words k=v
    for kv in $(sed -n 's/^stats //p' "$WORK/$name.out"); do STAT[${kv%%=*}]=${kv#*=}; done
    [ -n "${STAT[packets]:-}" ] || die "nfq_probe $name printed no stats"
}

# A clean path first: without rules everything must work, or the rest means nothing.
fetch plain 10 "$U4/index.html"
if [ "$CURL_RC" -ne 0 ] || ! cmp -s got.plain ngx/html/index.html; then
    die "no HTTP between the namespaces even without NFQUEUE: $(cat curl.plain.err)"
fi

e2e_log "--- verdicts from the callback"
netns_queue_port "$PORT" "$Q"
probe_start probe1
passes idx4 ngx/html/index.html "IPv4 GET through the queue" "$U4/index.html"
passes big4 ngx/html/big.bin "IPv4 3 MB download through the queue" "$U4/big.bin"
fetch up4 20 -T upload.txt "$U4/up/upload.txt"
[ "$CURL_RC" -eq 0 ] || fail "IPv4 upload: curl failed with status $CURL_RC: $(head -c 300 curl.up4.err)"
check_same_bytes upload.txt ngx/html/up/upload.txt "IPv4 600 kB upload through the queue (PUT, as stored by nginx)"
passes idx6 ngx/html/index.html "IPv6 GET through the queue" "$U6/index.html"
blocked blk4 "IPv4 request carrying the marker" "$U4/index.html?q=$MARK"
srv_closed "IPv4 request carrying the marker"
blocked blk6 "IPv6 request carrying the marker" "$U6/index.html?q=$MARK"
srv_closed "IPv6 request carrying the marker"
blocked leak4 "IPv4 response carrying the marker" "$U4/leak.txt"
srv_closed "IPv4 response carrying the marker"
passes after4 ngx/html/index.html "IPv4 GET after the blocks (no collateral)" "$U4/index.html"
sleep 0.5 # the resets' own packets, through the queue
probe_stop probe1
check_eq 3 "$(grep -c '^drop ' probe1.out || true)" "probe 1 dropped exactly the three marked segments"
check_eq 3 "${STAT[dropped]}" "probe 1 counted three drops"
check_eq "${STAT[packets]}" "$((STAT[accepted] + STAT[dropped]))" "probe 1 gave every packet a verdict"
# 3 MB down and 600 kB up, at least; fewer packets than MTU-sized ones when
# the kernel hands GSO packets over whole.
if [ "${STAT[bytes]}" -gt 3600000 ]; then
    ok "probe 1 saw ${STAT[packets]} packets, ${STAT[bytes]} bytes (${STAT[gso]} of them GSO)"
else
    fail "probe 1 saw only ${STAT[bytes]} bytes in ${STAT[packets]} packets"
fi
check_eq 6 "${STAT[resets_sent]}" "probe 1 sent a reset toward each end of the three connections"
check_eq 0 "${STAT[resets_failed]}" "no reset injection failed"
check_eq 0 "${STAT[verdict_failures]}" "no verdict failed"
check_grep probe1.out "^drop .*$SRV_IP6:$PORT" "an IPv6 drop was reported"
check_grep probe1.out "^drop .*$SRV_IP4:$PORT -> $CLI_IP4" "the response drop was reported (server to client)"
check_no_grep ngx/access.log "$MARK" "nginx never saw a marked request"
check_grep ngx/access.log '"GET /leak.txt' "nginx served the marked response (dropped on its way out)"

e2e_log "--- verdicts deferred (HOLD, then capture_nfq_verdict)"
probe_start probe2 --defer
passes big4d ngx/html/big.bin "IPv4 3 MB download, deferred verdicts" "$U4/big.bin"
passes idx6d ngx/html/index.html "IPv6 GET, deferred verdicts" "$U6/index.html"
blocked blk4d "IPv4 marked request, deferred verdicts" "$U4/?q=$MARK"
sleep 0.5
probe_stop probe2
check_eq "${STAT[packets]}" "${STAT[held]}" "probe 2 held every packet"
check_eq "${STAT[packets]}" "$((STAT[accepted] + STAT[dropped]))" "probe 2 gave every held packet a verdict"
check_eq 1 "${STAT[dropped]}" "probe 2 counted one drop"

e2e_log "--- nobody bound to the queue"
fetch closed 3 "$U4/index.html"
check_eq 28 "$CURL_RC" "without --queue-bypass, traffic stops (curl timed out)"
netns_unqueue
netns_queue_port "$PORT" "$Q" bypass
passes bypass ngx/html/index.html "with --queue-bypass, traffic flows" "$U4/index.html"
probe_start probe3 --fail-open # the kernel takes the flag (overload itself is not provoked)
blocked blkb "marked request with --queue-bypass, probe bound again in fail-open mode" "$U4/?q=$MARK"
probe_stop probe3
check_eq 1 "${STAT[dropped]}" "probe 3 counted one drop"
e2e_finish

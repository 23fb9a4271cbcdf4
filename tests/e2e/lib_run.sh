# tests/e2e/lib_run.sh: `tlsips run` cases — nginx over HTTPS in the server
# namespace, its port queued to tlsips, curl in the client namespace.
# Needs lib.sh and lib_netns.sh first, and netns_setup done.
#
#     run_nginx PORT [EXTRA_SERVER_CONF]   nginx on SRV_IP4:PORT, RSA key, TLS 1.2 (+1.3)
#     run_policy FILE [KEY: VALUE lines]   writes a policy (see the heredoc); RUN_MONITOR_RESPONSES
#                                          (true) and RUN_INLINE_EXTRA (lines under inline:) shape it
#     run_start NAME CONFIG                tlsips run in the server namespace, waits till running
#     run_stop NAME                        SIGTERM, waits, checks exit 0 and no sanitizer report
#     get TAG MAXTIME ARGS...              curl in the client namespace (CURL_RC, got.TAG)

RUN_Q=${RUN_Q:-3}
RUN_MONITOR_RESPONSES=${RUN_MONITOR_RESPONSES:-true}
RUN_INLINE_EXTRA=${RUN_INLINE_EXTRA:-}
RUN_CURL=(curl --noproxy '*' -sS --http1.1 -k)

# run_nginx PORT [TLS PROTOCOLS]: nginx (master root, no workers) with an RSA
# certificate; ciphers allow both the RSA key exchange suite and ECDHE, so
# the client chooses. Access log in ngx/access.log.
run_nginx() {
    local port=$1 protos=${2:-TLSv1.2}
    mkdir -p ngx/html ngx/tmp
    [ -f server.key ] || make_rsa_cert server
    seq 1 2000 | sed 's/^/served line /' >ngx/html/index.html
    head -c 200000 /dev/urandom | xxd -p >ngx/html/data.txt
    cat >ngx/nginx.conf <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $WORK/ngx/nginx.pid;
error_log $WORK/ngx/error.log info;
events { worker_connections 64; }
http {
    default_type text/plain;
    access_log $WORK/ngx/access.log;
    client_body_temp_path $WORK/ngx/tmp/body;
    proxy_temp_path $WORK/ngx/tmp/proxy;
    fastcgi_temp_path $WORK/ngx/tmp/fastcgi;
    uwsgi_temp_path $WORK/ngx/tmp/uwsgi;
    scgi_temp_path $WORK/ngx/tmp/scgi;
    keepalive_timeout 120s;
    server {
        listen $SRV_IP4:$port ssl;
        server_name e2e.test;
        ssl_certificate $WORK/server.crt;
        ssl_certificate_key $WORK/server.key;
        ssl_protocols $protos;
        ssl_ciphers AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;
        root $WORK/ngx/html;
        location /form { return 200 "form received\n"; }
        location / { try_files \$uri =404; }
    }
}
CONF
    netns_bg_srv ngx nginx -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -e "$WORK/ngx/error.log"
    netns_wait_listen "$port" ngx
}

# run_policy FILE PORT MODE RULES [EXTRA YAML]: a policy for one HTTPS port
# queued on RUN_Q; RULES is a YAML list; the TLS entry uses server.key.
run_policy() {
    local f=$1 port=$2 mode=$3 rules=$4 extra=${5:-}
    cat >"$f" <<YAML
mode: $mode
capture: inline
key-files: refuse
app-types:
  - name: Web Server Common
    protocol: http
    ports: [$port]
    monitor-responses: $RUN_MONITOR_RESPONSES
    rules: $rules
tls-inspection:
  - name: site
    interfaces: all
    ports: [$port]
    ips: all
    credentials:
      - key: $WORK/server.key
        cert: $WORK/server.crt
    undecryptable: block
outputs:
  - type: file
    path: $WORK/ev.json
    events: all
inline:
  queues: [$RUN_Q]
  fail-open: false
$RUN_INLINE_EXTRA
stats-interval: 2s
$extra
YAML
}

# run_start NAME CONFIG: tlsips run in the server namespace; returns once running.
run_start() {
    local name=$1 cfg=$2
    e2e_log "+ tlsips run -c $cfg &"
    netns_bg_srv "$name" "$TLSIPS" run -c "$cfg"
    if ! wait_grep "$WORK/$name.err" '^tlsips: running: ' 1 30; then
        sed 's/^/  | /' "$WORK/$name.err"
        die "tlsips run $name did not start within 30 s"
    fi
}

# run_stop NAME: SIGTERM; the run must end by itself with status 0.
run_stop() {
    local name=$1 pid=${E2E_PID_OF[$1]:-} i rc=0
    [ -n "$pid" ] || die "run_stop: no process '$name'"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "tlsips $name: still running 30 s after SIGTERM"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" || rc=$?
    unset "E2E_PID_OF[$name]"
    sed -n '1,40p' "$WORK/$name.err" | sed 's/^/  | /'
    check_eq 0 "$rc" "tlsips $name exited 0 after SIGTERM"
    if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$WORK/$name.err"; then
        fail "tlsips $name: sanitizer report (see $WORK/$name.err)"
    fi
}

# get TAG MAXTIME ARGS...: curl in the client namespace, body in got.TAG.
get() {
    local tag=$1 max=$2 t0
    shift 2
    t0=$(date +%s%N)
    CURL_RC=0
    in_cli "${RUN_CURL[@]}" --connect-timeout "$max" --max-time "$max" -o "got.$tag" "$@" \
        2>"curl.$tag.err" || CURL_RC=$?
    CURL_MS=$((($(date +%s%N) - t0) / 1000000))
}

# passes TAG EXPECTED WHAT ARGS...: curl succeeds, body byte-exact.
passes() {
    local tag=$1 exp=$2 what=$3
    shift 3
    get "$tag" 15 "$@"
    if [ "$CURL_RC" -ne 0 ]; then
        fail "$what: curl failed with status $CURL_RC: $(head -c 300 "curl.$tag.err")"
        return 0
    fi
    check_same_bytes "$exp" "got.$tag" "$what"
}

# refused TAG WHAT ARGS...: curl gets no answer (reset, empty reply, or TLS cut).
refused() {
    local tag=$1 what=$2
    shift 2
    get "$tag" 8 "$@"
    case $CURL_RC in
        0) fail "$what: the request was answered" ;;
        28) fail "$what: curl timed out instead of being reset ($CURL_MS ms)" ;;
        *) ok "$what: no answer, curl $CURL_RC after $CURL_MS ms ($(head -c 100 "curl.$tag.err" | tr -d '\n'))" ;;
    esac
}

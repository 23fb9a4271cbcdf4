#!/usr/bin/env bash
# Real servers handing their secrets over through libtlsips-keylog.so, and
# tlsips both live and offline:
#   nginx   (Debian's nginx-light; master root, worker www-data; TLS 1.2+1.3)
#   Apache  (Debian's apache2 + mod_ssl, mpm_event; children www-data;
#            SSLKEYLOGFILE set too: the library must keep Apache's own key log)
#   HAProxy (Debian's haproxy; `bind ... ssl crt`; runs as user haproxy;
#            backend: the same nginx over plain HTTP)
# each with its own configuration in the scratch dir, default (modern) TLS
# settings, started with LD_PRELOAD=libtlsips-keylog.so and
# TLSIPS_KEYLOG_SOCKET naming the socket of a live tlsips.
# Per server, curl makes two keep-alive connections, one at TLS 1.2, one at
# TLS 1.3, with GETs (query strings) and POSTs (form and a 10 KB body); the
# expected bytes are those curl logs with --trace. Then:
#  1. live: `tlsips decrypt -i lo --key-socket S` running meanwhile (allowed
#     uids: www-data and haproxy only), stopped with SIGINT, has every
#     connection decrypted byte for byte, keys taken from the socket only;
#  2. offline: a tcpdump capture of the same traffic with the key log curl
#     wrote (SSLKEYLOGFILE) decrypts byte for byte, and Apache's own
#     SSLKEYLOGFILE decrypts Apache's connections;
#  3. with tlsips stopped (no socket), the three servers still answer: 200
#     and the right body, for new TLS 1.2 and 1.3 connections.
#
# Socket permissions: the socket directory is root:www-data, mode 2750
# (setgid, so the socket tlsips creates in it gets group www-data); HAProxy
# runs with group www-data because the test cannot add users to groups.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need nginx apache2 haproxy curl runuser capinfos jq
LIB=$(keylog_lib)
WWW_UID=$(id -u www-data) || die "no user www-data"
HAP_UID=$(id -u haproxy) || die "no user haproxy"

# The workers (www-data, haproxy) must reach the scratch dir.
runuser -u www-data -- test -x "$WORK" ||
    die "$WORK is not reachable by www-data (a parent directory is not searchable)"

# The socket: short path (sun_path holds 108 bytes).
if [ ${#WORK} -le 90 ]; then
    SOCKDIR=$WORK/ks
else
    SOCKDIR=$(mktemp -d /tmp/tlsips-ks.XXXXXX)
    trap 'e2e_cleanup; rm -rf "$SOCKDIR"' EXIT
fi
mkdir -p "$SOCKDIR"
chown root:www-data "$SOCKDIR"
chmod 2750 "$SOCKDIR"
SOCK=$SOCKDIR/k.sock

make_rsa_cert server
cat server.crt server.key >server.pem
NGX_PORT=$(pick_listen_port)
BACK_PORT=$(pick_listen_port)
APA_PORT=$(pick_listen_port)
HAP_PORT=$(pick_listen_port)
FILTER="tcp port $NGX_PORT or tcp port $APA_PORT or tcp port $HAP_PORT"

# Content, the same for the three servers.
mkdir -p html
seq 1 2000 | sed 's/^/served line /' >html/index.html
head -c 30000 /dev/urandom | xxd -p >html/data.txt
printf 'form received\n' >html/form.txt
head -c 5000 /dev/urandom | xxd -p >body.txt
chmod -R a+rX html

# ---- nginx: TLS on NGX_PORT, plain HTTP for HAProxy on BACK_PORT.
mkdir -p ngx/tmp
cat >ngx/nginx.conf <<CONF
user www-data;
worker_processes 1;
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
    root $WORK/html;
    server {
        listen 127.0.0.1:$NGX_PORT ssl;
        server_name e2e.test;
        ssl_certificate $WORK/server.crt;
        ssl_certificate_key $WORK/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location /form { return 200 "form received\n"; }
        location / { }
    }
    server {
        listen 127.0.0.1:$BACK_PORT;
        server_name e2e.test;
        location /form { return 200 "form received\n"; }
        location / { }
    }
}
CONF

# ---- Apache httpd, mpm_event, its own ServerRoot.
A=/usr/lib/apache2/modules
mkdir -p apache
cat >apache/httpd.conf <<CONF
ServerRoot $WORK/apache
ServerName e2e.test
Listen 127.0.0.1:$APA_PORT
PidFile $WORK/apache/httpd.pid
Mutex file:$WORK/apache default
LoadModule mpm_event_module $A/mod_mpm_event.so
LoadModule authz_core_module $A/mod_authz_core.so
LoadModule mime_module $A/mod_mime.so
LoadModule alias_module $A/mod_alias.so
LoadModule socache_shmcb_module $A/mod_socache_shmcb.so
LoadModule ssl_module $A/mod_ssl.so
User www-data
Group www-data
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
ErrorLog $WORK/apache/error.log
LogLevel warn
LogFormat "%h \"%r\" %>s %b" short
CustomLog $WORK/apache/access.log short
KeepAlive On
DefaultType text/plain
TypesConfig /dev/null
AddType text/plain .html .txt
DocumentRoot $WORK/html
<Directory />
    Require all denied
</Directory>
<Directory $WORK/html>
    Require all granted
</Directory>
# A POST to /form gets a static answer, like nginx's "return 200".
Alias /form $WORK/html/form.txt
SSLEngine on
SSLCertificateFile $WORK/server.crt
SSLCertificateKeyFile $WORK/server.key
SSLProtocol -all +TLSv1.2 +TLSv1.3
SSLSessionCache shmcb:$WORK/apache/scache(512000)
CONF

# ---- HAProxy, in front of nginx's plain HTTP port.
mkdir -p hap
cat >hap/haproxy.cfg <<CONF
global
    user haproxy
    group www-data
    maxconn 64
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend fe
    bind 127.0.0.1:$HAP_PORT ssl crt $WORK/server.pem
    default_backend be
backend be
    server s1 127.0.0.1:$BACK_PORT
CONF

# start_servers: the three servers with the preload library.
start_servers() {
    local env=(env LD_PRELOAD="$LIB" TLSIPS_KEYLOG_SOCKET="$SOCK")
    bg_start ngx "${env[@]}" nginx -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -e "$WORK/ngx/error.log"
    wait_listen "$NGX_PORT" ngx
    wait_listen "$BACK_PORT" ngx
    bg_start apache "${env[@]}" SSLKEYLOGFILE="$WORK/apache-own.keys" \
        apache2 -d "$WORK/apache" -f "$WORK/apache/httpd.conf" -DFOREGROUND
    wait_listen "$APA_PORT" apache
    bg_start hap "${env[@]}" haproxy -db -f "$WORK/hap/haproxy.cfg"
    wait_listen "$HAP_PORT" hap
}

# trace_bytes TRACE DIRECTION OUT: the bytes of curl's --trace blocks
# "=> Send header/data" (DIRECTION "=>") or "<= Recv header/data" ("<=").
trace_bytes() {
    awk -v d="$2" '
        /^(=>|<=|==) / { on = ($1 == d && ($3 == "header," || $3 == "data,")); next }
        on && /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]: / { print substr($0, 7, 48) }' "$1" | xxd -r -p >"$3"
}

declare -A VER_OF SUITE_OF
TAGS=()
# connection TAG PORT VERSION_OPTS...: one curl run, one keep-alive connection,
# four requests; req.TAG / got.TAG from its --trace; VER_OF/SUITE_OF[TAG].
connection() {
    local tag=$1 port=$2
    shift 2
    local u=https://e2e.test:$port
    local c=(-sS -k --http1.1 --resolve "e2e.test:$port:127.0.0.1" -o /dev/null "$@")
    SSLKEYLOGFILE=$WORK/client.keys timeout 60 curl "${c[@]}" --trace "trace.$tag" \
        "$u/index.html?a=1&b=two%20words&t=$tag" \
        --next "${c[@]}" -d "name=value&other=$tag" "$u/form" \
        --next "${c[@]}" -H 'Content-Type: text/plain' --data-binary @body.txt "$u/form?upload=$tag" \
        --next "${c[@]}" "$u/data.txt?again=$tag" 2>"curl.$tag.err" ||
        { cat "curl.$tag.err"; die "curl ($tag) failed"; }
    [ "$(grep -c '^== Info: Connected to' "trace.$tag")" = 1 ] ||
        die "$tag: curl did not keep one connection for its four requests"
    [ "$(grep -c '^== Info: Re-using existing connection' "trace.$tag")" = 3 ] ||
        die "$tag: curl did not reuse its connection"
    trace_bytes "trace.$tag" "=>" "req.$tag"
    trace_bytes "trace.$tag" "<=" "got.$tag"
    grep -q "^GET /data.txt?again=$tag HTTP/1.1" "req.$tag" || die "req.$tag does not hold the last request"
    [ "$(grep -c '^HTTP/1.1 200' "got.$tag")" = 4 ] || die "$tag: not four 200 responses"
    local v s
    read -r v s < <(sed -n 's/^== Info: SSL connection using \(TLSv1\.[23]\) \/ \([A-Z0-9_-]*\).*/\1 \2/p' "trace.$tag")
    case $v in
        TLSv1.2) VER_OF[$tag]="TLS 1.2" ;;
        TLSv1.3) VER_OF[$tag]="TLS 1.3" ;;
        *) die "$tag: curl's trace names no TLS version" ;;
    esac
    SUITE_OF[$tag]=$s
    TAGS+=("$tag")
}

# ---- 1. live, and the capture for 2.
tlsips_live_start live decrypt -i lo --filter "$FILTER" -w live.pcap --events live.json \
    --key-socket "$SOCK" --key-socket-uid "$WWW_UID" --key-socket-uid "$HAP_UID"
[ -S "$SOCK" ] || die "tlsips made no socket at $SOCK"
[ "$(stat -c %G "$SOCK")" = www-data ] || die "$SOCK: group $(stat -c %G "$SOCK"), expected www-data"
start_servers
start_capture "$FILTER" cap.pcap
for s in ngx apa hap; do
    case $s in ngx) p=$NGX_PORT ;; apa) p=$APA_PORT ;; hap) p=$HAP_PORT ;; esac
    connection "$s-12" "$p" --tlsv1.2 --tls-max 1.2
    connection "$s-13" "$p" --tlsv1.3
done
stop_capture
map_streams cap.pcap "${TAGS[@]}"
for tag in "${TAGS[@]}"; do
    case ${VER_OF[$tag]} in
        "TLS 1.2") [[ ${SUITE_OF[$tag]} == ECDHE-* ]] || die "$tag: not an ECDHE suite (${SUITE_OF[$tag]})" ;;
        "TLS 1.3") [[ $tag == *-13 ]] || die "$tag: TLS 1.3 where 1.2 was asked for" ;;
    esac
done
oracle_check_keylog cap.pcap client.keys "${TAGS[@]}"
# The library is in the processes that do the handshakes.
for pid in $(pgrep -P "${E2E_PID_OF[ngx]}") $(pgrep -P "$(cat apache/httpd.pid)") "${E2E_PID_OF[hap]}"; do
    grep -q libtlsips-keylog "/proc/$pid/maps" ||
        die "libtlsips-keylog.so is not loaded in $(cat "/proc/$pid/comm") ($pid)"
done

# Every session reported, then stop tlsips as an operator would.
wait_grep live.err '^tls ' "${#TAGS[@]}" 20 || e2e_log "tlsips reported fewer than ${#TAGS[@]} sessions within 20 s"
tlsips_live_stop live
check_rc 0 "live decrypt, SIGINT"
check_plain_pcap live.pcap "live.pcap"
follow_all tcp live.pcap live
for tag in "${TAGS[@]}"; do
    check_decrypted live.err live "${VER_OF[$tag]}" "${SUITE_OF[$tag]}" "$tag"
done
check_eq "${#TAGS[@]}" "$(grep -c '^tls ' live.err || true)" "live: number of session lines"
for tag in "${TAGS[@]}"; do
    got=$(jq -r --argjson p "${CPORT[$tag]}" '
            select(.event_type == "tls" and .src_port == $p)
            | [.tls.version, .tls.sni, .tls.inspection.decrypted, .tls.inspection.key_source]
            | map(tostring) | join(" ")' live.json 2>&1 || true)
    check_eq "${VER_OF[$tag]} e2e.test true keylog" "$got" "live: $tag tls event"
done
check_grep live.err '^keysock: [0-9]+ datagrams, [1-9][0-9]* accepted, 0 from senders not allowed, 0 oversize$' \
    "live: key lines accepted from the servers' workers, none rejected"
# The queue-length advice depends on the host's sysctl, not on this test.
grep -v 'max_dgram_qlen' live.err > live.err.checked || true
check_no_grep live.err.checked 'warning' "live: no warnings"
[ ! -e "$SOCK" ] && ok "live: socket removed at exit" || fail "live: $SOCK still exists after tlsips stopped"

# ---- 2. offline, from the capture: curl's key log, and Apache's own.
run_tlsips offline decrypt -r cap.pcap --keylog client.keys -w offline.pcap
check_rc 0 "offline decrypt"
check_plain_pcap offline.pcap "offline.pcap"
follow_all tcp offline.pcap off
for tag in "${TAGS[@]}"; do
    check_decrypted offline.err off "${VER_OF[$tag]}" "${SUITE_OF[$tag]}" "$tag"
done
check_eq "${#TAGS[@]}" "$(grep -c '^tls ' offline.err || true)" "offline: number of session lines"
if grep -q '^CLIENT_RANDOM ' apache-own.keys 2>/dev/null && grep -q '^SERVER_TRAFFIC_SECRET_0 ' apache-own.keys; then
    ok "Apache's own SSLKEYLOGFILE still written with the library preloaded"
    tcpdump -r cap.pcap -w cap-apache.pcap "tcp port $APA_PORT" 2>/dev/null
    run_tlsips apache-own decrypt -r cap-apache.pcap --keylog apache-own.keys -w apache-own.pcap
    check_rc 0 "offline decrypt with Apache's key log"
    follow_all tcp apache-own.pcap apa
    for tag in apa-12 apa-13; do
        check_decrypted apache-own.err apa "${VER_OF[$tag]}" "${SUITE_OF[$tag]}" "$tag"
    done
else
    fail "Apache's own SSLKEYLOGFILE ($WORK/apache-own.keys) missing or incomplete with the library preloaded"
fi

# ---- 3. tlsips gone: the servers still serve.
for s in ngx apa hap; do
    case $s in ngx) p=$NGX_PORT ;; apa) p=$APA_PORT ;; hap) p=$HAP_PORT ;; esac
    for v in 1.2 1.3; do
        code=$(timeout 30 curl -sS -k --http1.1 --resolve "e2e.test:$p:127.0.0.1" "--tlsv$v" --tls-max "$v" \
            -o "after.$s.$v" -w '%{http_code}' "https://e2e.test:$p/data.txt?after=1" 2>"after.$s.$v.err" || true)
        if [ "$code" = 200 ] && cmp -s html/data.txt "after.$s.$v"; then
            ok "$s, TLS $v, no tlsips: 200 and the right body"
        else
            fail "$s, TLS $v, no tlsips: status '$code', body $(cmp -s html/data.txt "after.$s.$v" && echo right || echo wrong)"
            sed 's/^/     | /' "after.$s.$v.err"
        fi
    done
done
for s in ngx apache hap; do
    if kill -0 "${E2E_PID_OF[$s]}" 2>/dev/null; then ok "$s still running"; else fail "$s died"; fi
done
check_no_grep ngx/error.log '\[(alert|crit|emerg)\]' "nginx error log: no alert"
check_no_grep apache/error.log ':(crit|alert|emerg)\]|Segmentation|AH00052' "Apache error log: no crash"
e2e_finish

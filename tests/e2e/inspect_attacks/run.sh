#!/usr/bin/env bash
# `tlsips inspect` with its built-in defaults on real traffic: nginx serves
# HTTPS on 8443 (TLS 1.2 RSA key exchange, and TLS 1.3 whose secrets curl
# writes to a key log) and plain HTTP on 8080 — ports of the built-in
# "Web Server Common" application type. curl sends every case of cases.txt
# over each of the three channels, one connection per request (a blocked
# request ends its connection inline, so later requests on it would never
# have been seen). Each case carries "tcase=NAME" in its query so alerts can
# be traced back. Checks: every attack case gives exactly its expected sids
# on every channel, with "action":"blocked" in prevent mode; benign cases
# give none; TLS sessions are reported decrypted (server_key / keylog); the
# same capture in detect mode reports "allowed"; a stats event closes.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need nginx curl jq

TLS_PORT=8443
PLAIN_PORT=8080
for p in $TLS_PORT $PLAIN_PORT; do
    ! ss -Htln "sport = :$p" | grep -q . || die "port $p is busy (the built-in application type needs it)"
done
make_rsa_cert server
mkdir -p ngx/tmp
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
    server {
        listen 127.0.0.1:$TLS_PORT ssl;
        listen 127.0.0.1:$PLAIN_PORT;
        server_name e2e.test;
        ssl_certificate $WORK/server.crt;
        ssl_certificate_key $WORK/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;
        location / { return 200 "ok\n"; }
    }
}
CONF
bg_start ngx nginx -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -e "$WORK/ngx/error.log"
wait_listen "$TLS_PORT" ngx
wait_listen "$PLAIN_PORT" ngx

# cases.txt: NAME|EXPECTED SIDS (space separated, empty for benign)|PATH|CURL ARGS...
# PATH gets "tcase=NAME" appended to its query.
CASES=()
while IFS= read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    CASES+=("$line")
done <"$E2E_CASE_DIR/cases.txt"
[ ${#CASES[@]} -ge 10 ] || die "cases.txt has too few cases"

R=(--resolve "e2e.test:$TLS_PORT:127.0.0.1" --resolve "e2e.test:$PLAIN_PORT:127.0.0.1")
channel_args() {
    case $1 in
        rsa) printf '%s\n' -k --tlsv1.2 --tls-max 1.2 --ciphers AES128-GCM-SHA256 "https://e2e.test:$TLS_PORT" ;;
        tls13) printf '%s\n' -k --tlsv1.3 "https://e2e.test:$TLS_PORT" ;;
        plain) printf '%s\n' "http://e2e.test:$PLAIN_PORT" ;;
    esac
}

start_capture "tcp port $TLS_PORT or tcp port $PLAIN_PORT" cap.pcap
n=0
for ch in rsa tls13 plain; do
    # Only the TLS 1.3 sessions' secrets go to the key log: the RSA ones
    # must be decrypted with the server's key.
    if [ "$ch" = tls13 ]; then export SSLKEYLOGFILE=$WORK/keys.log; else unset SSLKEYLOGFILE; fi
    mapfile -t ca < <(channel_args "$ch")
    base=${ca[-1]}
    unset 'ca[-1]'
    for c in "${CASES[@]}"; do
        IFS='|' read -r name sids path args <<<"$c"
        sep='?'
        [[ $path == *\?* ]] && sep='&'
        eval "extra=($args)"
        timeout 20 curl -sS --http1.1 --path-as-is -o /dev/null "${R[@]}" "${ca[@]}" "${extra[@]}" \
            "$base$path${sep}tcase=$name" 2>>curl.err || die "curl $ch $name failed: $(tail -n 2 curl.err)"
        n=$((n + 1))
    done
done
unset SSLKEYLOGFILE
stop_capture
[ -s keys.log ] || die "curl wrote no key log (SSLKEYLOGFILE)"
e2e_log "sent $n requests"

run_tlsips prevent inspect -r cap.pcap -k server.key --keylog keys.log -o ev.json
check_rc 0 "inspect (prevent)"
jq -e . ev.json >/dev/null || fail "events are not valid JSON lines"

# Alerts per case and channel: "CHANNEL NAME SID" lines, sorted.
jq -r --argjson tp "$TLS_PORT" 'select(.event_type=="alert") |
    [(if .dest_port == $tp then (if .tls.version == "TLS 1.3" then "tls13" else "rsa" end) else "plain" end),
     (.http.url | capture("tcase=(?<n>[A-Za-z0-9_]+)").n // "?"),
     (.alert.signature_id | tostring), .alert.action] | join(" ")' ev.json | sort -u >alerts.txt
for ch in rsa tls13 plain; do
    for c in "${CASES[@]}"; do
        IFS='|' read -r name sids _ <<<"$c"
        want=""
        for t in $sids; do
            # SID@CHANNEL: expected on that channel only (thresholded rules).
            [[ $t != *@* || ${t#*@} == "$ch" ]] && want+="${t%@*}"$'\n'
        done
        want=$(printf '%s' "$want" | sort -u | tr '\n' ' ')
        got=$(awk -v c="$ch" -v n="$name" '$1 == c && $2 == n { print $3 }' alerts.txt | sort -u | tr '\n' ' ')
        check_eq "$want" "$got" "$ch $name: sids"
    done
done
check_eq 0 "$(awk '$4 != "blocked" && $3 !~ /^91007/' alerts.txt | grep -c . || true)" "attack alerts not blocked in prevent mode (every built-in rule but the scanner ones drops)"
check_eq 0 "$(awk '$4 == "blocked" && $3 ~ /^91007/' alerts.txt | grep -c . || true)" "scanner alerts blocked (they only alert)"
check_eq 0 "$(grep -c '^[a-z0-9]* ? ' alerts.txt || true)" "alerts without a traceable url"

# Sessions: every TLS session decrypted, by the key or the key log.
check_eq 0 "$(jq -r 'select(.event_type=="tls" and .tls.inspection.decrypted != true)' ev.json | grep -c . || true)" "TLS sessions not decrypted"
check_eq "${#CASES[@]}" "$(jq -r 'select(.event_type=="tls" and .tls.inspection.key_source=="server_key")' ev.json | grep -c '"flow_id"' || true)" "sessions decrypted with the server key"
check_eq "${#CASES[@]}" "$(jq -r 'select(.event_type=="tls" and .tls.inspection.key_source=="keylog")' ev.json | grep -c '"flow_id"' || true)" "sessions decrypted with the key log"
check_eq 1 "$(jq -r 'select(.event_type=="stats")' ev.json | grep -c '"event_type"' || true)" "stats events"
check_eq "$n" "$(jq -r 'select(.event_type=="stats") | .stats.http.requests' ev.json)" "HTTP requests in stats"
check_grep prevent.err '^http: [0-9]+ requests' "summary: http line"
check_grep prevent.err '^alerts: [0-9]+' "summary: alerts line"

# Detect mode: the same alerts, none blocked.
run_tlsips detect inspect -r cap.pcap -k server.key --keylog keys.log --mode detect -o ev-detect.json
check_rc 0 "inspect (detect)"
check_eq "$(grep -c . alerts.txt)" "$(jq -r 'select(.event_type=="alert" and .alert.action=="allowed")' ev-detect.json | grep -c '"flow_id"' || true)" "detect mode: every alert allowed"
e2e_finish

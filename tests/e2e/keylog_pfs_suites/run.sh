#!/usr/bin/env bash
# Key log mode, TLS 1.2: every forward-secret suite of the seed table (6 DHE-RSA,
# 6 ECDHE-RSA, 6 ECDHE-ECDSA with an EC certificate, and the three
# CHACHA20-POLY1305 ones with RFC 7905 nonces), one openssl s_server -WWW per
# certificate type, each writing its own key log (-keylogfile), one s_client
# session per suite. With the two key logs (two --keylog options) and no
# private key, tlsips must decrypt each session byte for byte, name its suite,
# write a clean plaintext pcap, and say key_source "keylog" in its events.
# tshark, given the same key logs, is the oracle for the capture. With only
# one of the two key logs, the other server's sessions are
# "not decrypted: no_keylog_entry".
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need jq capinfos

RSA_SUITES="DHE-RSA-AES128-SHA DHE-RSA-AES256-SHA DHE-RSA-AES128-SHA256 DHE-RSA-AES256-SHA256
            DHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES256-GCM-SHA384 DHE-RSA-CHACHA20-POLY1305
            ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-SHA384
            ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305"
EC_SUITES="ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA ECDHE-ECDSA-AES128-SHA256
           ECDHE-ECDSA-AES256-SHA384 ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384
           ECDHE-ECDSA-CHACHA20-POLY1305"

# OpenSSL name -> IANA name, for the events check.
declare -A IANA=(
    [DHE-RSA-AES128-SHA]=TLS_DHE_RSA_WITH_AES_128_CBC_SHA
    [DHE-RSA-AES256-SHA]=TLS_DHE_RSA_WITH_AES_256_CBC_SHA
    [DHE-RSA-AES128-SHA256]=TLS_DHE_RSA_WITH_AES_128_CBC_SHA256
    [DHE-RSA-AES256-SHA256]=TLS_DHE_RSA_WITH_AES_256_CBC_SHA256
    [DHE-RSA-AES128-GCM-SHA256]=TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
    [DHE-RSA-AES256-GCM-SHA384]=TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
    [DHE-RSA-CHACHA20-POLY1305]=TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    [ECDHE-RSA-AES128-SHA]=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    [ECDHE-RSA-AES256-SHA]=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
    [ECDHE-RSA-AES128-SHA256]=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
    [ECDHE-RSA-AES256-SHA384]=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
    [ECDHE-RSA-AES128-GCM-SHA256]=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    [ECDHE-RSA-AES256-GCM-SHA384]=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    [ECDHE-RSA-CHACHA20-POLY1305]=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    [ECDHE-ECDSA-AES128-SHA]=TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
    [ECDHE-ECDSA-AES256-SHA]=TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
    [ECDHE-ECDSA-AES128-SHA256]=TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
    [ECDHE-ECDSA-AES256-SHA384]=TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
    [ECDHE-ECDSA-AES128-GCM-SHA256]=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    [ECDHE-ECDSA-AES256-GCM-SHA384]=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    [ECDHE-ECDSA-CHACHA20-POLY1305]=TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
)

make_rsa_cert rsa
make_ec_cert ec
RSA_PORT=$(pick_listen_port)
EC_PORT=$(pick_listen_port)
# Each server writes the secrets of its sessions (the server hands them over).
ossl_www_server srv-rsa "$RSA_PORT" "$WORK/www" rsa -keylogfile "$WORK/rsa.keys"
ossl_www_server srv-ec "$EC_PORT" "$WORK/www" ec -keylogfile "$WORK/ec.keys"
start_capture "tcp port $RSA_PORT or tcp port $EC_PORT" cap.pcap
MADE=()
declare -A PORT_OF
for suite in $RSA_SUITES $EC_SUITES; do
    case $suite in *-ECDSA-*) port=$EC_PORT ;; *) port=$RSA_PORT ;; esac
    if ! openssl ciphers -v "$suite:@SECLEVEL=0" 2>/dev/null | grep -q "^$suite "; then
        skip "$suite: this OpenSSL cannot make it"
        continue
    fi
    www_session "$suite" "$port" -tls1_2 -cipher "$suite:@SECLEVEL=0"
    MADE+=("$suite")
    PORT_OF[$suite]=$port
done
stop_capture
[ ${#MADE[@]} -gt 0 ] || die "no suite could be made"
map_streams cap.pcap "${MADE[@]}"
grep -q '^CLIENT_RANDOM ' rsa.keys && grep -q '^CLIENT_RANDOM ' ec.keys ||
    die "s_server wrote no CLIENT_RANDOM lines"
cat rsa.keys ec.keys >all.keys
# The capture is what it claims: each session negotiated its suite, and
# tshark decrypts it to the bytes the peers exchanged.
tsh -r cap.pcap -Y 'tls.handshake.type == 2' -T fields -E separator=' ' \
    -e tcp.stream -e tls.handshake.ciphersuite >suites.txt
for suite in "${MADE[@]}"; do
    id=$(openssl ciphers -V "$suite:@SECLEVEL=0" | awk -v s="$suite" '$3 == s { print $1 }' |
        sed 's/0x\(..\),0x\(..\)/0x\L\1\2/')
    got=$(awk -v s="${STREAM[$suite]}" '$1 == s { print $2 }' suites.txt)
    [ "$got" = "$id" ] || die "capture check: session $suite negotiated '$got', not $id"
done
oracle_check_keylog cap.pcap all.keys "${MADE[@]}"

run_tlsips decrypt decrypt -r cap.pcap --keylog rsa.keys --keylog ec.keys -w out.pcap --events events.json
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
for suite in "${MADE[@]}"; do
    check_decrypted decrypt.err plain "TLS 1.2" "$suite" "$suite"
done
check_eq "${#MADE[@]}" "$(grep -c '^tls ' decrypt.err || true)" "number of session lines"
check_no_grep decrypt.err 'warning' "no warnings about the key logs"
check_eq 0 "$(tsh -r out.pcap -Y tls | wc -l)" "TLS packets tshark finds in out.pcap"
check_eq "${#MADE[@]}" "$(tsh -r out.pcap -d "tcp.port==$RSA_PORT,http" -d "tcp.port==$EC_PORT,http" -Y http.request | wc -l)" \
    "HTTP requests tshark finds in out.pcap"

if [ -s events.json ] && jq -e . events.json >/dev/null 2>&1; then
    ok "events.json is JSON lines"
    for suite in "${MADE[@]}"; do
        got=$(jq -r --argjson p "${CPORT[$suite]}" '
                select(.event_type == "tls" and .src_port == $p)
                | [.dest_port, .tls.version, .tls.cipher, .tls.inspection.decrypted,
                   .tls.inspection.key_source, .tls.inspection.reason]
                | map(tostring) | join(" ")' events.json 2>&1 || true)
        check_eq "${PORT_OF[$suite]} TLS 1.2 ${IANA[$suite]} true keylog null" "$got" "$suite tls event"
    done
else
    fail "events.json missing, empty or not JSON lines"
fi

# Only the RSA server's key log: the ECDSA sessions have no entry (their
# bytes were checked above, so the session lines are enough here).
run_tlsips half decrypt -r cap.pcap --keylog rsa.keys -w half.pcap
check_rc 0 "decrypt with one key log"
for suite in "${MADE[@]}"; do
    case $suite in
        *-ECDSA-*) outcome="not decrypted: no_keylog_entry" ;;
        *) outcome=decrypted ;;
    esac
    check_session half.err "${CPORT[$suite]}" "${PORT_OF[$suite]}" "TLS 1.2" "$suite" "$outcome"
done
e2e_finish

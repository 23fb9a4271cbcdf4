#!/usr/bin/env bash
# The CBC suites with RSA key exchange at TLS 1.0 (implicit IV: each record's
# IV is the last ciphertext block of the previous one) and TLS 1.1 (explicit
# per-record IV), made by openssl s_server/s_client at security level 0.
# OpenSSL negotiates encrypt-then-MAC by default; the ems_etm case covers
# MAC-then-encrypt. tlsips must decrypt each session byte for byte.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

SUITES="AES128-SHA AES256-SHA CAMELLIA128-SHA CAMELLIA256-SHA"

make_rsa_cert server
PORT=$(pick_port)
ossl_www_server srv "$PORT" "$WORK/www" server
start_capture "$PORT" cap.pcap
TAGS=()
declare -A VER SUITE
for v in tls1 tls1_1; do
    for suite in $SUITES; do
        tag=$v-$suite
        www_session "$tag" "$PORT" "-$v" -cipher "$suite:@SECLEVEL=0"
        TAGS+=("$tag")
        SUITE[$tag]=$suite
        case $v in tls1) VER[$tag]="TLS 1.0" ;; tls1_1) VER[$tag]="TLS 1.1" ;; esac
    done
done
stop_capture
map_sessions cap.pcap "${TAGS[@]}"
oracle_check cap.pcap server.key "${TAGS[@]}"

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
for tag in "${TAGS[@]}"; do
    check_decrypted decrypt.err plain "${VER[$tag]}" "${SUITE[$tag]}" "$tag"
done
e2e_finish

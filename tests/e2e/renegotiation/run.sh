#!/usr/bin/env bash
# Renegotiation: application data in both directions, then a second full
# handshake inside the encrypted connection (s_client's interactive "R"
# command; OpenSSL 3.0's s_server needs -client_renegotiation to accept it),
# then more application data both ways under the new keys; with a CBC and an
# AEAD suite. tshark confirms two ClientKeyExchange messages per session.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

make_rsa_cert server
reneg_session() {
    local tag=$1 suite=$2 port=$3
    chat_start "$tag" "$port" server "-client_renegotiation" -tls1_2 -cipher "$suite"
    printf 'client before renegotiation (%s)\n' "$tag" >"c1.$tag"
    printf 'server before renegotiation (%s)\n' "$tag" >"s1.$tag"
    printf 'client after renegotiation (%s)\n' "$tag" >"c2.$tag"
    printf 'server after renegotiation (%s)\n' "$tag" >"s2.$tag"
    chat_send "$tag" c "c1.$tag"
    chat_send "$tag" s "s1.$tag"
    chat_renegotiate "$tag"
    chat_send "$tag" c "c2.$tag"
    chat_send "$tag" s "s2.$tag"
    chat_end "$tag"
}

PORT1=$(pick_port)
PORT2=$(pick_port)
start_capture "tcp port $PORT1 or tcp port $PORT2" cap.pcap
reneg_session reneg-cbc AES128-SHA "$PORT1"
reneg_session reneg-gcm AES128-GCM-SHA256 "$PORT2"
stop_capture
map_sessions cap.pcap reneg-cbc reneg-gcm
for tag in reneg-cbc reneg-gcm; do
    tcpdump -r cap.pcap -w "only-$tag.pcap" "tcp port ${CPORT[$tag]}" 2>/dev/null
    n=$(count_handshakes "only-$tag.pcap" server.key 16)
    [ "$n" -eq 2 ] || die "$tag: $n ClientKeyExchange messages, expected 2 (no renegotiation?)"
done
e2e_log "capture check: two full handshakes in each session"
oracle_check cap.pcap server.key reneg-cbc reneg-gcm

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
check_decrypted decrypt.err plain "TLS 1.2" AES128-SHA reneg-cbc
check_decrypted decrypt.err plain "TLS 1.2" AES128-GCM-SHA256 reneg-gcm
e2e_finish

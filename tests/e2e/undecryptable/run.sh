#!/usr/bin/env bash
# Sessions tlsips sees but cannot decrypt with an RSA key, and what it does
# with them:
#  - ECDHE-RSA and DHE-RSA key exchange with only the server's RSA key:
#    "not decrypted: unsupported_suite", left out of the output;
#  - --keep-undecrypted: those sessions written out unchanged (their TCP
#    payload byte for byte as captured), the RSA session still decrypted;
#  - a capture that starts after the handshake (the first packets cut away):
#    "not decrypted: no_handshake", exit status 0.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

make_rsa_cert server
PORT=$(pick_port)
ossl_www_server srv "$PORT" "$WORK/www" server
start_capture "$PORT" cap.pcap
www_session rsa "$PORT" -tls1_2 -cipher AES128-GCM-SHA256
www_session ecdhe "$PORT" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
www_session dhe "$PORT" -tls1_2 -cipher DHE-RSA-AES256-SHA256
stop_capture
map_sessions cap.pcap rsa ecdhe dhe
oracle_check cap.pcap server.key rsa
# What was on the wire, to compare --keep-undecrypted with.
follow_all tcp cap.pcap wire

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
check_decrypted decrypt.err plain "TLS 1.2" AES128-GCM-SHA256 rsa
check_session decrypt.err "${CPORT[ecdhe]}" "$PORT" "TLS 1.2" ECDHE-RSA-AES128-GCM-SHA256 "not decrypted: unsupported_suite"
check_session decrypt.err "${CPORT[dhe]}" "$PORT" "TLS 1.2" DHE-RSA-AES256-SHA256 "not decrypted: unsupported_suite"
check_eq 1 "$(tcp_sessions out.pcap | wc -l)" "TCP streams in out.pcap (undecrypted ones left out)"

run_tlsips keep decrypt -r cap.pcap -k server.key -w out-keep.pcap --keep-undecrypted
check_rc 0 "decrypt --keep-undecrypted"
check_eq 3 "$(tcp_sessions out-keep.pcap | wc -l)" "TCP streams in out-keep.pcap"
follow_all tcp out-keep.pcap kept
check_decrypted keep.err kept "TLS 1.2" AES128-GCM-SHA256 rsa
for tag in ecdhe dhe; do
    check_same_bytes "wire.${CPORT[$tag]}.c2s" "kept.${CPORT[$tag]}.c2s" "$tag kept unchanged, client->server"
    check_same_bytes "wire.${CPORT[$tag]}.s2c" "kept.${CPORT[$tag]}.s2c" "$tag kept unchanged, server->client"
done

# Mid-stream: keep the RSA session from its first application data record on.
s=$(tcp_sessions cap.pcap | awk -v p="${CPORT[rsa]}" '$2 == p { print $1 }')
first=$(tsh -r cap.pcap -Y "tcp.stream == $s && tls.record.content_type == 23" -T fields -e frame.number | head -n 1)
[ -n "$first" ] || die "no application data in the RSA session"
tsh -r cap.pcap -Y "tcp.stream == $s && frame.number >= $first" -w mid.pcap
[ "$(count_handshakes mid.pcap server.key 1)" -eq 0 ] || die "mid.pcap still holds a ClientHello"
run_tlsips mid decrypt -r mid.pcap -k server.key -w out-mid.pcap
check_rc 0 "capture starting mid-stream"
c=${CPORT[rsa]}
check_grep mid.err "^tls 127\.0\.0\.1:($c|$PORT) -> 127\.0\.0\.1:($PORT|$c) .* not decrypted: no_handshake\$" \
    "mid-stream session: not decrypted: no_handshake"
e2e_finish

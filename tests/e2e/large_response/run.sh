#!/usr/bin/env bash
# Bulk data: a 1 MiB response of random bytes (every byte value, many full
# 16 KiB records, TCP segments up to 64 KiB on lo) from s_server -WWW, with an
# AEAD and a CBC suite; and a chat with 256 KiB of random bytes each way
# (upload then download). tlsips must reproduce every byte of both streams.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

make_rsa_cert server
PORT=$(pick_port)
CHAT_PORT=$(pick_port)
mkdir -p www
head -c 1048576 /dev/urandom >www/big.bin
head -c 262144 /dev/urandom >up.bin
head -c 262144 /dev/urandom >down.bin
ossl_www_server srv "$PORT" "$WORK/www" server
start_capture "tcp port $PORT or tcp port $CHAT_PORT" cap.pcap
for tag in big-gcm big-cbc; do
    case $tag in big-gcm) suite=AES256-GCM-SHA384 ;; big-cbc) suite=AES128-SHA256 ;; esac
    printf 'GET /big.bin HTTP/1.0\r\nHost: e2e.test\r\n\r\n' >"req.$tag"
    ossl_get "$tag" "$PORT" "req.$tag" "got.$tag" -tls1_2 -cipher "$suite"
    www_expect www/big.bin "want.$tag"
    cmp -s "want.$tag" "got.$tag" || die "$tag: s_client did not receive the 1 MiB file"
done
chat_start updown "$CHAT_PORT" server "" -tls1_2 -cipher AES128-CCM -nocommands
chat_send updown c up.bin
chat_send updown s down.bin
chat_end updown
stop_capture
map_sessions cap.pcap big-gcm big-cbc updown
oracle_check cap.pcap server.key big-gcm big-cbc updown

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
check_decrypted decrypt.err plain "TLS 1.2" AES256-GCM-SHA384 big-gcm
check_decrypted decrypt.err plain "TLS 1.2" AES128-SHA256 big-cbc
check_decrypted decrypt.err plain "TLS 1.2" AES128-CCM updown
e2e_finish

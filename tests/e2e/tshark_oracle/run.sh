#!/usr/bin/env bash
# tshark as an independent oracle: for sessions whose content this test does
# not fix in advance (openssl s_server -www answers with a status page that
# differs per session), tshark decrypting the original capture with the RSA
# key and tlsips must recover the same bytes, in both directions, for GCM,
# CBC (TLS 1.2, 1.1 and 1.0), CCM and CCM8 sessions; and tshark must find the
# same HTTP requests in tlsips' output as in the original.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

make_rsa_cert server
PORT=$(pick_port)
bg_start srv openssl s_server -www -accept "127.0.0.1:$PORT" -cert "$WORK/server.crt" \
    -key "$WORK/server.key" -cipher 'ALL:@SECLEVEL=0'
wait_listen "$PORT" srv

# tag  s_client version  suite
SESSIONS="
gcm     tls1_2 AES256-GCM-SHA384
cbc12   tls1_2 CAMELLIA128-SHA256
cbc11   tls1_1 AES256-SHA
cbc10   tls1   CAMELLIA256-SHA
ccm     tls1_2 AES256-CCM
ccm8    tls1_2 AES128-CCM8
"
start_capture "$PORT" cap.pcap
TAGS=()
while read -r tag v suite; do
    [ -n "$tag" ] || continue
    printf 'GET /%s?oracle=1 HTTP/1.0\r\nHost: e2e.test\r\n\r\n' "$tag" >"req.$tag"
    ossl_get "$tag" "$PORT" "req.$tag" "got.$tag" "-$v" -cipher "$suite:@SECLEVEL=0"
    grep -q '^HTTP/1.0 200 ok' "got.$tag" || die "$tag: no status page from s_server -www"
    TAGS+=("$tag")
done <<<"$SESSIONS"
stop_capture
map_sessions cap.pcap "${TAGS[@]}"

follow_all tls cap.pcap tshark -o "$(rsa_key_opt server.key)"
run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
follow_all tcp out.pcap tlsips
for tag in "${TAGS[@]}"; do
    c=${CPORT[$tag]}
    [ -s "tshark.$c.s2c" ] || die "$tag: tshark decrypted nothing"
    check_same_bytes "tshark.$c.c2s" "tlsips.$c.c2s" "$tag client->server, tlsips = tshark"
    check_same_bytes "tshark.$c.s2c" "tlsips.$c.s2c" "$tag server->client, tlsips = tshark"
done

# The HTTP view: tshark on the original with the key vs tshark on out.pcap.
http_view() {
    tsh -r "$1" "${@:2}" -Y http.request -T fields -E separator="|" \
        -e tcp.srcport -e http.request.method -e http.request.uri -e http.request.version \
        -e http.host >"$1.http" || true
}
# (tshark finds HTTP inside TLS by itself; the plain output needs telling.)
http_view cap.pcap -o "$(rsa_key_opt server.key)"
http_view out.pcap -d "tcp.port==$PORT,http"
[ "$(wc -l <cap.pcap.http)" -eq ${#TAGS[@]} ] || die "tshark does not find every HTTP request in the original"
check_same_bytes cap.pcap.http out.pcap.http "HTTP requests tshark finds: original (decrypted by tshark) = out.pcap"
e2e_finish

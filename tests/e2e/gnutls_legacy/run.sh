#!/usr/bin/env bash
# The legacy suites Debian's OpenSSL no longer makes (RC4 and 3DES are
# compiled out of its libssl), made with GnuTLS instead: gnutls-serv --http
# and gnutls-cli, RSA key exchange. RC4-MD5, RC4-SHA and DES-CBC3-SHA at
# TLS 1.2, and at TLS 1.0 and 1.1 (3DES being CBC: implicit and explicit IVs).
# GnuTLS negotiates extended master secret and, for CBC, encrypt-then-MAC.
# DES-CBC-SHA (single DES) and SSL 3.0: no peer on Debian 12 can make them
# (GnuTLS 3.7 has neither), so they are left to known-answer unit tests;
# this case says SKIP for them.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need gnutls-serv gnutls-cli

# tag  version  openssl-name  gnutls-cipher  gnutls-mac
SESSIONS="
rc4md5-12   TLS1.2 RC4-MD5      ARCFOUR-128 MD5
rc4sha-12   TLS1.2 RC4-SHA      ARCFOUR-128 SHA1
3des-12     TLS1.2 DES-CBC3-SHA 3DES-CBC    SHA1
rc4md5-10   TLS1.0 RC4-MD5      ARCFOUR-128 MD5
rc4sha-11   TLS1.1 RC4-SHA      ARCFOUR-128 SHA1
3des-10     TLS1.0 DES-CBC3-SHA 3DES-CBC    SHA1
3des-11     TLS1.1 DES-CBC3-SHA 3DES-CBC    SHA1
"

make_rsa_cert server
PORT=$(pick_port)
# The server allows everything; each client offers exactly one suite.
printf 'gnutls response body\n' >body.txt
seq 1 30 | sed 's/^/legacy line /' >>body.txt
bg_start srv gnutls-serv --http --httpdata="$WORK/body.txt" -p "$PORT" \
    --x509keyfile="$WORK/server.key" --x509certfile="$WORK/server.crt" \
    --priority='NORMAL:+ARCFOUR-128:+3DES-CBC:+RSA:+MD5:+VERS-TLS1.0:+VERS-TLS1.1:-VERS-TLS1.3'
wait_listen "$PORT" srv

# gnutls_session TAG VERSION CIPHER MAC: one gnutls-cli session sending
# req.TAG; stdin stays open (a fifo) until the server has answered and
# closed, so the client never hangs up early.
gnutls_session() {
    local tag=$1 ver=$2 cipher=$3 mac=$4 fd
    printf 'GET /%s HTTP/1.0\r\nHost: e2e.test\r\nX-Session: %s\r\n\r\n' "$tag" "$tag" >"req.$tag"
    rm -f "in.$tag"
    mkfifo "in.$tag"
    bg_start -i "$WORK/in.$tag" -o "$WORK/got.$tag" "cli-$tag" gnutls-cli --insecure \
        --logfile="$WORK/cli-$tag.log" -p "$PORT" 127.0.0.1 \
        --priority="NONE:+VERS-$ver:+RSA:+$cipher:+$mac:+COMP-NULL:+SIGN-ALL:+CTYPE-X509"
    exec {fd}>"in.$tag"
    cat "req.$tag" >&$fd
    bg_wait "cli-$tag" 20
    exec {fd}>&-
    [ "$BG_RC" -eq 0 ] || { cat "cli-$tag.err" "cli-$tag.log"; die "gnutls-cli $tag failed ($BG_RC)"; }
    grep -q "($ver-X.509)-(RSA)-($cipher)-($mac)" "cli-$tag.log" ||
        { cat "cli-$tag.log"; die "$tag: gnutls did not negotiate $ver RSA $cipher $mac"; }
    # What gnutls-serv --http sends: a header block, then the body.
    { printf 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n' \
        "$(stat -c %s body.txt)"; cat body.txt; } >"want.$tag"
    cmp -s "want.$tag" "got.$tag" || die "$tag: gnutls-cli did not receive the expected response (got.$tag)"
}

start_capture "$PORT" cap.pcap
TAGS=()
declare -A VER NAME
while read -r tag ver name cipher mac; do
    [ -n "$tag" ] || continue
    gnutls_session "$tag" "$ver" "$cipher" "$mac"
    TAGS+=("$tag")
    NAME[$tag]=$name
    VER[$tag]="TLS ${ver#TLS}"
done <<<"$SESSIONS"
stop_capture
map_sessions cap.pcap "${TAGS[@]}"
oracle_check cap.pcap server.key "${TAGS[@]}"

for what in "DES-CBC-SHA (single DES)" "SSL 3.0"; do
    skip "$what: no peer on this system can make it (GnuTLS 3.7 and OpenSSL 3.0 lack it); covered by known-answer unit tests"
done

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
for tag in "${TAGS[@]}"; do
    check_decrypted decrypt.err plain "${VER[$tag]}" "${NAME[$tag]}" "$tag"
done
e2e_finish

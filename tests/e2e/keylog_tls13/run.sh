#!/usr/bin/env bash
# Key log mode, TLS 1.3: openssl s_server/s_client sessions, every server
# appending its secrets to one key log (-keylogfile):
#  - the five TLS 1.3 suites (AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305,
#    AES-128-CCM, AES-128-CCM-8), s_server -WWW;
#  - HelloRetryRequest: a server offering only P-384 against a client whose
#    first key share is X25519 (tshark confirms two ClientHellos and the
#    HelloRetryRequest random);
#  - KeyUpdate both ways in one connection: s_client's "k" (update its own
#    keys) and "K" (update, and ask the server to update too), data both ways
#    under each generation of keys (tshark counts the KeyUpdates);
#  - PSK resumption from a ticket (-sess_out/-sess_in), with (EC)DHE and
#    PSK-only (-allow_no_dhe_kex): no Certificate in the resumed handshakes;
#  - 0-RTT: early data sent with -early_data on a resumed session and
#    accepted (EndOfEarlyData seen), then normal data both ways.
# tlsips, given only the key log, must decrypt every session byte for byte
# (early data included) and name its suite, and must not report the lines
# OpenSSL writes with labels RFC 9850 defines (EARLY_EXPORTER_SECRET) as
# problems.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need capinfos

SUITES13="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256
          TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256"
# shellcheck disable=SC2086 # a word list
ALL13=$(printf '%s:' $SUITES13 | sed 's/:$//')

make_rsa_cert server
WWW_PORT=$(pick_listen_port)
HRR_PORT=$(pick_listen_port)
PSK_PORT=$(pick_listen_port)
KU_PORT=$(pick_listen_port)
ED_PORT=$(pick_listen_port)
K=(-keylogfile "$WORK/server.keys")
ossl_www_server srv-www "$WWW_PORT" "$WORK/www" server "${K[@]}" -ciphersuites "$ALL13"
ossl_www_server srv-hrr "$HRR_PORT" "$WORK/www" server "${K[@]}" -groups P-384
# PSK-only (psk_ke) happens when the client allows it and no key share can
# be agreed: this server has P-384 only, the PSK-only client X25519 only.
ossl_www_server srv-psk "$PSK_PORT" "$WORK/www" server "${K[@]}" -allow_no_dhe_kex -groups P-384

start_capture "tcp port $WWW_PORT or tcp port $HRR_PORT or tcp port $PSK_PORT or tcp port $KU_PORT or tcp port $ED_PORT" cap.pcap
TAGS=()
declare -A SUITE_OF
for suite in $SUITES13; do
    if ! openssl ciphers -v -ciphersuites "$suite" -s -tls1_3 2>/dev/null | grep -q "^$suite "; then
        skip "$suite: this OpenSSL cannot make it"
        continue
    fi
    www_session "$suite" "$WWW_PORT" -tls1_3 -ciphersuites "$suite"
    TAGS+=("$suite")
    SUITE_OF[$suite]=$suite
done

www_session hrr "$HRR_PORT" -tls1_3
TAGS+=(hrr)
SUITE_OF[hrr]=TLS_AES_256_GCM_SHA384

# PSK resumption: (EC)DHE + PSK (the default), then PSK only.
www_session psk-full "$PSK_PORT" -tls1_3 -groups P-384 -sess_out psk.sess
www_session psk-dhe "$PSK_PORT" -tls1_3 -groups P-384 -sess_in psk.sess
www_session psk-only "$PSK_PORT" -tls1_3 -groups X25519 -sess_in psk.sess -allow_no_dhe_kex
TAGS+=(psk-full psk-dhe psk-only)
SUITE_OF[psk-full]=TLS_AES_256_GCM_SHA384
SUITE_OF[psk-dhe]=TLS_AES_256_GCM_SHA384
SUITE_OF[psk-only]=TLS_AES_256_GCM_SHA384

# KeyUpdate: a chat; data both ways under each key generation.
# data FILE TEXT N: a file of N lines (never starting with an s_client
# command letter).
data() { seq 1 "$3" | sed "s/^/$2 /" >"$1"; }
# ku_cmd TAG LETTER N: s_client's key update command; wait until it has
# acted on it (its N-th KEYUPDATE line) before anything else is written.
ku_cmd() {
    printf '%s\n' "$2" >&"${CHAT_CFD[$1]}"
    wait_grep "$WORK/cli-$1.err" '^KEYUPDATE' "$3" 10 || die "$1: s_client did not do key update $3"
}
chat_start ku "$KU_PORT" server "-keylogfile $WORK/server.keys -tls1_3" -tls1_3 \
    -ciphersuites TLS_CHACHA20_POLY1305_SHA256
data d.c0 "client gen0" 20; chat_send ku c d.c0
data d.s0 "server gen0" 30; chat_send ku s d.s0
ku_cmd ku k 1 # client keys only
data d.c1 "client gen1" 25; chat_send ku c d.c1
data d.s1 "server gen0 again" 5; chat_send ku s d.s1
ku_cmd ku K 2 # client keys, and the server is asked to update its own
data d.c2 "client gen2" 10; chat_send ku c d.c2
data d.s2 "server gen1" 40; chat_send ku s d.s2
ku_cmd ku K 3
data d.c3 "client gen3" 3; chat_send ku c d.c3
data d.s3 "server gen2" 3; chat_send ku s d.s3
chat_end ku
TAGS+=(ku)
SUITE_OF[ku]=TLS_CHACHA20_POLY1305_SHA256

# 0-RTT: one s_server accepting two connections (the ticket must come from
# the same process); the first gets a ticket, the second sends early data.
# s_server -quiet writes what it receives (early data included) to its
# stdout, so srvdata.ed holds both connections' client bytes in order.
rm -f ed-srv.in && mkfifo ed-srv.in
bg_start -i ed-srv.in -o srvdata.ed ed-srv openssl s_server -accept "127.0.0.1:$ED_PORT" \
    -cert server.crt -key server.key -quiet -naccept 2 -early_data "${K[@]}"
exec {ED_SFD}>ed-srv.in
wait_listen "$ED_PORT" ed-srv
ED_SENT=0
# ed_conn TAG [S_CLIENT_OPTS...]: one connection; req.TAG/got.TAG as in chat.
ed_conn() {
    local tag=$1 fd
    shift
    rm -f "cli-$tag.in" && mkfifo "cli-$tag.in"
    bg_start -i "cli-$tag.in" -o "got.$tag" "cli-$tag" openssl s_client \
        -connect "127.0.0.1:$ED_PORT" -servername e2e.test -quiet -no_ign_eof -tls1_3 "$@"
    exec {fd}>"cli-$tag.in"
    : >"req.$tag"
    if [ -n "$ED_EARLY" ]; then
        cat "$ED_EARLY" >>"req.$tag"
        ED_SENT=$((ED_SENT + $(stat -c %s "$ED_EARLY")))
        wait_size srvdata.ed "$ED_SENT" 30
    fi
    data "d.$tag.c" "client $tag" 12
    cat "d.$tag.c" >&"$fd"
    cat "d.$tag.c" >>"req.$tag"
    ED_SENT=$((ED_SENT + $(stat -c %s "d.$tag.c")))
    wait_size srvdata.ed "$ED_SENT" 30
    data "want.$tag" "server $tag" 7
    cat "want.$tag" >&"$ED_SFD"
    wait_size "got.$tag" "$(stat -c %s "want.$tag")" 30
    # The ticket for the next connection must have been written.
    [ "$tag" != ed-ticket ] || wait_size ed.sess 1 10
    exec {fd}>&-
    bg_wait "cli-$tag" 30
    cmp -s "want.$tag" "got.$tag" || die "$tag: s_client did not receive what the server sent"
}
ED_EARLY=
ed_conn ed-ticket -sess_out ed.sess
seq 1 30 | sed 's/^/early data line /' >early.txt
ED_EARLY=early.txt
ed_conn ed-early -sess_in ed.sess -early_data early.txt
exec {ED_SFD}>&-
bg_wait ed-srv 30
cat req.ed-ticket req.ed-early | cmp -s - srvdata.ed || die "0-RTT: s_server did not receive what the clients sent"
grep -q 'early data line 30' srvdata.ed || die "0-RTT: no early data reached the server"
TAGS+=(ed-ticket ed-early)
SUITE_OF[ed-ticket]=TLS_AES_256_GCM_SHA384
SUITE_OF[ed-early]=TLS_AES_256_GCM_SHA384
stop_capture

map_streams cap.pcap "${TAGS[@]}"
grep -q '^SERVER_TRAFFIC_SECRET_0 ' server.keys || die "s_server wrote no TLS 1.3 secrets"
grep -q '^CLIENT_EARLY_TRAFFIC_SECRET ' server.keys || die "s_server wrote no early traffic secret"

# The capture is what the case says it is.
hs_types_keylog cap.pcap server.keys hs.txt
tsh -r cap.pcap -Y 'tls.handshake.type == 2' -T fields -E separator=' ' \
    -e tcp.stream -e tls.handshake.random -e tls.handshake.ciphersuite -e tls.handshake.extension.type >sh.txt
for tag in "${TAGS[@]}"; do
    c=${STREAM[$tag]}
    up=$(hs_list hs.txt "$tag" c2s)
    down=$(hs_list hs.txt "$tag" s2c)
    case $tag in
        hrr)
            [ "$(count_in "$up" 1)" = 2 ] || die "hrr: expected two ClientHellos, tshark sees $up"
            awk -v p="$c" '$1 == p { print $2 }' sh.txt | head -n 1 |
                grep -qi '^cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c$' ||
                die "hrr: the first ServerHello is not a HelloRetryRequest"
            ;;
        psk-dhe | psk-only | ed-early)
            [ "$(count_in "$down" 11)" = 0 ] || die "$tag: not a resumed handshake (server sent $down)"
            # The last ServerHello's extensions: pre_shared_key (41) always,
            # key_share (51) unless PSK-only.
            ext=,$(awk -v p="$c" '$1 == p { print $4 }' sh.txt | tail -n 1),
            [ "$(count_in "$ext" 41)" = 1 ] || die "$tag: the server did not accept the PSK ($ext)"
            if [ "$tag" = psk-only ]; then ks=0; else ks=1; fi
            [ "$(count_in "$ext" 51)" = "$ks" ] || die "$tag: expected $ks key_share in the ServerHello ($ext)"
            ;;
        *)
            [ "$(count_in "$down" 11)" = 1 ] || die "$tag: expected a full handshake (server sent $down)"
            ;;
    esac
    case $tag in
        ku)
            [ "$(count_in "$up" 24)" = 3 ] && [ "$(count_in "$down" 24)" = 2 ] ||
                die "ku: expected 3 KeyUpdates from the client and 2 from the server, tshark sees $up / $down"
            ;;
        ed-early)
            [ "$(count_in "$up" 5)" = 1 ] || die "ed-early: no EndOfEarlyData: early data not accepted ($up)"
            ;;
    esac
    want=$(openssl ciphers -V -s -tls1_3 -ciphersuites "${SUITE_OF[$tag]}" |
        awk -v s="${SUITE_OF[$tag]}" '$3 == s { print $1 }' | sed 's/0x\(..\),0x\(..\)/0x\L\1\2/')
    got=$(awk -v p="$c" '$1 == p { print $3 }' sh.txt | tail -n 1)
    [ "$got" = "$want" ] || die "$tag: negotiated $got, expected ${SUITE_OF[$tag]} ($want)"
done
e2e_log "capture check: HRR, KeyUpdates (3 up, 2 down), PSK resumptions (with and without (EC)DHE) and accepted 0-RTT as intended"
oracle_check_keylog cap.pcap server.keys "${TAGS[@]}"

run_tlsips decrypt decrypt -r cap.pcap --keylog server.keys -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
for tag in "${TAGS[@]}"; do
    case $tag in
        psk-dhe | psk-only | ed-early)
            # Whether a TLS 1.3 PSK handshake counts as "resumed" is not
            # fixed by the issue: either line is right, the bytes must be.
            line=$(session_line "${CPORT[$tag]}" "${SPORT[$tag]}" "TLS 1.3" "${SUITE_OF[$tag]}" decrypted)
            if grep -Fxq -- "$line resumed" decrypt.err; then
                check_decrypted decrypt.err plain "TLS 1.3" "${SUITE_OF[$tag]}" "$tag" "decrypted resumed"
            else
                check_decrypted decrypt.err plain "TLS 1.3" "${SUITE_OF[$tag]}" "$tag"
            fi
            ;;
        *) check_decrypted decrypt.err plain "TLS 1.3" "${SUITE_OF[$tag]}" "$tag" ;;
    esac
done
check_eq "${#TAGS[@]}" "$(grep -c '^tls ' decrypt.err || true)" "number of session lines"
# OpenSSL writes, besides the labels tlsips needs, EARLY_EXPORTER_SECRET (0-RTT;
# an RFC 9850 label) and, after a KeyUpdate, CLIENT_/SERVER_TRAFFIC_SECRET_N
# (OpenSSL's own, not in RFC 9850). Only labels outside RFC 9850 may be
# reported as problems.
bad=$(sed -n 's/^tlsips: warning: server\.keys:\([0-9]*\): .*/\1/p' decrypt.err |
    while read -r n; do
        label=$(sed -n "${n}p" server.keys | cut -d' ' -f1)
        case $label in CLIENT_TRAFFIC_SECRET_N | SERVER_TRAFFIC_SECRET_N) ;; *) printf 'line %s (%s) ' "$n" "$label" ;; esac
    done)
check_eq "" "$bad" "key log lines with RFC 9850 labels reported as problems"
check_grep decrypt.err '^keylog: ' "key log summary line"
e2e_finish

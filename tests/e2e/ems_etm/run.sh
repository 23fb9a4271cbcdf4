#!/usr/bin/env bash
# Extended master secret (RFC 7627) on and off, encrypt-then-MAC (RFC 7366)
# on and off, in every combination, plus an AEAD suite without EMS.
# OpenSSL 3.0's s_client has -no_etm but no -no_ems switch: EMS is turned off
# through an OpenSSL configuration file (Options = -ExtendedMasterSecret).
# tshark confirms, per session, which extensions the server agreed to.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

cat >noems.cnf <<'CNF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
CNF

# tag  suite  ems  etm   (etm is only ever negotiated for CBC suites)
SESSIONS="
ems-etm       AES128-SHA        on  on
noems-etm     AES128-SHA        off on
ems-noetm     AES256-SHA256     on  off
noems-noetm   AES256-SHA256     off off
noems-gcm     AES128-GCM-SHA256 off -
ems-gcm       AES256-GCM-SHA384 on  -
"

make_rsa_cert server
PORT=$(pick_port)
ossl_www_server srv "$PORT" "$WORK/www" server
start_capture "$PORT" cap.pcap
TAGS=()
declare -A SUITE EMS ETM
while read -r tag suite ems etm; do
    [ -n "$tag" ] || continue
    opts=(-tls1_2 -cipher "$suite:@SECLEVEL=0")
    [ "$etm" != off ] || opts+=(-no_etm)
    if [ "$ems" = off ]; then
        OPENSSL_CONF=$WORK/noems.cnf www_session "$tag" "$PORT" "${opts[@]}"
    else
        www_session "$tag" "$PORT" "${opts[@]}"
    fi
    TAGS+=("$tag")
    SUITE[$tag]=$suite
    EMS[$tag]=$ems
    ETM[$tag]=$etm
done <<<"$SESSIONS"
stop_capture
map_sessions cap.pcap "${TAGS[@]}"

# The sessions really are what their names say: extensions in ServerHello
# (22 encrypt_then_mac, 23 extended_master_secret).
tsh -r cap.pcap -Y 'tls.handshake.type == 2' -T fields -E separator=' ' \
    -e tcp.dstport -e tls.handshake.extension.type >serverhello.txt
for tag in "${TAGS[@]}"; do
    exts=,$(awk -v p="${CPORT[$tag]}" '$1 == p { print $2 }' serverhello.txt),
    case $exts in *,23,*) e=on ;; *) e=off ;; esac
    case $exts in *,22,*) m=on ;; *) m=off ;; esac
    [ "${ETM[$tag]}" != - ] || m=-
    [ "$e" = "${EMS[$tag]}" ] && [ "$m" = "${ETM[$tag]}" ] ||
        die "$tag: ServerHello has EMS $e, ETM $m; wanted EMS ${EMS[$tag]}, ETM ${ETM[$tag]}"
done
e2e_log "capture check: EMS and ETM negotiated as intended in all ${#TAGS[@]} sessions"
oracle_check cap.pcap server.key "${TAGS[@]}"

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
for tag in "${TAGS[@]}"; do
    check_decrypted decrypt.err plain "TLS 1.2" "${SUITE[$tag]}" "$tag"
done
e2e_finish

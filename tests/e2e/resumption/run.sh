#!/usr/bin/env bash
# Session resumption, both ways, with openssl s_client -sess_out/-sess_in:
#  - by session ID: server and client without tickets (-no_ticket);
#  - by session ticket: a server without a session cache (-no_cache), so the
#    ticket is the only way back; resumed twice from the same ticket.
# tlsips must decrypt the resumed sessions with the master secret of the
# full handshake it saw earlier and say "decrypted resumed". Then each
# resumed session alone (its full handshake cut away) must be reported as
# "not decrypted: unknown_session".
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

make_rsa_cert server
PID_PORT=$(pick_port)
TKT_PORT=$(pick_port)
ossl_www_server srv-id "$PID_PORT" "$WORK/www" server -no_ticket
ossl_www_server srv-tkt "$TKT_PORT" "$WORK/www" server -no_cache
start_capture "tcp port $PID_PORT or tcp port $TKT_PORT" cap.pcap
c=(-tls1_2 -cipher "AES128-GCM-SHA256")
www_session id-full "$PID_PORT" "${c[@]}" -no_ticket -sess_out id.sess
www_session id-resumed "$PID_PORT" "${c[@]}" -no_ticket -sess_in id.sess
b=(-tls1_2 -cipher "AES256-SHA")
www_session tkt-full "$TKT_PORT" "${b[@]}" -sess_out tkt.sess
www_session tkt-resumed "$TKT_PORT" "${b[@]}" -sess_in tkt.sess
www_session tkt-resumed2 "$TKT_PORT" "${b[@]}" -sess_in tkt.sess
stop_capture
TAGS=(id-full id-resumed tkt-full tkt-resumed tkt-resumed2)
map_sessions cap.pcap "${TAGS[@]}"

# Resumed sessions have an abbreviated handshake: no Certificate, no
# ClientKeyExchange. Session-ID sessions carry no ticket; ticket ones do.
tsh -r cap.pcap -T fields -E separator=' ' -e tcp.srcport -e tcp.dstport -e tls.handshake.type >hs.txt
hs_of() { awk -v p="$1" '($1 == p || $2 == p) && $3 != "" { printf "%s,", $3 }' hs.txt; }
for tag in "${TAGS[@]}"; do
    h=,$(hs_of "${CPORT[$tag]}")
    case $tag in
        *-full) [[ $h == *,11,* && $h == *,16,* ]] || die "$tag: not a full handshake ($h)" ;;
        *) [[ $h != *,11,* && $h != *,16,* ]] || die "$tag: not an abbreviated handshake ($h)" ;;
    esac
    case $tag in
        id-*) [[ $h != *,4,* ]] || die "$tag: a ticket was issued ($h)" ;;
        tkt-full) [[ $h == *,4,* ]] || die "$tag: no ticket issued ($h)" ;;
    esac
done
e2e_log "capture check: full, session-ID-resumed and ticket-resumed handshakes as intended"
oracle_check cap.pcap server.key "${TAGS[@]}"

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
check_decrypted decrypt.err plain "TLS 1.2" AES128-GCM-SHA256 id-full
check_decrypted decrypt.err plain "TLS 1.2" AES128-GCM-SHA256 id-resumed "decrypted resumed"
check_decrypted decrypt.err plain "TLS 1.2" AES256-SHA tkt-full
check_decrypted decrypt.err plain "TLS 1.2" AES256-SHA tkt-resumed "decrypted resumed"
check_decrypted decrypt.err plain "TLS 1.2" AES256-SHA tkt-resumed2 "decrypted resumed"

# Each resumed session without the session that set it up.
for tag in id-resumed tkt-resumed; do
    tcpdump -r cap.pcap -w "only-$tag.pcap" "tcp port ${CPORT[$tag]}" 2>/dev/null
    case $tag in id-*) suite=AES128-GCM-SHA256 ;; *) suite=AES256-SHA ;; esac
    run_tlsips "alone-$tag" decrypt -r "only-$tag.pcap" -k server.key -w "out-$tag.pcap"
    check_rc 0 "$tag alone"
    check_session "alone-$tag.err" "${CPORT[$tag]}" "${SPORT[$tag]}" "TLS 1.2" "$suite" \
        "not decrypted: unknown_session"
done
e2e_finish

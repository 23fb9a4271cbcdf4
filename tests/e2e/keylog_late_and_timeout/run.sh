#!/usr/bin/env bash
# Key log secrets that arrive after the records, and secrets that never
# arrive. One live `tlsips decrypt -i lo --keylog A --keylog B`, where A
# exists (empty) at the start and B does not; s_client writes each session's
# secrets to a file of its own, which the test hands over only once the
# connection is over:
#  - late-12 (TLS 1.2 ECDHE): appended to A one second after the connection;
#  - late-13 (TLS 1.3): B created with them one second after the connection;
#  - late-13s (TLS 1.3): its handshake secrets appended to A, its traffic
#    secrets one and a half seconds later;
#  each reported "decrypted" only after its secrets came, byte for byte.
#  - tmo-12, tmo-13: never given: still undecided 7 s after the connection,
#    then, while tlsips runs, "not decrypted: key_timeout" (the wait is 10 s);
#  - tmo-end: never given, tlsips stopped (SIGINT) a moment later: reported
#    "not decrypted: key_timeout" at the end of the run.
# Nothing of the sessions that timed out is written. Offline, the capture
# with a key log holding only the late sessions' secrets (and one malformed
# line, reported as file:line and skipped): the others are
# "not decrypted: no_keylog_entry".
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need capinfos

make_rsa_cert server
PORT=$(pick_listen_port)
ossl_www_server srv "$PORT" "$WORK/www" server
: >late-a.keys
rm -f late-b.keys

# lines FILE ERE: how many lines of FILE match.
lines() { grep -Ec -- "$2" "$1" || true; }
# decided N WHAT: tlsips has reported exactly N sessions so far (after a
# moment for the last one to show up).
decided() {
    wait_grep live.err '^tls ' "$1" 5 || true
    check_eq "$1" "$(lines live.err '^tls ')" "$2"
}

declare -A VER_OF SUITE_OF
TAGS=()
session() {
    local tag=$1 ver=$2 suite=$3
    shift 3
    www_session "$tag" "$PORT" -keylogfile "$WORK/$tag.keys" "$@"
    TAGS+=("$tag")
    VER_OF[$tag]=$ver
    SUITE_OF[$tag]=$suite
}

start_capture "$PORT" cap.pcap
tlsips_live_start live decrypt -i lo --filter "tcp port $PORT" -w live.pcap \
    --keylog "$WORK/late-a.keys" --keylog "$WORK/late-b.keys"

# Two sessions whose secrets never come.
session tmo-12 "TLS 1.2" ECDHE-RSA-AES256-GCM-SHA384 -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
session tmo-13 "TLS 1.3" TLS_AES_256_GCM_SHA384 -tls1_3
T_TMO=$EPOCHREALTIME

session late-12 "TLS 1.2" ECDHE-RSA-AES128-GCM-SHA256 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
sleep 1
decided 0 "nothing decided before the late secrets come"
cat late-12.keys >>late-a.keys
decided 1 "late-12 decided once its secrets were appended"

session late-13 "TLS 1.3" TLS_CHACHA20_POLY1305_SHA256 -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
sleep 1
decided 1 "late-13 waits while its key log does not exist"
cp late-13.keys late-b.keys.tmp && mv late-b.keys.tmp late-b.keys
decided 2 "late-13 decided once its key log was created"

session late-13s "TLS 1.3" TLS_AES_128_GCM_SHA256 -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
[ "$(grep -c HANDSHAKE_TRAFFIC_SECRET late-13s.keys)" = 2 ] &&
    [ "$(grep -c '_TRAFFIC_SECRET_0' late-13s.keys)" = 2 ] || die "late-13s: s_client did not log the TLS 1.3 secrets"
grep HANDSHAKE_TRAFFIC_SECRET late-13s.keys >>late-a.keys
sleep 1.5
decided 2 "late-13s waits with its handshake secrets only"
grep -v HANDSHAKE_TRAFFIC_SECRET late-13s.keys >>late-a.keys
decided 3 "late-13s decided once its traffic secrets were appended"

# The two sessions without secrets: undecided 7 s after they ended, given
# up (key_timeout) by 25 s, while tlsips keeps running.
now=$EPOCHREALTIME
left=$(awk -v a="$T_TMO" -v b="$now" 'BEGIN { d = a + 7 - b; print (d > 0 ? d : 0) }')
sleep "$left"
check_eq 0 "$(lines live.err 'key_timeout')" "no key_timeout 7 s after the connections"
if wait_grep live.err 'not decrypted: key_timeout$' 2 18; then
    ok "key_timeout reported for the two sessions $(awk -v a="$T_TMO" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s after they ended, tlsips running"
else
    fail "no key_timeout for the two sessions without secrets within 25 s"
fi

# One more without secrets, and stop at once: decided at the end of the run.
session tmo-end "TLS 1.3" TLS_AES_256_GCM_SHA384 -tls1_3
sleep 0.5
n_before=$(lines live.err '^tls ')
tlsips_live_stop live
check_rc 0 "live decrypt, SIGINT"
check_eq 5 "$n_before" "sessions reported before the stop (tmo-end still waiting)"
stop_capture
map_streams cap.pcap "${TAGS[@]}"
cat late-12.keys late-13.keys late-13s.keys tmo-12.keys tmo-13.keys tmo-end.keys >all.keys
oracle_check_keylog cap.pcap all.keys "${TAGS[@]}"

check_plain_pcap live.pcap "live.pcap"
follow_all tcp live.pcap live
for tag in "${TAGS[@]}"; do
    case $tag in
        late-*) check_decrypted live.err live "${VER_OF[$tag]}" "${SUITE_OF[$tag]}" "$tag" ;;
        tmo-*)
            check_session live.err "${CPORT[$tag]}" "${SPORT[$tag]}" "${VER_OF[$tag]}" "${SUITE_OF[$tag]}" \
                "not decrypted: key_timeout"
            [ ! -s "live.${CPORT[$tag]}.c2s" ] && [ ! -s "live.${CPORT[$tag]}.s2c" ] &&
                ok "$tag: nothing written" || fail "$tag: data written for a session never decrypted"
            ;;
    esac
done
check_eq "${#TAGS[@]}" "$(lines live.err '^tls ')" "live: number of session lines"
check_grep live.err '^summary: .*key_timeout 3' "summary counts three key_timeout"

# Offline: a key log with the late sessions' secrets only, and a bad line.
{
    cat late-12.keys
    echo 'CLIENT_RANDOM 00112233 not-a-secret'
    cat late-13.keys late-13s.keys
} >offline.keys
run_tlsips offline decrypt -r cap.pcap --keylog offline.keys -w offline.pcap
check_rc 0 "offline decrypt"
n=$(grep -c . late-12.keys)
check_grep offline.err "^tlsips: warning: offline\.keys:$((n + 1)): .*\(line skipped\)$" \
    "the malformed line is reported with file:line"
follow_all tcp offline.pcap off
for tag in "${TAGS[@]}"; do
    case $tag in
        late-*) check_decrypted offline.err off "${VER_OF[$tag]}" "${SUITE_OF[$tag]}" "$tag" ;;
        tmo-*) check_session offline.err "${CPORT[$tag]}" "${SPORT[$tag]}" "${VER_OF[$tag]}" "${SUITE_OF[$tag]}" \
            "not decrypted: no_keylog_entry" ;;
    esac
done
e2e_finish

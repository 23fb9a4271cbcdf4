#!/usr/bin/env bash
# Input tlsips must survive and describe, with the exit statuses of the
# contract (0: input read, even partly; 1: input unreadable; 2: usage):
#  - a capture file cut in the middle of a packet: a warning, the sessions
#    before the cut still decrypted, exit 0;
#  - a pcapng copy of a good capture: same result as the pcap;
#  - a capture whose packets tcpdump cut to 200 bytes (-s 200): exit 0, the
#    session reported as not decrypted (truncated);
#  - a file that is not a capture, an empty file, a missing file: exit 1;
#  - no -r, no -w, an unknown option: exit 2.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need editcap

make_rsa_cert server
PORT=$(pick_port)
ossl_www_server srv "$PORT" "$WORK/www" server
start_capture "$PORT" cap.pcap
www_session s1 "$PORT" -tls1_2 -cipher AES128-GCM-SHA256
www_session s2 "$PORT" -tls1_2 -cipher AES128-SHA
stop_capture
map_sessions cap.pcap s1 s2
oracle_check cap.pcap server.key s1 s2

# pcapng
editcap -F pcapng cap.pcap cap.pcapng
run_tlsips ng decrypt -r cap.pcapng -k server.key -w out-ng.pcap
check_rc 0 "pcapng input"
follow_all tcp out-ng.pcap ng
check_decrypted ng.err ng "TLS 1.2" AES128-GCM-SHA256 s1
check_decrypted ng.err ng "TLS 1.2" AES128-SHA s2

# Cut in the middle of the last packet of s2: s1 is whole.
size=$(stat -c %s cap.pcap)
head -c $((size - 20)) cap.pcap >cut.pcap
run_tlsips cut decrypt -r cut.pcap -k server.key -w out-cut.pcap
check_rc 0 "capture cut mid-packet"
check_grep cut.err '[Ww]arning' "capture cut mid-packet: a warning"
follow_all tcp out-cut.pcap cutp
check_decrypted cut.err cutp "TLS 1.2" AES128-GCM-SHA256 s1

# Snap length 200: every big packet cut short by the capture.
SNAP_PORT=$(pick_port)
ossl_www_server srv2 "$SNAP_PORT" "$WORK/www" server
tcpdump -i lo -n --immediate-mode -U -s 200 -w snap.pcap "tcp port $SNAP_PORT" 2>snap.log &
snap_pid=$!
E2E_PIDS+=("$snap_pid")
for ((i = 0; i < 100; i++)); do grep -q 'listening on' snap.log && break; sleep 0.1; done
www_session snap "$SNAP_PORT" -tls1_2 -cipher AES128-GCM-SHA256
sleep 0.3
kill -INT "$snap_pid"
wait "$snap_pid" || true
run_tlsips snap decrypt -r snap.pcap -k server.key -w out-snap.pcap
check_rc 0 "snap length 200"
check_grep snap.err 'not decrypted: truncated$' "snap length 200: session not decrypted (truncated)"

# Unreadable input.
head -c 4096 /dev/urandom >garbage.pcap
: >empty.pcap
for f in garbage.pcap empty.pcap no-such.pcap; do
    run_tlsips "in-${f%.pcap}" decrypt -r "$f" -k server.key -w "out-$f"
    check_rc 1 "unreadable input $f"
    check_grep "in-${f%.pcap}.err" "$f" "unreadable input $f: message names it"
done

# Usage.
run_tlsips use-nor decrypt -k server.key -w out-u.pcap
check_rc 2 "decrypt without -r"
run_tlsips use-now decrypt -r cap.pcap -k server.key
check_rc 2 "decrypt without -w"
run_tlsips use-opt decrypt -r cap.pcap -w out-u.pcap --no-such-option
check_rc 2 "unknown option"
run_tlsips use-cmd no-such-command
check_rc 2 "unknown subcommand"
e2e_finish

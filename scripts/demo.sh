#!/usr/bin/env bash
# The tlsips demo: make a real TLS capture, decrypt it, inspect it.
#
#   bash scripts/demo.sh
#
# Installs what is missing (scripts/bootstrap.sh), builds build/, then in a
# temporary directory: makes an RSA certificate and key, starts openssl
# s_server on 127.0.0.1 (TLS 1.2, AES128-GCM-SHA256: RSA key exchange),
# captures loopback with tcpdump while openssl s_client sends an HTTP
# request, and runs
#     build/tlsips decrypt -r capture.pcap -k server.key -w plain.pcap
# printing tlsips' report and the HTTP request it recovered, as tshark reads
# it from plain.pcap. Then a second client sends an SQL injection over TLS and
#     build/tlsips inspect -r capture.pcap -k server.key
# runs the built-in defaults ("Web Server Common" on 80, 443, 8080, 8443,
# built-in rules, prevent mode) and prints the alert. Needs root (tcpdump on lo). Set DEMO_KEEP=1 to keep the
# temporary directory.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '\n== %s\n' "$*"; }

say "installing dependencies (scripts/bootstrap.sh)"
bash "$ROOT/scripts/bootstrap.sh"

say "building build/"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j2 --target tlsips
TLSIPS=$ROOT/build/tlsips

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (tcpdump captures on lo)" >&2; exit 1; }

DIR=$(mktemp -d /tmp/tlsips-demo.XXXXXX)
SERVER_PID=""
TCPDUMP_PID=""
cleanup() {
    [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
    [ -z "$TCPDUMP_PID" ] || kill "$TCPDUMP_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ "${DEMO_KEEP:-0}" = 1 ]; then
        echo "demo files kept in $DIR"
    else
        rm -rf -- "$DIR"
    fi
}
trap cleanup EXIT
cd "$DIR"

# 8443 is in the built-in "Web Server Common" port list; else a free port
# in 20000..59999 and a one-line policy that adds it.
PORT=""
[ -n "$(ss -Htan "( sport = :8443 or dport = :8443 )")" ] || PORT=8443
for _ in $(seq 1 100); do
    [ -z "$PORT" ] || break
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )")" ]; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "demo: no free port" >&2; exit 1; }

say "making an RSA certificate and key for demo.test"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj /CN=demo.test \
    -keyout server.key -out server.crt 2>/dev/null
ls -l server.key server.crt

say "starting openssl s_server on 127.0.0.1:$PORT (TLS 1.2, AES128-GCM-SHA256)"
mkdir www
printf 'Hello from the tlsips demo server.\n' >www/demo
(cd www && exec openssl s_server -WWW -accept "127.0.0.1:$PORT" -cert ../server.crt \
    -key ../server.key -tls1_2 -cipher AES128-GCM-SHA256 -naccept 2) >server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    [ -z "$(ss -Hltn "sport = :$PORT")" ] || break
    sleep 0.1
done

say "capturing tcp port $PORT on lo with tcpdump"
tcpdump -i lo -n --immediate-mode -U -s 0 -w capture.pcap "tcp port $PORT" 2>tcpdump.log &
TCPDUMP_PID=$!
for _ in $(seq 1 100); do
    ! grep -q 'listening on' tcpdump.log || break
    sleep 0.1
done

say "openssl s_client sends an HTTP request"
printf 'GET /demo HTTP/1.1\r\nHost: demo.test\r\nUser-Agent: tlsips-demo\r\nCookie: session=s3cr3t\r\nConnection: close\r\n\r\n' >request.txt
openssl s_client -connect "127.0.0.1:$PORT" -servername demo.test -tls1_2 \
    -cipher AES128-GCM-SHA256 -quiet <request.txt >response.txt 2>client.log
echo "the client received:"
sed 's/^/    /' response.txt
say "a second client sends an SQL injection"
printf 'GET /demo?id=1%%20UNION%%20SELECT%%20password%%20FROM%%20users-- HTTP/1.1\r\nHost: demo.test\r\nConnection: close\r\n\r\n' >attack.txt
sed 's/^/    /' attack.txt
openssl s_client -connect "127.0.0.1:$PORT" -servername demo.test -tls1_2 \
    -cipher AES128-GCM-SHA256 -quiet <attack.txt >/dev/null 2>>client.log || true
sleep 0.3
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=""
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
echo "tcpdump:"
grep -E 'captured|dropped' tcpdump.log | sed 's/^/    /'

say "on the wire (tshark without the key): encrypted"
tshark -r capture.pcap 2>/dev/null | sed 's/^/    /'

say "tlsips decrypt -r capture.pcap -k server.key -w plain.pcap"
rc=0
"$TLSIPS" decrypt -r capture.pcap -k server.key -w plain.pcap || rc=$?
echo "(exit status $rc)"
[ "$rc" -eq 0 ] || exit "$rc"

say "the HTTP request recovered from plain.pcap (tshark, plain TCP, no key)"
tshark -r plain.pcap -d "tcp.port==$PORT,http" -Y http.request -T fields \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e http.request.method \
    -e http.request.uri -e http.host -e http.user_agent 2>/dev/null | sed 's/^/    /'
echo
echo "client -> server bytes of stream 0 (tshark -q -z follow,tcp,raw,0):"
tshark -r plain.pcap -q -z follow,tcp,raw,0 2>/dev/null |
    awk '/^[0-9a-f]+$/' | xxd -r -p | sed 's/^/    | /'
echo
if cmp -s <(tshark -r plain.pcap -q -z follow,tcp,raw,0 2>/dev/null | awk '/^[0-9a-f]+$/' | xxd -r -p) request.txt; then
    echo "demo: the recovered request is byte for byte what the client sent"
else
    echo "demo: the recovered request differs from what the client sent" >&2
    exit 1
fi

say "tlsips inspect -r capture.pcap -k server.key (built-in defaults)"
POLICY=()
if [ "$PORT" != 8443 ]; then
    printf 'port-lists:\n  - name: HTTP\n    ports: [80, 443, 8080, 8443, %s]\n' "$PORT" >demo.yaml
    POLICY=(-c demo.yaml)
fi
rc=0
"$TLSIPS" inspect -r capture.pcap -k server.key "${POLICY[@]}" -o events.json || rc=$?
echo "(exit status $rc)"
[ "$rc" -eq 0 ] || exit "$rc"
echo "alert events (events.json):"
grep '"event_type":"alert"' events.json | sed 's/^/    /'
grep -q '"signature_id":91000' events.json || { echo "demo: no alert for the SQL injection" >&2; exit 1; }
echo "demo: the SQL injection inside TLS was found; inline (tlsips run) it would have been blocked"

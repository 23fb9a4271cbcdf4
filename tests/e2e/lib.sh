# tests/e2e/lib.sh: helpers shared by the end-to-end cases.
#
# A case is tests/e2e/<case>/run.sh, run by ctest as
#     bash run.sh TLSIPS_BINARY SCRATCH_DIR
# and shaped like this:
#     . "$(dirname "$0")/../lib.sh"
#     e2e_init "$@"              # strict mode, scratch dir, cleanup trap
#     ...make keys, start real peers, capture on lo, run tlsips...
#     check_same_bytes expected actual "what"   # record a check, keep going
#     e2e_finish                 # exit 1 if any check failed
#
# Two kinds of failure:
#   die MSG        the test itself could not do its job (a peer would not
#                  start, a capture is empty): exit 1 at once.
#   check_* / fail a check of tlsips' behaviour failed: recorded, printed
#                  with the evidence, the case goes on so one run shows every
#                  failure, and e2e_finish exits 1.
# Nothing here ever passes silently: every check prints "ok:" or "FAIL:".
#
# Requires: bash, openssl, tshark, tcpdump, ss (iproute2), xxd, cmp, timeout,
# and root (tcpdump on lo, servers on 127.0.0.1).

E2E_PIDS=()            # background processes to kill on exit
declare -A E2E_PID_OF  # bg name -> pid
declare -A CHAT_SFD CHAT_CFD CHAT_CSENT CHAT_SSENT  # see chat_start
E2E_CHECKS=0
E2E_FAILS=0
E2E_SKIPS=0
E2E_FAILED=()          # one line per failed check, repeated in the summary
E2E_PORTS=" "          # ports already handed out by pick_port
CAP_PID=""
CAP_FILE=""
TLSIPS_RC=""

e2e_log() { printf '%s\n' "$*"; }

die() {
    printf 'E2E ERROR [%s]: %s\n' "${E2E_CASE:-?}" "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- set-up

# e2e_init TLSIPS_BINARY SCRATCH_DIR
# Strict mode, absolute $TLSIPS, fresh $WORK (cd into it), cleanup trap.
e2e_init() {
    set -eEuo pipefail
    # An unexpected failure of a helper command must not end the case silently.
    trap 'e2e_on_err $? "$LINENO" "$BASH_COMMAND"' ERR
    E2E_CASE_DIR=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
    E2E_CASE=$(basename "$E2E_CASE_DIR")
    if [ $# -ne 2 ]; then
        echo "usage: bash $E2E_CASE_DIR/run.sh TLSIPS_BINARY SCRATCH_DIR" >&2
        exit 2
    fi
    [ -x "$1" ] || die "tlsips binary not found or not executable: $1"
    TLSIPS=$(readlink -f "$1")
    e2e_need openssl tshark tcpdump ss xxd cmp timeout awk
    [ "$(id -u)" -eq 0 ] || die "must run as root (tcpdump on lo)"

    local w=$2
    [ -n "$w" ] && [ "$w" != / ] || die "refusing scratch dir '$w'"
    # Only ever wipe a directory this library made (it carries a marker).
    if [ -d "$w" ] && [ -n "$(ls -A "$w")" ] && [ ! -e "$w/.e2e-scratch" ]; then
        die "scratch dir $w exists, is not empty and was not made by the e2e tests"
    fi
    rm -rf -- "$w"
    mkdir -p -- "$w"
    WORK=$(cd "$w" && pwd)
    : >"$WORK/.e2e-scratch"
    cd "$WORK"
    trap e2e_cleanup EXIT
    trap 'e2e_log "interrupted"; exit 130' INT TERM HUP
    E2E_T0=$SECONDS
    e2e_log "== e2e $E2E_CASE"
    e2e_log "   tlsips:  $TLSIPS"
    e2e_log "   scratch: $WORK"
}

e2e_on_err() {
    [ "$BASH_SUBSHELL" -eq 0 ] || return 0
    e2e_log "E2E ERROR [${E2E_CASE:-?}]: command failed with status $1 (line $2): $3" >&2
}

e2e_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || die "required tool '$t' not found (run scripts/bootstrap.sh)"
    done
}

e2e_cleanup() {
    local pid
    for pid in "${E2E_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${E2E_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    E2E_PIDS=()
}

# ---------------------------------------------------------------- outcome

ok() {
    E2E_CHECKS=$((E2E_CHECKS + 1))
    e2e_log "ok: $*"
}

fail() {
    E2E_CHECKS=$((E2E_CHECKS + 1))
    E2E_FAILS=$((E2E_FAILS + 1))
    E2E_FAILED+=("$*")
    e2e_log "FAIL: $*"
}

skip() {
    E2E_SKIPS=$((E2E_SKIPS + 1))
    e2e_log "SKIP: $*"
}

e2e_summary() {
    local f
    if [ "$E2E_FAILS" -gt 0 ]; then
        e2e_log "== e2e $E2E_CASE FAILED: $E2E_FAILS of $E2E_CHECKS checks failed ($((SECONDS - E2E_T0)) s):"
        for f in "${E2E_FAILED[@]}"; do e2e_log "   - $f"; done
    else
        e2e_log "== e2e $E2E_CASE passed: $E2E_CHECKS checks, $E2E_SKIPS skipped ($((SECONDS - E2E_T0)) s)"
    fi
}

e2e_finish() {
    [ "$E2E_CHECKS" -gt 0 ] || die "no checks were made"
    e2e_summary
    [ "$E2E_FAILS" -eq 0 ] || exit 1
    exit 0
}

# Stop at the first failed assertion (assert_* helpers).
e2e_abort() {
    e2e_summary
    exit 1
}

# ---------------------------------------------------------------- processes

# bg_start [-i IN] [-o OUT] [-C DIR] NAME CMD...
# Start CMD in the background (stdin IN or /dev/null, stdout OUT or
# $WORK/NAME.out, stderr $WORK/NAME.err, in DIR or $WORK). Sets BG_PID.
bg_start() {
    local in=/dev/null out="" dir=$WORK opt OPTIND=1
    while getopts i:o:C: opt; do
        case $opt in
            i) in=$OPTARG ;;
            o) out=$OPTARG ;;
            C) dir=$OPTARG ;;
            *) die "bg_start: bad option" ;;
        esac
    done
    shift $((OPTIND - 1))
    local name=$1
    shift
    [ -n "$out" ] || out=$WORK/$name.out
    # The child must not hold the write ends of the chat fifos (see chat_start):
    # a peer would never see end-of-input.
    (
        for fd in "${CHAT_SFD[@]}" "${CHAT_CFD[@]}"; do eval "exec $fd>&-"; done
        cd "$dir" && exec "$@"
    ) <"$in" >"$out" 2>"$WORK/$name.err" &
    BG_PID=$!
    E2E_PIDS+=("$BG_PID")
    E2E_PID_OF[$name]=$BG_PID
}

# bg_stop NAME: terminate a background process started by bg_start.
bg_stop() {
    local pid=${E2E_PID_OF[$1]:-}
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "E2E_PID_OF[$1]"
}

# bg_wait NAME SECONDS: wait for a background process to exit on its own;
# die if it is still running after SECONDS. Sets BG_RC to its exit status.
# shellcheck disable=SC2034 # BG_RC is read by the cases
bg_wait() {
    local pid=${E2E_PID_OF[$1]:-} i
    [ -n "$pid" ] || die "bg_wait: no process '$1'"
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        e2e_log "--- $1 stderr:"
        tail -n 20 "$WORK/$1.err" || true
        die "$1 (pid $pid) did not finish within $2 s"
    fi
    BG_RC=0
    wait "$pid" || BG_RC=$?
    unset "E2E_PID_OF[$1]"
}

# wait_listen PORT NAME: wait until something listens on TCP PORT; NAME is
# the bg_start name of the server, whose stderr is shown if it dies.
wait_listen() {
    local port=$1 name=$2 pid=${E2E_PID_OF[$2]:-} i
    for ((i = 0; i < 150; i++)); do
        if [ -n "$(ss -Hltn "sport = :$port")" ]; then return 0; fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            e2e_log "--- $name stderr:"
            tail -n 30 "$WORK/$name.err" || true
            die "$name exited before listening on port $port"
        fi
        sleep 0.1
    done
    die "$name: nothing listening on port $port after 15 s"
}

# pick_port: print a free TCP port in 20000..59999, not handed out before.
pick_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        case $E2E_PORTS in *" $p "*) continue ;; esac
        if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )")" ]; then
            E2E_PORTS="$E2E_PORTS$p "
            echo "$p"
            return 0
        fi
    done
    die "no free TCP port found"
}

# wait_size FILE BYTES SECONDS: wait until FILE holds at least BYTES bytes.
wait_size() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        if [ -e "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ]; then return 0; fi
        sleep 0.05
    done
    die "$1: expected at least $2 bytes within $3 s, have $(stat -c %s "$1" 2>/dev/null || echo none)"
}

# ---------------------------------------------------------------- keys

# make_rsa_cert NAME [CN] [BITS]: self-signed RSA certificate NAME.crt and
# unencrypted key NAME.key (PKCS#8 PEM) in $WORK.
make_rsa_cert() {
    local name=$1 cn=${2:-e2e.test} bits=${3:-2048}
    openssl req -x509 -newkey "rsa:$bits" -nodes -sha256 -days 2 \
        -subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" \
        -keyout "$WORK/$name.key" -out "$WORK/$name.crt" >"$WORK/$name.req.log" 2>&1 ||
        { cat "$WORK/$name.req.log"; die "could not make RSA certificate $name"; }
}

# make_ec_cert NAME [CN]: self-signed ECDSA P-256 certificate and key.
make_ec_cert() {
    local name=$1 cn=${2:-e2e.test}
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 2 \
        -subj "/CN=$cn" -keyout "$WORK/$name.key" -out "$WORK/$name.crt" >"$WORK/$name.req.log" 2>&1 ||
        { cat "$WORK/$name.req.log"; die "could not make EC certificate $name"; }
}

# ---------------------------------------------------------------- capture

# start_capture PORT|FILTER FILE: tcpdump on lo into FILE; returns once
# tcpdump is capturing. A bare number means "tcp port N".
start_capture() {
    local what=$1 file=$2 filter i
    [ -z "$CAP_PID" ] || die "start_capture: a capture is already running ($CAP_FILE)"
    case $what in
        *[!0-9]*) filter=$what ;;
        *) filter="tcp port $what" ;;
    esac
    # --immediate-mode: hand each packet over at once (otherwise the ring's
    # block timeout can hold the last packets back when we stop); -U: write
    # each packet as it arrives; -B: 16 MiB kernel buffer so bursts are kept.
    tcpdump -i lo -n --immediate-mode -U -s 0 -B 65536 -w "$file" "$filter" 2>"$file.tcpdump.log" &
    CAP_PID=$!
    CAP_FILE=$file
    E2E_PIDS+=("$CAP_PID")
    for ((i = 0; i < 100; i++)); do
        if grep -q 'listening on' "$file.tcpdump.log" 2>/dev/null; then return 0; fi
        if ! kill -0 "$CAP_PID" 2>/dev/null; then
            cat "$file.tcpdump.log" >&2
            die "tcpdump failed to start"
        fi
        sleep 0.1
    done
    die "tcpdump did not start capturing within 10 s"
}

# stop_capture: stop tcpdump cleanly (SIGINT, it flushes), check that the
# kernel dropped nothing and that packets were captured.
stop_capture() {
    [ -n "$CAP_PID" ] || die "stop_capture: no capture running"
    sleep 0.3 # the peers' last FIN/ACKs
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" || true
    local log=$CAP_FILE.tcpdump.log n
    grep -q '^0 packets dropped by kernel' "$log" ||
        { cat "$log"; die "tcpdump dropped packets: the capture $CAP_FILE is incomplete"; }
    n=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$log")
    [ "${n:-0}" -gt 0 ] || { cat "$log"; die "capture $CAP_FILE is empty"; }
    e2e_log "capture $(basename "$CAP_FILE"): $n packets"
    CAP_PID=""
}

# ---------------------------------------------------------------- tshark

# tsh ARGS...: tshark without its "running as root" chatter; on failure show
# its stderr and return its status.
tsh() {
    local rc=0
    tshark "$@" 2>"$WORK/.tshark.err" || rc=$?
    if [ $rc -ne 0 ]; then
        grep -v 'Running as user' "$WORK/.tshark.err" >&2 || true
    fi
    return $rc
}

# rsa_key_opt KEYFILE: the tshark 4.0 option that gives it an RSA key.
rsa_key_opt() {
    printf 'uat:rsa_keys:"%s",""' "$(readlink -f "$1")"
}

# tcp_sessions PCAP: one line per TCP stream, in order of first packet:
#   STREAM CLIENT_PORT SERVER_PORT FIRST_SRC_PORT
# The client is the sender of the SYN (without ACK); for a stream seen without
# its SYN, the sender of the first packet.
tcp_sessions() {
    local pcap=$1 cache=$1.sessions
    if [ -e "$cache" ] && [ "$cache" -nt "$pcap" ]; then
        cat "$cache"
        return 0
    fi
    tsh -r "$pcap" -T fields -E separator=' ' -e tcp.stream -e tcp.srcport -e tcp.dstport \
        -e tcp.flags.syn -e tcp.flags.ack |
        awk '$1 == "" { next }
             !($1 in first) { first[$1] = $2; dst[$1] = $3; order[n++] = $1 }
             $4 == 1 && $5 == 0 && !($1 in cli) { cli[$1] = $2; srv[$1] = $3 }
             END { for (i = 0; i < n; i++) { s = order[i]
                     if (s in cli) print s, cli[s], srv[s], first[s]
                     else print s, first[s], dst[s], first[s] } }' >"$cache.tmp"
    mv "$cache.tmp" "$cache"
    cat "$cache"
}

# nth_session PCAP I: "CLIENT_PORT SERVER_PORT" of the I-th TCP stream
# (1-based, in order of first packet). Dies if there is none.
nth_session() {
    local line
    line=$(tcp_sessions "$1" | sed -n "$2p")
    [ -n "$line" ] || die "$1: no TCP stream number $2"
    # shellcheck disable=SC2086 # split the line into its fields
    set -- $line
    echo "$2 $3"
}

# follow_all PROTO PCAP PREFIX [TSHARK_OPTS...]
# One tshark run following every TCP stream of PCAP as PROTO (tcp: the raw
# payload; tls: what tshark decrypts, given a key in TSHARK_OPTS). Writes, per
# stream, PREFIX.<client_port>.c2s (bytes the client sent) and
# PREFIX.<client_port>.s2c (bytes the server sent).
#
# tshark's "follow,P,raw,N" prints one hex line per segment: node 0's data
# unindented, node 1's data indented by a tab; node 0 is the sender of the
# stream's first packet.
follow_all() {
    local proto=$1 pcap=$2 prefix=$3 s c sv f0 n0
    shift 3
    local map args=()
    if [ ! -s "$pcap" ]; then
        e2e_log "follow_all: $pcap is missing or empty"
        return 0
    fi
    map=$(tcp_sessions "$pcap")
    [ -n "$map" ] || return 0
    while read -r s c sv f0; do args+=(-z "follow,$proto,raw,$s"); done <<<"$map"
    tsh -r "$pcap" -q "$@" "${args[@]}" >"$prefix.follow.txt" || die "tshark failed to follow $pcap"
    rm -f "$prefix".s*.n[01].hex "$prefix".s*.node0
    awk -v pre="$prefix" '
        /^Follow: /  { split($2, a, ","); p = a[1]; next }
        /^Filter: /  { s = $NF; next }
        /^Node 0: /  { n = split($3, a, ":"); print a[n] > (pre ".s" s ".node0"); next }
        /^=+$/       { s = ""; next }
        s != "" && /^\t?[0-9a-f]+$/ {
            if (substr($0, 1, 1) == "\t") print substr($0, 2) > (pre ".s" s ".n1.hex")
            else print > (pre ".s" s ".n0.hex")
        }' "$prefix.follow.txt"
    while read -r s c sv f0; do
        touch "$prefix.s$s.n0.hex" "$prefix.s$s.n1.hex"
        # tshark names node 0 on its "Node 0:" line; for tls, node 0 is the
        # first to send decrypted data, which after an abbreviated handshake
        # is the server. Without a usable line, node 0 sent the first packet.
        n0=$(cat "$prefix.s$s.node0" 2>/dev/null || true)
        [ "$n0" = "$c" ] || [ "$n0" = "$sv" ] || n0=$f0
        if [ "$n0" = "$c" ]; then
            xxd -r -p "$prefix.s$s.n0.hex" "$prefix.$c.c2s"
            xxd -r -p "$prefix.s$s.n1.hex" "$prefix.$c.s2c"
        else
            xxd -r -p "$prefix.s$s.n1.hex" "$prefix.$c.c2s"
            xxd -r -p "$prefix.s$s.n0.hex" "$prefix.$c.s2c"
        fi
    done <<<"$map"
}

# stream_of PCAP N DIR OUT [PROTO [TSHARK_OPTS...]]
# The bytes of one direction (c2s or s2c) of TCP stream N (tshark's index).
stream_of() {
    local pcap=$1 n=$2 dir=$3 out=$4 proto=${5:-tcp} c
    shift 4
    if [ $# -gt 0 ]; then shift; fi
    c=$(tcp_sessions "$pcap" | awk -v n="$n" '$1 == n { print $2 }')
    [ -n "$c" ] || die "$pcap: no TCP stream $n"
    follow_all "$proto" "$pcap" "$WORK/.stream_of" "$@"
    cp "$WORK/.stream_of.$c.$dir" "$out"
}

# ---------------------------------------------------------------- checks

# check_same_bytes EXPECTED ACTUAL WHAT: byte-for-byte comparison; on a
# difference show both sizes, the first differing offset and the bytes there.
check_same_bytes() {
    local exp=$1 act=$2 what=$3
    if [ ! -e "$exp" ]; then
        fail "$what: expected-bytes file $exp is missing (test bug)"
        return 0
    fi
    if [ ! -e "$act" ]; then
        fail "$what: no such stream in the output ($(basename "$act") missing; expected $(stat -c %s "$exp") bytes)"
        return 0
    fi
    if cmp -s "$exp" "$act"; then
        ok "$what ($(stat -c %s "$exp") bytes identical)"
        return 0
    fi
    local es as msg off from
    es=$(stat -c %s "$exp")
    as=$(stat -c %s "$act")
    msg=$(cmp "$exp" "$act" 2>&1 || true)
    # "a b differ: byte N, line L" or "EOF on b after byte N" or "EOF on b which is empty"
    off=$(printf "%s\n" "$msg" | grep -o "byte [0-9]*" | head -n 1 | grep -o "[0-9]*" || echo 0)
    case $msg in *EOF*) off=$((off + 1)) ;; esac
    fail "$what: expected $es bytes, got $as; first difference at byte $off (1-based)"
    from=$((off > 17 ? off - 17 : 0))
    e2e_log "   expected at offset $from:"
    xxd -s "$from" -l 48 "$exp" | sed 's/^/     /'
    e2e_log "   actual at offset $from:"
    xxd -s "$from" -l 48 "$act" | sed 's/^/     /'
}

assert_same_bytes() {
    local before=$E2E_FAILS
    check_same_bytes "$@"
    [ "$E2E_FAILS" -eq "$before" ] || e2e_abort
}

# check_line FILE LINE WHAT: FILE holds exactly LINE as one of its lines.
check_line() {
    if grep -Fxq -- "$2" "$1"; then
        ok "$3"
    else
        fail "$3: no line '$2' in $(basename "$1")"
        e2e_log "   $(basename "$1") holds:"
        head -n 40 "$1" | sed 's/^/     | /'
    fi
}

# check_grep FILE ERE WHAT / check_no_grep FILE ERE WHAT
check_grep() {
    if grep -Eq -- "$2" "$1"; then
        ok "$3"
    else
        fail "$3: nothing matches /$2/ in $(basename "$1")"
        head -n 40 "$1" | sed 's/^/     | /'
    fi
}

check_no_grep() {
    if ! grep -Eq -- "$2" "$1"; then
        ok "$3"
    else
        fail "$3: unexpected match of /$2/ in $(basename "$1"):"
        grep -E -- "$2" "$1" | head -n 10 | sed 's/^/     | /'
    fi
}

assert_grep() {
    local before=$E2E_FAILS
    check_grep "$@"
    [ "$E2E_FAILS" -eq "$before" ] || e2e_abort
}

# check_eq EXPECTED ACTUAL WHAT
check_eq() {
    if [ "$1" = "$2" ]; then ok "$3 ($2)"; else fail "$3: expected '$1', got '$2'"; fi
}

# ---------------------------------------------------------------- tlsips

# run_tlsips NAME ARGS...: run tlsips ARGS with stdout NAME.out, stderr
# NAME.err; TLSIPS_RC = its exit status. Its stderr is echoed into the log.
# A sanitizer report or a hang is a failed check.
run_tlsips() {
    local name=$1
    shift
    e2e_log "+ tlsips $*"
    TLSIPS_RC=0
    timeout 600 "$TLSIPS" "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err" || TLSIPS_RC=$?
    sed -n '1,60p' "$WORK/$name.err" | sed 's/^/  | /'
    [ "$(wc -l <"$WORK/$name.err")" -le 60 ] || e2e_log "  | ... ($(wc -l <"$WORK/$name.err") lines, see $WORK/$name.err)"
    e2e_log "  exit status $TLSIPS_RC"
    if [ "$TLSIPS_RC" -eq 124 ]; then
        fail "tlsips $name: did not finish within 600 s"
    fi
    if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$WORK/$name.err"; then
        fail "tlsips $name: sanitizer report (see $WORK/$name.err)"
    fi
}

# check_rc EXPECTED WHAT: the last run_tlsips exited with EXPECTED.
check_rc() {
    if [ "$TLSIPS_RC" = "$1" ]; then ok "$2: exit status $1"; else fail "$2: exit status $TLSIPS_RC, expected $1"; fi
}

# session_line CPORT SPORT VERSION SUITE OUTCOME: tlsips' per-session line for
# a session between 127.0.0.1 ports.
session_line() {
    printf 'tls 127.0.0.1:%s -> 127.0.0.1:%s %s %s %s' "$1" "$2" "$3" "$4" "$5"
}

# check_session ERRFILE CPORT SPORT VERSION SUITE OUTCOME
check_session() {
    local line
    line=$(session_line "$2" "$3" "$4" "$5" "$6")
    if grep -Fxq -- "$line" "$1"; then
        ok "session line: $line"
    else
        fail "session line missing: '$line'"
        e2e_log "   lines about client port $2:"
        grep -F ":$2 " "$1" | sed 's/^/     | /' || e2e_log "     (none)"
    fi
}

# check_plain_pcap PCAP WHAT: tlsips' output is LINKTYPE_RAW, every stream
# opens with SYN / SYN-ACK and ends with FIN, and tshark finds no sequence
# number trouble (retransmissions, gaps, out-of-order segments).
check_plain_pcap() {
    local pcap=$1 what=$2 enc bad flags
    if [ ! -s "$pcap" ]; then
        fail "$what: output capture $(basename "$pcap") missing or empty"
        return 0
    fi
    enc=$(capinfos -E "$pcap" 2>/dev/null | sed -n 's/^File encapsulation: *//p')
    check_eq "Raw IP" "$enc" "$what: link type"
    bad=$(tsh -r "$pcap" -Y 'tcp.analysis.retransmission || tcp.analysis.out_of_order || tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || tcp.analysis.duplicate_ack || tcp.analysis.spurious_retransmission || tcp.analysis.fast_retransmission || _ws.malformed || _ws.expert.severity == error' | head -n 10) || true
    if [ -z "$bad" ]; then
        ok "$what: tshark finds no sequence problem"
    else
        fail "$what: tshark flags packets:"
        printf '%s\n' "$bad" | sed 's/^/     | /'
    fi
    flags=$(tsh -r "$pcap" -T fields -E separator=' ' -e tcp.stream -e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.fin |
        awk '$1 == "" { next }
             { seen[$1] = 1 }
             $2 == 1 && $3 == 0 { syn[$1] = 1 }
             $2 == 1 && $3 == 1 { synack[$1] = 1 }
             $4 == 1 { fin[$1] = 1 }
             END { for (s in seen) if (!syn[s] || !synack[s] || !fin[s])
                     printf "stream %s: syn=%d syn-ack=%d fin=%d\n", s, syn[s], synack[s], fin[s] }')
    if [ -z "$flags" ]; then
        ok "$what: every stream has SYN, SYN-ACK and FIN"
    else
        fail "$what: incomplete TCP streams:"
        printf '%s\n' "$flags" | sed 's/^/     | /'
    fi
}

# ---------------------------------------------------------------- peers

# ossl_www_server NAME PORT DIR CERT_BASE [S_SERVER_OPTS...]
# openssl s_server -WWW on 127.0.0.1:PORT serving files from DIR: a request
# "GET /f HTTP/1.0" gets "HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n"
# and the bytes of DIR/f, then close_notify. Sessions are cached and tickets
# issued unless the options say otherwise.
ossl_www_server() {
    local name=$1 port=$2 dir=$3 cb=$4
    shift 4
    mkdir -p "$dir"
    bg_start -C "$dir" "$name" openssl s_server -WWW -accept "127.0.0.1:$port" \
        -cert "$WORK/$cb.crt" -key "$WORK/$cb.key" -cipher 'ALL:@SECLEVEL=0' "$@"
    wait_listen "$port" "$name"
}

# ossl_get NAME PORT REQ OUT [S_CLIENT_OPTS...]
# One openssl s_client session: sends the bytes of REQ, writes every byte it
# receives to OUT, returns when the server closes. Dies if s_client fails.
ossl_get() {
    local name=$1 port=$2 req=$3 out=$4 rc=0
    shift 4
    timeout 30 openssl s_client -connect "127.0.0.1:$port" -servername e2e.test -quiet "$@" \
        <"$req" >"$out" 2>"$WORK/$name.client.err" || rc=$?
    if [ $rc -ne 0 ]; then
        tail -n 20 "$WORK/$name.client.err"
        die "s_client $name ($*) failed with status $rc"
    fi
}

# www_expect FILE OUT: the bytes s_server -WWW sends for FILE.
www_expect() {
    { printf 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n'; cat "$1"; } >"$2"
}

# count_handshakes PCAP KEYFILE TYPE: how many handshake messages of TYPE
# (1 ClientHello, 2 ServerHello, 4 NewSessionTicket, 11 Certificate,
# 16 ClientKeyExchange) tshark sees, decrypting with KEYFILE.
count_handshakes() {
    tsh -r "$1" -o "$(rsa_key_opt "$2")" -T fields -e tls.handshake.type |
        tr ',' '\n' | grep -cx "$3" || true
}

# ---------------------------------------------------------------- sessions
#
# A "session TAG" is one TLS connection made by a case: req.TAG holds the
# bytes the client sent, got.TAG the bytes it received. CPORT[TAG] and
# SPORT[TAG] are its client and server ports once map_sessions has run.

declare -A CPORT SPORT

# www_session TAG PORT [S_CLIENT_OPTS...]: one s_client session to the
# s_server -WWW on PORT (serving $WORK/www) fetching a file made for TAG.
# Dies unless the client received exactly the file.
www_session() {
    local tag=$1 port=$2
    shift 2
    mkdir -p "$WORK/www"
    {
        printf 'response for %s\n' "$tag"
        seq 1 40 | sed "s/^/line $tag /"
    } >"$WORK/www/$tag.txt"
    printf 'GET /%s.txt HTTP/1.0\r\nHost: e2e.test\r\nX-Session: %s\r\n\r\n' "$tag" "$tag" >"$WORK/req.$tag"
    ossl_get "$tag" "$port" "$WORK/req.$tag" "$WORK/got.$tag" "$@"
    www_expect "$WORK/www/$tag.txt" "$WORK/want.$tag"
    cmp -s "$WORK/want.$tag" "$WORK/got.$tag" ||
        die "$tag: s_client did not receive the file (see got.$tag and $tag.client.err)"
}

# map_sessions PCAP TAG...: the I-th TCP stream of PCAP is session TAG I.
map_sessions() {
    local pcap=$1 lines i=0 tag s c sv f
    shift
    mapfile -t lines < <(tcp_sessions "$pcap")
    [ "${#lines[@]}" -eq $# ] || die "$pcap: $# sessions made but ${#lines[@]} TCP streams captured"
    for tag in "$@"; do
        read -r s c sv f <<<"${lines[$i]}"
        CPORT[$tag]=$c
        SPORT[$tag]=$sv
        i=$((i + 1))
    done
}

# oracle_check PCAP KEY TAG...: tshark, decrypting PCAP with KEY, recovers
# exactly req.TAG and got.TAG for every TAG. Dies otherwise: the capture,
# not tlsips, would be at fault.
oracle_check() {
    local pcap=$1 key=$2 tag cp pre
    shift 2
    pre=$WORK/oracle.$(basename "$pcap" .pcap)
    follow_all tls "$pcap" "$pre" -o "$(rsa_key_opt "$key")"
    for tag in "$@"; do
        cp=${CPORT[$tag]}
        if ! cmp -s "$WORK/req.$tag" "$pre.$cp.c2s" || ! cmp -s "$WORK/got.$tag" "$pre.$cp.s2c"; then
            die "capture check: tshark does not decrypt session $tag of $(basename "$pcap") to the bytes exchanged"
        fi
    done
    e2e_log "capture check: tshark decrypts the $# session(s) of $(basename "$pcap") to the bytes exchanged"
}

# check_decrypted ERRFILE PLAIN_PREFIX VERSION SUITE TAG [OUTCOME]
# tlsips' session line for TAG reads "VERSION SUITE OUTCOME" (default
# "decrypted"), and its output holds req.TAG and got.TAG byte for byte
# (PLAIN_PREFIX from follow_all tcp on the output).
check_decrypted() {
    local err=$1 pre=$2 ver=$3 suite=$4 tag=$5 outcome=${6:-decrypted}
    check_session "$err" "${CPORT[$tag]}" "${SPORT[$tag]}" "$ver" "$suite" "$outcome"
    check_same_bytes "$WORK/req.$tag" "$pre.${CPORT[$tag]}.c2s" "$tag client->server"
    check_same_bytes "$WORK/got.$tag" "$pre.${CPORT[$tag]}.s2c" "$tag server->client"
}

# ---------------------------------------------------------------- chat
#
# A "chat" is one TLS connection between a plain openssl s_server (-quiet:
# what it receives goes to its stdout, byte for byte; what it reads on stdin
# goes to the client) and s_client (-quiet -no_ign_eof), both fed through
# fifos, step by step: each chat_send returns once the other side has
# received everything, so the bytes are known exactly whatever the timing.
# At the end req.TAG holds every byte the client sent, got.TAG every byte it
# received.

# chat_start TAG PORT CERT_BASE "S_SERVER_OPTS" S_CLIENT_OPTS...
# (S_SERVER_OPTS: one word list, may be empty.)
chat_start() {
    local tag=$1 port=$2 cb=$3 sopts=$4 fd
    shift 4
    rm -f "$WORK/srv-$tag.in" "$WORK/cli-$tag.in"
    mkfifo "$WORK/srv-$tag.in" "$WORK/cli-$tag.in"
    # shellcheck disable=SC2086 # sopts is a word list
    bg_start -i "$WORK/srv-$tag.in" -o "$WORK/srvdata.$tag" "srv-$tag" openssl s_server \
        -accept "127.0.0.1:$port" -cert "$WORK/$cb.crt" -key "$WORK/$cb.key" \
        -cipher 'ALL:@SECLEVEL=0' -naccept 1 -quiet $sopts
    exec {fd}>"$WORK/srv-$tag.in"
    CHAT_SFD[$tag]=$fd
    wait_listen "$port" "srv-$tag"
    bg_start -i "$WORK/cli-$tag.in" -o "$WORK/got.$tag" "cli-$tag" openssl s_client \
        -connect "127.0.0.1:$port" -servername e2e.test -quiet -no_ign_eof "$@"
    exec {fd}>"$WORK/cli-$tag.in"
    CHAT_CFD[$tag]=$fd
    CHAT_CSENT[$tag]=0
    CHAT_SSENT[$tag]=0
    : >"$WORK/req.$tag"
    : >"$WORK/want.$tag"
}

# chat_send TAG c|s FILE: the client (c) or the server (s) sends the bytes of
# FILE; returns when the peer has received all of them.
chat_send() {
    local tag=$1 who=$2 file=$3 n
    n=$(stat -c %s "$file")
    if [ "$who" = c ]; then
        cat "$file" >&"${CHAT_CFD[$tag]}"
        cat "$file" >>"$WORK/req.$tag"
        CHAT_CSENT[$tag]=$((CHAT_CSENT[$tag] + n))
        wait_size "$WORK/srvdata.$tag" "${CHAT_CSENT[$tag]}" 30
    else
        cat "$file" >&"${CHAT_SFD[$tag]}"
        cat "$file" >>"$WORK/want.$tag"
        CHAT_SSENT[$tag]=$((CHAT_SSENT[$tag] + n))
        wait_size "$WORK/got.$tag" "${CHAT_SSENT[$tag]}" 30
    fi
}

# chat_renegotiate TAG: s_client's "R" command (the client must have been
# started without -nocommands, the server with -client_renegotiation).
chat_renegotiate() {
    local tag=$1 i
    printf 'R\n' >&"${CHAT_CFD[$tag]}"
    for ((i = 0; i < 100; i++)); do
        grep -q RENEGOTIATING "$WORK/cli-$tag.err" && break
        sleep 0.1
    done
    grep -q RENEGOTIATING "$WORK/cli-$tag.err" || die "$tag: s_client did not renegotiate"
    sleep 0.5 # the new handshake completes before the next write anyway
}

# chat_end TAG: the client ends (close_notify), both peers exit; checks that
# each side received exactly what the other sent.
chat_end() {
    local tag=$1 fd
    fd=${CHAT_CFD[$tag]}
    exec {fd}>&-
    bg_wait "cli-$tag" 30
    fd=${CHAT_SFD[$tag]}
    exec {fd}>&-
    unset "CHAT_SFD[$tag]" "CHAT_CFD[$tag]"
    bg_wait "srv-$tag" 30
    cmp -s "$WORK/req.$tag" "$WORK/srvdata.$tag" || die "$tag: s_server did not receive what the client sent"
    cmp -s "$WORK/want.$tag" "$WORK/got.$tag" || die "$tag: s_client did not receive what the server sent"
}

# ---------------------------------------------------------------- key log
#
# Helpers for the key log cases (no RSA key: the secrets come from an NSS key
# log written by a peer, or from libtlsips-keylog.so over tlsips' socket).

# keylog_opt FILE: the tshark option that gives it an NSS key log.
keylog_opt() {
    printf 'tls.keylog_file:%s' "$(readlink -f "$1")"
}

# oracle_check_keylog PCAP KEYLOG TAG...: tshark, decrypting PCAP with the key
# log KEYLOG, recovers exactly req.TAG and got.TAG for every TAG (like
# oracle_check). Dies otherwise.
oracle_check_keylog() {
    local pcap=$1 kl=$2 tag cp pre
    shift 2
    pre=$WORK/oracle.$(basename "$pcap" .pcap)
    follow_all tls "$pcap" "$pre" -o "$(keylog_opt "$kl")"
    for tag in "$@"; do
        cp=${CPORT[$tag]}
        if ! cmp -s "$WORK/req.$tag" "$pre.$cp.c2s" || ! cmp -s "$WORK/got.$tag" "$pre.$cp.s2c"; then
            die "capture check: tshark, given $(basename "$kl"), does not decrypt session $tag of $(basename "$pcap") to the bytes exchanged"
        fi
    done
    e2e_log "capture check: tshark decrypts the $# session(s) of $(basename "$pcap") with $(basename "$kl") to the bytes exchanged"
}

# STREAM[TAG]: tshark's TCP stream index of session TAG (map_streams).
declare -A STREAM

# map_streams PCAP TAG...: map_sessions, plus STREAM[TAG]. Dies if two TCP
# connections of PCAP share a client port: the per-client-port files of
# follow_all (PREFIX.<client_port>.c2s) would mix them. (The kernel picks
# source ports per destination, so connections to two servers can, rarely,
# get the same one.)
map_streams() {
    local pcap=$1 lines i=0 tag s c sv f dup
    map_sessions "$@"
    shift
    mapfile -t lines < <(tcp_sessions "$pcap")
    for tag in "$@"; do
        read -r s c sv f <<<"${lines[$i]}"
        STREAM[$tag]=$s
        i=$((i + 1))
    done
    dup=$(printf '%s\n' "${lines[@]}" | awk '{ print $2 }' | sort | uniq -d | tr '\n' ' ')
    [ -z "$dup" ] || die "$pcap: client port(s) $dup used by two connections; the per-port comparison cannot tell them apart (a rare coincidence of the kernel's port choice: run again)"
}

# hs_types_keylog PCAP KEYLOG OUT: one line per packet carrying handshake
# messages, as tshark sees them decrypting with KEYLOG:
#   STREAM SRC_PORT DST_PORT TYPE[,TYPE...]
# (1 ClientHello, 2 ServerHello, 4 NewSessionTicket, 5 EndOfEarlyData,
# 8 EncryptedExtensions, 11 Certificate, 20 Finished, 24 KeyUpdate).
hs_types_keylog() {
    tsh -r "$1" -o "$(keylog_opt "$2")" -Y tls.handshake.type -T fields -E separator=' ' \
        -e tcp.stream -e tcp.srcport -e tcp.dstport -e tls.handshake.type >"$3" ||
        die "tshark failed to read the handshakes of $1"
}

# hs_list HSFILE TAG DIR: the handshake types of session TAG (after
# map_streams) in one direction (c2s or s2c), comma-separated, in order, with
# leading and trailing commas (",1,1,20,").
hs_list() {
    awk -v s="${STREAM[$2]}" -v p="${CPORT[$2]}" -v d="$3" '
        $1 == s && ((d == "c2s" && $2 == p) || (d == "s2c" && $3 == p)) { printf "%s,", $4 }' "$1" |
        sed 's/^/,/'
}

# count_in LIST TYPE: how many times TYPE occurs in a hs_list.
count_in() {
    local n
    n=$(printf '%s\n' "$1" | tr ',' '\n' | grep -cx "$2" || true)
    echo "$n"
}

# wait_grep FILE ERE COUNT SECONDS: wait until at least COUNT lines of FILE
# match ERE; returns 1 (without dying) if they do not within SECONDS.
wait_grep() {
    local i n
    for ((i = 0; i < $4 * 10; i++)); do
        n=$(grep -Ec -- "$2" "$1" 2>/dev/null || true)
        [ "${n:-0}" -lt "$3" ] || return 0
        sleep 0.1
    done
    return 1
}

# tlsips_live_start NAME ARGS...: tlsips ARGS (a live `decrypt -i ...`) in the
# background, stderr in NAME.err; returns once it says it is capturing.
tlsips_live_start() {
    local name=$1
    shift
    e2e_log "+ tlsips $* &"
    bg_start "$name" "$TLSIPS" "$@"
    if ! wait_grep "$WORK/$name.err" '^tlsips: capturing on ' 1 30; then
        sed 's/^/  | /' "$WORK/$name.err"
        die "tlsips $name did not start capturing within 30 s"
    fi
}

# tlsips_live_stop NAME: stop a tlsips started by tlsips_live_start with
# SIGINT and wait for it (30 s at most); TLSIPS_RC = its exit status. Its
# stderr is echoed; a sanitizer report or a hang is a failed check.
tlsips_live_stop() {
    local name=$1 pid=${E2E_PID_OF[$1]:-} i
    [ -n "$pid" ] || die "tlsips_live_stop: no process '$name'"
    kill -INT "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    TLSIPS_RC=0
    if kill -0 "$pid" 2>/dev/null; then
        fail "tlsips $name: still running 30 s after SIGINT"
        kill -KILL "$pid" 2>/dev/null || true
        TLSIPS_RC=124
    fi
    wait "$pid" || TLSIPS_RC=$?
    unset "E2E_PID_OF[$name]"
    e2e_log "tlsips $name stopped:"
    sed -n '1,60p' "$WORK/$name.err" | sed 's/^/  | /'
    [ "$(wc -l <"$WORK/$name.err")" -le 60 ] || e2e_log "  | ... ($(wc -l <"$WORK/$name.err") lines, see $WORK/$name.err)"
    e2e_log "  exit status $TLSIPS_RC"
    if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$WORK/$name.err"; then
        fail "tlsips $name: sanitizer report (see $WORK/$name.err)"
    fi
}

# keylog_lib: the path of libtlsips-keylog.so next to the tlsips binary (the
# build tree's src/keylog/); dies if it is missing.
keylog_lib() {
    local lib
    lib=$(dirname "$TLSIPS")/src/keylog/libtlsips-keylog.so
    [ -f "$lib" ] || die "preload library not found: $lib (build target tlsips-keylog)"
    readlink -f "$lib"
}

# pick_listen_port: like pick_port, but below the kernel's ephemeral port
# range (ip_local_port_range), so no outgoing connection of another process
# (a benchmark next door) can take the port between the pick and the bind.
pick_listen_port() {
    local lo p i
    lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    [ "${lo:-0}" -gt 12000 ] || { pick_port; return; }
    for ((i = 0; i < 200; i++)); do
        p=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
        case $E2E_PORTS in *" $p "*) continue ;; esac
        if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )")" ]; then
            E2E_PORTS="$E2E_PORTS$p "
            echo "$p"
            return 0
        fi
    done
    die "no free TCP port found below $lo"
}

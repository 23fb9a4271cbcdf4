# tests/e2e/lib_netns.sh: network namespaces for the inline (NFQUEUE) cases.
#
# Two namespaces, a client and a server, joined by a veth pair; the server
# namespace gets the iptables rules that queue a port's traffic. Nothing
# touches the host's own network: addresses, routes, rules and queues all
# live inside the namespaces (NFQUEUE queue numbers are per namespace too),
# so cases can run next to each other and next to other tests.
#
#     . "$(dirname "$0")/../lib.sh"
#     . "$(dirname "$0")/../lib_netns.sh"
#     netns_require            # exit 77 (skipped) unless root + netns + NFQUEUE
#     e2e_init "$@"
#     netns_setup              # NETNS_CLI, NETNS_SRV, CLI_IP4, SRV_IP4, ...
#     netns_bg_srv NAME CMD... # bg_start in the server namespace
#     in_cli curl ...          # run a command in the client namespace
#     netns_queue_port 8080 0 [bypass]
#     netns_bypass_rules 8080 0x100   # response bypass rules; call before netns_queue_port
#     ...
#     e2e_finish               # cleanup (namespaces, veths, rules) runs on exit
#
# Names carry the shell's pid, so concurrent runs never share one:
#   namespaces  tlsips-cli-PID, tlsips-srv-PID
#   veth        tvPIDc (client side), tvPIDs (server side)
#   addresses   10.200.X.1 (client) and 10.200.X.2 (server), /24, X = PID % 250 + 1;
#               fd00:200:X::1 and ::2, /64 (NETNS_IPV6=0 leaves IPv6 out)
#
# Skips: a case that cannot run here (not root, no `ip netns`, no iptables,
# no NFQUEUE target) exits 77, which ctest reports as skipped
# (SKIP_RETURN_CODE in tests/CMakeLists.txt); the reason is printed as
# "SKIP: ..." like lib.sh's skip helper prints a skipped check.

NETNS_CLI=""
NETNS_SRV=""
NETNS_VETH_CLI=""
NETNS_VETH_SRV=""
NETNS_MADE=()   # namespaces to delete on exit
NETNS_RULES=()  # "NS|CMD|ARGS..." iptables rules to delete on exit (before the namespace goes)
NETNS_IPV6=${NETNS_IPV6:-1}

# e2e_skip_case MSG: this case cannot run here; exit 77 (ctest: skipped).
e2e_skip_case() {
    printf 'SKIP: [%s] %s\n' "${E2E_CASE:-$(basename "$(dirname "$0")")}" "$*"
    exit 77
}

# netns_require: skip unless this machine can run namespace + NFQUEUE cases.
# Called before e2e_init (which dies, rather than skips, when not root). A
# throwaway namespace proves that namespaces, veths and an NFQUEUE rule work.
netns_require() {
    local t probe="tlsips-chk-$$"
    [ "$(id -u)" -eq 0 ] || e2e_skip_case "needs root (network namespaces, iptables, NFQUEUE)"
    for t in ip iptables; do
        command -v "$t" >/dev/null 2>&1 || e2e_skip_case "'$t' not found (run scripts/bootstrap.sh)"
    done
    if ! ip netns add "$probe" 2>/dev/null; then
        e2e_skip_case "cannot create a network namespace (ip netns add failed)"
    fi
    local why=""
    if ! ip link add "tv$$k" type veth peer name "tv$$l" 2>/dev/null; then
        why="cannot create a veth pair (veth module missing?)"
    else
        ip link del "tv$$k" 2>/dev/null || true
    fi
    if [ -z "$why" ] &&
        ! ip netns exec "$probe" iptables -A INPUT -p tcp --dport 9 -j NFQUEUE --queue-num 0 2>/dev/null; then
        why="iptables cannot add an NFQUEUE rule (xt_NFQUEUE / nft_queue module missing?)"
    fi
    if [ -z "$why" ] && [ "$NETNS_IPV6" = 1 ] && ! command -v ip6tables >/dev/null 2>&1; then
        why="'ip6tables' not found (or set NETNS_IPV6=0)"
    fi
    ip netns del "$probe" 2>/dev/null || true
    [ -z "$why" ] || e2e_skip_case "$why"
}

# netns_setup: make the two namespaces and the veth between them, addresses
# up, loopback up in each, and a cleanup that always runs on exit.
netns_setup() {
    local x=$(($$ % 250 + 1))
    NETNS_CLI="tlsips-cli-$$"
    NETNS_SRV="tlsips-srv-$$"
    NETNS_VETH_CLI="tv$$c"
    NETNS_VETH_SRV="tv$$s"
    CLI_IP4="10.200.$x.1"
    SRV_IP4="10.200.$x.2"
    CLI_IP6="fd00:200:$x::1"
    SRV_IP6="fd00:200:$x::2"
    # Chain our cleanup after lib.sh's (which stops the processes first,
    # so nothing still runs inside a namespace when it goes).
    trap 'e2e_cleanup; netns_cleanup' EXIT
    ip netns add "$NETNS_CLI" || die "ip netns add $NETNS_CLI failed"
    NETNS_MADE+=("$NETNS_CLI")
    ip netns add "$NETNS_SRV" || die "ip netns add $NETNS_SRV failed"
    NETNS_MADE+=("$NETNS_SRV")
    ip link add "$NETNS_VETH_CLI" type veth peer name "$NETNS_VETH_SRV" || die "cannot create veth pair"
    ip link set "$NETNS_VETH_CLI" netns "$NETNS_CLI"
    ip link set "$NETNS_VETH_SRV" netns "$NETNS_SRV"
    netns_addr "$NETNS_CLI" "$NETNS_VETH_CLI" "$CLI_IP4" "$CLI_IP6"
    netns_addr "$NETNS_SRV" "$NETNS_VETH_SRV" "$SRV_IP4" "$SRV_IP6"
    e2e_log "netns: $NETNS_CLI ($CLI_IP4) <-> $NETNS_SRV ($SRV_IP4) over $NETNS_VETH_CLI/$NETNS_VETH_SRV"
}

# netns_addr NS DEV IP4 IP6: addresses on DEV, DEV and lo up. nodad: the
# IPv6 address is usable at once instead of after duplicate detection.
netns_addr() {
    local ns=$1 dev=$2
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$3/24" dev "$dev"
    if [ "$NETNS_IPV6" = 1 ]; then
        ip -n "$ns" addr add "$4/64" dev "$dev" nodad
    fi
    ip -n "$ns" link set "$dev" up
}

# in_cli CMD... / in_srv CMD...: run CMD in the client / server namespace.
in_cli() { ip netns exec "$NETNS_CLI" "$@"; }
in_srv() { ip netns exec "$NETNS_SRV" "$@"; }

# netns_bg_cli NAME CMD... / netns_bg_srv NAME CMD...: bg_start in a namespace
# (`ip netns exec` execs CMD, so BG_PID is CMD's own pid).
netns_bg_cli() {
    local name=$1
    shift
    bg_start "$name" ip netns exec "$NETNS_CLI" "$@"
}
netns_bg_srv() {
    local name=$1
    shift
    bg_start "$name" ip netns exec "$NETNS_SRV" "$@"
}

# netns_rule NS CMD ARGS...: CMD (iptables or ip6tables) -A ARGS in NS,
# remembered so that cleanup deletes it with -D.
netns_rule() {
    local ns=$1 cmd=$2
    shift 2
    ip netns exec "$ns" "$cmd" -A "$@" || die "$cmd -A $* failed in $ns"
    NETNS_RULES+=("$ns|$cmd|$*") # rule words hold no spaces
}

# netns_queue_port PORT QUEUE [bypass]: in the server namespace, send TCP
# traffic to PORT (INPUT, --dport) and the server's replies (OUTPUT, --sport)
# to NFQUEUE queue QUEUE, IPv4 and IPv6. "bypass" adds --queue-bypass: with
# no program bound to the queue, packets pass instead of being dropped.
netns_queue_port() {
    local port=$1 q=$2 extra=() cmd
    [ "${3:-}" != bypass ] || extra=(--queue-bypass)
    local cmds=(iptables)
    [ "$NETNS_IPV6" = 1 ] && cmds+=(ip6tables)
    for cmd in "${cmds[@]}"; do
        netns_rule "$NETNS_SRV" "$cmd" INPUT -p tcp --dport "$port" -j NFQUEUE --queue-num "$q" "${extra[@]}"
        netns_rule "$NETNS_SRV" "$cmd" OUTPUT -p tcp --sport "$port" -j NFQUEUE --queue-num "$q" "${extra[@]}"
    done
    e2e_log "netns: $NETNS_SRV queues tcp port $port to NFQUEUE $q${extra:+ (${extra[*]})}"
}

# netns_bypass_rules PORT MARK: the response bypass rules of docs/inline.md,
# IPv4 and IPv6, appended (so call this before netns_queue_port: they must
# come before the queue rules). A client packet tlsips returns with
# NF_REPEAT and MARK set saves MARK to its connection and is accepted; the
# server's packets of a connection so marked are accepted unqueued.
netns_bypass_rules() {
    local port=$1 m=$2 cmd
    local cmds=(iptables)
    [ "$NETNS_IPV6" = 1 ] && cmds+=(ip6tables)
    for cmd in "${cmds[@]}"; do
        netns_rule "$NETNS_SRV" "$cmd" INPUT -p tcp --dport "$port" -m mark --mark "$m/$m" -j CONNMARK --set-mark "$m/$m"
        netns_rule "$NETNS_SRV" "$cmd" INPUT -p tcp --dport "$port" -m mark --mark "$m/$m" -j ACCEPT
        netns_rule "$NETNS_SRV" "$cmd" OUTPUT -p tcp --sport "$port" -m connmark --mark "$m/$m" -j ACCEPT
    done
    e2e_log "netns: $NETNS_SRV bypasses responses of tcp port $port marked $m"
}

# netns_rule_pkts NS CMD CHAIN PATTERN: packet count of the first rule of
# CHAIN whose listing matches the extended regex PATTERN (0 if none).
netns_rule_pkts() {
    ip netns exec "$1" "$2" -w -v -x -n -L "$3" | awk -v pat="$4" 'NR > 2 && $0 ~ pat { print $1; found = 1; exit } END { if (!found) print 0 }'
}

# netns_unqueue: delete every rule netns_rule added (newest first).
netns_unqueue() {
    local i ns cmd args
    for ((i = ${#NETNS_RULES[@]} - 1; i >= 0; i--)); do
        IFS='|' read -r ns cmd args <<<"${NETNS_RULES[$i]}"
        # shellcheck disable=SC2086 # args is the rule, word-split on purpose
        ip netns exec "$ns" "$cmd" -D $args 2>/dev/null || true
    done
    NETNS_RULES=()
}

# netns_cleanup: rules, veths and namespaces, whatever state the case left.
# Idempotent; never fails (it runs from the EXIT trap).
netns_cleanup() {
    local ns
    netns_unqueue
    if [ -n "$NETNS_VETH_CLI" ]; then
        ip link del "$NETNS_VETH_CLI" 2>/dev/null || true
        [ -z "$NETNS_CLI" ] || ip -n "$NETNS_CLI" link del "$NETNS_VETH_CLI" 2>/dev/null || true
    fi
    for ns in "${NETNS_MADE[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    NETNS_MADE=()
}

# netns_wait_listen PORT NAME: wait until something listens on TCP PORT in
# the server namespace; NAME is the bg name of the server (its stderr is
# shown if it dies).
netns_wait_listen() {
    local port=$1 name=$2 pid=${E2E_PID_OF[$2]:-} i
    for ((i = 0; i < 150; i++)); do
        if [ -n "$(in_srv ss -Hltn "sport = :$port")" ]; then return 0; fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            e2e_log "--- $name stderr:"
            tail -n 30 "$WORK/$name.err" || true
            die "$name exited before listening on port $port in $NETNS_SRV"
        fi
        sleep 0.1
    done
    die "$name: nothing listening on port $port in $NETNS_SRV after 15 s"
}

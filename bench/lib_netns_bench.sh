# shellcheck shell=bash
# Network namespaces for bench/run_inline.sh (sourced after bench/lib.sh).
#
# A bench-local copy of the few parts of tests/e2e/lib_netns.sh the inline
# benchmark needs, without the test harness (e2e_init, bg_start, exit 77):
# a benchmark that cannot run fails loudly instead of being skipped. The
# differences: IPv4 only, several client addresses (100,000 connections to
# one server port need more than one client address: each address has at
# most 64,512 source ports), and sysctls for many connections.
#
#     nb_require               # root, ip, iptables, a probe NFQUEUE rule
#     nb_setup NCLIENT_ADDRS   # NB_CLI, NB_SRV, NB_SRV_IP, NB_CLI_IPS[]
#     in_cli CMD... / in_srv CMD...
#     nb_queue_port PORT QUEUE # iptables NFQUEUE rules for PORT, both directions
#     nb_bypass_rules PORT MARK # response bypass rules (before nb_queue_port PORT)
#     nb_unqueue               # delete them again
#     nb_cleanup               # rules, veth, namespaces (idempotent)
#
# Names carry the shell's pid, so a benchmark can run next to the e2e tests
# (which use tlsips-cli-PID / tlsips-srv-PID and 10.200.X.0/24):
#   namespaces  tlsips-bcli-PID, tlsips-bsrv-PID
#   veth        tbPIDc (client side), tbPIDs (server side)
#   addresses   10.201.X.2 (server), 10.201.X.1, .3, .4 ... (client), /24,
#               X = PID % 250 + 1

NB_CLI=""
NB_SRV=""
NB_VETH_CLI=""
NB_VETH_SRV=""
NB_SRV_IP=""
NB_CLI_IPS=()
NB_MADE=()  # namespaces to delete
NB_RULES=() # "NS|ARGS..." iptables rules to delete (-D ARGS)

nb_require() {
	local probe="tlsips-bchk-$$" why=""
	[[ $(id -u) -eq 0 ]] || bench_die "needs root (network namespaces, iptables, NFQUEUE)"
	bench_need ip iptables
	ip netns add "$probe" 2>/dev/null || bench_die "cannot create a network namespace (ip netns add failed)"
	if ! ip netns exec "$probe" iptables -A INPUT -p tcp --dport 9 -j NFQUEUE --queue-num 0 2>/dev/null; then
		why="iptables cannot add an NFQUEUE rule (xt_NFQUEUE / nft_queue module missing?)"
	fi
	ip netns del "$probe" 2>/dev/null || true
	[[ -z $why ]] || bench_die "$why"
}

# nb_setup NCLIENT_ADDRS: the two namespaces, the veth between them, the
# server address and NCLIENT_ADDRS client addresses (1..200). Sysctls in
# the namespaces (they are per namespace): the client may use source ports
# 1024-65535; the server's listen backlog may reach 65535. The caller's
# EXIT trap must call nb_cleanup.
nb_setup() {
	local nc=$1 x=$(($$ % 250 + 1)) i host
	[[ $nc -ge 1 && $nc -le 200 ]] || bench_die "nb_setup: bad client address count $nc"
	NB_CLI="tlsips-bcli-$$"
	NB_SRV="tlsips-bsrv-$$"
	NB_VETH_CLI="tb$$c"
	NB_VETH_SRV="tb$$s"
	NB_SRV_IP="10.201.$x.2"
	NB_CLI_IPS=()
	ip netns add "$NB_CLI" || bench_die "ip netns add $NB_CLI failed"
	NB_MADE+=("$NB_CLI")
	ip netns add "$NB_SRV" || bench_die "ip netns add $NB_SRV failed"
	NB_MADE+=("$NB_SRV")
	ip link add "$NB_VETH_CLI" type veth peer name "$NB_VETH_SRV" || bench_die "cannot create a veth pair"
	ip link set "$NB_VETH_CLI" netns "$NB_CLI"
	ip link set "$NB_VETH_SRV" netns "$NB_SRV"
	for ((i = 0; i < nc; i++)); do
		host=$((i == 0 ? 1 : i + 2)) # .1, .3, .4, ...: .2 is the server
		NB_CLI_IPS+=("10.201.$x.$host")
		ip -n "$NB_CLI" addr add "10.201.$x.$host/24" dev "$NB_VETH_CLI"
	done
	ip -n "$NB_SRV" addr add "$NB_SRV_IP/24" dev "$NB_VETH_SRV"
	local ns dev
	for ns in "$NB_CLI" "$NB_SRV"; do
		dev=$NB_VETH_SRV
		[[ $ns == "$NB_CLI" ]] && dev=$NB_VETH_CLI
		ip -n "$ns" link set lo up
		ip -n "$ns" link set "$dev" up
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
		ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_syn_backlog=65535
	done
	bench_log "netns: $NB_CLI (${NB_CLI_IPS[*]}) <-> $NB_SRV ($NB_SRV_IP) over $NB_VETH_CLI/$NB_VETH_SRV"
}

in_cli() { ip netns exec "$NB_CLI" "$@"; }
in_srv() { ip netns exec "$NB_SRV" "$@"; }

nb_rule() {
	local ns=$1
	shift
	ip netns exec "$ns" iptables -A "$@" || bench_die "iptables -A $* failed in $ns"
	NB_RULES+=("$ns|$*") # rule words hold no spaces
}

# nb_queue_port PORT QUEUE: in the server namespace, TCP to PORT (INPUT) and
# from PORT (OUTPUT) goes to NFQUEUE QUEUE, fail closed (no --queue-bypass).
nb_queue_port() {
	nb_rule "$NB_SRV" INPUT -p tcp --dport "$1" -j NFQUEUE --queue-num "$2"
	nb_rule "$NB_SRV" OUTPUT -p tcp --sport "$1" -j NFQUEUE --queue-num "$2"
}

# nb_bypass_rules PORT MARK: the response bypass rules of docs/inline.md, to
# be added before nb_queue_port PORT: a client packet tlsips returns with
# NF_REPEAT and MARK saves MARK to its connection and passes; the server's
# packets of a marked connection pass unqueued.
nb_bypass_rules() {
	nb_rule "$NB_SRV" INPUT -p tcp --dport "$1" -m mark --mark "$2/$2" -j CONNMARK --set-mark "$2/$2"
	nb_rule "$NB_SRV" INPUT -p tcp --dport "$1" -m mark --mark "$2/$2" -j ACCEPT
	nb_rule "$NB_SRV" OUTPUT -p tcp --sport "$1" -m connmark --mark "$2/$2" -j ACCEPT
}

nb_unqueue() {
	local i ns args
	for ((i = ${#NB_RULES[@]} - 1; i >= 0; i--)); do
		IFS='|' read -r ns args <<<"${NB_RULES[$i]}"
		# shellcheck disable=SC2086 # args is the rule, split on purpose
		ip netns exec "$ns" iptables -D $args 2>/dev/null || true
	done
	NB_RULES=()
}

nb_cleanup() {
	local ns
	nb_unqueue
	if [[ -n $NB_VETH_CLI ]]; then
		ip link del "$NB_VETH_CLI" 2>/dev/null || true
		[[ -z $NB_CLI ]] || ip -n "$NB_CLI" link del "$NB_VETH_CLI" 2>/dev/null || true
	fi
	for ns in "${NB_MADE[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NB_MADE=()
}

# nb_wait_listen PORT PID WHAT: until something listens on PORT in the
# server namespace; fails if PID dies first.
nb_wait_listen() {
	local port=$1 pid=$2 what=$3
	for _ in $(seq 1 150); do
		[[ -z $(in_srv ss -Hltn "sport = :$port") ]] || return 0
		kill -0 "$pid" 2>/dev/null || bench_die "$what exited before listening on port $port"
		sleep 0.1
	done
	bench_die "$what: nothing listening on port $port after 15 s"
}

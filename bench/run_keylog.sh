#!/usr/bin/env bash
# run_keylog.sh BUILD_DIR DATA_DIR
#
# The key log mode benchmarks of issue 3, in one run:
#  1. bulk captures made by make_bulk_keylog.sh (ECDHE-RSA-AES128-GCM-SHA256,
#     TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256), each decrypted
#     with its key log by tlsips (--keylog), tshark (-o tls.keylog_file) and
#     ssldump (-l) where they can, on the same files, pinned to one CPU:
#     MB/s (wall and CPU), peak RSS, and a check that every response was
#     recovered; openssl speed for AES-128-GCM and ChaCha20-Poly1305;
#  2. the key store with 1,000,000 entries (bench/keylog_store_bench.c, built
#     here against BUILD_DIR/libtlsips_core.a): add rate, lookup cost, memory
#     per entry;
#  3. bench/keylog_handshake.sh: requests/s of nginx on new TLS connections
#     with and without libtlsips-keylog.so (BENCH_SKIP_HANDSHAKE=1 skips it).
# Prints a table and saves it as DATA_DIR/results-keylog-YYYYMMDD-HHMMSS.txt.
#
# MB/s, RSS and the timing method are those of run.sh (see
# docs/benchmarks.md): capture file bytes / 10^6 / seconds, the file read
# once before each timed run, every tool under /usr/bin/time -v.
#
# Environment:
#   BENCH_CPU=0          CPU every measured process is pinned to
#   BENCH_REPS=3         runs of each tlsips measurement; the fastest is kept
#   BENCH_REF_REPS=1     runs of each tshark / ssldump measurement
#   BENCH_VERIFY=1       untimed passes checking every response was decrypted
#   BENCH_SKIP_TSHARK=1 / BENCH_SKIP_SSLDUMP=1 / BENCH_SKIP_STORE=1 /
#   BENCH_SKIP_HANDSHAKE=1   leave a part out
#   BENCH_STORE_ENTRIES=1000000
#   BENCH_SUITES="..."   the bulk captures to measure (default: all three),
#                        e.g. TLS_CHACHA20_POLY1305_SHA256 alone
#   BENCH_SKIP_RSA=1     leave out the same-run RSA key mode reference
#   BENCH_HS_* as in keylog_handshake.sh

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib.sh"

[[ $# -eq 2 ]] || bench_die "usage: run_keylog.sh BUILD_DIR DATA_DIR"
build=$(cd "$1" && pwd)
data=$(cd "$2" && pwd)
cpu=${BENCH_CPU:-0}
reps=${BENCH_REPS:-3}
ref_reps=${BENCH_REF_REPS:-1}
verify=${BENCH_VERIFY:-1}
store_n=${BENCH_STORE_ENTRIES:-1000000}
read -ra suites <<<"${BENCH_SUITES:-ECDHE-RSA-AES128-GCM-SHA256 TLS_AES_128_GCM_SHA256 TLS_CHACHA20_POLY1305_SHA256}"
# Compared with tshark and ssldump (the issue's list); CHACHA20 is compared
# with openssl speed only, unless BENCH_REF_CHACHA=1.
declare -A REF=([ECDHE-RSA-AES128-GCM-SHA256]=1 [TLS_AES_128_GCM_SHA256]=1
	[TLS_CHACHA20_POLY1305_SHA256]=${BENCH_REF_CHACHA:-0})

bench_need tshark ssldump openssl taskset /usr/bin/time awk cc
tlsips=$build/tlsips
[[ -x $tlsips ]] || bench_die "no $tlsips"
for s in "${suites[@]}"; do
	[[ -s $data/bulk-$s.pcap && -s $data/bulk-$s.keys && -s $data/bulk-$s.info ]] ||
		bench_die "no $data/bulk-$s.pcap/.keys/.info: run make_bulk_keylog.sh $data $s"
done

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
trap bench_cleanup EXIT
chmod 755 "$BENCH_TMP"
results=$data/results-keylog-$(date +%Y%m%d-%H%M%S).txt
exec > >(tee "$results")

info() { sed -n "s/^$2=//p" "$1"; } # info FILE KEY
mb() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1e6}'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {if (a != "n/a" && b + 0 > 0) printf f, a / b; else printf "n/a"}'; }
mbs() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.0f", a / b / 1e6; else printf "n/a"}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "n/a" && a != "" && b + 0 > 0) printf "%.0f", a * 100 / b; else printf "n/a"}'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {if (v == "" || v == "n/a") print "n/a"; else if ((op == ">=" && v >= t) || (op == "<=" && v <= t)) print "PASS"; else print "FAIL"}'; }

# measure OUT CMD...: as in run.sh. Sets M_SECS, M_CPU, M_RSS (kB), M_RC.
measure() {
	local out=$1 t0 t1
	shift
	# $EPOCHREALTIME: no date process forked inside the timed span (a
	# comma radix from the locale becomes a point for awk)
	t0=${EPOCHREALTIME/,/.}
	set +e
	taskset -c "$cpu" /usr/bin/time -v -o "$BENCH_TMP/time" "$@" >"$out" 2>"$BENCH_TMP/stderr"
	M_RC=$?
	set -e
	t1=${EPOCHREALTIME/,/.}
	M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	M_RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$BENCH_TMP/time")
	M_CPU=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$BENCH_TMP/time")
}

# best REPS FILE OUT CMD...: as in run.sh (fastest wall, smallest CPU, largest RSS).
best() {
	local n=$1 file=$2 out=$3 i
	shift 3
	B_SECS='' B_CPU='' B_RSS=0 B_RC=0
	bench_warm "$file"
	for ((i = 0; i < n; i++)); do
		measure "$out" "$@"
		[[ $M_RC == 0 || $B_RC != 0 ]] || B_RC=$M_RC
		if [[ -z $B_SECS ]] || awk -v a="$M_SECS" -v b="$B_SECS" 'BEGIN {exit !(a < b)}'; then B_SECS=$M_SECS; fi
		if [[ -z $B_CPU ]] || awk -v a="$M_CPU" -v b="$B_CPU" 'BEGIN {exit !(a < b)}'; then B_CPU=$M_CPU; fi
		((M_RSS > B_RSS)) && B_RSS=$M_RSS
	done
	return 0
}

now=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "tlsips key log mode benchmarks, $now"
echo "host: $(uname -n), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) CPUs; every tool pinned to CPU $cpu"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(tshark -v 2>/dev/null | head -1 | cut -d'(' -f1-2)); ssldump $(dpkg-query -W -f='${Version}' ssldump 2>/dev/null); $(openssl version)"
echo "tlsips: $tlsips ($(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$src" diff --quiet HEAD -- src 2>/dev/null || echo ', src modified'))"
echo "data: $data"
echo

# --- openssl speed -------------------------------------------------------
speed() { # CIPHER: bytes/s with 16 KiB blocks
	taskset -c "$cpu" openssl speed -mr -seconds 3 -evp "$1" -bytes 16384 2>/dev/null | awk -F: '/^\+F:/ {print $4}'
}
gcm_bps=$(speed aes-128-gcm)
cc_bps=$(speed chacha20-poly1305)
[[ -n $gcm_bps && -n $cc_bps ]] || bench_die "cannot parse openssl speed output"
gcm_mbs=$(div "$gcm_bps" 1e6 %.0f) cc_mbs=$(div "$cc_bps" 1e6 %.0f)
printf 'openssl speed -evp aes-128-gcm, 16 KiB blocks:       %s MB/s\n' "$gcm_mbs"
printf 'openssl speed -evp chacha20-poly1305, 16 KiB blocks: %s MB/s\n\n' "$cc_mbs"

# --- bulk captures -------------------------------------------------------
declare -A R # R[suite,tool,field]
tlsips_valid=1
row() { printf '  %-8s %8s %8s %8s %8s %8s  %s\n' "$@"; }
for s in "${suites[@]}"; do
	f=$data/bulk-$s.pcap
	keys=$data/bulk-$s.keys
	inf=$data/bulk-$s.info
	bytes=$(stat -c %s "$f")
	port=$(info "$inf" port)
	reqs=$(info "$inf" requests)
	R[$s,bytes]=$bytes
	echo "bulk $s (TLS $(info "$inf" tls_version)): $(mb "$bytes") MB, $reqs GETs of 64 KiB over $(info "$inf" connections) connections, $(info "$inf" keylog_lines) key log lines, port $port"
	row tool "wall s" "cpu s" "MB/s" "cpu MB/s" "RSS MB" "check"

	best "$reps" "$f" "$BENCH_TMP/out" "$tlsips" decrypt -q -r "$f" --keylog "$keys" -w /dev/null
	R[$s,tlsips,secs]=$B_SECS R[$s,tlsips,cpu]=$B_CPU R[$s,tlsips,rss]=$B_RSS
	chk="exit $B_RC"
	[[ $B_RC == 0 ]] || tlsips_valid=0
	if [[ $B_RC == 0 && $verify == 1 ]]; then
		"$tlsips" decrypt -q -r "$f" --keylog "$keys" -w "$BENCH_TMP/plain.pcap" >/dev/null 2>"$BENCH_TMP/tlsips.err" || true
		got=$(tshark -n -r "$BENCH_TMP/plain.pcap" -d "tcp.port==$port,http" -Y http.response \
			-T fields -e frame.number 2>/dev/null | wc -l)
		rm -f "$BENCH_TMP/plain.pcap"
		sess=$(sed -n 's/^summary: .* sessions: \(.*\); [0-9]* plaintext.*/\1/p' "$BENCH_TMP/tlsips.err")
		chk="$got/$reqs responses in output; sessions: $sess"
		((got == reqs)) || tlsips_valid=0
	fi
	row tlsips "$B_SECS" "$B_CPU" "$(mbs "$bytes" "$B_SECS")" "$(mbs "$bytes" "$B_CPU")" "$(div "$B_RSS" 1000 %.1f)" "$chk"

	if [[ ${REF[$s]} == 1 && -z ${BENCH_SKIP_TSHARK:-} ]]; then
		# As in run.sh: the display filter makes tshark decrypt and reassemble
		# every record; one line per HTTP response recovered.
		best "$ref_reps" "$f" "$BENCH_TMP/tshark.out" tshark -n -r "$f" -d "tcp.port==$port,tls" \
			-o "tls.keylog_file:$keys" -Y http.response -T fields -e frame.number
		got=$(wc -l <"$BENCH_TMP/tshark.out")
		R[$s,tshark,secs]=$B_SECS R[$s,tshark,cpu]=$B_CPU R[$s,tshark,rss]=$B_RSS
		row tshark "$B_SECS" "$B_CPU" "$(mbs "$bytes" "$B_SECS")" "$(mbs "$bytes" "$B_CPU")" "$(div "$B_RSS" 1000 %.1f)" \
			"$got/$reqs responses decrypted (exit $B_RC)"
	fi

	if [[ ${REF[$s]} == 1 && -z ${BENCH_SKIP_SSLDUMP:-} ]]; then
		# ssldump 1.5 reads key logs (-l). Check first (untimed) that it
		# decrypts this file: Debian 12's ssldump does not decrypt TLS 1.3
		# (records stay "application_data"), and timing it there would
		# measure parsing only.
		got=$(ssldump -n -d -l "$keys" -r "$f" 2>/dev/null | grep -c 'HTTP/1.1 200 OK' || true)
		if ((got == 0)); then
			row ssldump - - - - - "left out: decrypts 0/$reqs responses of this file"
		else
			best "$ref_reps" "$f" /dev/null ssldump -n -d -l "$keys" -r "$f"
			R[$s,ssldump,secs]=$B_SECS R[$s,ssldump,cpu]=$B_CPU R[$s,ssldump,rss]=$B_RSS
			row ssldump "$B_SECS" "$B_CPU" "$(mbs "$bytes" "$B_SECS")" "$(mbs "$bytes" "$B_CPU")" "$(div "$B_RSS" 1000 %.1f)" \
				"$got/$reqs responses decrypted (exit $B_RC)"
		fi
	fi
	echo
done

# Same-run reference: the record layer with an RSA key (issue 2's capture and
# key, when DATA_DIR has them), so key log mode can be told apart from the rest.
rsa=$data/bulk-AES128-GCM-SHA256.pcap
if [[ -s $rsa && -s $data/server.key && -z ${BENCH_SKIP_RSA:-} ]]; then
	best "$reps" "$rsa" "$BENCH_TMP/out" "$tlsips" decrypt -q -r "$rsa" -k "$data/server.key" -w /dev/null
	R[rsa,bytes]=$(stat -c %s "$rsa") R[rsa,tlsips,secs]=$B_SECS R[rsa,tlsips,cpu]=$B_CPU R[rsa,tlsips,rss]=$B_RSS
	echo "reference, same run: tlsips -k on bulk-AES128-GCM-SHA256.pcap (TLS 1.2 RSA key exchange, $(mb "${R[rsa,bytes]}") MB):" \
		"$B_SECS s wall, $B_CPU s cpu, $(mbs "${R[rsa,bytes]}" "$B_SECS") MB/s, cpu $(mbs "${R[rsa,bytes]}" "$B_CPU") MB/s, RSS $(div "$B_RSS" 1000 %.1f) MB (exit $B_RC)"
	echo
fi

# --- key store -----------------------------------------------------------
declare -A KS
if [[ -z ${BENCH_SKIP_STORE:-} ]]; then
	[[ -f $build/libtlsips_core.a ]] || bench_die "no $build/libtlsips_core.a"
	cc -O2 -std=c11 -I "$src/src" "$here/keylog_store_bench.c" "$build/libtlsips_core.a" \
		-lcrypto -lpcap -o "$BENCH_TMP/keylog_store_bench"
	echo "key store (tls_keylog), $store_n entries, max_entries $store_n; lines through tls_keylog_add_line;"
	echo "lookups tls_keylog_find in random order (each entry once; as many absent randoms)"
	printf '  %-14s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n' store "add/s" "evict/s" "hit ns" "hit2 ns" "miss ns" "read ns" "B/entry" "secrets" "beyond" "fallback"
	for m in "tls12 secure" "tls12 plain" "tls13 secure"; do
		read -r mode memk <<<"$m"
		taskset -c "$cpu" "$BENCH_TMP/keylog_store_bench" "$mode" "$memk" "$store_n" 512 >"$BENCH_TMP/ks.out" ||
			bench_die "keylog_store_bench $m failed: $(cat "$BENCH_TMP/ks.out")"
		k() { sed -n "s/^$1=//p" "$BENCH_TMP/ks.out"; }
		printf '  %-14s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n' "$mode/$memk" "$(k add_lines_per_s)" \
			"$(k evict_lines_per_s)" "$(k lookup_hit_ns)" "$(k lookup_hit_warm_ns)" "$(k lookup_miss_ns)" "$(k ref_random_read_ns)" \
			"$(k total_bytes_per_entry)" "$(k secret_bytes_per_entry)" "$(k beyond_secrets_bytes_per_entry)" \
			"$(k secmem_fallbacks)"
		KS[$mode,$memk,beyond]=$(k beyond_secrets_bytes_per_entry)
		KS[$mode,$memk,slots]=$(k beyond_slots_bytes_per_entry)
		KS[$mode,$memk,nslots]=$(k slots_per_entry)
		KS[$mode,$memk,total]=$(k total_bytes_per_entry)
		KS[$mode,$memk,rss]="$(k rss_before_kb) -> $(k rss_full_kb) kB"
	done
	echo "  add/s: lines per second into the filling store (tls13: 5 lines per entry); evict/s: the same once"
	echo "  full (each new entry evicts the oldest); hit2: second pass over the hits; read ns: one dependent"
	echo "  random 8-byte read in a plain buffer as big as the store (reference); B/entry: RSS growth (plus the"
	echo "  secure heap's share if it was resident before); secrets: bytes of secret per entry (48 for"
	echo "  CLIENT_RANDOM, 5 x 32 for TLS 1.3); beyond = B/entry - secrets. The store keeps each secret in a"
	echo "  48-byte slot of secure memory (${KS[tls12,secure,nslots]} and ${KS[tls13,secure,nslots]} slots per entry); beyond the slots:"
	echo "  tls12 ${KS[tls12,secure,slots]} B (secure), ${KS[tls12,plain,slots]} B (plain), tls13 ${KS[tls13,secure,slots]} B; TLS_KEYLOG_ENTRY_OVERHEAD says $(k entry_overhead_declared) B"
	echo "  RSS: tls12/secure ${KS[tls12,secure,rss]}, tls12/plain ${KS[tls12,plain,rss]}, tls13/secure ${KS[tls13,secure,rss]}"
	echo
fi

# --- handshakes ----------------------------------------------------------
if [[ -z ${BENCH_SKIP_HANDSHAKE:-} ]]; then
	"$here/keylog_handshake.sh" "$build" | tee "$BENCH_TMP/hs.out"
	echo
fi

# --- summary -------------------------------------------------------------
echo "summary (targets from issue 3)"
((tlsips_valid)) || echo "  WARNING: tlsips failed or did not decrypt every response; its figures are not valid"
for s in "${suites[@]}"; do
	for t in tlsips tshark ssldump; do
		[[ -n ${R[$s,$t,secs]:-} ]] && printf '  %-29s %-8s %6s MB/s  (cpu %6s MB/s)  peak RSS %7s MB\n' "$s" "$t" \
			"$(mbs "${R[$s,bytes]}" "${R[$s,$t,secs]}")" "$(mbs "${R[$s,bytes]}" "${R[$s,$t,cpu]}")" "$(div "${R[$s,$t,rss]}" 1000 %.1f)"
	done
done
for s in ECDHE-RSA-AES128-GCM-SHA256 TLS_AES_128_GCM_SHA256; do
	[[ -n ${R[$s,bytes]:-} ]] || continue
	v=$(mbs "${R[$s,bytes]}" "${R[$s,tlsips,secs]}")
	printf '  %-29s one core: %6s MB/s  target >= 2000   %s\n' "$s" "$v" "$(verdict "$v" 2000 '>=')"
	for ref in tshark ssldump; do
		[[ -n ${R[$s,$ref,secs]:-} ]] &&
			printf '    tlsips / %-7s %sx (wall), %sx (cpu)\n' "$ref" "$(div "${R[$s,$ref,secs]}" "${R[$s,tlsips,secs]}" %.1f)" \
				"$(div "${R[$s,$ref,cpu]}" "${R[$s,tlsips,cpu]}" %.1f)"
	done
done
[[ -n ${R[rsa,tlsips,secs]:-} ]] &&
	printf '  (same run, RSA key mode on issue 2'"'"'s AES128-GCM-SHA256 file: %s MB/s)\n' "$(mbs "${R[rsa,bytes]}" "${R[rsa,tlsips,secs]}")"
s=TLS_CHACHA20_POLY1305_SHA256
if [[ -n ${R[$s,bytes]:-} ]]; then
	v=$(mbs "${R[$s,bytes]}" "${R[$s,tlsips,secs]}")
	# One decimal, and the verdict on the unrounded ratio: 49.6 % is not 50 %.
	p=$(awk -v a="$v" -v b="$cc_mbs" 'BEGIN {if (a != "n/a" && b + 0 > 0) printf "%.1f", a * 100 / b; else printf "n/a"}')
	printf '  CHACHA20 vs openssl speed:    %s MB/s of %s MB/s = %s%%  target >= 50%%   %s\n' "$v" "$cc_mbs" "$p" "$(verdict "$(div "$v" "$cc_mbs" '%.6f')" 0.5 '>=')"
fi
if [[ -z ${BENCH_SKIP_STORE:-} ]]; then
	for m in "tls12 secure" "tls12 plain" "tls13 secure"; do
		read -r mode memk <<<"$m"
		printf '  key store %-13s %6s B/entry beyond the secrets (%s B in all)  target <= 256   %s\n' "$mode/$memk" \
			"${KS[$mode,$memk,beyond]}" "${KS[$mode,$memk,total]}" "$(verdict "${KS[$mode,$memk,beyond]}" 256 '<=')"
	done
fi
if [[ -z ${BENCH_SKIP_HANDSHAKE:-} ]]; then
	sed -n '/^summary/,$p' "$BENCH_TMP/hs.out" | tail -n +2
fi
echo
echo "saved to $results"

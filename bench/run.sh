#!/usr/bin/env bash
# run.sh BUILD_DIR DATA_DIR
#
# Times tlsips against tshark, ssldump and openssl speed on the captures made
# by make_bulk.sh (both suites) and make_handshakes.sh in DATA_DIR, in one run,
# on the same files, every tool pinned to one CPU (BENCH_CPU, default 0).
# BUILD_DIR is the build directory holding tlsips, or the tlsips binary itself;
# when there is no working tlsips the reference figures are still measured.
# Prints a table and saves it as DATA_DIR/results-YYYYMMDD-HHMMSS.txt.
#
# MB is 10^6 bytes; MB/s is capture file bytes (pcap headers included, the
# same bytes every tool reads) divided by wall-clock seconds. Peak RSS is
# /usr/bin/time -v's maximum resident set size. Before each tool's timed
# runs the input file is dropped from the page cache and read once
# (bench_warm in lib.sh), so every tool starts with it cached the same way.
#
# Environment:
#   BENCH_CPU=0       CPU every measured process is pinned to (taskset -c)
#   BENCH_REPS=3      runs of each tlsips measurement; the fastest is kept
#   BENCH_REF_REPS=1  runs of each tshark / ssldump measurement
#   BENCH_VERIFY=1    check each tool really decrypted everything (extra,
#                     untimed passes; 0 skips them)
#   BENCH_SKIP_TSHARK=1 / BENCH_SKIP_SSLDUMP=1   leave a reference tool out

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[[ $# -eq 2 ]] || bench_die "usage: run.sh BUILD_DIR DATA_DIR"
build=$1
data=$(cd "$2" && pwd)
cpu=${BENCH_CPU:-0}
reps=${BENCH_REPS:-3}
ref_reps=${BENCH_REF_REPS:-1}
verify=${BENCH_VERIFY:-1}
suites=(AES128-GCM-SHA256 AES128-SHA)

bench_need tshark ssldump openssl editcap capinfos taskset /usr/bin/time awk
if [[ -f $build && -x $build ]]; then tlsips=$build; else tlsips=$build/tlsips; fi
key=$data/server.key
[[ -s $key ]] || bench_die "no $key: run make_bulk.sh and make_handshakes.sh on $data first"
for s in "${suites[@]}"; do
	[[ -s $data/bulk-$s.pcap && -s $data/bulk-$s.info ]] || bench_die "no $data/bulk-$s.pcap: run make_bulk.sh $data $s"
done
[[ -s $data/handshakes.pcap && -s $data/handshakes.info ]] || bench_die "no $data/handshakes.pcap: run make_handshakes.sh $data"

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
trap bench_cleanup EXIT
results=$data/results-$(date +%Y%m%d-%H%M%S).txt
exec > >(tee "$results")

info() { sed -n "s/^$2=//p" "$1"; } # info FILE KEY
mb() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1e6}'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {if (a != "n/a" && b + 0 > 0) printf f, a / b; else printf "n/a"}'; }
mbs() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.0f", a / b / 1e6; else printf "n/a"}'; } # BYTES SECS
pct() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "n/a" && a != "" && b + 0 > 0) printf "%.0f", a * 100 / b; else printf "n/a"}'; }

# measure OUT CMD...: run CMD pinned to $cpu under /usr/bin/time -v, stdout to
# OUT. Sets M_SECS (wall clock), M_CPU (user + system seconds), M_RSS (peak
# RSS, kB = KiB) and M_RC.
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

# best REPS FILE OUT CMD...: warm FILE into the page cache, run measure REPS
# times, keep the fastest wall time, the smallest CPU time and the largest RSS
# in B_SECS / B_CPU / B_RSS; B_RC is the first non-zero exit status, if any.
best() {
	local n=$1 file=$2 out=$3 i
	shift 3
	B_SECS='' B_CPU='' B_RSS=0 B_RC=0
	bench_warm "$file"
	for ((i = 0; i < n; i++)); do
		measure "$out" "$@"
		[[ $M_RC == 0 || $B_RC != 0 ]] || B_RC=$M_RC
		if [[ -z $B_SECS ]] || awk -v a="$M_SECS" -v b="$B_SECS" 'BEGIN {exit !(a < b)}'; then
			B_SECS=$M_SECS
		fi
		if [[ -z $B_CPU ]] || awk -v a="$M_CPU" -v b="$B_CPU" 'BEGIN {exit !(a < b)}'; then
			B_CPU=$M_CPU
		fi
		((M_RSS > B_RSS)) && B_RSS=$M_RSS
	done
	return 0
}

# Reference invocations. Each must decrypt every record.
#  tshark: a display filter on http.response makes tshark build the full tree
#   for every frame, so every TLS record is decrypted (RSA key from the uat),
#   reassembled and handed to HTTP; the frame numbers printed (one per
#   response) show how many 64 KiB responses it recovered. The server port is
#   not 443, hence -d. This is what a user of tshark would run to get the
#   HTTP out of the capture; it includes HTTP parsing, like tlsips' output
#   is meant for HTTP tools.
#  ssldump -d: decrypts with -k and prints every application data record
#   (text, or a hex dump for binary data); -n skips name lookups.
tshark_args() { # FILE PORT: sets T_ARGS
	T_ARGS=(tshark -n -r "$1" -d "tcp.port==$2,tls" -o "uat:rsa_keys:\"$key\",\"\""
		-Y http.response -T fields -e frame.number)
}
have_tlsips=0
tlsips_valid=1 # cleared when tlsips fails or its output misses responses
tlsips_note="not built ($tlsips missing)"
if [[ -x $tlsips ]]; then
	# Probe on the handshake capture's first sessions.
	editcap -r "$data/handshakes.pcap" "$BENCH_TMP/probe.pcap" 1-200 2>/dev/null
	if "$tlsips" decrypt -q -r "$BENCH_TMP/probe.pcap" -w "$BENCH_TMP/probe-out.pcap" -k "$key" \
		>/dev/null 2>"$BENCH_TMP/probe.err"; then
		have_tlsips=1
		tlsips_note=$tlsips
	else
		tlsips_note="does not work yet ($tlsips decrypt exited non-zero: $(head -c 200 "$BENCH_TMP/probe.err" | tr '\n' ' '))"
	fi
fi

now=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "tlsips benchmarks, $now"
echo "host: $(uname -n), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) CPUs; every tool pinned to CPU $cpu"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(tshark -v 2>/dev/null | head -1 | cut -d'(' -f1-2)); ssldump $(dpkg-query -W -f='${Version}' ssldump 2>/dev/null); $(openssl version)"
echo "tlsips: $tlsips_note"
echo "data: $data"
echo

# --- openssl speed -------------------------------------------------------
taskset -c "$cpu" openssl speed -mr -seconds 3 -evp aes-128-gcm -bytes 16384 >"$BENCH_TMP/speed-gcm" 2>/dev/null
gcm_bps=$(awk -F: '/^\+F:/ {print $4}' "$BENCH_TMP/speed-gcm")
taskset -c "$cpu" openssl speed -mr -seconds 3 rsa2048 >"$BENCH_TMP/speed-rsa" 2>/dev/null
rsa_sign=$(awk -F: '/^\+F2:/ {print $4}' "$BENCH_TMP/speed-rsa")
[[ -n $gcm_bps && -n $rsa_sign ]] || bench_die "cannot parse openssl speed output"
gcm_mbs=$(div "$gcm_bps" 1e6 %.0f)
printf 'openssl speed -evp aes-128-gcm, 16 KiB blocks: %s MB/s\n' "$gcm_mbs"
printf 'openssl speed rsa2048: %.0f sign/s\n\n' "$rsa_sign"

# --- bulk captures -------------------------------------------------------
declare -A R # R[suite,tool,field]
row() { printf '  %-8s %8s %8s %8s %8s %8s  %s\n' "$@"; }
for s in "${suites[@]}"; do
	f=$data/bulk-$s.pcap
	inf=$data/bulk-$s.info
	bytes=$(stat -c %s "$f")
	port=$(info "$inf" port)
	reqs=$(info "$inf" requests)
	echo "bulk $s: $(mb "$bytes") MB, $reqs GETs of 64 KiB over $(info "$inf" connections) connections, port $port"
	row tool "wall s" "cpu s" "MB/s" "cpu MB/s" "RSS MB" "check"

	if ((have_tlsips)); then
		best "$reps" "$f" "$BENCH_TMP/out" "$tlsips" decrypt -q -r "$f" -w /dev/null -k "$key"
		R[$s,tlsips,secs]=$B_SECS R[$s,tlsips,rss]=$B_RSS
		chk="exit $B_RC"
		[[ $B_RC == 0 ]] || tlsips_valid=0
		if [[ $B_RC == 0 && $verify == 1 ]]; then
			"$tlsips" decrypt -q -r "$f" -w "$BENCH_TMP/plain.pcap" -k "$key" >/dev/null 2>&1 || true
			got=$(tshark -n -r "$BENCH_TMP/plain.pcap" -d "tcp.port==$port,http" -Y http.response \
				-T fields -e frame.number 2>/dev/null | wc -l)
			rm -f "$BENCH_TMP/plain.pcap"
			chk="$got/$reqs responses in output"
			((got == reqs)) || tlsips_valid=0
		fi
		R[$s,tlsips,chk]=$chk
		row tlsips "$B_SECS" "$B_CPU" "$(mbs "$bytes" "$B_SECS")" "$(mbs "$bytes" "$B_CPU")" "$(div "$B_RSS" 1000 %.1f)" "$chk"
	else
		row tlsips - - - - - "not run"
	fi

	if [[ -z ${BENCH_SKIP_TSHARK:-} ]]; then
		tshark_args "$f" "$port"
		best "$ref_reps" "$f" "$BENCH_TMP/tshark.out" "${T_ARGS[@]}"
		got=$(wc -l <"$BENCH_TMP/tshark.out")
		R[$s,tshark,secs]=$B_SECS R[$s,tshark,rss]=$B_RSS
		row tshark "$B_SECS" "$B_CPU" "$(mbs "$bytes" "$B_SECS")" "$(mbs "$bytes" "$B_CPU")" "$(div "$B_RSS" 1000 %.1f)" \
			"$got/$reqs responses decrypted (exit $B_RC)"
	fi

	if [[ -z ${BENCH_SKIP_SSLDUMP:-} ]]; then
		best "$ref_reps" "$f" /dev/null ssldump -n -d -k "$key" -r "$f"
		R[$s,ssldump,secs]=$B_SECS R[$s,ssldump,rss]=$B_RSS
		chk="exit $B_RC"
		if [[ $verify == 1 ]]; then
			got=$(ssldump -n -d -k "$key" -r "$f" 2>/dev/null | grep -c 'HTTP/1.1 200 OK' || true)
			chk="$got/$reqs responses decrypted (exit $B_RC)"
		fi
		row ssldump "$B_SECS" "$B_CPU" "$(mbs "$bytes" "$B_SECS")" "$(mbs "$bytes" "$B_CPU")" "$(div "$B_RSS" 1000 %.1f)" "$chk"
	fi
	R[$s,bytes]=$bytes
	echo
done

# --- handshakes ----------------------------------------------------------
hf=$data/handshakes.pcap
hinf=$data/handshakes.info
hn=$(info "$hinf" sessions)
hport=$(info "$hinf" port)
echo "handshakes: $hn sessions (full RSA 2048 handshake, AES128-GCM-SHA256, one GET each), $(mb "$(stat -c %s "$hf")") MB"
row tool "wall s" "cpu s" "hs/s" "cpu hs/s" "RSS MB" "check"
hs_tlsips=
if ((have_tlsips)); then
	best "$reps" "$hf" "$BENCH_TMP/out" "$tlsips" decrypt -q -r "$hf" -w /dev/null -k "$key"
	hs_tlsips=$(div "$hn" "$B_SECS" %.0f)
	chk="exit $B_RC"
	[[ $B_RC == 0 ]] || tlsips_valid=0
	if [[ $B_RC == 0 && $verify == 1 ]]; then
		"$tlsips" decrypt -q -r "$hf" -w "$BENCH_TMP/plain.pcap" -k "$key" >/dev/null 2>&1 || true
		got=$(tshark -n -r "$BENCH_TMP/plain.pcap" -d "tcp.port==$hport,http" -Y http.response \
			-T fields -e frame.number 2>/dev/null | wc -l)
		rm -f "$BENCH_TMP/plain.pcap"
		chk="$got/$hn responses in output"
		((got == hn)) || tlsips_valid=0
	fi
	row tlsips "$B_SECS" "$B_CPU" "$hs_tlsips" "$(div "$hn" "$B_CPU" %.0f)" "$(div "$B_RSS" 1000 %.1f)" "$chk"
else
	row tlsips - - - - - "not run"
fi
if [[ -z ${BENCH_SKIP_TSHARK:-} ]]; then
	tshark_args "$hf" "$hport"
	best "$ref_reps" "$hf" "$BENCH_TMP/tshark.out" "${T_ARGS[@]}"
	row tshark "$B_SECS" "$B_CPU" "$(div "$hn" "$B_SECS" %.0f)" "$(div "$hn" "$B_CPU" %.0f)" "$(div "$B_RSS" 1000 %.1f)" \
		"$(wc -l <"$BENCH_TMP/tshark.out")/$hn responses decrypted (exit $B_RC)"
fi
if [[ -z ${BENCH_SKIP_SSLDUMP:-} ]]; then
	best "$ref_reps" "$hf" /dev/null ssldump -n -d -k "$key" -r "$hf"
	chk="exit $B_RC"
	if [[ $verify == 1 ]]; then
		got=$(ssldump -n -d -k "$key" -r "$hf" 2>/dev/null | grep -c 'HTTP/1.1 200 OK' || true)
		chk="$got/$hn responses decrypted (exit $B_RC)"
	fi
	row ssldump "$B_SECS" "$B_CPU" "$(div "$hn" "$B_SECS" %.0f)" "$(div "$hn" "$B_CPU" %.0f)" "$(div "$B_RSS" 1000 %.1f)" "$chk"
fi
echo

# --- RSS as the file grows -----------------------------------------------
g=AES128-GCM-SHA256
rss_half='' rss_whole=''
if ((have_tlsips)); then
	pk=$(capinfos -M -c -T "$data/bulk-$g.pcap" | awk -F'\t' 'NR==2 {print $2}')
	half=$data/bulk-$g.half.pcap
	# Kept between runs; made again when the bulk capture is newer.
	[[ -s $half && $half -nt $data/bulk-$g.pcap ]] || editcap -r "$data/bulk-$g.pcap" "$half" "1-$((pk / 2))"
	best 1 "$half" "$BENCH_TMP/out" "$tlsips" decrypt -q -r "$half" -w /dev/null -k "$key"
	rss_half=$B_RSS rss_whole=${R[$g,tlsips,rss]}
	echo "tlsips peak RSS, bulk $g: first half ($(mb "$(stat -c %s "$half")") MB) $(div "$rss_half" 1000 %.1f) MB, whole ($(mb "${R[$g,bytes]}") MB) $(div "$rss_whole" 1000 %.1f) MB"
	echo
fi

# --- summary against the targets ----------------------------------------
verdict() { ((tlsips_valid)) || { echo "INVALID (see check column)"; return; }; awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {if (v == "" || v == "n/a") print "n/a"; else if ((op == ">=" && v >= t) || (op == "<=" && v <= t)) print "PASS"; else print "FAIL"}'; }
echo "summary (targets from issue 2)"
for s in "${suites[@]}"; do
	b=${R[$s,bytes]}
	for t in tlsips tshark ssldump; do
		[[ -n ${R[$s,$t,secs]:-} ]] && printf '  %-18s %-8s %6s MB/s  peak RSS %6s MB\n' "$s" "$t" \
			"$(mbs "$b" "${R[$s,$t,secs]}")" "$(div "${R[$s,$t,rss]}" 1000 %.1f)"
	done
done
if ((have_tlsips)); then
	((tlsips_valid)) || echo "  WARNING: tlsips failed or did not decrypt every response; its figures are not valid"
	t=${R[$g,tlsips,secs]}
	tmbs=$(mbs "${R[$g,bytes]}" "$t")
	printf '  GCM MB/s, one core:              %6s   target >= 2000        %s\n' "$tmbs" "$(verdict "$tmbs" 2000 '>=')"
	for s in "${suites[@]}"; do
		for ref in tshark ssldump; do
			[[ -n ${R[$s,$ref,secs]:-} ]] &&
				printf '  tlsips / %-7s %-18s %6sx\n' "$ref" "$s" "$(div "${R[$s,$ref,secs]}" "${R[$s,tlsips,secs]}" %.1f)"
		done
	done
	gpct=$(pct "$tmbs" "$gcm_mbs")
	printf '  GCM vs openssl speed 16 KiB:     %5s%%   target >= 45%%         %s\n' "$gpct" "$(verdict "$gpct" 45 '>=')"
	hpct=$(pct "$hs_tlsips" "$rsa_sign")
	printf '  handshakes/s vs rsa2048 sign/s:  %5s%%   target >= 85%%         %s  (%s/s vs %.0f/s)\n' \
		"$hpct" "$(verdict "$hpct" 85 '>=')" "$hs_tlsips" "$rsa_sign"
	mx=$(div "$((rss_whole > rss_half ? rss_whole : rss_half))" 1000 %.1f)
	printf '  peak RSS, GCM half and whole:    %5s MB target <= 32 MB        %s\n' "$mx" "$(verdict "$mx" 32 '<=')"
	d=$((rss_whole - rss_half))
	grow=$(pct "${d#-}" "$((rss_whole < rss_half ? rss_whole : rss_half))")
	printf '  RSS half vs whole file differ by:%5s%%   flat (<= 10%%)         %s\n' "$grow" "$(verdict "$grow" 10 '<=')"
else
	echo "  tlsips not measured: $tlsips_note"
fi
echo
echo "saved to $results"

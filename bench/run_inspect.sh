#!/usr/bin/env bash
# run_inspect.sh [--rules-dir DIR] BUILD_DIR DATA_DIR
#
# The HTTP inspection benchmarks of issue 4, on DATA_DIR/http-requests.pcap
# (make_http_requests.sh), all in one run, every measured process pinned to
# one CPU (BENCH_CPU, default 0):
#  (a) decrypt only:  tlsips decrypt -r FILE -k KEY -w /dev/null
#  (b) built-in rules: tlsips inspect -r FILE -k KEY --rules builtin -o /dev/null
#  (c) all ET rules:   tlsips inspect -r FILE -k KEY --rules ET1 ... --rules ET6 -o /dev/null
#      (the Emerging Threats Open files web_server, web_specific_apps,
#      exploit, scan, user_agents, attack_response of --rules-dir)
#  (d) rule loading: tlsips inspect with all ET rules on a tiny capture (the
#      first BENCH_TINY_PACKETS packets of the file), against the same with
#      the built-in rules.
# Each is run BENCH_REPS times (default 3); the table shows the medians.
# HTTP transactions per second per core = the requests in tlsips' summary /
# (user + system CPU seconds) (the engine is single-threaded); for (a), which
# parses no HTTP, the capture's request count. Wall time and peak RSS from
# /usr/bin/time -v. The cost of inspection is (b) or (c) minus (a), per
# transaction. The "net" rates take off the CPU time of (d) with the same
# rules (start-up and rule loading, which (c) pays once: about a second of
# CPU for all ET rules), leaving the inspection of the transactions.
#
# BUILD_DIR is the build directory holding tlsips, or the tlsips binary.
# --rules-dir defaults to BENCH_RULES_DIR or else ../shared/rules next to
# the repository. Prints a table and saves it as DATA_DIR/inspect-results.txt.
#
# Environment:
#   BENCH_CPU=0             CPU the measured processes are pinned to
#   BENCH_REPS=3            runs of each measurement (median kept)
#   BENCH_TINY_PACKETS=100  packets of the tiny capture for (d)

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

rules_dir=${BENCH_RULES_DIR:-$here/../../shared/rules}
while [[ $# -gt 0 && $1 == --* ]]; do
	case $1 in
	--rules-dir)
		[[ $# -ge 2 ]] || bench_die "--rules-dir needs a directory"
		rules_dir=$2
		shift 2
		;;
	*) bench_die "unknown option $1 (usage: run_inspect.sh [--rules-dir DIR] BUILD_DIR DATA_DIR)" ;;
	esac
done
[[ $# -eq 2 ]] || bench_die "usage: run_inspect.sh [--rules-dir DIR] BUILD_DIR DATA_DIR"
build=$1
[[ -d $2 ]] || bench_die "no directory $2"
data=$(cd "$2" && pwd)
cpu=${BENCH_CPU:-0}
reps=${BENCH_REPS:-3}
tiny_packets=${BENCH_TINY_PACKETS:-100}
[[ $reps =~ ^[0-9]+$ && $reps -ge 1 ]] || bench_die "bad BENCH_REPS: $reps"
[[ $tiny_packets =~ ^[0-9]+$ && $tiny_packets -ge 10 ]] || bench_die "bad BENCH_TINY_PACKETS: $tiny_packets"

bench_need editcap capinfos taskset /usr/bin/time awk sort
if [[ -f $build && -x $build ]]; then tlsips=$build; else tlsips=$build/tlsips; fi
[[ -x $tlsips ]] || bench_die "no tlsips binary at $tlsips (build it: cmake --build BUILD_DIR --target tlsips)"
key=$data/server.key
pcap=$data/http-requests.pcap
inf=$data/http-requests.info
[[ -s $key && -s $pcap && -s $inf ]] || bench_die "no $pcap, $inf or $key: run make_http_requests.sh $data first"
[[ -d $rules_dir ]] || bench_die "no rules directory $rules_dir (give --rules-dir)"
rules_dir=$(cd "$rules_dir" && pwd)
et_names=(web_server web_specific_apps exploit scan user_agents attack_response)
et_args=() et_files=()
for nm in "${et_names[@]}"; do
	f=$rules_dir/emerging-$nm.rules
	[[ -s $f ]] || bench_die "missing ET rule file $f"
	et_args+=(--rules "$f") et_files+=("$f")
done

BENCH_TMP=$(mktemp -d /tmp/tlsips-bench.XXXXXX)
trap bench_cleanup EXIT
results=$data/inspect-results.txt
exec > >(tee "$results")

info() { sed -n "s/^$1=//p" "$inf"; } # info KEY
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {if (a != "" && a != "n/a" && b + 0 > 0) printf f, a / b; else printf "n/a"}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
thousands() { awk -v v="$1" 'BEGIN {if (v == "n/a" || v == "") {print "n/a"; exit} s = sprintf("%.0f", v); o = ""; while (length(s) > 3) {o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3)} print s o}'; }

# measure TAG CMD...: run CMD pinned to $cpu under /usr/bin/time -v, stdout
# discarded, stderr kept in $BENCH_TMP/TAG.err. Sets M_SECS (wall), M_CPU
# (user + system), M_RSS (peak, KiB) and M_RC.
measure() {
	local tag=$1 t0 t1
	shift
	# $EPOCHREALTIME: no date process forked inside the timed span (a
	# comma radix from the locale becomes a point for awk)
	t0=${EPOCHREALTIME/,/.}
	set +e
	taskset -c "$cpu" /usr/bin/time -v -o "$BENCH_TMP/time" "$@" >/dev/null 2>"$BENCH_TMP/$tag.err"
	M_RC=$?
	set -e
	t1=${EPOCHREALTIME/,/.}
	M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	M_RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$BENCH_TMP/time")
	M_CPU=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$BENCH_TMP/time")
	: "${M_RSS:=0}"
}

# series TAG FILE CMD...: warm FILE into the page cache, then measure CMD
# $reps times. Sets S_SECS, S_CPU, S_RSS (medians), S_CPU_RANGE (min-max),
# S_RC (first non-zero exit status, else 0); the stderr of the last run is
# $BENCH_TMP/TAG.err (of the first failing run if one failed).
series() {
	local tag=$1 file=$2 i
	shift 2
	local -a secs=() cpus=() rsss=()
	S_RC=0
	bench_warm "$file"
	for ((i = 0; i < reps; i++)); do
		measure "$tag" "$@"
		secs+=("$M_SECS") cpus+=("$M_CPU") rsss+=("$M_RSS")
		if [[ $M_RC != 0 ]]; then
			S_RC=$M_RC
			break
		fi
	done
	S_SECS=$(median "${secs[@]}")
	S_CPU=$(median "${cpus[@]}")
	S_RSS=$(median "${rsss[@]}")
	S_CPU_RANGE=$(printf '%s\n' "${cpus[@]}" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "-" hi}')
}

# The summary lines of tlsips inspect (stderr): "http: N requests, ...",
# "alerts: N (...)", "tls: N decrypted, M not...", "rules: NAME: ...".
sum_http() { sed -n 's/^http: \([0-9]*\) requests.*/\1/p' "$1" | tail -1; }
sum_alerts() { sed -n 's/^alerts: \([0-9]*\).*/\1/p' "$1" | tail -1; }
sum_tls() { sed -n 's/^tls: \([0-9]*\) decrypted, \([0-9]*\) not.*/\1 \2/p' "$1" | tail -1; }
sum_rules() { grep '^rules: ' "$1" | tail -1 || true; }
fail_note() { # TAG RC: the exact error of a failed run, one line
	printf 'exit %s: %s' "$2" "$(grep -v '^\s*$' "$BENCH_TMP/$1.err" | grep -iv '^rules: \|warning' | tail -3 | tr '\n' ' ' | cut -c1-300)"
}

requests=$(info requests)
conns=$(info connections)
bytes=$(stat -c %s "$pcap")
now=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "tlsips inspection benchmarks (issue 4), $now"
echo "host: $(uname -n), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) CPUs; measured processes pinned to CPU $cpu"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tlsips: $tlsips ($("$tlsips" --version 2>/dev/null | head -1 || echo 'no --version'))"
echo "capture: $pcap, $(awk -v b="$bytes" 'BEGIN {printf "%.0f", b / 1e6}') MB, $requests HTTPS requests ($(info get_requests) GET, $(info post_requests) POST) over $conns keep-alive connections, port $(info port), TLS 1.2 $(info suite)"
echo "         average request $(div "$(info request_header_bytes)" "$requests" %.0f) B of headers (+ $(div "$(info request_body_bytes)" "$(info post_requests)" %.0f) B body per POST), response body $(div "$(info response_body_bytes)" "$requests" %.0f) B"
echo "rules: $rules_dir (emerging-{$(
	IFS=,
	echo "${et_names[*]}"
)}.rules)"
et_active=$(cat "${et_files[@]}" | grep -cE '^(alert|drop|reject|pass) ' || true)
et_commented=$(cat "${et_files[@]}" | grep -cE '^# ?(alert|drop|reject|pass) ' || true)
echo "       $et_active rules enabled in the files, $et_commented commented out; $reps runs of each measurement, medians shown"
echo

valid=1
declare -A R # R[case,field]
row() { printf '%-26s %9s %9s %11s %9s %11s %9s  %s\n' "$@"; }
row "" "wall s" "cpu s" "req/s/core" "RSS MB" "HTTP reqs" "alerts" "check"

# run_case NAME LABEL CMD...: one line of the table.
run_case() {
	local name=$1 label=$2 chk http alerts tls
	shift 2
	series "$name" "$pcap" "$@"
	R[$name,secs]=$S_SECS R[$name,cpu]=$S_CPU R[$name,rss]=$S_RSS R[$name,range]=$S_CPU_RANGE
	local err=$BENCH_TMP/$name.err
	if [[ $S_RC != 0 ]]; then
		valid=0
		R[$name,ok]=0
		chk=$(fail_note "$name" "$S_RC")
		row "$label" - - - - - - "FAILED: $chk"
		echo "    command: $*"
		return
	fi
	R[$name,ok]=1
	if [[ $name == decrypt ]]; then
		http=$requests alerts=-
		tls=$(sed -n 's/.* sessions: \([0-9]*\) decrypted, \([0-9]*\) not.*/\1 \2/p' "$err" | tail -1)
	else
		http=$(sum_http "$err") alerts=$(sum_alerts "$err") tls=$(sum_tls "$err")
		R[$name,rules]=$(sum_rules "$err")
	fi
	chk="cpu ${S_CPU_RANGE} s; tls ${tls:-?} (decrypted, not)"
	if [[ $tls != "$conns 0" ]]; then
		chk+="; NOT ALL $conns SESSIONS DECRYPTED"
		valid=0
	fi
	if [[ $http != "$requests" ]]; then
		chk+="; HTTP REQUESTS ${http:-?} != $requests"
		valid=0
	fi
	R[$name,http]=$http R[$name,alerts]=$alerts
	row "$label" "$S_SECS" "$S_CPU" "$(thousands "$(div "$http" "$S_CPU" %.0f)")" "$(div "$S_RSS" 1000 %.1f)" \
		"$http" "$alerts" "$chk"
}

run_case decrypt "(a) decrypt only" "$tlsips" decrypt -r "$pcap" -k "$key" -w /dev/null
run_case builtin "(b) inspect, built-in" "$tlsips" inspect -r "$pcap" -k "$key" --rules builtin -o /dev/null
run_case et "(c) inspect, all ET rules" "$tlsips" inspect -r "$pcap" -k "$key" "${et_args[@]}" -o /dev/null
echo
for c in builtin et; do
	[[ -n ${R[$c,rules]:-} ]] && echo "  ($([[ $c == builtin ]] && echo b || echo c)) ${R[$c,rules]}"
done
echo

# --- (d) rule loading ------------------------------------------------------
# The same command on a tiny capture: start-up, key and rule loading and a
# few dozen requests. Its CPU time is also subtracted from (b) and (c) for
# the "net" rates, which count the inspection alone.
tiny=$BENCH_TMP/tiny.pcap
editcap -r "$pcap" "$tiny" "1-$tiny_packets" 2>/dev/null || bench_die "editcap could not cut $pcap"
echo "(d) rule loading: tlsips inspect on the first $tiny_packets packets of the capture"
row "" "wall s" "cpu s" "" "RSS MB" "" "" "rules line"
for c in load_builtin load_et; do
	if [[ $c == load_builtin ]]; then
		label="built-in rules" args=(--rules builtin)
	else
		label="all ET rules" args=("${et_args[@]}")
	fi
	series "$c" "$tiny" "$tlsips" inspect -r "$tiny" -k "$key" "${args[@]}" -o /dev/null
	R[$c,secs]=$S_SECS R[$c,cpu]=$S_CPU R[$c,rss]=$S_RSS
	if [[ $S_RC != 0 ]]; then
		valid=0
		R[$c,ok]=0
		row "$label" - - "" - "" "" "FAILED: $(fail_note "$c" "$S_RC")"
		continue
	fi
	R[$c,ok]=1
	R[$c,rules]=$(sum_rules "$BENCH_TMP/$c.err")
	row "$label" "$S_SECS" "$S_CPU" "" "$(div "$S_RSS" 1000 %.1f)" "" "" "${R[$c,rules]:-(no rules line)}"
done
if [[ ${R[load_et,ok]:-0} == 1 ]]; then
	warns=$(grep -ci 'warning' "$BENCH_TMP/load_et.err" || true)
	echo "  ET load: $warns warning lines on stderr (skipped rules name file:line and keyword)"
	grep -i 'warning' "$BENCH_TMP/load_et.err" | sed -n 's/.*\(unsupported\|keyword\)[^a-z0-9_.]*\([a-z0-9_.]*\).*/\2/p' |
		sort | uniq -c | sort -rn | head -10 | awk 'BEGIN {printf "  most frequent skipped keywords:"} {printf " %s %s;", $2, $1} END {print ""}'
fi
echo

# --- cost of inspection ----------------------------------------------------
# Extra CPU per transaction over decrypt-only; "net" also takes off the
# tiny-capture run of the same rules (start-up and rule loading).
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }
echo "cost of inspection over decrypt-only (median CPU seconds, same capture, $requests transactions):"
for c in builtin et; do
	l=load_$c
	[[ $c == builtin ]] && label="(b) built-in rules:" || label="(c) all ET rules:"
	if [[ ${R[$c,ok]:-0} == 1 && ${R[$l,ok]:-0} == 1 ]]; then
		R[$c,net]=$(sub "${R[$c,cpu]}" "${R[$l,cpu]}")
		R[$c,netrate]=$(div "${R[$c,http]}" "${R[$c,net]}" %.0f)
	fi
	[[ ${R[decrypt,ok]:-0} == 1 && ${R[$c,ok]:-0} == 1 ]] || continue
	extra=$(sub "${R[$c,cpu]}" "${R[decrypt,cpu]}")
	printf '  %-20s +%s s CPU = %s us per transaction; %sx the decrypt-only CPU time\n' "$label" "$extra" \
		"$(div "$extra" "$(div "$requests" 1e6 %.6f)" %.2f)" "$(div "${R[$c,cpu]}" "${R[decrypt,cpu]}" %.2f)"
	if [[ -n ${R[$c,net]:-} ]]; then
		printf '  %-20s net of rule loading (%s s CPU in the tiny run): %s s of inspection = %s req/s/core\n' "" \
			"${R[$l,cpu]}" "${R[$c,net]}" "$(thousands "${R[$c,netrate]}")"
	fi
done
echo

# --- summary ---------------------------------------------------------------
verdict() {
	local ok=$1 v=$2 t=$3 op=$4
	if [[ $ok != 1 ]]; then
		echo "FAILED TO RUN"
		return
	fi
	((valid)) || {
		echo "INVALID (see check column)"
		return
	}
	awk -v v="$v" -v t="$t" -v op="$op" 'BEGIN {if (v == "" || v == "n/a") print "n/a"; else if ((op == ">=" && v >= t) || (op == "<=" && v <= t)) print "PASS"; else print "FAIL"}'
}
echo "summary (targets from issue 4)"
b_rate=$(div "${R[builtin,http]:-}" "${R[builtin,cpu]}" %.0f)
e_rate=$(div "${R[et,http]:-}" "${R[et,cpu]}" %.0f)
d_rate=n/a
[[ ${R[decrypt,ok]:-0} == 1 ]] && d_rate=$(div "$requests" "${R[decrypt,cpu]}" %.0f)
line() { printf '  %-52s %10s   %-18s %s\n' "$@"; }
line "decrypt only, req/s/core (reference)" "$(thousands "$d_rate")" "" ""
line "built-in rules, req/s/core" "$(thousands "$b_rate")" "target >= 150,000" "$(verdict "${R[builtin,ok]:-0}" "$b_rate" 150000 '>=')"
line "built-in rules, req/s/core net of rule loading" "$(thousands "${R[builtin,netrate]:-n/a}")" "target >= 150,000" \
	"$(verdict "${R[builtin,ok]:-0}" "${R[builtin,netrate]:-n/a}" 150000 '>=')"
line "all ET rules, req/s/core" "$(thousands "$e_rate")" "target >= 50,000" "$(verdict "${R[et,ok]:-0}" "$e_rate" 50000 '>=')"
line "all ET rules, req/s/core net of rule loading" "$(thousands "${R[et,netrate]:-n/a}")" "target >= 50,000" \
	"$(verdict "${R[et,ok]:-0}" "${R[et,netrate]:-n/a}" 50000 '>=')"
lw=n/a lc=n/a lr=n/a
if [[ ${R[load_et,ok]:-0} == 1 ]]; then
	lw=${R[load_et,secs]} lc=${R[load_et,cpu]} lr=$(div "${R[load_et,rss]}" 1000 %.1f)
fi
line "all ET rules, load wall s (tiny capture)" "$lw" "target <= 5 s" "$(verdict "${R[load_et,ok]:-0}" "$lw" 5 '<=')"
line "all ET rules, load CPU s (tiny capture)" "$lc" "(wall on an idle core)" ""
line "all ET rules, peak RSS MB (tiny capture)" "$lr" "target <= 512 MB" "$(verdict "${R[load_et,ok]:-0}" "$lr" 512 '<=')"
((valid)) || echo "  WARNING: a run failed or did not see every session / request; see the check column"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "saved to $results"

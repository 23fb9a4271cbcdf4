#!/usr/bin/env bash
# Run every test of tlsips:
#
#   bash scripts/test.sh
#
#  1. scripts/bootstrap.sh (installs what is missing; a no-op otherwise)
#  2. builds build/ (RelWithDebInfo) and build-asan/ (-DTLSIPS_SANITIZE=ON:
#     AddressSanitizer + UndefinedBehaviorSanitizer, leak checks on)
#  3. ctest in build-asan/: unit, regress and e2e tests
#  4. ctest -L unit in build/: the unit tests without sanitizers
#  5. fuzz smoke (when clang is there): build-fuzz/ with libFuzzer, each
#     target run for TLSIPS_FUZZ_SECONDS (default 10; 0 skips) from its seeds
#
# Ends with the line "N passed, N failed" (all steps together) and exits
# non-zero if anything failed. 2 parallel jobs (TLSIPS_JOBS to change).
# Needs root: the e2e tests capture on lo and start servers.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
JOBS=${TLSIPS_JOBS:-2}
FUZZ_SECONDS=${TLSIPS_FUZZ_SECONDS:-10}
# Build trees: build/, build-asan/, build-fuzz/ (TLSIPS_BUILD_DIR=x: x/, x-asan/, x-fuzz/).
B=${TLSIPS_BUILD_DIR:-build}
PASSED=0
SKIPPED=0
FAILED=0
FAILURES=()
T0=$SECONDS

step() { printf '\n=== %s\n' "$*"; }
passed() { PASSED=$((PASSED + $1)); }
failed() {
    FAILED=$((FAILED + 1))
    FAILURES+=("$1")
}

finish() {
    step "result ($((SECONDS - T0)) s)"
    local f
    for f in "${FAILURES[@]}"; do printf 'failed: %s\n' "$f"; done
    # Skipped cases (e.g. no network namespaces here) are named, not counted as passed.
    [ "$SKIPPED" -eq 0 ] || printf 'skipped: %d (see the ctest output above)\n' "$SKIPPED"
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    [ "$FAILED" -eq 0 ]
    exit
}

# build DIR CMAKE_ARGS...: configure and build; a failure is one failed step.
build() {
    local dir=$1
    shift
    step "build $dir ($*)"
    if cmake -S "$ROOT" -B "$ROOT/$dir" "$@" && cmake --build "$ROOT/$dir" -j"$JOBS"; then
        return 0
    fi
    failed "build of $dir"
    return 1
}

# run_ctest DIR CTEST_ARGS...: run ctest, add its counts to the totals.
run_ctest() {
    local dir=$1 log=$ROOT/$1/ctest-summary.log line total nfail nskip
    shift
    step "ctest in $dir ${*}"
    (cd "$ROOT/$dir" && ctest --output-on-failure -j"$JOBS" "$@") 2>&1 | tee "$log"
    # "100% tests passed, 0 tests failed out of 23"
    line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        if grep -q 'No tests were found' "$log"; then
            failed "ctest in $dir $*: no tests found"
        else
            failed "ctest in $dir $*: no summary (ctest crashed?)"
        fi
        return
    fi
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    nfail=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
    # ctest counts a skipped test (exit 77) among the passed ones.
    nskip=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*Skipped' "$log" || true)
    SKIPPED=$((SKIPPED + nskip))
    passed $((total - nfail - nskip))
    if [ "$nfail" -gt 0 ]; then
        FAILED=$((FAILED + nfail))
        while read -r name; do FAILURES+=("$dir: $name"); done < <(
            sed -n '/The following tests FAILED:/,$p' "$log" | sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\).*/\1/p')
    fi
}

# fuzz_smoke: build the libFuzzer targets with clang and run each briefly
# from its seed corpus (new inputs go to a scratch corpus, never to fuzz/).
fuzz_smoke() {
    if [ "$FUZZ_SECONDS" = 0 ]; then
        step "fuzz smoke skipped (TLSIPS_FUZZ_SECONDS=0)"
        return
    fi
    if ! command -v clang >/dev/null || [ ! -e "$ROOT/fuzz/CMakeLists.txt" ]; then
        step "fuzz smoke skipped (no clang or no fuzz/)"
        return
    fi
    CC=clang build "$B-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSIPS_FUZZ=ON -DTLSIPS_TESTS=OFF || return
    local bin name target work art rc
    art=$ROOT/$B-fuzz/artifacts
    mkdir -p "$art"
    for bin in "$ROOT/$B-fuzz"/fuzz/fuzz_*; do
        [ -x "$bin" ] && [ -f "$bin" ] || continue
        name=$(basename "$bin")
        target=${name#fuzz_}
        work=$ROOT/$B-fuzz/corpus-work/$target
        rm -rf "$work"
        mkdir -p "$work"
        step "fuzz $name for ${FUZZ_SECONDS} s"
        rc=0
        # shellcheck disable=SC2046 # the seed dir is optional
        timeout $((FUZZ_SECONDS + 120)) "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/$name-" \
            "$work" $([ -d "$ROOT/fuzz/corpus/$target" ] && echo "$ROOT/fuzz/corpus/$target") \
            >"$ROOT/$B-fuzz/$name.log" 2>&1 || rc=$?
        tail -n 12 "$ROOT/$B-fuzz/$name.log"
        if [ $rc -eq 0 ]; then
            passed 1
        else
            failed "fuzz $name (status $rc; log $B-fuzz/$name.log, artefacts in $B-fuzz/artifacts/)"
        fi
    done
}

step "bootstrap"
bash "$ROOT/scripts/bootstrap.sh" || { failed "bootstrap"; finish; }
if [ "$(id -u)" -ne 0 ]; then
    echo "warning: not root; the e2e tests need root (tcpdump on lo) and will fail" >&2
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

build "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo && build_ok=1 || build_ok=0
build "$B-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSIPS_SANITIZE=ON && asan_ok=1 || asan_ok=0
[ "$asan_ok" -eq 1 ] && run_ctest "$B-asan"
[ "$build_ok" -eq 1 ] && run_ctest "$B" -L unit
fuzz_smoke
finish

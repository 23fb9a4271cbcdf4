#!/usr/bin/env bash
# Install everything tlsips needs to build, test, fuzz and benchmark, on
# Debian 12 (bookworm), from Debian's own repositories.
#
#   bash scripts/bootstrap.sh
#
# Idempotent: when every package is already installed it changes nothing and
# needs no network. Runs as root (or through sudo when not root). Works in a
# bare `debootstrap --variant=minbase bookworm` tree. Starts no services:
# while it installs, a temporary policy-rc.d stops package scripts from
# starting daemons (nginx would otherwise start on port 80).
set -euo pipefail

# One package per line, with why it is here.
PACKAGES=(
    build-essential     # gcc, make, libc headers; gcc's ASan/UBSan runtimes
    cmake               # build system (3.25 in bookworm)
    pkg-config          # finds libpcap and cmocka
    clang               # libFuzzer builds (fuzz/)
    libclang-rt-14-dev  # clang's sanitizer and libFuzzer runtimes
    libssl-dev          # libcrypto (the engine), libssl (test peers only)
    openssl             # s_server / s_client: test and demo traffic, keys
    libpcap-dev         # capture files and live capture
    libcmocka-dev       # unit tests
    libhtp-dev          # oracle of the HTTP parser tests (test_http_vs_libhtp, fuzz_http_diff)
    zlib1g-dev          # gzip/deflate bodies (http/)
    libhyperscan-dev    # multi-pattern prefilter (detect/)
    libpcre2-dev        # pcre rule options, JIT (detect/)
    libyaml-dev         # policy file (policy/)
    libnetfilter-queue-dev # inline mode (capture/)
    iptables            # NFQUEUE rules in the inline tests
    wrk                 # HTTP load in bench/
    tshark              # oracle and pcap inspection in tests; brings editcap, capinfos
    tcpdump             # captures on loopback in tests and the demo
    gnutls-bin          # gnutls-serv/-cli: RC4 and 3DES sessions OpenSSL cannot make
    nginx-light         # real HTTPS server in tests and benchmarks
    apache2             # real HTTPS server (mod_ssl) in the key log tests
    haproxy             # TLS-terminating proxy in the key log tests
    nghttp2-client      # h2load: handshake rates in bench/keylog_handshake.sh
    libnginx-mod-http-modsecurity # bench only: ModSecurity comparison (bench/run_inline.sh; loads into Debian's nginx)
    modsecurity-crs     # bench only: ModSecurity comparison (OWASP CRS 3.3)
    curl                # real HTTPS client in tests and benchmarks
    ssldump             # benchmark comparison
    iproute2            # ss: free ports, listening checks
    procps              # ps, used by scripts and benchmarks
    time                # /usr/bin/time -v: peak RSS in benchmarks
    ca-certificates     # curl/openssl sanity
    xxd                 # hex to bytes in tests (its own package in bookworm)
    jq                  # checks JSON events in tests
    git                 # version info, CI checkouts
)

say() { printf 'bootstrap: %s\n' "$*"; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        say "not root and no sudo: run this as root" >&2
        exit 1
    fi
fi

if [ -r /etc/os-release ]; then
    . /etc/os-release
    if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
        say "warning: written for Debian 12 (bookworm), this is ${PRETTY_NAME:-unknown}"
    fi
fi

# Which packages are missing?
missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#PACKAGES[@]} packages already installed"
else
    say "installing ${#missing[@]} package(s): ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; answer no, without asking.
    say "preseeding debconf: wireshark-common/install-setuid = false"
    echo 'wireshark-common wireshark-common/install-setuid boolean false' |
        "${SUDO[@]}" debconf-set-selections

    # No daemon starts during installation (policy-rc.d exit 101 = "action
    # forbidden"), unless the system already has its own policy.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        say "temporarily forbidding service starts ($policy)"
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
        "${SUDO[@]}" chmod 755 "$policy"
        made_policy=1
    fi
    cleanup() {
        if [ "$made_policy" -eq 1 ]; then
            "${SUDO[@]}" rm -f "$policy"
        fi
    }
    trap cleanup EXIT

    say "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    say "apt-get install"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
fi

# Check the tools the build and the tests call, so a broken install shows here.
export PATH="$PATH:/usr/sbin:/sbin"
for t in cc clang cmake pkg-config openssl tshark editcap capinfos tcpdump gnutls-serv \
    gnutls-cli nginx apache2 haproxy curl ssldump ss xxd jq; do
    command -v "$t" >/dev/null 2>&1 || { say "missing tool after install: $t" >&2; exit 1; }
done
pkg-config --exists libpcap cmocka htp libhs libpcre2-8 yaml-0.1 libnetfilter_queue zlib || { say "pkg-config cannot find a library (libpcap cmocka htp libhs libpcre2-8 yaml-0.1 libnetfilter_queue zlib)" >&2; exit 1; }
say "ready: $(openssl version | cut -d' ' -f1-2), $(tshark --version 2>/dev/null | head -n 1 | cut -d" " -f1-3), $(cmake --version | head -n 1)"

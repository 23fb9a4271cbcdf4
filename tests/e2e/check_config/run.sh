#!/usr/bin/env bash
# `tlsips check -c`: a good policy passes (exit 0); each problem is named
# with file:line and makes it exit 2: a YAML typo, a key that belongs to
# another certificate (given as a file, and as served by a real local TLS
# service), a key file others can read, a rule file with a syntax error,
# a missing rule file.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

make_rsa_cert good
make_rsa_cert other
chmod 600 good.key other.key
PORT=$(pick_port)
bg_start srv openssl s_server -accept "127.0.0.1:$PORT" -cert good.crt -key good.key -www -quiet
wait_listen "$PORT" srv
printf 'alert http any any -> any any (msg:"local"; http.uri; content:"/x"; sid:1000001; rev:1;)\n' >ok.rules
printf 'alert http any any -> any any (msg:"broken"; http.uri; content:"/x; sid:1000002;)\n' >bad.rules

policy() { # NAME KEYFILE [CERT] [RULES]
    {
        printf 'port-lists:\n  - name: web\n    ports: [80, 443, %s]\n' "$PORT"
        printf 'app-types:\n  - name: Web Server Common\n    ports: web\n    rules: [builtin, %s]\n' "${4:-$WORK/ok.rules}"
        printf 'tls-inspection:\n  - name: site\n    ports: [%s]\n    credentials:\n      - key: %s\n' "$PORT" "$2"
        [ -z "${3:-}" ] || printf '        cert: %s\n' "$3"
    } >"$1.yaml"
}

policy good "$WORK/good.key"
run_tlsips good check -c good.yaml
check_rc 0 "check of a good policy (key matches the served certificate)"
check_grep good.err "good.yaml:[0-9]+: ok: .*good.key belongs to the certificate of the service at 127.0.0.1 port $PORT" "served certificate matched"

policy served "$WORK/other.key"
run_tlsips served check -c served.yaml
check_rc 2 "check: key of another certificate (served)"
check_grep served.err "served.yaml:[0-9]+: error: .*other.key does not belong to the certificate of the service" "served mismatch named"

policy file "$WORK/good.key" "$WORK/other.crt"
run_tlsips file check -c file.yaml
check_rc 2 "check: key of another certificate (file)"
check_grep file.err "file.yaml:[0-9]+: error: .*good.key does not belong to the certificate of .*other.crt" "file mismatch named"

cp good.key open.key
chmod 644 open.key
policy perms "$WORK/open.key"
run_tlsips perms check -c perms.yaml
check_rc 2 "check: key readable by others"
check_grep perms.err "perms.yaml:[0-9]+:[0-9]+: error: .*open.key.* readable" "world-readable key named"

policy rules "$WORK/good.key" "" "$WORK/bad.rules"
run_tlsips rules check -c rules.yaml
check_rc 2 "check: rule file with a syntax error"
check_grep rules.err "bad.rules:1: error" "rule syntax error named with file:line"

policy missing "$WORK/good.key" "" "$WORK/nope.rules"
run_tlsips missing check -c missing.yaml
check_rc 2 "check: missing rule file"
check_grep missing.err "nope.rules" "missing rule file named"

policy typo "$WORK/good.key"
sed -i 's/^app-types:/app-typs:/' typo.yaml
run_tlsips typo check -c typo.yaml
check_rc 2 "check: misspelt key"
check_grep typo.err "typo.yaml:[0-9]+:[0-9]+: error: .*app-typs.*app-types" "typo named with a suggestion"
e2e_finish

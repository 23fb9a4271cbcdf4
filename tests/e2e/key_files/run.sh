#!/usr/bin/env bash
# Server keys in every form an operator hands over, and the errors they make.
# One session (AES128-GCM-SHA256); then tlsips run once per key set-up:
#  - several keys, the right one in the middle: it is picked by matching the
#    certificate, the others are reported as matching no certificate;
#  - traditional ("BEGIN RSA PRIVATE KEY") and PKCS#8 PEM;
#  - encrypted PKCS#8 PEM, encrypted traditional PEM (Proc-Type/DEK-Info),
#    PKCS#12 (OpenSSL 3 default: AES-256/PBKDF2) and legacy PKCS#12
#    (3DES/RC2, as older tools write), each with --pass-file (the pass file
#    ends in a newline, as `echo` writes it, which is not part of the phrase);
#  - the issue's example: a PKCS#12 key and another PEM key together;
#  - wrong pass phrase, missing pass file, encrypted key without a pass file,
#    malformed key file, missing key file: exit status 2, message names the
#    file;
#  - only a wrong key: exit 0, the session "not decrypted: no_key" (or
#    key_mismatch), nothing of it written out.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"

make_rsa_cert server
make_rsa_cert other-a other-a.test
make_rsa_cert other-c other-c.test
echo 'correct horse battery' >pw.txt
echo 'wrong pass phrase' >wrong.txt
openssl rsa -in server.key -traditional -out server-trad.key 2>/dev/null
openssl pkey -in server.key -aes-256-cbc -passout file:pw.txt -out server-enc8.pem
openssl rsa -in server.key -traditional -aes256 -passout file:pw.txt -out server-enctrad.pem 2>/dev/null
openssl pkcs12 -export -inkey server.key -in server.crt -passout file:pw.txt -out server.p12
openssl pkcs12 -export -legacy -inkey server.key -in server.crt -passout file:pw.txt -out server-legacy.p12
grep -q 'BEGIN RSA PRIVATE KEY' server-trad.key || die "server-trad.key is not a traditional PEM key"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' server-enc8.pem || die "server-enc8.pem is not encrypted PKCS#8"
grep -q 'Proc-Type: 4,ENCRYPTED' server-enctrad.pem || die "server-enctrad.pem is not encrypted traditional PEM"
printf 'this is not a key\n' >garbage.pem

PORT=$(pick_port)
ossl_www_server srv "$PORT" "$WORK/www" server
start_capture "$PORT" cap.pcap
www_session s1 "$PORT" -tls1_2 -cipher AES128-GCM-SHA256
stop_capture
map_sessions cap.pcap s1
oracle_check cap.pcap server.key s1

# decrypts NAME WHAT ARGS...: tlsips with these keys decrypts the session.
decrypts() {
    local name=$1 what=$2
    shift 2
    run_tlsips "$name" decrypt -r cap.pcap -w "out-$name.pcap" "$@"
    check_rc 0 "$what"
    follow_all tcp "out-$name.pcap" "plain-$name"
    check_decrypted "$name.err" "plain-$name" "TLS 1.2" AES128-GCM-SHA256 s1
}

decrypts multi "three keys, right one in the middle" -k other-a.key -k server.key -k other-c.key
check_grep multi.err '^(tlsips: )?warning: key other-a\.key matched no server certificate$' "other-a.key reported unused"
check_grep multi.err '^(tlsips: )?warning: key other-c\.key matched no server certificate$' "other-c.key reported unused"
check_no_grep multi.err 'warning: key server.key' "server.key not reported unused"
decrypts trad "traditional PEM key" -k server-trad.key
decrypts enc8 "encrypted PKCS#8 PEM" -k server-enc8.pem --pass-file pw.txt
decrypts enctrad "encrypted traditional PEM" -k server-enctrad.pem --pass-file pw.txt
decrypts p12 "PKCS#12" -k server.p12 --pass-file pw.txt
decrypts p12legacy "legacy PKCS#12 (3DES/RC2)" -k server-legacy.p12 --pass-file pw.txt
decrypts issue "PKCS#12 with pass file, then another PEM key" -k server.p12 --pass-file pw.txt -k other-a.key
check_grep issue.err '^(tlsips: )?warning: key other-a\.key matched no server certificate$' "other-a.key reported unused"

# usage_error NAME FILE WHAT ARGS...: exit status 2, FILE named on stderr.
usage_error() {
    local name=$1 file=$2 what=$3
    shift 3
    run_tlsips "$name" decrypt -r cap.pcap -w "out-$name.pcap" "$@"
    check_rc 2 "$what"
    check_grep "$name.err" "$file" "$what: message names $file"
}
usage_error wrongpw-pem server-enc8.pem "wrong pass phrase (PKCS#8)" -k server-enc8.pem --pass-file wrong.txt
usage_error wrongpw-trad server-enctrad.pem "wrong pass phrase (traditional)" -k server-enctrad.pem --pass-file wrong.txt
usage_error wrongpw-p12 server.p12 "wrong pass phrase (PKCS#12)" -k server.p12 --pass-file wrong.txt
usage_error nopw server-enc8.pem "encrypted key without --pass-file" -k server-enc8.pem
usage_error nopwfile missing-pw.txt "missing pass file" -k server-enc8.pem --pass-file missing-pw.txt
usage_error garbage garbage.pem "malformed key file" -k garbage.pem
usage_error nokey no-such.key "missing key file" -k no-such.key
usage_error badsecond garbage.pem "one bad key among good ones" -k server.key -k garbage.pem

# Only a wrong key.
run_tlsips wrongkey decrypt -r cap.pcap -w out-wrongkey.pcap -k other-a.key
check_rc 0 "only a wrong key"
check_grep wrongkey.err "^$(session_line "${CPORT[s1]}" "${SPORT[s1]}" "TLS 1.2" AES128-GCM-SHA256 "not decrypted: ")(no_key|key_mismatch)\$" \
    "wrong key: session not decrypted, no_key or key_mismatch"
check_grep wrongkey.err '^(tlsips: )?warning: key other-a\.key matched no server certificate$' "wrong key reported unused"
follow_all tcp out-wrongkey.pcap plain-wrongkey
if [ -e "plain-wrongkey.${CPORT[s1]}.c2s" ]; then
    fail "wrong key: the undecrypted session was written out"
else
    ok "wrong key: the undecrypted session is not in the output"
fi
e2e_finish

#!/usr/bin/env bash
# A real web server and a real client: nginx (its own configuration in the
# scratch dir, TLS 1.2, RSA key exchange only: AES128-GCM-SHA256 and
# AES256-SHA) and curl over HTTP/1.1 with SNI. Two connections, several
# requests each on the same connection (GETs with query strings, POSTs with a
# body). The expected bytes are those curl itself logs with --trace ("Send
# header"/"Send data", "Recv header"/"Recv data", not the TLS records), so
# both directions of each connection are checked byte for byte.
. "$(dirname "$0")/../lib.sh"
e2e_init "$@"
e2e_need nginx curl

make_rsa_cert server
PORT=$(pick_port)
mkdir -p ngx/html ngx/tmp
seq 1 2000 | sed 's/^/nginx line /' >ngx/html/index.html
head -c 30000 /dev/urandom | xxd -p >ngx/html/data.txt
cat >ngx/nginx.conf <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $WORK/ngx/nginx.pid;
error_log $WORK/ngx/error.log info;
events { worker_connections 64; }
http {
    default_type text/plain;
    access_log $WORK/ngx/access.log;
    client_body_temp_path $WORK/ngx/tmp/body;
    proxy_temp_path $WORK/ngx/tmp/proxy;
    fastcgi_temp_path $WORK/ngx/tmp/fastcgi;
    uwsgi_temp_path $WORK/ngx/tmp/uwsgi;
    scgi_temp_path $WORK/ngx/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT ssl;
        server_name e2e.test;
        ssl_certificate $WORK/server.crt;
        ssl_certificate_key $WORK/server.key;
        ssl_protocols TLSv1.2;
        ssl_ciphers AES128-GCM-SHA256:AES256-SHA;
        root $WORK/ngx/html;
        location /form { return 200 "form received\n"; }
        location / { }
    }
}
CONF
bg_start ngx nginx -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -e "$WORK/ngx/error.log"
wait_listen "$PORT" ngx

# trace_bytes TRACE DIRECTION OUT: the bytes of curl's --trace blocks
# "=> Send header/data" (DIRECTION "=>") or "<= Recv header/data" ("<=").
# Each dump line is "oooo: " and 16 hex bytes, padded to 48 columns.
trace_bytes() {
    awk -v d="$2" '
        /^(=>|<=|==) / { on = ($1 == d && ($3 == "header," || $3 == "data,")); next }
        on && /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]: / { print substr($0, 7, 48) }' "$1" | xxd -r -p >"$3"
}

U=https://e2e.test:$PORT
C=(-sS -k --http1.1 --tlsv1.2 --tls-max 1.2 --resolve "e2e.test:$PORT:127.0.0.1" -o /dev/null)
start_capture "$PORT" cap.pcap
timeout 60 curl "${C[@]}" --ciphers AES128-GCM-SHA256 --trace trace.c1 "$U/index.html?a=1&b=two%20words" \
    --next "${C[@]}" --ciphers AES128-GCM-SHA256 "$U/missing?x=%20y&z=%2F" \
    --next "${C[@]}" --ciphers AES128-GCM-SHA256 -d 'name=value&other=1' "$U/form" \
    --next "${C[@]}" --ciphers AES128-GCM-SHA256 "$U/data.txt?again=1" 2>curl1.err ||
    { cat curl1.err; die "curl (connection 1) failed"; }
head -c 5000 /dev/urandom | xxd -p >body.txt
timeout 60 curl "${C[@]}" --ciphers AES256-SHA --trace trace.c2 \
    -H 'Content-Type: text/plain' --data-binary @body.txt "$U/form?upload=1" \
    --next "${C[@]}" --ciphers AES256-SHA "$U/data.txt" 2>curl2.err ||
    { cat curl2.err; die "curl (connection 2) failed"; }
stop_capture
for c in c1 c2; do
    trace_bytes "trace.$c" "=>" "req.$c"
    trace_bytes "trace.$c" "<=" "got.$c"
    [ "$(grep -c 'Re-using existing connection' "trace.$c")" -ge 1 ] || die "curl did not reuse connection $c"
done
grep -q 'GET /index.html?a=1&b=two%20words HTTP/1.1' req.c1 || die "req.c1 does not hold the first request"
grep -q 'form received' got.c1 || die "got.c1 does not hold the POST response"
map_sessions cap.pcap c1 c2
oracle_check cap.pcap server.key c1 c2
check_eq 6 "$(grep -c ' HTTP/1.1" ' ngx/access.log)" "requests nginx logged"

run_tlsips decrypt decrypt -r cap.pcap -k server.key -w out.pcap
check_rc 0 "decrypt"
check_plain_pcap out.pcap "out.pcap"
follow_all tcp out.pcap plain
check_decrypted decrypt.err plain "TLS 1.2" AES128-GCM-SHA256 c1
check_decrypted decrypt.err plain "TLS 1.2" AES256-SHA c2
# tshark reads the output as plain HTTP: every request line, in order.
tsh -r out.pcap -d "tcp.port==$PORT,http" -Y http.request -T fields -e http.request.method -e http.request.uri >uris.txt || true
printf '%s\t%s\n' GET '/index.html?a=1&b=two%20words' GET '/missing?x=%20y&z=%2F' POST /form \
    GET '/data.txt?again=1' POST '/form?upload=1' GET /data.txt >uris.want
check_same_bytes uris.want uris.txt "HTTP requests tshark finds in out.pcap"
e2e_finish

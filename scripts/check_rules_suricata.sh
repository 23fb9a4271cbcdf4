#!/bin/bash
# Replays tests/rules/builtin_cases.txt through Suricata, as an oracle for
# rules/web-server-common.rules independent of tlsips' own parser and matcher.
# Not part of the test suite and not a build dependency: run it by hand when
# editing the rules (tests/unit/test_policy_builtin_rules.c is the real test).
#
#   scripts/check_rules_suricata.sh [RULES] [CASES]
#
# Needs python3 and Suricata 6 or 7 (SURICATA=/path/to/suricata; the
# classification.config beside it is found through SURICATA_ETC, default
# /etc/suricata). Each case becomes one TCP flow on port 80 from its own
# client address in one pcap; Suricata's eve.json is then checked with the
# rules of the test: an attack fires its sids and nothing of another class,
# a benign case fires nothing, every rule has both kinds of case. The last
# line is "N passed, N failed"; the exit status is 1 on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
rules=$(realpath "${1:-$here/rules/web-server-common.rules}")
cases=$(realpath "${2:-$here/tests/rules/builtin_cases.txt}")
suricata=${SURICATA:-suricata}
etc=${SURICATA_ETC:-/etc/suricata}
command -v "$suricata" > /dev/null || { echo "no suricata (set SURICATA=)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/suricata.yaml" <<YAML
%YAML 1.1
---
vars:
  address-groups: { HOME_NET: "any", EXTERNAL_NET: "any" }
  port-groups: { HTTP_PORTS: "80" }
classification-file: $etc/classification.config
reference-config-file: $etc/reference.config
threshold-file: /dev/null
outputs:
  - eve-log: { enabled: yes, filetype: regular, filename: eve.json, types: [ alert ] }
app-layer:
  protocols:
    http:
      enabled: yes
      libhtp:
        default-config: { personality: IDS, request-body-limit: 1mb, response-body-limit: 1mb }
stream:
  reassembly: { depth: 4mb }
logging:
  default-log-level: warning
YAML

python3 - "$cases" "$work/cases.pcap" <<'PY'
# Writes one flow per case: handshake, request, empty 200 response, FIN.
import re, struct, sys

def unescape(s, where):
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] != '\\':
            out += s[i].encode(); i += 1; continue
        e = s[i + 1:i + 2]
        if e in ('r', 'n', 't', '\\'):
            out += {'r': b'\r', 'n': b'\n', 't': b'\t', '\\': b'\\'}[e]; i += 2
        elif e == 'x' and re.fullmatch(r'[0-9a-fA-F]{2}', s[i + 2:i + 4]):
            out.append(int(s[i + 2:i + 4], 16)); i += 4
        else:
            sys.exit('%s: bad escape' % where)
    return bytes(out)

def requests(path):
    cur = None
    for ln, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if cur is None:
            if line.startswith('case '):
                cur = {'head': [], 'body': None}
            continue
        if line == 'end':
            head = b''.join(h + b'\r\n' for h in cur['head']) + b'\r\n'
            body = b'\r\n'.join(cur['body'] or [])
            yield head.replace(b'Content-Length: auto\r\n', b'Content-Length: %d\r\n' % len(body)) + body
            cur = None
        elif cur['body'] is not None:
            cur['body'].append(unescape(line, '%s:%d' % (path, ln)))
        elif line == '':
            cur['body'] = []
        else:
            cur['head'].append(unescape(line, '%s:%d' % (path, ln)))

def csum(b):
    b += b'\0' * (len(b) % 2)
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s & 0xffff) + (s >> 16)
    return ~((s & 0xffff) + (s >> 16)) & 0xffff

def packet(src, dst, sp, dp, seq, ack, flags, data=b''):
    tcp = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 0x50, flags, 65535, 0, 0)
    c = csum(src + dst + struct.pack('!BBH', 0, 6, len(tcp) + len(data)) + tcp + data)
    tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp) + len(data), 0, 0x4000, 64, 6, 0, src, dst)
    return ip[:10] + struct.pack('!H', csum(ip)) + ip[12:] + tcp + data

def flow(i, req):
    cli, srv, sp = bytes([10, i >> 8 & 255, i & 255, 1]), bytes([192, 0, 2, 80]), 20000 + i
    S, A, P, F = 2, 16, 8, 1
    c, s = 1001, 5001
    yield packet(cli, srv, sp, 80, c - 1, 0, S)
    yield packet(srv, cli, 80, sp, s - 1, c, S | A)
    yield packet(cli, srv, sp, 80, c, s, A)
    for o in range(0, len(req), 1400):
        seg = req[o:o + 1400]
        yield packet(cli, srv, sp, 80, c, s, A | P, seg); c += len(seg)
        yield packet(srv, cli, 80, sp, s, c, A)
    resp = b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'
    yield packet(srv, cli, 80, sp, s, c, A | P, resp); s += len(resp)
    yield packet(cli, srv, sp, 80, c, s, F | A); c += 1
    yield packet(srv, cli, 80, sp, s, c, F | A); s += 1
    yield packet(cli, srv, sp, 80, c, s, A)

with open(sys.argv[2], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
    usec = 1700000000 * 10**6
    for i, req in enumerate(requests(sys.argv[1])):
        for p in flow(i, req):
            usec += 1000
            f.write(struct.pack('<IIII', usec // 10**6, usec % 10**6, len(p), len(p)) + p)
PY

"$suricata" -c "$work/suricata.yaml" -S "$rules" -r "$work/cases.pcap" -l "$work" -k none \
	--runmode single > "$work/suricata.log" 2>&1 || { cat "$work/suricata.log" >&2; exit 2; }
grep -iE "error|<E>" "$work/suricata.log" >&2 || true

python3 - "$cases" "$rules" "$work/eve.json" <<'PY'
import json, re, sys
cases_path, rules_path, eve_path = sys.argv[1:]
cls = {int(m.group(2)): m.group(1) for m in
       (re.search(r'msg:"TLSIPS WEB (\S+) .*?sid:(\d+);', l) for l in open(rules_path)) if m}
cases = []
for ln, line in enumerate(open(cases_path, encoding='utf-8'), 1):
    m = re.match(r'^case (\S+) (attack|benign) (\S+)$', line)
    if m:
        sids = [] if m.group(1) == '-' else [int(x) for x in m.group(1).split(',')]
        cases.append((ln, m.group(2), m.group(3), sids))
fired = {}
for line in open(eve_path):
    e = json.loads(line)
    if e.get('event_type') == 'alert':
        fired.setdefault(e['src_port'] - 20000, set()).add(e['alert']['signature_id'])
ok = bad = 0
for i, (ln, kind, name, sids) in enumerate(cases):
    got, want = fired.get(i, set()), set(sids)
    if kind == 'attack':
        classes = {cls.get(s) for s in want}
        err = ('missing %s' % sorted(want - got) if want - got else
               'other class %s' % sorted(s for s in got - want if cls.get(s) not in classes)
               if any(cls.get(s) not in classes for s in got - want) else None)
    else:
        err = 'fired %s' % sorted(got) if got else None
    if err:
        bad += 1
        print('FAIL %s:%d %s %s: %s' % (cases_path, ln, kind, name, err))
    else:
        ok += 1
for sid in sorted(cls):
    for kind in ('attack', 'benign'):
        if not any(k == kind and sid in s for _, k, _, s in cases):
            bad += 1
            print('FAIL sid %d has no %s case' % (sid, kind))
print('%d passed, %d failed' % (ok, bad))
sys.exit(1 if bad else 0)
PY

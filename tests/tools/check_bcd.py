#!/usr/bin/env python3
"""check_bcd.py MINE.reg WINDOWS.reg gpt|mbr BOOT WIN [REC WINRE_ID]

Compares a BCD store (exported with hivexregedit --export) element by element with
one Windows wrote: every object Windows has (boot manager, loader, resume, memory
diagnostic, the inherited settings groups; WinRE and its ramdisk options when REC is
given) is there with the same type, the same element ids and the same registry value
types; then decodes the device elements and checks they name the right partitions:
BOOT for the boot manager and memory diagnostic, WIN for the loader and resume, REC
for WinRE's ramdisk.  A partition is "gpt,DISK-GUID,PART-GUID" or
"mbr,0xSIGNATURE,OFFSET".  Without REC no WinRE may be there.  Prints ok, or the first difference and exits non-zero.
"""
import re, struct, sys, uuid
def parse(path):
    objs = {}
    cur = None
    key = None
    for block in open(path, encoding='utf-8', errors='replace').read().split('\n\n'):
        lines = block.strip().split('\n')
        m = re.match(r'\[\\Objects\\(\{[^}]+\})\\(Description|Elements\\([0-9a-fA-F]+))\]$', lines[0])
        if not m:
            continue
        o = objs.setdefault(m.group(1).lower(), {'type': None, 'el': {}})
        body = '\n'.join(lines[1:]).replace('\\\n', '')
        if m.group(2) == 'Description':
            t = re.search(r'"Type"=dword:([0-9a-f]+)', body)
            o['type'] = int(t.group(1), 16) if t else None
            continue
        v = re.search(r'"Element"=hex\((\d+)\):([0-9a-f,]*)', body)
        if not v:
            sys.exit('element %s of %s: no REG value' % (m.group(3), m.group(1)))
        data = bytes(int(x, 16) for x in v.group(2).split(',') if x)
        o['el'][int(m.group(3), 16)] = (int(v.group(1)), data)
    return objs
def s(data):
    return data.decode('utf-16le').split('\0')[0]
def guid(b):
    return str(uuid.UUID(bytes_le=bytes(b)))
def part(b):  # a partition device descriptor (72 bytes)
    t, f, size = struct.unpack_from('<III', b, 0)
    assert t == 6 and size == 0x48, 'not a partition descriptor'
    style = struct.unpack_from('<I', b, 36)[0]
    if style == 0:
        return ('gpt', guid(b[40:56]), guid(b[16:32]))
    assert style == 1, 'style %d' % style
    return ('mbr', '0x%08x' % struct.unpack_from('<I', b, 40)[0], struct.unpack_from('<Q', b, 16)[0])
def device(data):
    t = struct.unpack_from('<I', data, 16)[0]
    if t == 6:
        return ('partition', part(data[16:88]))
    assert t == 0 and struct.unpack_from('<I', data, 32)[0] == 3, 'unknown device %d' % t
    return ('ramdisk', guid(data[0:16]), part(data[68:140]), s(data[140:]))
def roles(objs):
    r = {}
    for g, o in objs.items():
        d = o['el'].get(0x11000001)
        if o['type'] == 0x10200003 and d:
            r['winre' if device(d[1])[0] == 'ramdisk' else 'loader'] = g
        elif o['type'] == 0x10200004: r['resume'] = g
        elif o['type'] == 0x30000000: r['ramdisk'] = g
    r['bootmgr'] = '{9dea862c-5cdd-4e70-acc1-f32b344d4795}'
    r['memdiag'] = '{b2721d73-1db4-4c62-bf78-c548a880142d}'
    for g in ('{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}', '{4636856e-540f-4170-a130-a84776f4c654}',
              '{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}', '{5189b25c-5558-4bf2-bca4-289b11bd29e2}',
              '{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}', '{7ff607e0-4395-11db-b0de-0800200c9a66}',
              '{1afa9c49-16ab-4a5c-901b-212802da9460}'):
        r[g] = g
    return r
mine, real, mode = parse(sys.argv[1]), parse(sys.argv[2]), sys.argv[3]
rm, rr = roles(mine), roles(real)
want = sys.argv[4:]
# Without WinRE (no REC given: none was set up, as on a blank disk laid out with an
# image that carries no Winre.wim), its objects and the loader's recovery elements
# are not expected; on MBR they are optional either way.
no_winre = len(want) <= 2
for role, g in rr.items():
    if (mode == 'mbr' or no_winre) and role in ('winre', 'ramdisk') and role not in rm:
        continue
    if no_winre and role in ('winre', 'ramdisk') and role in rm and mode != 'mbr':
        sys.exit('a %s object, but no WinRE was expected' % role)
    if role not in rm or rm[role] not in mine:
        sys.exit('no %s object' % role)
    a, b = mine[rm[role]], real[g]
    if a['type'] != b['type']:
        sys.exit('%s: type %x, Windows %x' % (role, a['type'], b['type']))
    ids_a, ids_b = sorted(a['el']), sorted(b['el'])
    if mode == 'mbr' and role in ('bootmgr',):
        ids_b = [i for i in ids_b if i != 0x12000002]   # BIOS bootmgr has no path
    if (mode == 'mbr' or no_winre) and role in ('loader', 'resume') and 'winre' not in rm:
        ids_b = [i for i in ids_b if i not in (0x14000008, 0x16000009, 0x15000066)]
    if ids_a != ids_b:
        sys.exit('%s: elements %s, Windows %s' % (role, [hex(i) for i in ids_a], [hex(i) for i in ids_b]))
    for i in ids_a:
        if a['el'][i][0] != b['el'][i][0]:
            sys.exit('%s %x: REG type %d, Windows %d' % (role, i, a['el'][i][0], b['el'][i][0]))
# Device elements point at the right partitions.
def dev(role, eid):
    return device(mine[rm[role]]['el'][eid][1])
boot, win = want[0], want[1]
exp = lambda w: tuple(int(x) if x.isdigit() else x for x in w.split(','))
assert dev('bootmgr', 0x11000001) == ('partition', exp(boot)), dev('bootmgr', 0x11000001)
assert dev('memdiag', 0x11000001) == ('partition', exp(boot))
for r, e in (('loader', 0x11000001), ('loader', 0x21000001), ('resume', 0x11000001), ('resume', 0x21000001)):
    assert dev(r, e) == ('partition', exp(win)), (r, hex(e), dev(r, e))
assert s(mine[rm['bootmgr']]['el'][0x23000003][1]) == rm['loader']
assert s(mine[rm['loader']]['el'][0x23000003][1]) == rm['resume']
ext = 'efi' if mode == 'gpt' else 'exe'
assert s(mine[rm['loader']]['el'][0x12000002][1]) == '\\Windows\\system32\\winload.' + ext
assert s(mine[rm['loader']]['el'][0x22000002][1]) == '\\Windows'
assert s(mine[rm['loader']]['el'][0x12000004][1]) == 'Windows 8.1'
if len(want) > 2:
    rec, winre_id = want[2], want[3]
    d = dev('winre', 0x11000001)
    assert d == ('ramdisk', rm['ramdisk'][1:-1], exp(rec), '\\Recovery\\WindowsRE\\Winre.wim'), d
    assert dev('winre', 0x21000001) == d
    assert rm['winre'] == winre_id.lower(), (rm['winre'], winre_id)
    assert device(mine[rm['ramdisk']]['el'][0x31000003][1]) == ('partition', exp(rec))
    assert s(mine[rm['ramdisk']]['el'][0x32000004][1]) == '\\Recovery\\WindowsRE\\boot.sdi'
    seq = mine[rm['loader']]['el'][0x14000008][1].decode('utf-16le').split('\0')[0]
    assert seq == rm['winre'], seq
print('ok')

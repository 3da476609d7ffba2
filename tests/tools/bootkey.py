#!/usr/bin/env python3
"""bootkey.py SYSTEM-HIVE

Prints the LSA boot key (syskey) of a SYSTEM hive as 32 hex digits, the way password
hash extractors (samdump2, secretsdump) derive it: the class names of
CurrentControlSet\\Control\\Lsa\\{JD,Skew1,GBG,Data}, concatenated, unhexed and
permuted.  A reader of the regf format written here, independent of winrescue's, so
the refresh test can check that the old boot key reached the new SYSTEM hive.
"""
import struct
import sys

PERM = [8, 5, 4, 2, 11, 9, 13, 3, 0, 6, 1, 12, 14, 10, 15, 7]


def cell(data, off):
    """The bytes of the cell at hive offset off (after its size field)."""
    pos = 4096 + off
    size = struct.unpack_from("<i", data, pos)[0]
    return data[pos + 4: pos + abs(size)]


def nk_name(nk):
    flags, = struct.unpack_from("<H", nk, 2)
    nlen, = struct.unpack_from("<H", nk, 0x48)
    raw = nk[0x4C: 0x4C + nlen]
    return raw.decode("latin-1") if flags & 0x20 else raw.decode("utf-16-le")


def subkeys(data, nk):
    count, lst = struct.unpack_from("<II", nk, 0x14)[0], struct.unpack_from("<I", nk, 0x1C)[0]
    if not count or lst == 0xFFFFFFFF:
        return []
    return list_entries(data, lst)


def list_entries(data, off):
    c = cell(data, off)
    sig, n = c[:2], struct.unpack_from("<H", c, 2)[0]
    if sig in (b"lf", b"lh"):
        return [struct.unpack_from("<I", c, 4 + 8 * i)[0] for i in range(n)]
    if sig == b"li":
        return [struct.unpack_from("<I", c, 4 + 4 * i)[0] for i in range(n)]
    if sig == b"ri":
        out = []
        for i in range(n):
            out += list_entries(data, struct.unpack_from("<I", c, 4 + 4 * i)[0])
        return out
    raise ValueError("bad subkey list %r" % sig)


def find(data, path):
    off = struct.unpack_from("<I", data, 0x24)[0]
    for comp in path.split("\\"):
        for sub in subkeys(data, cell(data, off)):
            if nk_name(cell(data, sub)).lower() == comp.lower():
                off = sub
                break
        else:
            raise KeyError(path)
    return cell(data, off)


def value_dword(data, nk, name):
    nvals, vlist = struct.unpack_from("<II", nk, 0x24)
    offs = cell(data, vlist)
    for i in range(nvals):
        vk = cell(data, struct.unpack_from("<I", offs, 4 * i)[0])
        nlen, dlen, dat = struct.unpack_from("<HII", vk, 2)
        if vk[0x14: 0x14 + nlen].decode("latin-1").lower() == name.lower():
            return dat if dlen & 0x80000000 else struct.unpack_from("<I", cell(data, dat))[0]
    raise KeyError(name)


def main():
    data = open(sys.argv[1], "rb").read()
    assert data[:4] == b"regf", "not a hive"
    current = value_dword(data, find(data, "Select"), "Current")
    scrambled = ""
    for part in ("JD", "Skew1", "GBG", "Data"):
        nk = find(data, "ControlSet%03d\\Control\\Lsa\\%s" % (current, part))
        clen, = struct.unpack_from("<H", nk, 0x4A)
        coff, = struct.unpack_from("<I", nk, 0x30)
        scrambled += cell(data, coff)[:clen].decode("utf-16-le")
    raw = bytes.fromhex(scrambled)
    print(bytes(raw[i] for i in PERM).hex())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""wimpatch.py WIM FROM TO [FROM TO]... - rename entries inside an uncompressed WIM.

Replaces every UTF-16LE occurrence of FROM by TO (same length) in the metadata
resources of WIM and fixes each resource's SHA-1 in the blob table, so that wimlib
accepts the result.  Used to make names no capture tool would produce, such as
"..\\..\\x" (path traversal).  Python port of patch_names() in tests/unit/test_wim.c.
"""
import hashlib
import sys


def main(argv):
    path, pairs = argv[1], argv[2:]
    if not pairs or len(pairs) % 2:
        sys.exit(__doc__)
    b = bytearray(open(path, "rb").read())
    bt_size = int.from_bytes(b[48:55], "little")
    bt_off = int.from_bytes(b[56:64], "little")
    patched = False
    for e in range(bt_off, bt_off + bt_size - 49, 50):
        size = int.from_bytes(b[e:e + 7], "little")
        flags = b[e + 7]
        off = int.from_bytes(b[e + 8:e + 16], "little")
        if not flags & 0x02:
            continue
        if flags & 0x04:
            sys.exit("wimpatch.py: the metadata resource is compressed; export with --compress=none")
        meta = b[off:off + size]
        for k in range(0, len(pairs), 2):
            f, t = pairs[k].encode("utf-16-le"), pairs[k + 1].encode("utf-16-le")
            if len(f) != len(t):
                sys.exit("wimpatch.py: FROM and TO must have the same length")
            if f in meta:
                meta = meta.replace(f, t)
                patched = True
        b[off:off + size] = meta
        b[e + 30:e + 50] = hashlib.sha1(meta).digest()
    if not patched:
        sys.exit("wimpatch.py: no name to patch found")
    open(path, "wb").write(b)


if __name__ == "__main__":
    main(sys.argv)

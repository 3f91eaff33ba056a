#!/usr/bin/env python3
"""tests/trace/make_corpus.py — how the corrupt-trace corpus (tests/trace/corrupt/) was
made from corrupt/valid.amtrace (a recording of `trace_mtprog 3`) and a raw recording.
Rerun only to rebuild the corpus: python3 make_corpus.py RAW_FILE; then update
corrupt/EXPECTED from what `allocmark trace-info --check` says, checking each line."""
import struct, sys, os
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corrupt")
v = open(os.path.join(here, "valid.amtrace"), "rb").read()
def put(name, data):
    open(os.path.join(here, name), "wb").write(data)
def fnv(b):
    h = 2166136261
    for c in b: h = ((h ^ c) * 16777619) & 0xffffffff
    return h
put("empty.amtrace", b"")
put("bad-magic.amtrace", b"X" + v[1:])
put("version-2.amtrace", v[:8] + struct.pack("<I", 2) + v[12:])
put("header-size.amtrace", v[:12] + struct.pack("<I", 9999) + v[16:])
put("threads-zero.amtrace", v[:20] + struct.pack("<I", 0) + v[24:])
put("truncated-half.amtrace", v[: len(v) // 2])
put("truncated-1.amtrace", v[:-1])
foff, fbytes = struct.unpack("<QI", v[-24:-12])
put("footer-flip.amtrace", v[: foff + 40] + bytes([v[foff + 40] ^ 1]) + v[foff + 41 :])
hb = struct.unpack("<I", v[12:16])[0]
# first block: header at hb, 32 bytes; flip a payload byte (checksum now wrong)
put("block-flip.amtrace", v[: hb + 33] + bytes([v[hb + 33] ^ 0x40]) + v[hb + 34 :])
# an uncompressed block with an unknown op kind, its checksum fixed up
off = hb
while True:
    magic, chunk, thread, nops, rawb, stored, codec, h = struct.unpack("<8I", v[off : off + 32])
    if codec == 0 and stored > 0:
        break
    off += 32 + stored
p = bytearray(v[off + 32 : off + 32 + stored])
p[0] = 9
put("op-kind.amtrace", v[: off + 28] + struct.pack("<I", fnv(p)) + bytes(p) + v[off + 32 + stored :])
put("raw-recording.amtrace", open(sys.argv[1], "rb").read())

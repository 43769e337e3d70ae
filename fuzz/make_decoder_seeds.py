#!/usr/bin/env python3
"""Write decoder fuzz seeds: one file per packet, prefixed with the link selector byte.

Usage: make_decoder_seeds.py OUT_DIR [PCAP_DIR]   (PCAP_DIR defaults to tests/data/pcaps/pcapplusplus)
The generated encapsulation corpus (tests/data/encap, hostile nestings included) is always added.

The selector byte must match kDecoderFuzzLinks in harness_decoder.hpp. Packets of link types
the decoder does not handle are skipped. pcap and pcapng are parsed here directly.
"""
import hashlib
import os
import struct
import sys

# pcap LINKTYPE -> index in kDecoderFuzzLinks
SELECTOR = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7, 9: 9, 104: 10, 239: 11, 51: 12}
MAX_PER_FILE = 200  # big captures repeat themselves; keep the corpus small and varied


def pcap_packets(buf):
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return
    if len(buf) < 24:
        return
    link = struct.unpack(e + "I", buf[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(buf):
        caplen = struct.unpack(e + "I", buf[off + 8:off + 12])[0]
        off += 16
        if off + caplen > len(buf):
            return
        yield link, buf[off:off + caplen]
        off += caplen


def pcapng_packets(buf):
    off, e, links = 0, "<", []
    while off + 12 <= len(buf):
        btype = struct.unpack(e + "I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:  # section header: byte order may change per section
            e = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack(e + "I", buf[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(buf):
            return
        body = buf[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:  # interface description
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            ifid, _, _, caplen = struct.unpack(e + "IIII", body[:16])
            if ifid < len(links):
                yield links[ifid], body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and links:  # simple packet
            wirelen = struct.unpack(e + "I", body[:4])[0]
            yield links[0], body[4:4 + wirelen]
        off += blen


def packets(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        return pcapng_packets(buf)
    return pcap_packets(buf)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_decoder_seeds.py OUT_DIR [PCAP_DIR]")
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "tests", "data", "pcaps", "pcapplusplus")
    os.makedirs(out, exist_ok=True)
    written = 0
    encap = os.path.join(here, "..", "tests", "data", "encap")
    for root, _, files in [w for d in (src, encap) for w in os.walk(d)]:
        for name in sorted(files):
            if not name.endswith((".pcap", ".pcapng")):
                continue
            n = 0
            for link, data in packets(os.path.join(root, name)):
                if link not in SELECTOR or n >= MAX_PER_FILE:
                    continue
                seed = bytes([SELECTOR[link]]) + data
                digest = hashlib.sha1(seed).hexdigest()
                with open(os.path.join(out, digest), "wb") as f:
                    f.write(seed)
                n += 1
                written += 1
    print(f"wrote {written} seeds to {out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write IPFIX fuzz seeds (fuzz/corpus/ipfix/): messages a collector meets, one stream per file.

Usage: make_ipfix_seeds.py OUT_DIR [unused]

A file may hold several messages back to back; harness_ipfix.hpp cuts them by their length
fields. The templates follow riptide's own (ipfix_ie.hpp) so data sets decode, plus what other
exporters send: options templates, variable-length fields, padding, withdrawals, NetFlow v9.
"""
import os
import struct
import sys

PEN = 29305


def field(ie, length, pen=0):
    if pen:
        return struct.pack(">HHI", ie | 0x8000, length, pen)
    return struct.pack(">HH", ie, length)


def riptide_fields(v6):
    a = 16 if v6 else 4
    return [(148, 8, 0), (27 if v6 else 8, a, 0), (28 if v6 else 12, a, 0), (7, 2, 0), (11, 2, 0), (4, 1, 0),
            (6, 1, 0), (139 if v6 else 32, 2, 0), (58, 2, 0), (245, 2, 0), (152, 8, 0), (153, 8, 0), (2, 8, 0),
            (1, 8, 0), (352, 8, 0), (2, 8, PEN), (1, 8, PEN), (352, 8, PEN), (136, 1, 0), (239, 1, 0)]


def template(tid, fields):
    return struct.pack(">HH", tid, len(fields)) + b"".join(field(*f) for f in fields)


def set_(sid, body):
    return struct.pack(">HH", sid, 4 + len(body)) + body


def message(seq, sets, domain=1, version=10):
    body = b"".join(sets)
    return struct.pack(">HHIII", version, 16 + len(body), 1700000000, seq, domain) + body


def record(v6, i):
    addr = (bytes(range(16)) if v6 else bytes([192, 0, 2, i & 255]))
    dst = (bytes(range(16, 32)) if v6 else bytes([198, 51, 100, 7]))
    return (struct.pack(">Q", i) + addr + dst + struct.pack(">HHBBHHH", 40000 + i, 443, 6, 0x1B, 0, 100 * (i & 1), 0)
            + struct.pack(">QQQQQQQQ", 1700000000123 + i, 1700000004567 + i, 10 + i, 1500, 1600, 7, 900, 1000)
            + bytes([1 + i % 5, 1]))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "ipfix")
    os.makedirs(out, exist_ok=True)
    tmpl = set_(2, template(256, riptide_fields(False)) + template(257, riptide_fields(True)))
    v4 = set_(256, b"".join(record(False, i) for i in range(3)))
    v6 = set_(257, b"".join(record(True, i) for i in range(2)))
    seeds = {
        "templates": message(0, [tmpl]),
        "riptide_stream": message(0, [tmpl]) + message(0, [v4]) + message(3, [v6, v4]),
        "templates_and_data_one_message": message(0, [tmpl, v4, v6]),
        "data_without_template": message(0, [v4]),
        "sequence_gap": message(0, [tmpl, v4]) + message(7, [v4]),
        "two_domains": message(0, [tmpl, v4], domain=1) + message(0, [tmpl, v6], domain=2),
        # Data padded to 4-byte alignment: fewer bytes left than one record.
        "padded_data": message(0, [tmpl, set_(256, record(False, 1) + b"\0\0\0")]),
        # Options template (scope: observationDomainId) and its data.
        "options": message(0, [set_(3, struct.pack(">HHH", 300, 2, 1) + field(149, 4) + field(160, 8)),
                               set_(300, struct.pack(">IQ", 1, 123456))]),
        # Variable-length field (interfaceName), one short and one long length prefix.
        "variable_length": message(0, [set_(2, template(400, [(8, 4, 0), (82, 65535, 0)])),
                                       set_(400, bytes([10, 0, 0, 1, 3]) + b"eth" + bytes([10, 0, 0, 2, 255, 0, 4])
                                            + b"eth1")]),
        "withdrawal": message(0, [tmpl]) + message(0, [set_(2, struct.pack(">HH", 256, 0))]) + message(0, [v4]),
        "enterprise_field": message(0, [set_(2, template(500, [(1, 4, 9), (8, 4, 0)])),
                                        set_(500, bytes([0, 0, 0, 1, 10, 0, 0, 9]))]),
        "netflow_v9_header": message(0, [tmpl], version=9),
        "set_too_long": message(0, [tmpl])[:20] + b"\xff\xff" + message(0, [tmpl])[22:],
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    main()

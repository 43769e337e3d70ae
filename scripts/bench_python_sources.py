#!/usr/bin/env python3
"""Per-source byte counts over a pcap, three ways, for scripts/bench_python.sh:
  riptide  batches of NumPy metadata from riptide.read (np.unique + np.bincount per batch)
  dpkt     dpkt.pcap.Reader + dpkt.ethernet.Ethernet, one Python object per packet
  scapy    scapy's PcapReader, one dissected packet object per packet
Prints one JSON line: packets, seconds (the loop, file opening included), sources, and a
checksum of the per-source totals, so that the three can be checked to agree.
usage: bench_python_sources.py riptide|dpkt|scapy FILE [BATCH]"""
import json
import resource
import socket
import struct
import sys
import time


def by_riptide(path, batch):
    import numpy as np
    import riptide

    totals, packets = {}, 0
    for b in riptide.read(path, batch_size=batch, queue=8):
        m = b.meta
        packets += len(m)
        v4 = m["ip_version"] == 4
        keys, inv = np.unique(m["src4"][v4], return_inverse=True)
        sums = np.bincount(inv, weights=m["wirelen"][v4])
        for k, v in zip(keys.tolist(), sums.tolist()):
            totals[k] = totals.get(k, 0) + int(v)
    return packets, totals


def by_dpkt(path, _):
    import dpkt

    totals, packets = {}, 0
    with open(path, "rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            packets += 1
            eth = dpkt.ethernet.Ethernet(buf)
            ip = eth.data
            if isinstance(ip, dpkt.ip.IP):
                k = struct.unpack("!I", ip.src)[0]
                totals[k] = totals.get(k, 0) + len(buf)
    return packets, totals


def by_scapy(path, _):
    from scapy.layers.inet import IP
    from scapy.utils import PcapReader

    totals, packets = {}, 0
    for p in PcapReader(path):
        packets += 1
        if IP in p:
            k = struct.unpack("!I", socket.inet_aton(p[IP].src))[0]
            totals[k] = totals.get(k, 0) + p.wirelen if p.wirelen else totals.get(k, 0) + len(p)
    return packets, totals


def main():
    how, path = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    fn = {"riptide": by_riptide, "dpkt": by_dpkt, "scapy": by_scapy}[how]
    # Imports are not the job: done before the clock starts.
    if how == "riptide":
        import numpy, riptide  # noqa: F401
    elif how == "dpkt":
        import dpkt  # noqa: F401
    else:
        import scapy.all  # noqa: F401
    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)  # every thread: riptide's engine thread too
        return r.ru_utime + r.ru_stime

    t0, c0 = time.perf_counter(), cpu()
    packets, totals = fn(path, batch)
    dt, dc = time.perf_counter() - t0, cpu() - c0
    check = sum((k * 2654435761 + v) % (1 << 61) for k, v in totals.items()) % (1 << 61)
    print(json.dumps({"how": how, "packets": packets, "seconds": dt, "cpu_seconds": dc, "sources": len(totals),
                      "bytes": sum(totals.values()), "checksum": check}))


if __name__ == "__main__":
    main()

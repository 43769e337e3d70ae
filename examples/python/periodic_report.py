#!/usr/bin/env python3
"""The program riptide was first written for, in Python: calculations on the traffic and a
message sent periodically.

Every packet batch updates running figures with NumPy (packets, bytes, sizes, TCP SYNs, per
destination port); every PERIOD seconds (wall time) the window's figures go to an executor
thread for the longer calculation (size percentiles, port entropy, top talkers), and its
result comes back to the analyzer's thread, which prints it and sends it as one Ethernet
broadcast frame (EtherType 0x88B5, "local experimental", JSON payload) out of the capture
interface through riptide's transmit path. riptide never captures its own frames back.

    riptide capture -i eth0 --python examples/python/periodic_report.py:2     # PERIOD = 2 s
    python3 examples/python/periodic_report.py -i eth0 --period 2
"""
import argparse
import json
import struct

import numpy as np

import riptide

ETHERTYPE = 0x88B5


def summarize(sizes, srcs, dports, packets, nbytes, syns, period):
    """The longer calculation, on an executor thread: owns its arrays, touches no state."""
    out = {"packets": packets, "bytes": nbytes, "pps": packets / period, "bps": 8 * nbytes / period, "syn": syns}
    if len(sizes):
        p50, p90, p99 = np.percentile(sizes, [50, 90, 99])
        out["size_p50"], out["size_p90"], out["size_p99"] = float(p50), float(p90), float(p99)
        _, counts = np.unique(dports, return_counts=True)
        prob = counts / counts.sum()
        out["dport_entropy_bits"] = float(-(prob * np.log2(prob)).sum())
        keys, inv = np.unique(srcs, return_inverse=True)
        per_src = np.bincount(inv, weights=sizes)
        top = np.argsort(per_src)[::-1][:5]
        out["top_sources"] = [[riptide.ipv4_text(keys[i]), int(per_src[i])] for i in top]
    return out


def frame(payload: bytes) -> bytes:
    """Ethernet broadcast from a locally administered address, EtherType 0x88B5."""
    return b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + struct.pack("!H", ETHERTYPE) + payload


class PeriodicReport(riptide.Analyzer):
    def __init__(self, args: str = ""):
        self.period = float(args) if args else 1.0

    def on_start(self):
        self.reset()
        self.sent = self.refused = 0
        self.add_timer(self.period, self.on_period)

    def reset(self):
        self.parts = []  # (wirelen, src4, dport) arrays of the window, concatenated at the end
        self.packets = self.bytes = self.syns = 0

    def on_batch(self, batch):
        m = batch.meta
        self.packets += len(m)
        self.bytes += int(m["wirelen"].sum())
        self.syns += int(np.count_nonzero((m["protocol"] == 6) & ((m["tcp_flags"] & 0x12) == 0x02)))
        v4 = m[m["ip_version"] == 4]
        self.parts.append((v4["wirelen"].astype(np.float64), v4["src4"], v4["dport"]))

    def window(self):
        sizes = np.concatenate([p[0] for p in self.parts]) if self.parts else np.empty(0)
        srcs = np.concatenate([p[1] for p in self.parts]) if self.parts else np.empty(0, np.uint32)
        dports = np.concatenate([p[2] for p in self.parts]) if self.parts else np.empty(0, np.uint16)
        args = (sizes, srcs, dports, self.packets, self.bytes, self.syns, self.period)
        self.reset()
        return args

    def on_period(self, now):
        self.offload(summarize, *self.window(), callback=self.publish)

    def on_stop(self):
        if self.packets:  # the last, partial window: no executor any more, computed here
            self.publish(summarize(*self.window()))

    def publish(self, summary):
        text = json.dumps(summary)
        print(text, flush=True)
        if self.send(frame(text.encode())):
            self.sent += 1
        else:
            self.refused += 1  # no transmit path (a file) or its queue is full: counted by riptide too


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("-i", dest="iface")
    src.add_argument("-r", dest="file")
    p.add_argument("--period", type=float, default=1.0)
    p.add_argument("--duration", type=float)
    p.add_argument("filter", nargs="*")
    a = p.parse_args()
    rep = riptide.run(PeriodicReport(str(a.period)), file=a.file, iface=a.iface, filter=" ".join(a.filter),
                      duration=a.duration)
    print(f"captured {rep['captured']} packets", flush=True)


if __name__ == "__main__":
    main()

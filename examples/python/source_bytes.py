#!/usr/bin/env python3
"""Bytes per source address with NumPy, printed every second.

As a Python analyzer inside the riptide command:
    riptide capture -i eth0 --python examples/python/source_bytes.py
    riptide read -r trace.pcap --python examples/python/source_bytes.py
As a program of its own (the same class, driven by riptide.run):
    python3 examples/python/source_bytes.py -i eth0 [--duration 10]
    python3 examples/python/source_bytes.py -r trace.pcap

Each batch is one NumPy structured array: the sums are np.unique + np.bincount over the batch,
so Python does a few calls per batch, never one per packet. IPv4 sources are keyed by their
32-bit number, IPv6 ones by their 16 bytes.
"""
import argparse
import sys

import numpy as np

import riptide


class SourceBytes(riptide.Analyzer):
    tick_interval = 1.0
    top = 10

    def on_start(self):
        self.v4 = {}  # source number -> wire bytes
        self.v6 = {}  # 16-byte source -> wire bytes
        self.packets = 0

    def on_batch(self, batch):
        m = batch.meta
        self.packets += len(m)
        is4 = m["ip_version"] == 4
        keys, inv = np.unique(m["src4"][is4], return_inverse=True)
        sums = np.bincount(inv, weights=m["wirelen"][is4])
        for k, v in zip(keys.tolist(), sums.tolist()):
            self.v4[k] = self.v4.get(k, 0) + int(v)
        is6 = m["ip_version"] == 6
        if is6.any():
            src6 = np.ascontiguousarray(m["src"][is6]).view("V16").ravel()
            keys6, inv6 = np.unique(src6, return_inverse=True)
            sums6 = np.bincount(inv6, weights=m["wirelen"][is6])
            for k, v in zip(keys6.tolist(), sums6.tolist()):
                self.v6[bytes(k)] = self.v6.get(bytes(k), 0) + int(v)

    def totals(self):
        out = {riptide.ipv4_text(k): v for k, v in self.v4.items()}
        out.update({riptide.ipv6_text(np.frombuffer(k, np.uint8)): v for k, v in self.v6.items()})
        return out

    def on_tick(self, now):
        best = sorted(self.totals().items(), key=lambda kv: -kv[1])[: self.top]
        print(f"{self.packets} packets, {len(self.v4) + len(self.v6)} sources; top: "
              + ", ".join(f"{a} {b} B" for a, b in best), flush=True)

    def on_stop(self):
        self.on_tick(None)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("-i", dest="iface")
    src.add_argument("-r", dest="file")
    p.add_argument("--duration", type=float)
    p.add_argument("filter", nargs="*")
    a = p.parse_args()
    report = riptide.run(SourceBytes(), file=a.file, iface=a.iface, filter=" ".join(a.filter),
                         duration=a.duration)
    an = report["analyzers"]["python:SourceBytes"]
    print(f"captured {report['captured']}, lost at the Python queue {an['queue_drops']}, "
          f"{an['python_busy_ns'] / max(an['batches_done'], 1) / 1e3:.0f} us per batch", file=sys.stderr)


if __name__ == "__main__":
    main()

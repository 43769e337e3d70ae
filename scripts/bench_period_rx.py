#!/usr/bin/env python3
"""Receiving side of bench_period_latency.sh: takes the summary frames a riptide analyzer
sends once per period, reads each frame's arrival time from the kernel (SO_TIMESTAMPNS,
CLOCK_REALTIME, stamped when the frame reached this interface, so this program's own
scheduling does not count) and prints the latency from the end of the frame's period.

Where a frame's period ends:
  --mode summary  the reporter's frames (EtherType 0x88B5, docs/ANALYZERS.md, summary_frame.hpp):
                  its wall timer fires on whole multiples of --period, and the frame's
                  timestamp_ns is when it fired, so the period ended at
                  timestamp_ns - timestamp_ns % period.
  --mode example  examples/source_bytes's UDP payload "period=N ...": N is the second whose
                  timer closed the period (now / 1 s), so the period ended at N seconds.
A timer's first firing is one period after capture starts, not on a boundary: the first frame
is left out, and so is a final frame (sent at stop for a partial period).

Output: one line per frame (period end, latency ns) to --out, then a summary line
"frames N periods P duplicates D p50_ms .. p99_ms .. max_ms ..". Exit status 1 when fewer
than --frames frames came before --timeout.
Standard library only (Debian's python3).
"""
import argparse
import math
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # asm-generic value on x86_64/arm64
ETH_P_SUMMARY = 0x88B5


def kernel_ns(ancdata):
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            return sec * 1_000_000_000 + nsec
    return None


def summary_period_end(frame: bytes, period_ns: int):
    """(period end ns, is_first_or_final) of a reporter frame; None when it is not one."""
    p = frame[14:]
    if len(p) < 64 or p[:4] != b"RPTD":
        return None
    seq, ts = struct.unpack_from("!Qq", p, 8)
    flags = p[60]
    return ts - ts % period_ns, seq == 0 or bool(flags & 0x02)


def example_period_end(payload: bytes):
    text = payload.decode("ascii", "replace")
    if not text.startswith("period="):
        return None
    return int(text.split()[0][len("period="):]) * 1_000_000_000


def percentile(sorted_vals, q):
    """Nearest rank."""
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals), math.ceil(q / 100 * len(sorted_vals))) - 1)
    return sorted_vals[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("summary", "example"), required=True)
    ap.add_argument("--iface", help="summary: the interface the frames arrive on")
    ap.add_argument("--port", type=int, default=47200, help="example: the UDP port the frames go to")
    ap.add_argument("--period", type=float, default=1.0, help="summary: the reporter's period in seconds")
    ap.add_argument("--frames", type=int, default=10, help="frames to measure (after the first)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds to wait for them at most")
    ap.add_argument("--out", help="file for one line per frame")
    ap.add_argument("--ready", help="file created once the socket listens")
    a = ap.parse_args()

    if a.mode == "summary":
        if not a.iface:
            ap.error("--mode summary needs --iface")
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_SUMMARY))
        s.bind((a.iface, ETH_P_SUMMARY))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", a.port))
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.settimeout(0.5)
    if a.ready:
        open(a.ready, "w").close()

    period_ns = int(round(a.period * 1e9))
    rows, seen_first = [], False
    deadline = time.monotonic() + a.timeout
    while len(rows) < a.frames and time.monotonic() < deadline:
        try:
            data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16))
        except socket.timeout:
            continue
        arrived = kernel_ns(anc)
        if arrived is None:
            sys.exit("bench_period_rx: the kernel gave no receive timestamp")
        if a.mode == "summary":
            r = summary_period_end(data, period_ns)
            if r is None:
                continue
            end, skip = r
        else:
            end = example_period_end(data)
            if end is None:
                continue
            skip, seen_first = not seen_first, True
        if not skip:
            rows.append((end, arrived - end))

    if a.out:
        with open(a.out, "w") as f:
            for end, lat in rows:
                f.write(f"{end} {lat}\n")
    lat = sorted(x for _, x in rows)
    periods = len({e for e, _ in rows})
    print(f"frames {len(rows)} periods {periods} duplicates {len(rows) - periods} "
          f"p50_ms {percentile(lat, 50) / 1e6:.3f} p99_ms {percentile(lat, 99) / 1e6:.3f} "
          f"max_ms {(lat[-1] if lat else float('nan')) / 1e6:.3f}")
    return 0 if len(rows) >= a.frames else 1


if __name__ == "__main__":
    sys.exit(main())

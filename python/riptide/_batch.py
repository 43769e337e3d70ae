"""A batch of packets: one NumPy structured array of metadata, the bytes on request."""
from __future__ import annotations

import ipaddress

import numpy as np

from ._riptide import record_dtype

#: One packet's metadata. ts_ns (ns since the epoch), caplen, wirelen, ifindex, direction
#: (0 unknown, 1 in, 2 out), vlan_count, vlan0, vlan1, ethertype, ip_version (0, 4, 6),
#: src4/dst4 (IPv4 as a number), src/dst (16 bytes; IPv4 as ::ffff:a.b.c.d), protocol, ttl,
#: sport/dport (ICMP: type/code), tcp_flags, flow_hash (both directions share it; 0: not
#: a flow), ip_len, l4_payload_len, l3_off/l4_off/payload_off (0xffff: absent),
#: flags (decoder bits), error (decoder error code, 0: none).
META_DTYPE: np.dtype = record_dtype()


class Batch:
    """Packets handed over together. ``meta`` is a NumPy array of ``META_DTYPE``, one row per
    packet; ``thread`` is the packet thread that saw them. With ``packets=True`` the bytes
    are in ``data`` (all packets end to end) cut by ``offsets`` (len + 1 entries)."""

    __slots__ = ("thread", "meta", "data", "offsets")

    def __init__(self, thread, meta, data=None, offsets=None):
        self.thread = thread
        self.meta = meta
        self.data = data
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.meta)

    def __repr__(self) -> str:
        return f"<riptide.Batch {len(self.meta)} packets, thread {self.thread}>"

    def packet(self, i: int) -> bytes:
        """The captured bytes of packet i (needs packets=True)."""
        if self.data is None:
            raise ValueError("packet bytes were not requested: pass packets=True")
        return self.data[self.offsets[i]:self.offsets[i + 1]].tobytes()

    def packets(self) -> list:
        """Every packet's bytes, in order (needs packets=True)."""
        return [self.packet(i) for i in range(len(self.meta))]


def ipv4_text(n) -> str:
    """Dotted quad of an IPv4 number from src4/dst4."""
    return str(ipaddress.IPv4Address(int(n)))


def ipv6_text(b) -> str:
    """Text of a 16-byte address from src/dst (IPv4-mapped addresses as ::ffff:a.b.c.d)."""
    return str(ipaddress.IPv6Address(bytes(np.asarray(b, dtype=np.uint8))))

#!/usr/bin/python3
"""Write the encapsulation corpus: tests/data/encap/*.pcap, one capture per encapsulation and
nesting, plus hostile ones (hostile_*.pcap), and IP fragments (frag_*.pcap, hostile_frag_*.pcap). Uses Debian's python3-scapy; run with the system
interpreter:  /usr/bin/python3 tests/data/make_encap_pcaps.py [OUT_DIR]

Each ordinary capture carries a TCP exchange, a UDP exchange and an ICMP echo (both directions)
inside the encapsulation, so flows, directions and Community IDs can be compared with tshark.
"""
import os
import sys

from scapy.all import (ARP, GRE, ICMP, IP, TCP, UDP, Ether, IPv6, IPv6ExtHdrFragment, Raw, wrpcap, Dot1Q,
                       fragment, fragment6)
from scapy.contrib.mpls import MPLS
from scapy.contrib.geneve import GENEVE
from scapy.contrib.gtp import GTP_U_Header
from scapy.layers.l2 import CookedLinux
from scapy.layers.ppp import PPP, PPPoE
from scapy.layers.vxlan import VXLAN

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "encap")
T0 = 1700000000.0

# Both directions of three inner conversations, as IPv4 or IPv6 packets.
def inner(v6=False, base=0):
    a, b = ("2001:db8::1", "2001:db8::2") if v6 else ("10.1.0.1", "10.1.0.2")
    ip = (lambda s, d: IPv6(src=s, dst=d)) if v6 else (lambda s, d: IP(src=s, dst=d))
    icmp = (lambda t: __import__("scapy.layers.inet6", fromlist=["x"]).ICMPv6EchoRequest() if t == 8
            else __import__("scapy.layers.inet6", fromlist=["x"]).ICMPv6EchoReply()) if v6 else (lambda t: ICMP(type=t))
    return [
        ip(a, b) / TCP(sport=40000 + base, dport=80, flags="S"),
        ip(b, a) / TCP(sport=80, dport=40000 + base, flags="SA"),
        ip(a, b) / TCP(sport=40000 + base, dport=80, flags="A") / Raw(b"GET / HTTP/1.0\r\n\r\n"),
        ip(a, b) / UDP(sport=50000 + base, dport=53) / Raw(b"\x12\x34" + b"\x00" * 10),
        ip(b, a) / UDP(sport=53, dport=50000 + base) / Raw(b"\x12\x34\x81\x80" + b"\x00" * 8),
        ip(a, b) / icmp(8),
        ip(b, a) / icmp(0),
    ]

def outer4(p, fwd):
    return IP(src="192.0.2.1", dst="192.0.2.2") if fwd else IP(src="192.0.2.2", dst="192.0.2.1")

def outer6(p, fwd):
    return IPv6(src="2001:db8:ff::1", dst="2001:db8:ff::2") if fwd else IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1")

def fwd_of(p):
    src = p[IP].src if IP in p else p[IPv6].src
    return src in ("10.1.0.1", "2001:db8::1")

def eth():
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")

def write(name, pkts, linktype=None):
    for i, p in enumerate(pkts):
        p.time = T0 + i * 0.001
    kw = {"linktype": linktype} if linktype is not None else {}
    wrpcap(os.path.join(OUT, name), pkts, **kw)

def build():
    os.makedirs(OUT, exist_ok=True)
    i4, i6 = inner(), inner(v6=True)
    write("pppoe_session.pcap", [eth() / PPPoE(sessionid=7) / PPP(proto=0x0021 if IP in p else 0x0057) / p
                                 for p in i4 + i6], )
    write("mpls_stack.pcap", [eth() / MPLS(label=100, s=0) / MPLS(label=200, s=1) / p for p in i4])
    write("ipip_4in4.pcap", [eth() / outer4(p, fwd_of(p)) / p for p in i4])
    write("ipip_6in4.pcap", [eth() / outer4(p, fwd_of(p)) / p for p in i6])
    write("ipip_4in6.pcap", [eth() / outer6(p, fwd_of(p)) / p for p in i4])
    write("ipip_6in6.pcap", [eth() / outer6(p, fwd_of(p)) / p for p in i6])
    write("gre_ip.pcap", [eth() / outer4(p, fwd_of(p)) / GRE() / p for p in i4 + i6])
    write("gre_key.pcap", [eth() / outer4(p, fwd_of(p)) / GRE(key_present=1, key=4242) / p for p in i4])
    write("gre_teb.pcap", [eth() / outer4(p, fwd_of(p)) / GRE(proto=0x6558) / eth() / p for p in i4])
    # ERSPAN as a switch mirrors to a collector: every packet from the switch, GRE with a
    # sequence number. Type II: an 8-byte header (version 1, session 5); type III: a 12-byte
    # header (version 2, session 5, a timestamp, no platform subheader).
    write("gre_erspan2.pcap", [eth() / outer4(p, True) / GRE(seqnum_present=1, sequence_number=i, proto=0x88be) /
                               Raw(b"\x10\x00\x00\x05\x00\x00\x00\x00") / eth() / p for i, p in enumerate(i4)])
    write("gre_erspan3.pcap", [eth() / outer4(p, True) / GRE(seqnum_present=1, sequence_number=i, proto=0x22eb) /
                               Raw(b"\x20\x00\x00\x05" + (1000 + i).to_bytes(4, "big") + b"\x00\x00\x00\x00") /
                               eth() / p for i, p in enumerate(i4)])
    write("vxlan.pcap", [eth() / outer4(p, fwd_of(p)) / UDP(sport=49152, dport=4789) / VXLAN(vni=5001) / eth() / p
                         for p in i4])
    write("geneve.pcap", [eth() / outer4(p, fwd_of(p)) / UDP(sport=49152, dport=6081) / GENEVE(vni=77, proto=0x6558) /
                          eth() / p for p in i4])
    write("gtpu.pcap", [eth() / outer4(p, fwd_of(p)) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x1000 if fwd_of(p) else 0x2000) / p
                        for p in i4 + i6])
    write("vlan_vxlan_vlan.pcap", [eth() / Dot1Q(vlan=10) / outer4(p, fwd_of(p)) / UDP(sport=49152, dport=4789) /
                                   VXLAN(vni=9) / eth() / Dot1Q(vlan=20) / p for p in i4])
    # Link types without Ethernet.
    write("cisco_hdlc.pcap", [Raw(b"\x0f\x00" + (b"\x08\x00" if IP in p else b"\x86\xdd")) / p for p in i4 + i6],
          linktype=104)
    write("ppp_link.pcap", [Raw(b"\xff\x03" + (b"\x00\x21" if IP in p else b"\x00\x57")) / p for p in i4 + i6],
          linktype=9)
    write("sll_gre.pcap", [CookedLinux(proto=0x0800) / outer4(p, fwd_of(p)) / GRE() / p for p in i4], linktype=113)

    build_fragments()

    # Hostile: 100 nested IPv4-in-IPv4 headers, GRE inside GRE 60 times, VXLAN whose inner
    # Ethernet frame is cut, a GTP-U header whose extension chain never ends, MPLS without a
    # bottom of stack.
    deep = i4[3]
    for _ in range(100):
        deep = IP(src="192.0.2.1", dst="192.0.2.2") / deep
    write("hostile_ipip_100.pcap", [eth() / deep])
    loop = i4[3]
    for _ in range(60):
        loop = IP(src="192.0.2.1", dst="192.0.2.2") / GRE() / loop
    write("hostile_gre_loop.pcap", [eth() / loop])
    write("hostile_vxlan_bad_inner.pcap", [
        eth() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=4789) / VXLAN(vni=1) / Raw(b"\x02\x00\x00"),
        eth() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=4789) / VXLAN(vni=1) / Ether(type=0x0800) / Raw(b"\x45\x00"),
        eth() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=4789) / VXLAN(vni=1) / eth() / ARP(),
    ])
    write("hostile_gtp_ext_loop.pcap", [eth() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=2152, dport=2152) /
                                        Raw(b"\x34\xff\x00\x40\x00\x00\x00\x01\x00\x00\x00\x85" + b"\x01\x00\x00\x85" * 15)])
    write("hostile_mpls_no_bottom.pcap", [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", type=0x8847) / Raw(b"\x00\x01\x00\x40" * 20)])
    print(f"wrote {len(os.listdir(OUT))} captures to {OUT}")

def frag4(src, dst, ident, l4, size=3000, fragsize=1480):
    """The fragments of one IPv4 datagram carrying `l4` with `size` bytes of data, in order."""
    return [eth() / f for f in fragment(IP(src=src, dst=dst, id=ident) / l4 / Raw(bytes(range(256)) * (size // 256) + b"x" * (size % 256)),
                                        fragsize=fragsize)]

def raw_frag4(src, dst, ident, proto, data, offset, more):
    """One hand-made IPv4 fragment: `data` at byte `offset` of the datagram's payload."""
    return eth() / IP(src=src, dst=dst, id=ident, proto=proto, flags="MF" if more else 0, frag=offset // 8) / Raw(data)

def build_fragments():
    a, b = "10.2.0.1", "10.2.0.2"
    # In order: a UDP datagram in 3 fragments and its whole reply, a TCP segment in 2 fragments.
    udp = frag4(a, b, 0x1001, UDP(sport=40001, dport=9000))
    tcp = frag4(a, b, 0x1002, TCP(sport=40002, dport=80, flags="PA"), size=2000)
    write("frag_in_order.pcap", udp + [eth() / IP(src=b, dst=a) / UDP(sport=9000, dport=40001) / Raw(b"ok")] + tcp)
    # Out of order: last fragment first, the first one last (ports known only at the end).
    udp = frag4(a, b, 0x2001, UDP(sport=40003, dport=9000), size=4000)
    write("frag_out_of_order.pcap", list(reversed(udp)) +
          [eth() / IP(src=b, dst=a) / UDP(sport=9000, dport=40003) / Raw(b"ok")])
    # Overlapping: the middle fragment twice, then one inside what was already sent.
    payload = bytes(UDP(sport=40004, dport=9000, len=8 + 2992) / Raw(b"o" * 2992))
    write("frag_overlap.pcap", [
        raw_frag4(a, b, 0x3001, 17, payload[:1480], 0, True),
        raw_frag4(a, b, 0x3001, 17, payload[1480:2960], 1480, True),
        raw_frag4(a, b, 0x3001, 17, payload[1480:2960], 1480, True),
        raw_frag4(a, b, 0x3001, 17, payload[2000:2600], 2000, True),
        raw_frag4(a, b, 0x3001, 17, payload[2960:], 2960, False),
    ])
    # IPv6: one datagram in order, one last-first, and the reply.
    a6, b6 = "2001:db8:2::1", "2001:db8:2::2"
    def frag6(ident, sport):
        p = IPv6(src=a6, dst=b6) / IPv6ExtHdrFragment(id=ident) / UDP(sport=sport, dport=9000) / Raw(b"6" * 3000)
        return [eth() / f for f in fragment6(p, 1280)]
    write("frag_ipv6.pcap", frag6(0x40000001, 40005) + list(reversed(frag6(0x40000002, 40006))) +
          [eth() / IPv6(src=b6, dst=a6) / UDP(sport=9000, dport=40005) / Raw(b"ok")])
    # Hostile: fragments of one datagram that never ends (no first, no last fragment), and a
    # flood of first fragments with distinct ids followed by later fragments with distinct ids.
    write("hostile_frag_endless.pcap",
          [raw_frag4(a, b, 0x5001, 17, b"e" * 8, 8 * i, True) for i in range(1, 301)])
    write("hostile_frag_flood.pcap",
          [raw_frag4("10.3.0.1", "10.3.0.2", i, 17, bytes(UDP(sport=40007, dport=9000, len=1008)) + b"f" * 16, 0, True)
           for i in range(1000)] +
          [raw_frag4("10.3.0.1", "10.3.0.2", 1000 + i, 17, b"g" * 24, 1480, True) for i in range(1000)])

if __name__ == "__main__":
    build()

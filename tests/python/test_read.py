"""Every capture of the corpus read through Python gives the packet counts and fields of
`riptide read --stats-json` and of tshark."""
import json
import subprocess

import numpy as np
import pytest

from conftest import PCAP_DIR, corpus

import riptide

FILES = corpus()
IDS = [str(p.relative_to(PCAP_DIR)) for p in FILES]
LINK_OK = {"eth", "ethertype", "vlan", "ieee8021ad", "sll", "null", "raw", "ip", "ipv6"}


def read_all(path, **kw):
    run = riptide.read(str(path), **kw)
    metas = [b.meta for b in run]
    meta = np.concatenate(metas) if metas else np.empty(0, riptide.META_DTYPE)
    return meta, run.report()


def test_corpus_is_there():
    assert len(FILES) > 100, f"the capture corpus is missing from {PCAP_DIR}"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_same_as_riptide_read(path, tmp_path, riptide_bin):
    stats = tmp_path / "stats.json"
    subprocess.run([riptide_bin, "read", "-q", "-r", str(path), "--stats-json", str(stats)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    want = json.loads(stats.read_text())
    meta, got = read_all(path)
    for key in ("captured", "captured_bytes", "processed", "filtered_out", "decode", "errors", "ledger_balanced"):
        assert got[key] == want[key], key
    assert len(meta) == want["captured"]
    assert int(meta["wirelen"].sum()) == want["captured_bytes"]
    assert int(np.count_nonzero(meta["error"])) == sum(want["decode"]["errors"].values())


def first(field: str) -> str:
    return field.split(",")[0] if field else ""


def nth(field: str, n: int) -> str:
    parts = field.split(",") if field else []
    return parts[n] if n < len(parts) else ""


# What may stand before the IP header riptide reports: link layers, and the tunnels and
# encapsulations riptide decodes through to the innermost IP packet.
CARRIERS = LINK_OK | {"pppoes", "ppp", "mpls", "chdlc", "nflog", "gre", "erspan", "vxlan", "geneve", "gtp",
                      "udp", "lisp", "pwethheuristic", "pwethcw", "pwethnocw", "pwach", "mplspwcw"}


def innermost_ip(protos):
    """Index in frame.protocols of the IP header riptide's metadata describes: the innermost one
    carried by a tunnel riptide decodes, not one quoted inside ICMP or hidden by ESP; None when
    something riptide does not decode through stands before it."""
    stop = next((k for k, p in enumerate(protos) if p in ("icmp", "icmpv6", "esp")), len(protos))
    ips = [k for k, p in enumerate(protos[:stop]) if p in ("ip", "ipv6")]
    if not ips:
        return None
    k = ips[-1]
    if any(p not in CARRIERS and not p.startswith("ipv6.") and p != "ah" for p in protos[:k]):
        return None
    return k


def tshark_frames(tshark, path):
    out = subprocess.run(
        [tshark, "-n", "-r", str(path), "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
         "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
         "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst",
         "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ip.proto", "-e", "tcp.srcport", "-e", "tcp.dstport",
         "-e", "udp.srcport", "-e", "udp.dstport", "-e", "tcp.flags", "-e", "ip.cur_rt", "-e", "ip.ttl"],
        capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in out.splitlines():
        f = line.split("\t")
        f += [""] * (15 - len(f))
        rows.append(f)
    return rows


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_same_as_tshark(path, tshark):
    meta, _ = read_all(path)
    rows = tshark_frames(tshark, path)
    assert len(meta) == len(rows), "packet count"
    checked = 0
    for i, (m, f) in enumerate(zip(meta, rows)):
        assert int(m["wirelen"]) == int(f[0]), f"packet {i + 1}: wire length"
        assert int(m["caplen"]) == int(f[1]), f"packet {i + 1}: captured length"
        protos = f[2].split(":")
        ip_at = innermost_ip(protos)
        # Only packets whose reported IP header both read the same way: supported layers before
        # it, no decode error in riptide, an address tshark could read.
        if ip_at is None or m["error"] != 0:
            continue
        v6 = protos[ip_at] == "ipv6"
        # tshark lists every header's fields in order: the n-th IPv4 header's are the n-th values.
        n4, n6 = protos[:ip_at].count("ip"), protos[:ip_at].count("ipv6")
        n_tcp, n_udp = protos[:ip_at].count("tcp"), protos[:ip_at].count("udp")
        tunnelled = n4 + n6 > 0
        if v6:
            src, dst = nth(f[5], n6), nth(f[6], n6)
        else:
            src = nth(f[3], n4)
            dst = nth(f[4], n4) if tunnelled else (first(f[13]) or first(f[4]))
        if not src or not dst:
            continue
        assert m["ip_version"] == (6 if v6 else 4), f"packet {i + 1}: IP version"
        if v6:
            assert riptide.ipv6_text(m["src"]) == src and riptide.ipv6_text(m["dst"]) == dst, f"packet {i + 1}"
        else:
            assert riptide.ipv4_text(m["src4"]) == src and riptide.ipv4_text(m["dst4"]) == dst, f"packet {i + 1}"
            # After an AH header riptide reports the protocol AH carries; tshark's ip.proto is AH's.
            if protos[ip_at + 1:ip_at + 2] != ["ah"]:
                assert int(m["protocol"]) == int(nth(f[7], n4)), f"packet {i + 1}: protocol"
            assert int(m["ttl"]) == int(nth(f[14], n4)), f"packet {i + 1}: ttl"
        transport = next((p for p in protos[ip_at + 1:] if not p.startswith("ipv6.") and p != "ah"), "")
        frag = int(m["flags"]) & 0x4
        if transport == "tcp" and not frag and nth(f[8], n_tcp):
            assert (int(m["sport"]), int(m["dport"])) == (int(nth(f[8], n_tcp)), int(nth(f[9], n_tcp))), f"packet {i + 1}"
            assert int(m["tcp_flags"]) == int(nth(f[12], n_tcp), 16) & 0xff, f"packet {i + 1}: TCP flags"
        if transport == "udp" and not frag and nth(f[10], n_udp):
            assert (int(m["sport"]), int(m["dport"])) == (int(nth(f[10], n_udp)), int(nth(f[11], n_udp))), f"packet {i + 1}"
        checked += 1
    if np.any((meta["ip_version"] != 0) & (meta["error"] == 0)):
        assert checked > 0, "riptide decoded IP packets, none was compared"


def test_bytes_on_request():
    path = next(p for p in FILES if p.name == "4KHttpRequests.pcap")
    run = riptide.read(str(path), packets=True, batch_size=100)
    total = 0
    for b in run:
        assert len(b) <= 100
        assert len(b.offsets) == len(b) + 1
        for i in range(len(b)):
            pkt = b.packet(i)
            assert len(pkt) == b.meta["caplen"][i]
            assert pkt[12:14] == b"\x08\x00"  # Ethernet, IPv4
            src = int.from_bytes(pkt[26:30], "big")
            assert src == b.meta["src4"][i]
        total += len(b)
    assert total == run.report()["captured"]


def test_filter_and_count():
    path = next(p for p in FILES if p.name == "4KHttpRequests.pcap")
    meta, rep = read_all(path, count=10)
    assert len(meta) == 10 and rep["processed"] == 10
    meta, rep = read_all(path, filter="tcp src port 80")
    assert len(meta) == rep["processed"] and rep["filtered_out"] + rep["processed"] == rep["captured"]
    assert (meta["sport"] == 80).all()


def test_flows_as_dicts():
    path = next(p for p in FILES if p.name == "4KHttpRequests.pcap")
    run = riptide.read(str(path), flows=True)
    n = sum(len(b) for b in run)
    flows = run.flows()
    assert flows and sum(f["flow"]["pkts_toserver"] + f["flow"]["pkts_toclient"] for f in flows) == n


def test_errors_are_exceptions():
    with pytest.raises(riptide.Error, match="nonexistent"):
        riptide.read("/nonexistent.pcap")
    path = next(p for p in FILES if p.name == "4KHttpRequests.pcap")
    with pytest.raises(riptide.Error):
        riptide.read(str(path), filter="tcp and and")
    with pytest.raises(ValueError, match="unknown option"):
        riptide.read(str(path), bogus=1)
    with pytest.raises(riptide.Error, match="not a pcap or pcapng file"):
        riptide.read(__file__)
    with pytest.raises(ValueError, match="threads"):
        riptide.capture("lo", threads=0)


def test_leaving_a_loop_early_stops_the_run():
    path = next(p for p in FILES if p.name == "4KHttpRequests.pcap")
    with riptide.read(str(path), batch_size=10, queue=2) as run:
        next(iter(run))
    assert run.report()["captured"] >= 10

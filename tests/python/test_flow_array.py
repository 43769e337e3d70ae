"""Flow records as a NumPy array: row i equals line i of the flow JSON (the dicts) field by
field on captures of every kind (TCP, UDP, ICMP, IPv6, VLAN, tunnels, fragments), and the
array's totals equal those of `riptide read --flows-json`."""
import datetime
import ipaddress
import json
import subprocess

import numpy as np
import pytest

from conftest import PCAP_DIR

import riptide

CAPTURES = ["PcapExamples/4KHttpRequests.pcap", "PcapExamples/example.pcap", "PcapExamples/VlanPackets.pcap",
            "PcapExamples/four_ipv6_http_streams.pcap", "PcapExamples/DnsPackets.pcap",
            "PcapExamples/ip4_fragments.pcap", "PacketExamples/IcmpPackets.pcap",
            "PacketExamples/IcmpV6_EchoMessages.pcap", "PacketExamples/GrePackets.pcap",
            "PacketExamples/Vxlan1.pcap", "PacketExamples/gtp-u.pcap"]

# Every key a flow JSON line may have: a new one must get its place in the array (or here).
KNOWN_KEYS = {"timestamp", "flow_id", "in_iface", "event_type", "vlan", "src_ip", "src_port", "dest_ip", "dest_port",
              "proto", "icmp_type", "icmp_code", "response_icmp_type", "response_icmp_code", "tunnel", "app_proto",
              "community_id", "flow", "tcp", "riptide"}
SURICATA_REASON = {"evicted": "forced", "end_of_input": "shutdown"}


def eve_time(ns: int) -> str:
    sec, sub = divmod(int(ns), 1_000_000_000)
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=sec)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{sub // 1000:06d}+0000"


def address(row, side: str, version: int, prefix: str = ""):
    raw = bytes(row[f"{prefix}{side}_ip"])
    if version == 4:
        assert raw[:12] == b"\0" * 10 + b"\xff\xff", f"{prefix}{side}_ip: IPv4 is ::ffff:a.b.c.d"
        return ipaddress.IPv4Address(raw[12:])
    return ipaddress.IPv6Address(raw)


def check_row(r, d):
    assert set(d) <= KNOWN_KEYS, f"keys the array does not carry: {set(d) - KNOWN_KEYS}"
    assert int(r["flow_id"]) == d["flow_id"]
    v = int(r["ip_version"])
    assert v in (4, 6)
    for side in ("src", "dest"):
        want = ipaddress.ip_address(d[f"{side}_ip"])
        assert address(r, side, v) == want, side
        if v == 4:
            assert ipaddress.IPv4Address(int(r[f"{side}_ip4"])) == want, f"{side}_ip4"
        else:
            assert int(r[f"{side}_ip4"]) == 0, f"{side}_ip4 of an IPv6 flow"
        assert int(r[f"{side}_port"]) == d.get(f"{side}_port", 0), f"{side}_port"
    assert riptide.proto_name(int(r["proto"])) == d["proto"]
    vlans = [int(r["vlan0"]), int(r["vlan1"])]
    n = int(r["vlan_count"])
    assert vlans[:n] == d.get("vlan", []) and vlans[n:] == [0] * (2 - n), "vlan"
    f = d["flow"]
    for k in ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"):
        assert int(r[k]) == f[k], k
    assert eve_time(r["start_ns"]) == f["start"] and eve_time(r["end_ns"]) == f["end"] == d["timestamp"]
    assert int(r["end_ns"]) // 10**9 - int(r["start_ns"]) // 10**9 == f["age"]
    reason = riptide.FLOW_REASONS[int(r["reason"])]
    assert reason == d["riptide"]["reason"] and SURICATA_REASON.get(reason, "timeout") == f["reason"]
    for k in ("ip_bytes_toserver", "ip_bytes_toclient"):
        assert int(r[k]) == d["riptide"][k], k
    flags = (int(r["tcp_flags"]), int(r["tcp_flags_ts"]), int(r["tcp_flags_tc"]))
    assert flags[0] == flags[1] | flags[2]
    if "tcp" in d:
        t = d["tcp"]
        assert flags == (int(t["tcp_flags"], 16), int(t["tcp_flags_ts"], 16), int(t["tcp_flags_tc"], 16))
    else:
        assert flags == (0, 0, 0), "TCP flags of a flow that is not TCP"
    for k in ("icmp_type", "icmp_code", "response_icmp_type", "response_icmp_code"):
        assert int(r[k]) == d.get(k, 0), k
    tt = riptide.TUNNEL_TYPES[int(r["tunnel_type"])]
    if "tunnel" in d:
        tun, ext = d["tunnel"], d["riptide"]
        tv = int(r["tunnel_ip_version"])
        assert address(r, "src", tv, "tunnel_") == ipaddress.ip_address(tun["src_ip"])
        assert address(r, "dest", tv, "tunnel_") == ipaddress.ip_address(tun["dest_ip"])
        assert int(r["tunnel_depth"]) == tun["depth"] and tt == ext["tunnel_type"]
        assert int(r["tunnel_id"]) == ext.get("vni", ext.get("teid", ext.get("gre_key", 0))), "tunnel_id"
    else:
        assert tt == "none" and "tunnel_type" not in d["riptide"]
        assert int(r["tunnel_depth"]) == int(r["tunnel_ip_version"]) == 0
        assert not any(bytes(r["tunnel_src_ip"]) + bytes(r["tunnel_dest_ip"]))


def read_flows(path, **kw):
    run = riptide.read(str(path), flows=True, eve_extensions=True, **kw)
    packets = sum(len(b) for b in run)
    return run, packets


@pytest.mark.parametrize("name", CAPTURES)
def test_array_equals_dicts(name):
    path = PCAP_DIR / name
    assert path.is_file(), f"{path} is missing from the corpus"
    run, packets = read_flows(path)
    dicts, arr = run.flows(), run.flow_array()
    assert arr.dtype == riptide.FLOW_DTYPE
    assert len(arr) == len(dicts) > 0
    for i, (r, d) in enumerate(zip(arr, dicts)):
        try:
            check_row(r, d)
        except AssertionError as e:
            raise AssertionError(f"{name}, flow record {i}: {e}\n{d}") from e
    np.testing.assert_array_equal(run.flows(as_array=True), arr)
    meter = run.report()["analyzers"]["flow"]
    assert int(arr["pkts_toserver"].sum() + arr["pkts_toclient"].sum()) + meter["non_ip_packets"] == packets
    out = {o["name"]: o for o in run.report()["outputs"] if o["analyzer"] == "flow"}
    assert out["flow_array"]["written"] == len(arr) and out["flow_array"]["dropped"] == 0


@pytest.mark.parametrize("name", CAPTURES)
def test_array_totals_equal_riptide_read(name, tmp_path, riptide_bin):
    path = PCAP_DIR / name
    flows_json = tmp_path / "flows.json"
    subprocess.run([riptide_bin, "read", "-q", "-r", str(path), "--flows-json", str(flows_json)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    lines = [json.loads(x) for x in flows_json.read_text().splitlines() if x.strip()]
    run, _ = read_flows(path)
    arr = run.flow_array()
    assert len(arr) == len(lines)
    for key in ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"):
        assert int(arr[key].sum()) == sum(x["flow"][key] for x in lines), key
    assert sorted(int(i) for i in arr["flow_id"]) == sorted(x["flow_id"] for x in lines)


def test_array_cap_is_counted():
    path = PCAP_DIR / "PcapExamples/example.pcap"
    run, _ = read_flows(path)
    total = len(run.flow_array())
    assert total > 10
    run, _ = read_flows(path, flow_array_max=10)
    arr = run.flow_array()
    assert len(arr) == 10
    np.testing.assert_array_equal(arr["flow_id"], [d["flow_id"] for d in run.flows()[:10]])
    out = next(o for o in run.report()["outputs"] if o["name"] == "flow_array")
    assert out["written"] == 10 and out["dropped"] == total - 10 and "flow_array_max" in out["error"]
    # The JSON file is a separate output: it lost nothing.
    assert run.report()["flow_records"] == total and run.report()["flow_records_dropped"] == 0


def test_array_needs_flows_and_the_end():
    path = PCAP_DIR / "PcapExamples/4KHttpRequests.pcap"
    run = riptide.read(str(path))
    for _ in run:
        pass
    with pytest.raises(riptide.Error, match="flows=True"):
        run.flow_array()
    run = riptide.read(str(path), flows=True, flow_array=False)
    for _ in run:
        pass
    assert run.flows()
    with pytest.raises(riptide.Error, match="flow_array"):
        run.flow_array()
    with riptide.read(str(path), flows=True, batch_size=10, queue=2) as run:
        next(iter(run))
        with pytest.raises(riptide.Error, match="ended"):
            run.flow_array()
    with pytest.raises(ValueError, match="flow_array_max"):
        riptide.read(str(path), flows=True, flow_array_max=0)


def test_names():
    assert riptide.FLOW_REASONS[0] == "idle_timeout" and "end_of_input" in riptide.FLOW_REASONS
    assert riptide.TUNNEL_TYPES[0] == "none" and "vxlan" in riptide.TUNNEL_TYPES
    assert riptide.proto_name(6) == "TCP" and riptide.proto_name(58) == "IPv6-ICMP"
    assert set(riptide.FLOW_DTYPE.names) >= {"flow_id", "src_ip", "src_ip4", "dest_port", "pkts_toserver", "start_ns"}


def test_live_two_threads(veth, riptide_bin):
    """Live with two capture threads: two flow tables feed one array, still row for line."""
    from test_live import gen_sent, start_gen

    count = 20_000
    gen = start_gen(riptide_bin, veth, 50_000, count)
    with riptide.capture(veth.host, "udp", threads=2, count=count, duration=30, tx=False, flows=True,
                         eve_extensions=True) as run:
        seen = sum(len(b) for b in run)
    sent = gen_sent(gen)
    assert seen == sent == count
    dicts, arr = run.flows(), run.flow_array()
    assert len(arr) == len(dicts) == 1000  # riptide gen --flows 1000
    for i, (r, d) in enumerate(zip(arr, dicts)):
        try:
            check_row(r, d)
        except AssertionError as e:
            raise AssertionError(f"live flow record {i}: {e}\n{d}") from e
    assert int(arr["pkts_toserver"].sum() + arr["pkts_toclient"].sum()) == sent
    assert int(arr["bytes_toserver"].sum() + arr["bytes_toclient"].sum()) == 200 * sent
    assert set(int(i) >> 43 for i in arr["flow_id"]) == {0, 1}, "both threads' tables"

"""flow_key="outer": a tunnel metered as its transport, as `riptide read --flow-key outer`."""
from conftest import ROOT

import pytest

import riptide

GRE = str(ROOT / "tests" / "data" / "encap" / "gre_ip.pcap")


def flows(**kw):
    run = riptide.read(GRE, flows=True, **kw)
    for _ in run:
        pass
    return run.flows(), run.report()


def test_inner_by_default_outer_on_request():
    inner, rep = flows()
    assert len(inner) == 6 and all("tunnel" in f for f in inner)
    assert rep["decode"]["encap"]["gre"] == 14
    outer, rep = flows(flow_key="outer")
    assert len(outer) == 1
    f = outer[0]
    assert (f["proto"], f["src_ip"], f["dest_ip"]) == ("GRE", "192.0.2.1", "192.0.2.2")
    assert f["flow"]["pkts_toserver"] + f["flow"]["pkts_toclient"] == 14
    assert "tunnel" not in f
    assert rep["decode"]["encap"]["gre"] == 0


def test_bad_flow_key_is_refused():
    with pytest.raises(ValueError, match="flow_key"):
        riptide.read(GRE, flow_key="sideways")

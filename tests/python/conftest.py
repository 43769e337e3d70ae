"""Shared fixtures: the riptide package and binary of this build, and a network namespace
with a veth pair for live tests (created per test, removed afterwards even when it fails)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("RIPTIDE_BUILD_DIR", ROOT / "build" / "release"))
PY_DIR = Path(os.environ.get("RIPTIDE_PYTHON_DIR", BUILD / "python"))
RIPTIDE_BIN = Path(os.environ.get("RIPTIDE_BIN", BUILD / "apps" / "riptide"))
PCAP_DIR = Path(os.environ.get("RIPTIDE_PCAP_DIR", ROOT / "tests" / "data" / "pcaps" / "pcapplusplus"))
CI = os.environ.get("CI") == "true"

sys.path.insert(0, str(PY_DIR))


def corpus():
    return sorted(p for p in PCAP_DIR.rglob("*") if p.suffix in (".pcap", ".pcapng") and p.is_file())


def need(ok: bool, why: str):
    """Under CI a missing prerequisite fails the test; elsewhere it skips with the reason."""
    if ok:
        return
    if CI:
        pytest.fail(why + " (CI=true: required)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def riptide_bin():
    need(RIPTIDE_BIN.exists(), f"{RIPTIDE_BIN} not built")
    return str(RIPTIDE_BIN)


@pytest.fixture(scope="session")
def tshark():
    path = shutil.which("tshark")
    need(path is not None, "tshark not installed")
    return path


def sh(cmd: str) -> int:
    return subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


class Veth:
    """rt<TAG>py{h,p,ns}: the host side captured by the test, the peer in namespace ns."""

    def __init__(self, name: str):
        tag = os.environ.get("RIPTIDE_NET_TAG", "")[:2]
        self.host, self.peer, self.ns = (f"rt{tag}{name}h", f"rt{tag}{name}p", f"rt{tag}{name}ns")

    def destroy(self):
        sh(f"ip link del {self.host}")
        sh(f"ip netns del {self.ns}")

    def create(self) -> bool:
        self.destroy()
        cmds = (f"set -e; ip netns add {self.ns}; ip link add {self.host} type veth peer name {self.peer}; "
                f"ip link set {self.peer} netns {self.ns}; sysctl -qw net.ipv6.conf.{self.host}.disable_ipv6=1; "
                f"ip netns exec {self.ns} sysctl -qw net.ipv6.conf.{self.peer}.disable_ipv6=1; "
                f"ip link set {self.host} up; ip netns exec {self.ns} ip link set {self.peer} up")
        return sh(f"( {cmds} )") == 0


@pytest.fixture
def veth():
    need(os.geteuid() == 0, "namespace tests need root")
    v = Veth("py")
    ok = v.create()
    try:
        need(ok, "cannot create a network namespace and veth pair")
        yield v
    finally:
        v.destroy()

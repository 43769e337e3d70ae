"""Live, in a namespace: `riptide gen` sends from the peer side of a veth pair, riptide
captures the host side with a Python analyzer inside the engine."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT

import riptide

RATE = int(os.environ.get("RIPTIDE_PY_LIVE_RATE", "350000"))
SECONDS = float(os.environ.get("RIPTIDE_PY_LIVE_SECONDS", "2"))
# For the ceiling figure in docs/BENCHMARKS.md: "GEN_CPU,CAPTURE_CPU" pins the generator to the
# first and this process (riptide's threads and Python) to the second.
PIN = os.environ.get("RIPTIDE_PY_LIVE_PIN", "")
GEN_CPU, CAP_CPU = (PIN.split(",") + [""])[:2] if PIN else ("", "")


def start_gen(riptide_bin, veth, rate, count, delay=1.0):
    """gen starts after `delay` s, once the capture socket is open."""
    pin = f"taskset -c {GEN_CPU} " if GEN_CPU else ""
    cmd = (f"sleep {delay}; exec {pin}ip netns exec {veth.ns} {riptide_bin} gen -i {veth.peer} --json "
           f"--rate {rate} --count {count} --size 200 --flows 1000")
    return subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def gen_result(proc):
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return next(json.loads(line) for line in out.splitlines() if line.startswith("{") and "sent" in line)


def gen_sent(proc):
    return gen_result(proc)["sent"]


class Counter(riptide.Analyzer):
    """Wire bytes per IPv4 source with NumPy, per batch: the job of the offline Python benchmark."""

    def on_start(self):
        self.packets = 0
        self.bytes = 0
        self.by_source = {}

    def on_batch(self, batch):
        m = batch.meta
        self.packets += len(m)
        self.bytes += int(m["wirelen"].sum())
        keys, inv = np.unique(m["src4"], return_inverse=True)
        for k, v in zip(keys.tolist(), np.bincount(inv, weights=m["wirelen"]).tolist()):
            self.by_source[k] = self.by_source.get(k, 0) + int(v)


class Slow(Counter):
    def on_batch(self, batch):
        super().on_batch(batch)
        time.sleep(0.05)


def test_python_analyzer_at_high_rate_loses_nothing(veth, riptide_bin):
    before = os.sched_getaffinity(0)
    if CAP_CPU:
        os.sched_setaffinity(0, {int(CAP_CPU)})  # riptide's threads inherit it
    try:
        run_counter_at_rate(veth, riptide_bin)
    finally:
        os.sched_setaffinity(0, before)


def run_counter_at_rate(veth, riptide_bin):
    count = int(RATE * SECONDS)
    gen = start_gen(riptide_bin, veth, RATE, count)
    a = Counter()
    try:
        rep = riptide.run(a, iface=veth.host, filter="udp", count=count, duration=SECONDS + 30, rate=RATE,
                          ring_ms=1000, tx=False)
    finally:
        g = gen_result(gen)
    sent = g["sent"]
    py = rep["analyzers"]["python:Counter"]
    print(f"generator: {sent} packets at {g.get('pps')} packets/s; python busy "
          f"{py['python_busy_ns'] / max(sent, 1):.0f} ns per packet")
    assert sent == count
    assert rep["kernel_drops"] == 0 and rep["captured"] == sent, rep
    assert py["queue_drops"] == 0 and py["errors"] == 0
    assert a.packets == sent and a.bytes == 200 * sent
    assert sum(a.by_source.values()) == a.bytes and len(a.by_source) >= 1
    assert py["batches_done"] == py["batches_queued"] > 0 and py["python_busy_ns"] > 0


def test_slow_python_analyzer_is_counted_at_its_queue(veth, riptide_bin):
    count = 100_000
    gen = start_gen(riptide_bin, veth, 100_000, count)
    a = Slow()
    try:
        rep = riptide.run(a, iface=veth.host, filter="udp", count=count, duration=40, batch_size=256, queue=2,
                          tx=False)
    finally:
        sent = gen_sent(gen)
    py = rep["analyzers"]["python:Slow"]
    # Capture loses nothing; the Python queue drops, named, and every packet is accounted for.
    assert rep["kernel_drops"] == 0 and rep["captured"] == sent == count, rep
    assert py["queue_drops"] > 0
    assert py["queued_packets"] + py["queue_drops"] == rep["captured"]
    assert a.packets == py["queued_packets"]


def test_cli_slow_python_analyzer_drop_is_reported(veth, riptide_bin, tmp_path):
    script = tmp_path / "slow.py"
    script.write_text("import time, riptide\n"
                      "class Slow(riptide.Analyzer):\n"
                      "    batch_size = 256\n"
                      "    queue = 2\n"
                      "    def on_batch(self, b): time.sleep(0.05)\n")
    count = 50_000
    gen = start_gen(riptide_bin, veth, 100_000, count, delay=1.5)
    cap = subprocess.run([riptide_bin, "capture", "-i", veth.host, "--no-flows", "-q", "--python", str(script),
                          "-c", str(count), "--duration", "30", "udp"], capture_output=True, text=True, timeout=60)
    sent = gen_sent(gen)
    assert cap.returncode == 0, cap.stderr
    assert f"captured     {sent:,} packets" in cap.stderr
    assert "no packet was lost at any stage" in cap.stderr
    assert "packets an analyzer did not see" in cap.stderr and "analyzer_queue_drops" in cap.stderr, cap.stderr


def test_capture_iterator_and_cli_python(veth, riptide_bin, tmp_path):
    count = 20_000
    gen = start_gen(riptide_bin, veth, 50_000, count)
    seen = 0
    with riptide.capture(veth.host, "udp", count=count, duration=30, tx=False) as run:
        for batch in run:
            seen += len(batch)
            assert (batch.meta["protocol"] == 17).all() and (batch.meta["wirelen"] == 200).all()
    sent = gen_sent(gen)
    assert seen == sent == run.report()["captured"]

    # The same analyzer class from the riptide command.
    script = tmp_path / "count.py"
    script.write_text("import riptide\n"
                      "class C(riptide.Analyzer):\n"
                      "    def on_start(self): self.n = 0\n"
                      "    def on_batch(self, b): self.n += len(b)\n"
                      "    def on_stop(self): print('python saw', self.n, flush=True)\n")
    stats = tmp_path / "stats.json"
    gen = start_gen(riptide_bin, veth, 50_000, count, delay=1.5)
    cap = subprocess.run([riptide_bin, "capture", "-i", veth.host, "-q", "--no-flows", "--python", str(script),
                          "-c", str(count), "--duration", "30", "--stats-json", str(stats), "udp"],
                         capture_output=True, text=True, timeout=60)
    sent = gen_sent(gen)
    assert cap.returncode == 0, cap.stderr
    assert f"python saw {sent}" in cap.stdout
    rep = json.loads(stats.read_text())
    assert rep["analyzers"]["python:C"]["queue_drops"] == 0 and rep["captured"] == sent


def test_ctrl_c_stops_a_capture_cleanly(veth, riptide_bin, tmp_path):
    script = tmp_path / "cap.py"
    script.write_text("import json, sys, riptide\n"
                      "run = riptide.capture(sys.argv[1], 'udp', tx=False)\n"
                      "print('ready', flush=True)\n"
                      "seen = sum(len(b) for b in run)\n"
                      "rep = run.report()\n"
                      "print(json.dumps({'interrupted': run.interrupted, 'seen': seen, 'captured': rep['captured'],\n"
                      "                  'kernel_drops': rep['kernel_drops'], 'ledger': rep['ledger_balanced']}))\n")
    env = dict(os.environ, PYTHONPATH=str(Path(riptide.__file__).parent.parent))
    proc = subprocess.Popen([sys.executable, str(script), veth.host], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "ready"
        sent = gen_sent(start_gen(riptide_bin, veth, 50_000, 50_000, delay=0))
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    r = json.loads(out.strip().splitlines()[-1])
    assert r["interrupted"] and r["ledger"]
    assert r["seen"] == r["captured"] == sent and r["kernel_drops"] == 0, r


class Sender(Counter):
    """Answers the first batch with five frames through riptide's transmit path."""

    def on_batch(self, batch):
        super().on_batch(batch)
        if self.packets == len(batch):
            self.results = [self.send(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(46))
                            for _ in range(5)]


def test_python_analyzer_sends_frames_live(veth, riptide_bin):
    count = 10_000
    gen = start_gen(riptide_bin, veth, 20_000, count)
    a = Sender()
    try:
        # No filter: the capture would see our own frames if they came back.
        rep = riptide.run(a, iface=veth.host, duration=4)
    finally:
        sent = gen_sent(gen)
    assert a.results == [True] * 5
    assert rep["analyzers"]["python:Sender"]["sent"] == 5 and rep["tx_sent"] == 5, rep
    # Our own frames are not captured back: the capture saw exactly gen's packets.
    assert rep["captured"] == sent == a.packets

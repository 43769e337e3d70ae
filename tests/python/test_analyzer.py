"""Python analyzers over files, from Python and from the riptide command: errors counted as
any analyzer's, timers, offloaded work, send refused without a transmit path."""
import json
import subprocess

import pytest

from conftest import PCAP_DIR

import riptide

HTTP = str(PCAP_DIR / "PcapExamples" / "4KHttpRequests.pcap")


class Failing(riptide.Analyzer):
    def on_batch(self, batch):
        raise ZeroDivisionError("on purpose")


def test_exception_is_counted_like_any_analyzer_error(capfd):
    rep = riptide.run(Failing(), file=HTTP, batch_size=50)
    a = rep["analyzers"]["python:Failing"]
    assert a["python_errors"] == a["batches_done"] > 1
    # The engine counts what reached it through the analyzer's calls: each error thrown into
    # a batch, and the ones still pending at on_stop as one ("and N more").
    assert 1 <= a["errors"] <= a["python_errors"]
    err = capfd.readouterr().err
    assert "analyzer 'python:Failing'" in err and "ZeroDivisionError: on purpose" in err
    assert rep["captured"] == rep["processed"]  # capture went on


class Timed(riptide.Analyzer):
    def on_start(self):
        self.fired, self.results, self.sent = [], [], None
        self.add_timer(1.0, self.fired.append, base="packet")

    def on_batch(self, batch):
        if not self.results:
            self.offload(lambda n: n * 2, len(batch), callback=self.results.append)
        if self.sent is None:
            self.sent = self.send(b"\xff" * 60)


def test_timers_offload_and_send():
    a = Timed()
    rep = riptide.run(a, file=HTTP, batch_size=64)
    assert a.results and a.results[0] % 2 == 0
    assert a.sent is False  # a file has no transmit path: refused and counted
    assert rep["analyzers"]["python:Timed"]["send_refused"] == 1
    assert len(a.fired) >= 1  # the capture spans more than a second of packet time


def test_cli_python_error_and_report(tmp_path, riptide_bin):
    script = tmp_path / "bad.py"
    script.write_text("import riptide\nclass Bad(riptide.Analyzer):\n    def on_batch(self, b): raise KeyError('x')\n")
    stats = tmp_path / "s.json"
    r = subprocess.run([riptide_bin, "read", "-r", HTTP, "--python", str(script), "--stats-json", str(stats)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "analyzer 'python:Bad'" in r.stderr and "KeyError" in r.stderr
    rep = json.loads(stats.read_text())
    assert rep["analyzers"]["python:Bad"]["errors"] >= 1


def test_cli_python_bad_file_is_a_usage_error(tmp_path, riptide_bin):
    r = subprocess.run([riptide_bin, "read", "-r", HTTP, "--python", str(tmp_path / "none.py")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "cannot read" in r.stderr and r.stderr.count("\n") == 1
    script = tmp_path / "syntax.py"
    script.write_text("def (:\n")
    r = subprocess.run([riptide_bin, "read", "-r", HTTP, "--python", str(script)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "SyntaxError" in r.stderr, r.stderr


def test_cli_python_with_a_capture_file_that_cannot_be_opened(tmp_path, riptide_bin):
    # The analyzer is built (Python objects held) before the engine finds the file missing: its
    # release on riptide's main thread used to abort the process (rc 134) instead of a usage error.
    script = tmp_path / "count.py"
    script.write_text("import riptide\nclass Count(riptide.Analyzer):\n    def on_batch(self, b): pass\n")
    r = subprocess.run([riptide_bin, "read", "-r", str(tmp_path / "missing.pcap"), "--python", str(script)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "missing.pcap: cannot open" in r.stderr and r.stderr.count("\n") == 1, r.stderr

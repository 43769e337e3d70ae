"""riptide from Python: live captures and files as batches of NumPy arrays.

Packets never become Python objects. riptide's engine decodes each packet once, on its own
threads, into a flat record; Python receives those records a batch at a time as one NumPy
structured array (``Batch.meta``, dtype ``META_DTYPE``), and the packet bytes on request.

    import riptide
    for batch in riptide.read("trace.pcap", "tcp"):
        print(len(batch), batch.meta["wirelen"].sum())

    with riptide.capture("eth0", threads=2) as run:
        for batch in run:
            ...
        print(run.report()["captured"])

A live capture never waits for Python: batches wait in a bounded queue, and what does not fit
is dropped and counted (``queue_drops`` of the analyzer named "python" in the report).
Reading a file waits for Python instead, so nothing is lost.

With ``flows=True`` the flow meter runs too: after the run, ``Run.flows()`` gives its finished
records as dicts (the flow JSON lines) and ``Run.flow_array()`` (or ``flows(as_array=True)``)
as one NumPy structured array (dtype ``FLOW_DTYPE``), row i being line i.

Python analyzers (``Analyzer``) run inside the engine, from Python with ``riptide.run()`` or
from the command line with ``riptide capture --python FILE.py``.
"""
from __future__ import annotations

import json
import os
import tempfile

from ._riptide import Error, Session as _Session
from ._batch import Batch, META_DTYPE, ipv4_text, ipv6_text
from ._flows import FLOW_DTYPE, FLOW_REASONS, TUNNEL_TYPES, proto_name
from ._analyzer import Analyzer, run

__all__ = ["Analyzer", "Batch", "Error", "FLOW_DTYPE", "FLOW_REASONS", "META_DTYPE", "Run", "TUNNEL_TYPES", "capture",
           "ipv4_text", "ipv6_text", "proto_name", "read", "run"]


class Run:
    """A running capture or file read: iterate over it for ``Batch`` objects.

    Ctrl-C while it waits for packets stops the run cleanly (the rings are drained, the
    remaining batches still arrive, ``interrupted`` becomes True). Leaving the loop early, or
    ``close()``, stops it too. ``report()`` is the final report as a dict with the names of
    ``riptide read --stats-json``.
    """

    def __init__(self, **settings):
        self._flows_tmp = None
        if settings.get("flows") and not settings.get("flows_path"):
            fd, self._flows_tmp = tempfile.mkstemp(prefix="riptide-flows-", suffix=".json")
            os.close(fd)
            settings["flows_path"] = self._flows_tmp
        self._flows_path = settings.get("flows_path")
        self._session = _Session(settings)
        self._feed = self._session.feed
        self._ended = False
        self._report = None
        self.interrupted = False
        self._session.start()

    def __iter__(self):
        return self

    def __next__(self) -> Batch:
        if self._ended:
            raise StopIteration
        while True:
            r = ()
            try:
                r = self._feed.next_batch(0.1)
            except KeyboardInterrupt:
                self.interrupted = True
                self._session.stop()
            if r is None:
                self._end()
                raise StopIteration
            if r:
                return Batch(*r)

    def _end(self):
        if not self._ended:
            self._ended = True
            self._session.join()

    def stop(self) -> None:
        """Asks the run to end as Ctrl-C does; iteration goes on until the rings are drained."""
        self._session.stop()

    def close(self) -> None:
        """Stops the run and waits for it, dropping the batches not taken yet."""
        if not self._ended:
            self._feed.close()
            self._session.stop()
            self._end()

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
            if self._flows_tmp:
                os.unlink(self._flows_tmp)
        except Exception:
            pass

    def report(self) -> dict:
        """The final report (the run must have ended: iterate to the end or close()).

        Raises riptide.Error with riptide's message when a fault stopped the run."""
        if not self._ended:
            raise Error("the run is still going: iterate to the end, stop() or close() first")
        if self._report is None:
            self._report = json.loads(self._session.report_json())
        return self._report

    def report_text(self) -> str:
        """The report as the riptide command prints it."""
        return self._session.report_text()

    def stats(self) -> dict:
        """The figures so far, in the report's names (any time)."""
        return json.loads(self._session.snapshot_json())

    def queue(self) -> dict:
        """The Python queue's own counters: queue_drops, batches_queued, batches_done..."""
        return self._feed.figures()

    def flows(self, as_array: bool = False):
        """Finished flow records after the run; needs flows=True.

        As a list of dicts, one per line of the flow JSON (EVE names; ``eve_extensions=True``
        adds riptide's own "riptide" object), or with ``as_array=True`` as ``flow_array()``."""
        if as_array:
            return self.flow_array()
        if not self._flows_path:
            raise Error("flow records need flows=True")
        if not self._ended:
            raise Error("flow records are complete once the run ended")
        with open(self._flows_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def flow_array(self):
        """Finished flow records after the run as one NumPy structured array of ``FLOW_DTYPE``.

        Row i is line i of the flow JSON (``flows()``), with the JSON's names: flow_id,
        src_ip/dest_ip (16 bytes, IPv4 as ::ffff:a.b.c.d) and src_ip4/dest_ip4 (IPv4 as a
        number), src_port, dest_port, proto (number: ``proto_name``), ip_version, vlan_count,
        vlan0, vlan1, pkts/bytes/ip_bytes _toserver/_toclient, start_ns/end_ns (flow.start and
        flow.end in ns), tcp_flags, tcp_flags_ts, tcp_flags_tc, icmp_type, icmp_code,
        response_icmp_type, response_icmp_code, reason (``FLOW_REASONS``), tunnel_type
        (``TUNNEL_TYPES``), tunnel_id, tunnel_depth, tunnel_ip_version, tunnel_src_ip,
        tunnel_dest_ip. What a JSON line leaves out is 0. Needs flows=True (and flow_array,
        True by default). At most ``flow_array_max`` rows (default 4,194,304) are kept; more
        are counted as ``flow_array_full`` drops in the report."""
        if not self._ended:
            raise Error("flow records are complete once the run ended")
        return self._session.flow_array()


def read(path: str, filter: str | None = None, *, packets: bool = False, batch_size: int = 4096,
         queue: int = 32, count: int | None = None, flows: bool = False, flows_path: str | None = None,
         stats_json: str | None = None, **engine) -> Run:
    """Reads a pcap or pcapng file (``-`` for stdin) through riptide's decoder.

    filter: tcpdump syntax. packets: also hand over the packet bytes (``Batch.packet(i)``).
    batch_size: packets per batch at most. count: stop after that many packets (``-c``).
    flows: run the flow meter too (``Run.flows()`` / ``Run.flow_array()`` after the end; other
    settings: eve_extensions, flow_array, flow_array_max); flow_key="outer" keys the flows by the
    outermost IP header (a tunnel metered as its transport) instead of the innermost.
    Raises riptide.Error (a file that cannot be opened, a bad filter) with riptide's message.
    """
    return Run(file=path, filter=filter or "", packets=packets, batch_size=batch_size, queue=queue,
               count=count or 0, flows=flows, flows_path=flows_path or "", stats_json=stats_json or "", **engine)


def capture(iface: str, filter: str | None = None, *, threads: int = 1, duration: float | None = None,
            count: int | None = None, packets: bool = False, batch_size: int = 4096, queue: int = 32,
            flows: bool = False, flows_path: str | None = None, stats_json: str | None = None, **engine) -> Run:
    """Captures live on ``iface`` (AF_PACKET TPACKET_V3, ``threads`` sockets in one fanout group).

    The capture never waits for Python: up to ``queue`` batches of ``batch_size`` packets wait
    per capture thread; beyond that packets are dropped at the queue and counted
    (``Run.queue()["queue_drops"]``, and ``queue_drops`` of analyzer "python" in the report),
    while the capture's own figures stay whole. Other settings: direction ("in", "out",
    "inout"), rate and ring_ms (ring sizing), block_timeout_ms, snaplen, backend ("pcap").
    """
    return Run(iface=iface, filter=filter or "", threads=threads, duration=duration or 0, count=count or 0,
               packets=packets, batch_size=batch_size, queue=queue, flows=flows, flows_path=flows_path or "",
               stats_json=stats_json or "", **engine)

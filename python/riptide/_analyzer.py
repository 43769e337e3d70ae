"""Python analyzers inside the engine.

An analyzer is a class with ``on_batch(batch)``; riptide calls it on one Python thread, once
per batch (the GIL is taken once per batch, never per packet). The packet threads hand it
batches through a bounded queue and never wait for it: what does not fit is counted as
``queue_drops`` of that analyzer. Its time per batch is reported (``python_busy_ns`` over
``batches_done``). An exception is counted and printed by the engine like any analyzer's
error; after 100 the analyzer is switched off while the capture goes on.
"""
from __future__ import annotations

import concurrent.futures
import json
import queue as _queue
import time
import traceback

from ._batch import Batch


def describe(e: BaseException) -> str:
    """One line: the exception and where it was raised."""
    tb = traceback.extract_tb(e.__traceback__)
    where = f" (at {tb[-1].filename}:{tb[-1].lineno} in {tb[-1].name})" if tb else ""
    return f"{type(e).__name__}: {e}{where}"


class Analyzer:
    """Base class of Python analyzers. Override ``on_batch``; the others are optional.

    Inside the callbacks: ``add_timer(period_s, fn)`` (wall time, or base="packet" for packet
    timestamps, deterministic on files), ``offload(fn, *args, callback=...)`` (runs fn on an
    executor thread, its result comes back to ``callback`` on the analyzer's thread; refused
    and counted when ``offload_queue`` calls already wait), ``send(frame)`` (a frame out of the
    capture interface; False when refused, counted).
    """

    #: Seconds between on_tick calls (wall time).
    tick_interval: float = 1.0
    #: Threads of the offload executor, and calls allowed to wait for one.
    offload_threads: int = 1
    offload_queue: int = 64

    def on_start(self) -> None: ...
    def on_batch(self, batch: Batch) -> None: ...
    def on_tick(self, now: float) -> None: ...
    def on_stop(self) -> None: ...

    # Services, valid from on_start to on_stop.
    def add_timer(self, period: float, fn, base: str = "wall") -> None:
        if period <= 0 or base not in ("wall", "packet"):
            raise ValueError("add_timer: period > 0 and base 'wall' or 'packet'")
        self._rt_driver.timers.append([period, fn, base, None])

    def offload(self, fn, *args, callback=None) -> bool:
        return self._rt_driver.offload(fn, args, callback)

    def send(self, frame: bytes) -> bool:
        return self._rt_driver.feed.send(bytes(frame))


class _Driver:
    """Runs one analyzer over a feed: batches, timers, offloaded results, errors, timing."""

    def __init__(self, analyzer: Analyzer, feed):
        self.a = analyzer
        self.feed = feed
        self.timers = []
        self.done = _queue.SimpleQueue()
        self.pending = 0
        self.executor = None
        self.stop_error = None
        analyzer._rt_driver = self

    def offload(self, fn, args, callback) -> bool:
        if self.executor is None:
            self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, self.a.offload_threads),
                                                                  thread_name_prefix="riptide-offload")
        if self.pending >= self.a.offload_queue:
            self.feed.count_offload_refused(0)
            return False
        self.pending += 1
        fut = self.executor.submit(fn, *args)
        fut.add_done_callback(lambda f: self.done.put((f, callback)))
        return True

    def guarded(self, thread, fn, *args):
        try:
            fn(*args)
        except Exception as e:
            self.feed.report_error(thread, describe(e))

    def completions(self):
        while True:
            try:
                fut, cb = self.done.get_nowait()
            except _queue.Empty:
                return
            self.pending -= 1
            exc = fut.exception()
            if exc is not None:
                self.feed.report_error(0, describe(exc))
            elif cb is not None:
                self.guarded(0, cb, fut.result())

    def fire(self, base, now):
        for t in self.timers:
            period, fn, tb, nxt = t
            if tb != base:
                continue
            if nxt is None:
                t[3] = (now // period + 1) * period if base == "packet" else now + period
            elif now >= nxt:
                t[3] = (now // period + 1) * period if base == "packet" else now + period
                self.guarded(0, fn, now)

    def run(self):
        self.start()
        self.loop()
        self.finish()

    def start(self):
        self.guarded(0, self.a.on_start)
        self.next_tick = time.monotonic() + self.a.tick_interval

    def loop(self):
        feed, a = self.feed, self.a
        while True:
            r = feed.next_batch(0.05)
            if r is None:
                break
            if r:
                b = Batch(*r)
                t0 = time.perf_counter_ns()
                try:
                    a.on_batch(b)
                except Exception as e:
                    feed.report_error(b.thread, describe(e))
                feed.account(b.thread, time.perf_counter_ns() - t0)
                if len(b) and any(t[2] == "packet" for t in self.timers):
                    self.fire("packet", int(b.meta["ts_ns"].max()) / 1e9)
            now = time.monotonic()
            if now >= self.next_tick:
                self.next_tick = now + a.tick_interval
                self.guarded(0, a.on_tick, time.time())
            if self.timers:
                self.fire("wall", time.time())
            if self.pending:
                self.completions()

    def finish(self):
        a, feed = self.a, self.feed
        # Every offloaded result reaches the analyzer before on_stop.
        while self.pending:
            fut, cb = self.done.get()
            self.done.put((fut, cb))
            self.completions()
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        try:
            a.on_stop()
        except Exception as e:
            self.stop_error = e
            feed.report_error(0, describe(e))


def run(analyzer: Analyzer, *, file: str | None = None, iface: str | None = None, filter: str | None = None,
        batch_size: int = 4096, queue: int = 32, packets: bool = False, **engine) -> dict:
    """Runs ``analyzer`` inside the engine over a file or a live interface, on this thread,
    until the input ends, ``duration``/``count`` is reached or Ctrl-C; returns the report
    (the names of ``--stats-json``). Other settings as riptide.read() / riptide.capture()."""
    from ._riptide import Session

    settings = dict(engine)
    settings.update(filter=filter or "", batch_size=batch_size, queue=queue, packets=packets,
                    name="python:" + type(analyzer).__name__)
    if file is not None:
        settings["file"] = file
    if iface is not None:
        settings["iface"] = iface
    session = Session(settings)
    driver = _Driver(analyzer, session.feed)
    session.start()
    try:
        driver.start()
        while True:
            try:
                driver.loop()
                break
            except KeyboardInterrupt:
                session.stop()  # drain and finish; the driver goes on until the feed ends
        driver.finish()
    finally:
        session.feed.close()
        session.stop()
        session.join()
    return json.loads(session.report_json())

"""What ``riptide capture --python FILE.py`` runs inside the riptide command: loads FILE.py,
picks its analyzer class, and builds the engine's factory for it (riptide_python_plugin.so)."""
from __future__ import annotations

import importlib.util
import threading

from . import _riptide
from ._analyzer import Analyzer, _Driver


def pick_class(module):
    """ANALYZER if the file sets it, else the one riptide.Analyzer subclass it defines."""
    if hasattr(module, "ANALYZER"):
        return module.ANALYZER
    found = [v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, Analyzer) and v is not Analyzer and v.__module__ == module.__name__]
    if len(found) != 1:
        raise ValueError(f"define exactly one riptide.Analyzer subclass (found {len(found)}) or set ANALYZER")
    return found[0]


def load(path: str, args: str, wait: bool):
    spec = importlib.util.spec_from_file_location("riptide_user_analyzer", path)
    if spec is None or spec.loader is None:
        raise ValueError("not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cls = pick_class(module)
    analyzer = cls(args) if args else cls()
    settings = {"name": "python:" + cls.__name__, "wait_when_full": bool(wait)}
    for key in ("batch_size", "queue", "packets", "max_delay"):
        if hasattr(cls, key):
            settings[key] = getattr(cls, key)
    holder = {}

    def finish():
        t = holder["thread"]
        if t.is_alive() or t.ident is not None:
            t.join()
        if holder["driver"].stop_error is not None:
            raise holder["driver"].stop_error

    def start():  # from the engine, once every packet thread's instance exists
        holder["thread"].start()

    capsule, feed = _riptide._plugin_factory(settings, start, finish)
    driver = _Driver(analyzer, feed)
    holder.update(thread=threading.Thread(target=driver.run, name="riptide-python", daemon=True), driver=driver)
    return capsule

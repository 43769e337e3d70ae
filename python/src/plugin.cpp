// riptide_python_plugin.so: what `riptide read|capture --python FILE.py` loads. It starts an
// interpreter inside the riptide command, imports the riptide package that sits beside this
// file, and returns the analyzer factory that package builds for FILE.py (riptide/_embed.py).
// The GIL is released before returning: the Python analyzer runs on a Python thread of its own
// and the packet threads never take it.
#include <dlfcn.h>
#include <pybind11/embed.h>

#include <stdexcept>
#include <string>

#include "riptide/analyze/plugin.hpp"

namespace py = pybind11;

namespace {

// The folder holding the riptide package: this library is riptide/riptide_python_plugin.so.
std::string package_parent() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&package_parent), &info) == 0 || !info.dli_fname) return {};
  std::string p = info.dli_fname;
  for (int i = 0; i < 2; ++i) {
    const auto slash = p.rfind('/');
    if (slash == std::string::npos) return ".";
    p.resize(slash);
  }
  return p;
}

std::string one_line(py::error_already_set& e) {
  return std::string(py::str(e.type().attr("__name__"))) + ": " + std::string(py::str(e.value()));
}

}  // namespace

// args: "W:FILE.py[:ARGS]" with W = 1 to wait for Python (files), 0 to drop (live).
RIPTIDE_PLUGIN_ENTRY(args) {
  const std::string spec = args ? args : "";
  if (spec.size() < 3 || spec[1] != ':') throw std::runtime_error("--python: no file given");
  const bool wait = spec[0] == '1';
  std::string file = spec.substr(2), user_args;
  if (const auto py_end = file.find(".py:"); py_end != std::string::npos) {
    user_args = file.substr(py_end + 4);
    file.resize(py_end + 3);
  }
  // riptide dlopens plugins RTLD_LOCAL, which hides libpython from the extension modules the
  // interpreter loads next (_riptide, NumPy): make its symbols global first.
  Dl_info py_info{};
  if (dladdr(reinterpret_cast<void*>(&Py_IsInitialized), &py_info) != 0 && py_info.dli_fname)
    dlopen(py_info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  if (!Py_IsInitialized()) {
    // No signal handlers: Ctrl-C stays riptide's (stop cleanly, report).
    py::initialize_interpreter(false);
  } else {
    PyGILState_Ensure();
  }
  riptide::AnalyzerFactory* f = nullptr;
  std::string err;
  try {
    py::module_::import("sys").attr("path").attr("insert")(0, package_parent());
    auto cap = py::module_::import("riptide._embed").attr("load")(file, user_args, wait).cast<py::capsule>();
    f = cap.get_pointer<riptide::AnalyzerFactory>();
  } catch (py::error_already_set& e) {
    err = "--python " + file + ": " + one_line(e);
  } catch (const std::exception& e) {
    err = "--python " + file + ": " + e.what();
  }
  PyEval_SaveThread();
  if (!err.empty()) throw std::runtime_error(err);
  return f;
}

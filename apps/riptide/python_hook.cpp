// --python FILE.py: a Python analyzer (python/riptide) run through riptide_python_plugin.so,
// an ordinary analyzer plugin that embeds the interpreter. Found beside the build tree's
// package or the installed one; RIPTIDE_PYTHON_PLUGIN names another.
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "python_hook.hpp"
#include "riptide/analyze/plugin.hpp"

namespace riptide::app {

Result<std::unique_ptr<AnalyzerFactory>> load_python_analyzer(const std::string& file, bool wait_for_python) {
#ifndef RIPTIDE_PYTHON_PLUGIN_PATHS
  (void)file;
  (void)wait_for_python;
  return Error{Errc::invalid_argument, "--python: this riptide was built without Python (RIPTIDE_BUILD_PYTHON=OFF)"};
#else
  std::string plugin;
  if (const char* env = std::getenv("RIPTIDE_PYTHON_PLUGIN"); env && *env) plugin = env;
  std::stringstream paths(RIPTIDE_PYTHON_PLUGIN_PATHS);
  for (std::string p; plugin.empty() && std::getline(paths, p, ':');)
    if (::access(p.c_str(), R_OK) == 0) plugin = p;
  if (plugin.empty())
    return Error{Errc::invalid_argument, "--python: riptide_python_plugin.so not found (set RIPTIDE_PYTHON_PLUGIN)"};
  const auto py_end = file.find(".py:");
  const std::string path = py_end == std::string::npos ? file : file.substr(0, py_end + 3);
  if (::access(path.c_str(), R_OK) != 0) return Error{Errc::invalid_argument, "--python: cannot read '" + path + "'"};
  return load_plugin(plugin + ":" + (wait_for_python ? "1:" : "0:") + file);
#endif
}

}  // namespace riptide::app

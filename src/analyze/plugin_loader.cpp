#include <dlfcn.h>

#include <exception>

#include "riptide/analyze/plugin.hpp"

namespace riptide {

Result<std::unique_ptr<AnalyzerFactory>> load_plugin(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string path = spec.substr(0, colon);
  const std::string args = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (path.empty()) return make_error(Errc::invalid_argument, "--plugin: no shared object path in '" + spec + "'");

  // dlopen searches the library path for a bare name; a user naming a file in the current
  // directory means that file.
  const std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  // RTLD_NOW: an undefined symbol is reported here, not as a crash in the middle of a run.
  // RTLD_NODELETE: the code stays mapped for as long as any analyzer may run it.
  void* h = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!h) {
    const char* why = dlerror();
    return make_error(Errc::not_found, "plugin '" + path + "': cannot load: " + (why ? why : "unknown error"));
  }
  dlerror();
  auto create = reinterpret_cast<PluginCreateFn>(dlsym(h, kPluginEntrySymbol));
  if (!create) {
    return make_error(Errc::not_found, "plugin '" + path + "': no symbol '" + kPluginEntrySymbol +
                                           "' (declare it with RIPTIDE_PLUGIN_ENTRY, see riptide/analyze/plugin.hpp)");
  }
  // A plugin built against other headers would call into classes whose layout changed: refuse
  // it by name rather than crash in it.
  auto abi = reinterpret_cast<PluginAbiFn>(dlsym(h, kPluginAbiSymbol));
  if (!abi) {
    return make_error(Errc::invalid_argument, "plugin '" + path + "': built for an older riptide (no '" + kPluginAbiSymbol +
                                                  "'); rebuild it against these headers");
  }
  if (const std::uint32_t v = abi(); v != kPluginAbiVersion) {
    return make_error(Errc::invalid_argument, "plugin '" + path + "': built for riptide plugin ABI " + std::to_string(v) +
                                                  ", this riptide has " + std::to_string(kPluginAbiVersion) +
                                                  "; rebuild it against these headers");
  }
  AnalyzerFactory* f = nullptr;
  try {
    f = create(args.c_str());
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, "plugin '" + path + "': " + e.what());
  } catch (...) {
    return make_error(Errc::invalid_argument, "plugin '" + path + "': its entry point threw");
  }
  if (!f) return make_error(Errc::invalid_argument, "plugin '" + path + "': refused the arguments '" + args + "'");
  return std::unique_ptr<AnalyzerFactory>(f);
}

}  // namespace riptide

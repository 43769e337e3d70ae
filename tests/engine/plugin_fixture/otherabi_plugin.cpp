// A plugin built for another plugin ABI version than this riptide's.
#include <cstdint>
#include <cstdlib>

namespace riptide {
class AnalyzerFactory;
}

extern "C" __attribute__((visibility("default"))) std::uint32_t riptide_plugin_abi() { return 1; }
extern "C" __attribute__((visibility("default"))) riptide::AnalyzerFactory* riptide_plugin_create(const char*) {
  std::abort();  // never reached: the loader checks the version first
}

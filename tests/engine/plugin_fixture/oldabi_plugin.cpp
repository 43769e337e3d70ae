// A plugin as they were built before the ABI version: the entry point written out by hand,
// no riptide_plugin_abi. riptide must refuse it without calling it.
#include <cstdlib>

namespace riptide {
class AnalyzerFactory;
}

extern "C" __attribute__((visibility("default"))) riptide::AnalyzerFactory* riptide_plugin_create(const char*) {
  std::abort();  // never reached: the loader checks the version first
}

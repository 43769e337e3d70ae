// libFuzzer entry for the --config YAML file of riptide read/capture; the body lives in
// harness_config.hpp.
#include <cstddef>
#include <cstdint>

#include "harness_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static riptide::fuzz::ConfigHarness harness;
  if (!harness.ready()) __builtin_trap();
  if (!harness.one(data, size)) __builtin_trap();
  return 0;
}

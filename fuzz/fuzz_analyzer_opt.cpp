// libFuzzer entry for the analyzer option parsers; the body lives in harness_analyzer_opt.hpp.
#include <cstddef>
#include <cstdint>

#include "harness_analyzer_opt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!riptide::fuzz::analyzer_opt_one(data, size)) __builtin_trap();
  return 0;
}

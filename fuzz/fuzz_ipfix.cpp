// libFuzzer entry for the IPFIX decoder and message builder; the body lives in harness_ipfix.hpp.
#include <cstddef>
#include <cstdint>

#include "harness_ipfix.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!riptide::fuzz::ipfix_one(data, size)) __builtin_trap();
  return 0;
}

// libFuzzer entry for the packet decoder; the body lives in harness_decoder.hpp so the
// regression test replays saved crashers through exactly the same code.
#include <cstddef>
#include <cstdint>

#include "harness_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!riptide::fuzz::decoder_one(data, size)) __builtin_trap();
  return 0;
}

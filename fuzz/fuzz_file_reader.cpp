// libFuzzer target: arbitrary bytes as a pcap/pcapng file.
#include <cstddef>
#include <cstdint>

#include "harness_file_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  volatile std::uint64_t sink = riptide::fuzz::run_file_reader_input(data, size);
  (void)sink;
  return 0;
}

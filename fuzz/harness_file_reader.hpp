#pragma once
// One fuzz input through the capture-file reader: open it as an in-memory file, pull every
// batch until the end or an error, and check that each view lies inside the input and that
// the reader makes progress. Shared by the libFuzzer target and the crasher replay test.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "riptide/file/capture_file.hpp"

namespace riptide::fuzz {

inline std::uint64_t run_file_reader_input(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  const std::uint8_t* base = bytes.data();  // a moved vector keeps its buffer
  auto opened = open_capture_buffer("fuzz-input", std::move(bytes));
  if (!opened) return 0;
  CaptureFile& f = **opened;
  PacketBatch batch;
  std::uint64_t sum = 0;
  // Every record or block takes at least 12 bytes, so this many batches means a loop.
  const std::size_t max_batches = size / 12 / PacketBatch::kCapacity + 2;
  for (std::size_t i = 0;; ++i) {
    if (i > max_batches) std::abort();
    auto r = f.next(batch, std::chrono::milliseconds(0));
    if (!r || *r != PollStatus::packets) break;
    for (const PacketView& p : batch) {
      if (p.caplen > CaptureFile::kMaxRecordBytes) std::abort();
      if (p.caplen != 0 && (p.data < base || p.data + p.caplen > base + size)) std::abort();
      // Touch the first and last byte so the sanitizers see any stray view.
      if (p.caplen != 0) sum += p.data[0] + p.data[p.caplen - 1];
    }
  }
  return sum + f.file_stats().records;
}

}  // namespace riptide::fuzz

#pragma once
// One fuzz input through the capture-file reader: open it as an in-memory file, pull every
// batch until the end or an error, and check that each view lies inside the input and that
// the reader makes progress. Every batch then goes on as it would in `riptide read`: decode,
// then a small flow table (so eviction, the timeouts and the TCP rules all run, on whatever
// timestamps the reader produced, extreme ones included), fragment table included. The table
// must account for every IP packet it was given. Shared by the libFuzzer target and the crasher replay test.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "riptide/decode/decoder.hpp"
#include "riptide/file/capture_file.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide::fuzz {

// Sums what the table exports, to check it against what went in.
class CountingFlowSink final : public FlowSink {
 public:
  void on_flow(const FlowRecord& r) override {
    pkts += r.pkts();
    if (r.start_ns > r.end_ns) std::abort();
  }
  std::uint64_t pkts = 0;
};

inline FlowTableConfig file_reader_flow_config() {
  FlowTableConfig c;
  c.max_flows = 8;  // a tiny table: most inputs with a few flows also evict
  c.idle_timeout_ns = 2 * kNsPerSec;
  c.active_timeout_ns = 5 * kNsPerSec;
  c.closed_timeout_ns = kNsPerSec;
  c.lru_granularity_ns = kNsPerSec / 2;
  // A tiny fragment table too: evictions, the held-fragment pool and the timeout all run.
  c.frag.max_datagrams = 4;
  c.frag.max_held = 8;
  c.frag.timeout_ns = kNsPerSec;
  return c;
}

inline std::uint64_t run_file_reader_input(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  const std::uint8_t* base = bytes.data();  // a moved vector keeps its buffer
  auto opened = open_capture_buffer("fuzz-input", std::move(bytes));
  if (!opened) return 0;
  CaptureFile& f = **opened;
  PacketBatch batch;
  std::array<PacketMeta, PacketBatch::kCapacity> metas;
  DecodeStats dstats;
  CountingFlowSink sink;
  FlowTable table(file_reader_flow_config(), sink);
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
    decode_batch(batch.begin(), metas.data(), batch.size(), dstats);
    // Odd batches one packet at a time (the reference path), even ones through the pipeline.
    if (i % 2 != 0) {
      for (std::size_t k = 0; k < batch.size(); ++k) table.update(metas[k], batch[k].ts_ns, batch[k].wirelen);
    } else {
      table.update_batch(metas.data(), batch.begin(), batch.size());
    }
    if (!batch.empty()) table.expire(batch[batch.size() - 1].ts_ns);
  }
  table.flush_all();
  const FlowMeterStats& s = table.stats();
  if (s.active_flows != 0 || sink.pkts != s.packets - s.non_ip || s.packets != dstats.packets) std::abort();
  if (s.frag.active != 0 || table.frag_table().held_now() != 0 || s.frag.attributed + s.frag.portless != s.frag.fragments)
    std::abort();
  return sum + f.file_stats().records + sink.pkts;
}

}  // namespace riptide::fuzz

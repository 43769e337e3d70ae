#pragma once
// SeqTracker: counts received, lost, duplicate and reordered packets per flow from the
// sequence numbers of GenPayload, in bounded memory.
//
// Per flow it keeps the highest sequence seen and a bitmap of the last `window` sequence
// numbers below it. A sequence above the highest advances the window (the skipped numbers
// become missing); one inside the window is a duplicate if its bit is set, otherwise a
// reordered arrival that fills a gap; one older than the window cannot be classified and is
// counted as `stale` (neither unique nor duplicate). The first sequence seen on a flow is its
// base: a receiver may start mid-stream.
//
// lost() = sum over flows of (highest - base + 1) - unique: the packets still missing now;
// it shrinks when a late packet arrives. Not thread-safe: one receiver thread feeds it.
#include <cstdint>
#include <vector>

namespace riptide::gen {

struct SeqCounts {
  std::uint64_t received = 0;    // every packet fed
  std::uint64_t unique = 0;      // distinct sequence numbers
  std::uint64_t duplicates = 0;
  std::uint64_t reordered = 0;   // arrived after a higher sequence of the same flow
  std::uint64_t stale = 0;       // older than the window: not classified
  std::uint64_t unknown_flow = 0;  // flow id >= max_flows: not tracked
  std::uint64_t lost = 0;        // expected - unique, at the time of the snapshot
  std::uint64_t flows_seen = 0;
};

class SeqTracker {
 public:
  // window: sequence numbers remembered below the highest, rounded up to a multiple of 64.
  explicit SeqTracker(std::uint32_t max_flows, std::uint32_t window = 1024);

  void feed(std::uint32_t flow, std::uint64_t seq) noexcept;
  SeqCounts counts() const noexcept;
  // Expected packets on one flow so far (highest - base + 1), 0 if never seen.
  std::uint64_t expected(std::uint32_t flow) const noexcept;

 private:
  struct Flow {
    std::uint64_t base = 0, highest = 0, unique = 0;
    bool seen = false;
  };
  bool test_and_set(std::uint32_t flow, std::uint64_t seq) noexcept;
  void clear_bit(std::uint32_t flow, std::uint64_t seq) noexcept;

  std::uint32_t words_;  // bitmap words per flow
  std::vector<Flow> flows_;
  std::vector<std::uint64_t> bits_;
  SeqCounts c_;
  std::uint64_t expected_total_ = 0;
};

}  // namespace riptide::gen

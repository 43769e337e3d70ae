#pragma once
// seq_check: the analyzer that checks riptide's own test traffic (riptide gen).
//
// It lives beside the generator, not in the analyzer module: the analyzer API does not pull
// in the traffic generator.
//
// For every packet carrying a GenPayload it feeds the per-flow sequence tracker (received,
// lost, duplicates, reordered) and records two one-way delays from the send time the
// generator wrote into the payload:
//  - wire to kernel timestamp: the packet's kernel receive timestamp (PacketView::ts_ns).
//    It leaves out everything after the kernel: the wait in a part-filled ring block (up to
//    the block timeout), the capture thread's wake-up, the hand-over to a worker.
//  - wire to analyzer: the wall clock when the analyzer is handed the packet (read once per
//    batch in on_packets; once per packet where the engine calls on_packet). This is what
//    an analyzer that answers packets actually sees.
// All are CLOCK_REALTIME, so the figures only mean something when sender and receiver share
// a clock (the same machine, e.g. a veth pair).
//
// Instances are per packet thread and need flow affinity (fanout hash, dispatch by flow hash):
// a flow split over two instances would look like loss in both. The output file is opened
// when the factory is made (before -Z drops privileges; a bad path fails at start); at stop
// the factory merges the instances and writes one JSON object on one line:
//   {"received", "unique", "lost", "duplicates", "reordered", "stale", "unknown_flow",
//    "not_gen", "flows",
//    "wire_to_kernel_ns": {"count", "p50", "p99", "p999", "max", "negative", "no_timestamp"},
//    "wire_to_analyzer_ns": {"count", "p50", "p99", "p999", "max", "negative"}}
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"
#include "riptide/flow/queued_line_output.hpp"
#include "riptide/gen/seq_tracker.hpp"

namespace riptide {

// A fixed log-linear histogram of non-negative integers (HDR style): values below 2^kSubBits
// are exact; above, every power of two is split into 2^kSubBits equal buckets, so a reported
// percentile is within 1/2^kSubBits (3 %) of the true value. 15 KiB, no allocation.
class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 5;
  static constexpr std::size_t kBuckets = std::size_t(64 - kSubBits + 1) << kSubBits;

  void record(std::uint64_t v) noexcept {
    ++counts_[bucket_of(v)];
    ++count_;
    if (v > max_) max_ = v;
  }
  void merge(const LatencyHistogram& o) noexcept;
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }
  // The smallest bucket bound below which a fraction q (0..1) of the values lie: the upper
  // edge of the bucket holding the ceil(q * count)-th value, never above max(). 0 when empty.
  std::uint64_t percentile(double q) const noexcept;

  static std::size_t bucket_of(std::uint64_t v) noexcept {
    if (v < (std::uint64_t(1) << kSubBits)) return std::size_t(v);
    const unsigned e = 63u - unsigned(__builtin_clzll(v));
    const unsigned shift = e - kSubBits;
    return (std::size_t(shift + 1) << kSubBits) + std::size_t((v >> shift) - (std::uint64_t(1) << kSubBits));
  }
  static std::uint64_t bucket_low(std::size_t i) noexcept;
  static std::uint64_t bucket_high(std::size_t i) noexcept;  // inclusive

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0, max_ = 0;
};

struct SeqCheckConfig {
  std::uint32_t max_flows = 1u << 16;  // generator flow ids above this are counted, not tracked
  std::uint32_t window = 512;          // reordering window per flow, in sequence numbers
};

// The merged figures of every instance.
struct SeqCheckSummary {
  gen::SeqCounts seq;                 // summed over instances
  std::uint64_t not_gen = 0;          // packets without a GenPayload (not riptide gen traffic)
  std::uint64_t no_timestamp = 0;     // short payloads without send_ts_ns: no latency
  std::uint64_t negative_latency = 0; // kernel timestamp before send: the clocks disagree
  std::uint64_t negative_delivery = 0;  // analyzer's clock before send
  LatencyHistogram wire_to_kernel;    // send stamp -> kernel receive timestamp
  LatencyHistogram wire_to_analyzer;  // send stamp -> wall clock at delivery to the analyzer

  void merge(const SeqCheckSummary& o) noexcept;
  std::string to_json() const;  // the object described above, one line
};

class SeqCheckFactory final : public AnalyzerFactory {
 public:
  // json_path: where finish() writes the summary; "" writes nothing, "-" writes to stdout.
  // Opens (creates, truncates) the file now; one that cannot be opened is an error.
  static Result<std::unique_ptr<SeqCheckFactory>> open(const std::string& json_path, SeqCheckConfig cfg = {});
  // The same, for callers that cannot take a Result: a file that could not be opened makes
  // every create() throw that error, so the engine refuses the analyzer at start.
  explicit SeqCheckFactory(const std::string& json_path, SeqCheckConfig cfg = {});
  std::string_view name() const noexcept override { return "seq_check"; }
  std::unique_ptr<Analyzer> create(std::size_t thread_index) override;
  // Hands the summary line to the output's thread and closes the output (which writes it).
  // A failure is reported on stderr (one line) and in outputs().
  void finish() override;
  // "summary": the JSON file, when there is one (1 record).
  void outputs(std::vector<OutputStatus>& out) const override;

  // The open output, for handing over to another user (-Z): path "" and fd -1 when none.
  const std::string& path() const noexcept { return path_; }
  int fd() const noexcept { return out_ ? out_->fd() : -1; }
  const std::optional<Error>& open_error() const noexcept { return open_error_; }

  // Called by each instance at on_stop.
  void add(const SeqCheckSummary& s);
  SeqCheckSummary summary() const;

 private:
  std::string path_;
  SeqCheckConfig cfg_;
  std::unique_ptr<QueuedLineOutput> out_;  // written by its own thread, as every record output
  std::optional<Error> open_error_;
  mutable std::mutex mu_;
  std::unique_ptr<SeqCheckSummary> total_;  // heap: the histograms are 15 KiB each
};

}  // namespace riptide

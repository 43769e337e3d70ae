#pragma once
// The `heavy-hitters` analyzer: per window of packet time, the top-K source and destination
// addresses by bytes, the top-K destination ports by bytes, and the Shannon entropy of source
// and destination addresses and ports (a sudden drop or rise flags scans, floods, DDoS).
//
// Packet path (O(1), no allocation): two Space-Saving updates (4096 counters each), four
// histogram increments and one Count-Min update.
//
// Threads are merged (PeriodMerge, period_merge.hpp): at a window's end each packet thread
// hands its whole window state over (no copy: it goes on in a spare state) for the period it
// closes; when every thread has handed its window for that period, one task on the compute
// pool sums them (histograms and Count-Min cells added, address summaries merged and ranked
// again: sketch.hpp) and formats one line. One window line per period whatever --threads is.
// If the pool refuses the task the window is counted in `windows_refused` and dropped; while
// `max_in_flight` windows are computing, a live capture skips the next (`windows_skipped_busy`)
// and a file read computes it where it is (`windows_computed_inline`): the heavy part never
// runs on a live capture thread.
//
// Output: lines are handed to a queued output (flow/queued_line_output.hpp) whose own thread
// writes them, in period order; a capture thread never writes. A line that finds the queue
// full is dropped and counted (output "windows": dropped, and `windows_queue_full`).
// One JSON object per line and period:
//   {"event_type":"heavy_hitters","threads":N,"window_start_ns":N,"window_end_ns":N,
//    "packets":N,"bytes":N,"ip_packets":N,"k":10,
//    "top_k_src":[{"ip":"10.0.0.1","bytes":N,"error_bound":N},...],
//    "top_k_dst":[...],
//    "top_k_dst_port":[{"port":443,"bytes":N},...],
//    "entropy":{"src_ip":F,"dst_ip":F,"src_port":F,"dst_port":F}}
// threads: how many packet threads had packets in the window. bytes are wire bytes. A
// top_k_src/dst entry's true bytes lie in [bytes - error_bound, bytes].
// top_k_dst_port bytes are Count-Min estimates: never below the truth. Entropies are in bits,
// over 4096 hashed buckets (so at most 12; distinct values sharing a bucket lower it
// slightly); ports only count TCP/UDP/SCTP/UDP-Lite packets. Windows without packets are
// not written.
//
// Windows: a packet-time timer (add_timer(window, TimeBase::packet), on a grid of whole
// windows, so every thread closes the same period); window_start is the earliest start over
// the threads (a thread's first window starts at its first packet, later ones at the previous
// end), window_end the latest end. If the engine refuses timers, windows are aligned to
// multiples of `window` and closed in on_batch_end. on_stop hands the last, partial window
// over; the last thread to stop formats it directly (capture is over, so no packet waits).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"
#include "riptide/flow/queued_line_output.hpp"

namespace riptide {

struct HeavyHittersConfig {
  std::chrono::nanoseconds window = std::chrono::seconds(10);
  std::uint32_t k = 10;             // 1..kMaxK entries per top-K list
  std::uint32_t cm_width = 2048;    // Count-Min of destination-port bytes
  std::uint32_t cm_depth = 4;
  std::uint32_t max_in_flight = 4;  // windows computing at once; more are skipped (live)
  std::string output = "-";         // path, "-" for stdout, "" for no output (counters only)
  std::size_t queue_lines = QueuedLineOutput::kDefaultQueueLines;  // lines waiting for the output

  static constexpr std::uint32_t kMaxK = 1000;
  static constexpr std::uint32_t kSpaceSavingCapacity = 4096;
  static constexpr std::uint32_t kEntropyBuckets = 4096;
};

Result<void> validate(const HeavyHittersConfig& cfg);

class HeavyHittersFactory final : public AnalyzerFactory {
 public:
  // Opens (creates/truncates) cfg.output.
  static Result<std::unique_ptr<HeavyHittersFactory>> create(const HeavyHittersConfig& cfg);
  ~HeavyHittersFactory() override;
  HeavyHittersFactory(const HeavyHittersFactory&) = delete;
  HeavyHittersFactory& operator=(const HeavyHittersFactory&) = delete;

  std::string_view name() const noexcept override { return "heavy-hitters"; }
  std::unique_ptr<Analyzer> create(std::size_t thread_index) override;
  // Windows are packet-timed: seeing packets later postpones a window's report, never changes
  // it. A tenth of the window, between the default and 50 ms.
  std::chrono::milliseconds max_packet_delay() const noexcept override {
    const auto tenth = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.window) / 10;
    return std::clamp(tenth, kDefaultMaxPacketDelay, std::chrono::milliseconds(50));
  }
  void finish() override;
  // --analyzer-opt heavy-hitters.KEY=VALUE: window, k, out, max-in-flight; each default is
  // this factory's config (--hh-window, --hh-k, --hh-out are aliases). A new `out` is opened
  // here, before capture. In heavy_hitters_options.cpp.
  std::vector<OptionSpec> options() const override;
  Result<void> configure(const OptionValues& values) override;

  // "windows": one line per window report, when there is an output.
  void outputs(std::vector<OutputStatus>& out) const override;
  // windows_queue_full: lines dropped because the output's queue was full.
  void output_counters(std::vector<OutputCounter>& out) const override;

  const HeavyHittersConfig& config() const noexcept { return cfg_; }
  std::uint64_t lines_written() const;
  std::uint64_t write_errors() const;  // window lines not written (dropped)

  // Queues `line` (no newline in it) for the output thread; thread-safe, never waits for the
  // disk. A line the queue cannot take, or the file refuses, is counted as dropped.
  void write_line(std::string line);
  // Waits until every line queued so far is written (tests; finish() closes instead).
  void flush();

  struct State;  // what the instances share: the merge, the order of lines, spare windows

 private:
  HeavyHittersFactory(const HeavyHittersConfig& cfg, std::unique_ptr<QueuedLineOutput> out);
  HeavyHittersConfig cfg_;
  std::unique_ptr<QueuedLineOutput> out_;  // null: no output
  std::shared_ptr<State> state_;
};

}  // namespace riptide

#pragma once
// The `heavy-hitters` analyzer: per window of packet time, the top-K source and destination
// addresses by bytes, the top-K destination ports by bytes, and the Shannon entropy of source
// and destination addresses and ports (a sudden drop or rise flags scans, floods, DDoS).
//
// Packet path (O(1), no allocation): two Space-Saving updates (4096 counters each), four
// histogram increments and one Count-Min update. At a window's end the whole window state is
// handed to an OffloadTask (no copy: the instance continues in a spare state) whose run()
// sorts and computes entropies on the compute pool and formats the line; complete() writes
// it. If the pool refuses the task, the window is counted in `windows_refused` and dropped:
// the heavy part never runs on the packet thread.
//
// Output: one JSON object per line, per window and packet thread (threads are not merged):
//   {"event_type":"heavy_hitters","thread":0,"window_start_ns":N,"window_end_ns":N,
//    "packets":N,"bytes":N,"ip_packets":N,"k":10,
//    "top_k_src":[{"ip":"10.0.0.1","bytes":N,"error_bound":N},...],
//    "top_k_dst":[...],
//    "top_k_dst_port":[{"port":443,"bytes":N},...],
//    "entropy":{"src_ip":F,"dst_ip":F,"src_port":F,"dst_port":F}}
// bytes are wire bytes. A top_k_src/dst entry's true bytes lie in [bytes - error_bound, bytes].
// top_k_dst_port bytes are Count-Min estimates: never below the truth. Entropies are in bits,
// over 4096 hashed buckets (so at most 12; distinct values sharing a bucket lower it
// slightly); ports only count TCP/UDP/SCTP/UDP-Lite packets. Windows without packets are
// not written.
//
// Windows: a packet-time timer (add_timer(window, TimeBase::packet)); window_start is the
// previous window's end (the first packet's time for the first window). If the engine
// refuses timers, windows are aligned to multiples of `window` and closed in on_batch_end.
// on_stop writes the last, partial window directly (capture is over, so no packet waits).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"
#include "riptide/flow/line_output.hpp"

namespace riptide {

struct HeavyHittersConfig {
  std::chrono::nanoseconds window = std::chrono::seconds(10);
  std::uint32_t k = 10;             // 1..kMaxK entries per top-K list
  std::uint32_t cm_width = 2048;    // Count-Min of destination-port bytes
  std::uint32_t cm_depth = 4;
  std::uint32_t max_in_flight = 4;  // windows computing at once per thread; more are skipped
  std::string output = "-";         // path, "-" for stdout, "" for no output (counters only)

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

  const HeavyHittersConfig& config() const noexcept { return cfg_; }
  std::uint64_t lines_written() const;
  std::uint64_t write_errors() const;  // window lines not written (dropped)

  // Writes `line` (no newline in it) and a newline, whole or not at all; thread-safe. The
  // first failure is reported once on stderr; that line and every later one are dropped.
  void write_line(std::string_view line);

 private:
  HeavyHittersFactory(const HeavyHittersConfig& cfg, std::unique_ptr<LineOutput> out);
  HeavyHittersConfig cfg_;
  mutable std::mutex mu_;
  std::unique_ptr<LineOutput> out_;  // null: no output
  std::string line_;                 // the line and its newline, reused
};

}  // namespace riptide

#pragma once
// The `reporter` analyzer: every period, one summary frame (layout in summary_frame.hpp)
// through AnalyzerContext::send(): packet and byte counts for the period and since start,
// and the period's top source addresses by bytes.
//
// merge_threads (default): each packet thread hands its period's counts and top talkers to a
// PeriodMerge (period_merge.hpp) and one frame per period goes out for the whole capture
// (thread_index kSummaryAllThreads), from whichever thread completed the period; the merged
// talkers' error bounds include what a thread's full table could have missed. Off: each
// packet thread sends its own frame (thread_index = that thread).
//
// Per packet: two additions and one Space-Saving update of a small fixed table (no
// allocation). The frame is built in a buffer owned by the instance; headers are written
// once at start.
//
// Timing: a timer of the configured time base. If the engine refuses timers (add_timer
// returns false), the instance falls back to checking the deadline in on_tick (wall time) or
// on_batch_end (packet time), and counts reports the same way.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/analyze/summary_frame.hpp"
#include "riptide/core/result.hpp"

namespace riptide {

struct ReporterConfig {
  enum class Transport : std::uint8_t {
    ethertype,  // Ethernet header + summary, EtherType `ethertype`
    udp,        // Ethernet + IPv4 + UDP + summary
  };

  std::chrono::nanoseconds period = std::chrono::seconds(1);
  TimeBase time_base = TimeBase::wall;
  Transport transport = Transport::ethertype;
  std::array<std::uint8_t, 6> src_mac{0x02, 0x52, 0x50, 0x54, 0x44, 0x01};  // locally administered
  std::array<std::uint8_t, 6> dst_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // broadcast
  std::uint16_t ethertype = kSummaryDefaultEthertype;  // transport ethertype only
  std::array<std::uint8_t, 4> src_ip{198, 18, 255, 1};  // udp only; RFC 2544 benchmarking range
  std::array<std::uint8_t, 4> dst_ip{198, 18, 255, 2};
  std::uint16_t src_port = 47100;
  std::uint16_t dst_port = 47100;
  std::uint32_t top_n = 5;    // 0..kSummaryMaxTalkers
  bool final_report = true;   // on_stop sends one more report (flags bit 1) for the partial period
  bool merge_threads = true;  // one frame per period over all packet threads
};

// Checks a config: period > 0, top_n <= kSummaryMaxTalkers, ethertype >= 0x0600 and not
// IPv4/IPv6/VLAN (a receiver would mistake it). Error names the bad field.
Result<void> validate(const ReporterConfig& cfg);

// Builds a complete frame for `s` into `out` (at least kReporterMaxFrame bytes). Returns its
// length, 0 when `s` does not fit. Exposed for tests and for tools that replay summaries.
inline constexpr std::size_t kReporterMaxFrame = 14 + 20 + 8 + kSummaryMaxPayload;
std::size_t build_summary_frame(const ReporterConfig& cfg, const SummaryFrame& s, std::span<std::uint8_t> out) noexcept;

class ReporterFactory final : public AnalyzerFactory {
 public:
  static Result<std::unique_ptr<ReporterFactory>> create(const ReporterConfig& cfg);

  std::string_view name() const noexcept override { return "reporter"; }
  std::unique_ptr<Analyzer> create(std::size_t thread_index) override;
  // --analyzer-opt reporter.KEY=VALUE: period, top, transport, time-base, merge-threads,
  // final-report, dst-ip, dst-port, ethertype; each default is this factory's config (the
  // --report-* flags are aliases that set it). In reporter_options.cpp.
  std::vector<OptionSpec> options() const override;
  Result<void> configure(const OptionValues& values) override;
  const ReporterConfig& config() const noexcept { return cfg_; }

 private:
  explicit ReporterFactory(const ReporterConfig& cfg) : cfg_(cfg) {}
  ReporterConfig cfg_;
  std::shared_ptr<void> merge_;  // the PeriodMerge shared by the instances (merge_threads)
};

}  // namespace riptide

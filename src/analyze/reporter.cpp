#include "riptide/analyze/reporter.hpp"

#include <array>

#include "riptide/analyze/sketch.hpp"
#include "riptide/core/clock.hpp"

namespace riptide {
namespace {

class ReporterAnalyzer final : public Analyzer {
 public:
  ReporterAnalyzer(const ReporterConfig& cfg, std::size_t thread) : cfg_(cfg), thread_(thread) {}

  std::string_view name() const noexcept override { return "reporter"; }

  void on_start(AnalyzerContext& ctx) override {
    ctx_ = &ctx;
    timer_ = ctx.add_timer(cfg_.period, cfg_.time_base, [this](TimestampNs now) { report(now, 0); });
  }

  void on_packet(const PacketMeta& meta, const PacketView& pkt) override {
    ++period_packets_;
    period_bytes_ += pkt.wirelen;
    if (meta.has(kMetaHasL3)) talkers_.add(meta.src, pkt.wirelen);
  }

  void on_batch_end(TimestampNs now) override {
    last_packet_ts_ = now;
    if (!timer_ && cfg_.time_base == TimeBase::packet) poll(now);
  }
  void on_tick(TimestampNs now) override {
    if (!timer_ && cfg_.time_base == TimeBase::wall) poll(now);
  }

  void on_stop() override {
    if (!cfg_.final_report || ctx_ == nullptr) return;
    const TimestampNs now = cfg_.time_base == TimeBase::wall ? realtime_ns() : last_packet_ts_;
    report(now, kSummaryFlagFinal);
  }

  void counters(std::vector<AnalyzerCounter>& out) const override {
    out.push_back({"reports_sent", sent_});
    out.push_back({"reports_refused", refused_});
  }

 private:
  // Deadline check used only when the engine gave no timer.
  void poll(TimestampNs now) {
    const TimestampNs period = cfg_.period.count();
    if (next_due_ == 0) {
      next_due_ = now + period;
      return;
    }
    if (now < next_due_) return;
    report(now, 0);
    next_due_ += period;
    if (next_due_ <= now) next_due_ = now + period;  // a long gap: no burst of catch-up reports
  }

  void report(TimestampNs now, std::uint8_t flags) {
    total_packets_ += period_packets_;
    total_bytes_ += period_bytes_;
    s_.flags = static_cast<std::uint8_t>(flags | (cfg_.time_base == TimeBase::packet ? kSummaryFlagPacketTime : 0));
    // A refused report still uses its number, so a receiver sees the gap.
    s_.sequence = seq_++;
    s_.timestamp_ns = now;
    s_.period_packets = period_packets_;
    s_.period_bytes = period_bytes_;
    s_.total_packets = total_packets_;
    s_.total_bytes = total_bytes_;
    s_.thread_index = static_cast<std::uint16_t>(thread_);
    std::array<Talkers::Entry, kSummaryMaxTalkers> top;
    const std::size_t n = talkers_.top(std::span(top.data(), cfg_.top_n));
    s_.talker_count = static_cast<std::uint16_t>(n);
    for (std::size_t i = 0; i < n; ++i) s_.talkers[i] = {top[i].key, top[i].count, top[i].error};

    const std::size_t len = build_summary_frame(cfg_, s_, frame_);
    if (len != 0 && ctx_->send(std::span<const std::uint8_t>(frame_.data(), len)))
      ++sent_;
    else
      ++refused_;
    period_packets_ = 0;
    period_bytes_ = 0;
    talkers_.clear();
  }

  // 128 counters: the top 5..32 of a period are exact unless the period has more than ~128
  // comparable talkers, and each carries its error bound anyway.
  using Talkers = SpaceSaving<IpAddr, 128, IpAddrHash>;

  ReporterConfig cfg_;
  std::size_t thread_;
  AnalyzerContext* ctx_ = nullptr;
  bool timer_ = false;
  TimestampNs next_due_ = 0;
  TimestampNs last_packet_ts_ = 0;
  std::uint64_t period_packets_ = 0, period_bytes_ = 0;
  std::uint64_t total_packets_ = 0, total_bytes_ = 0;
  std::uint64_t seq_ = 0, sent_ = 0, refused_ = 0;
  Talkers talkers_;
  SummaryFrame s_{};
  std::array<std::uint8_t, kReporterMaxFrame> frame_{};
};

}  // namespace

Result<std::unique_ptr<ReporterFactory>> ReporterFactory::create(const ReporterConfig& cfg) {
  if (auto v = validate(cfg); !v) return v.error();
  return std::unique_ptr<ReporterFactory>(new ReporterFactory(cfg));
}

std::unique_ptr<Analyzer> ReporterFactory::create(std::size_t thread_index) {
  return std::make_unique<ReporterAnalyzer>(cfg_, thread_index);
}

}  // namespace riptide

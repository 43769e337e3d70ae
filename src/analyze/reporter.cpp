#include "riptide/analyze/reporter.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <unordered_map>

#include "riptide/analyze/period_merge.hpp"
#include "riptide/analyze/sketch.hpp"
#include "riptide/core/clock.hpp"

namespace riptide {
namespace {

// 128 counters: the top 5..32 of a period are exact unless the period has more than ~128
// comparable talkers, and each carries its error bound anyway.
using Talkers = SpaceSaving<IpAddr, 128, IpAddrHash>;

// One thread's period, as handed to the merge.
struct PeriodCounts {
  std::uint64_t packets = 0, bytes = 0;
  TimestampNs now = 0;
  std::size_t n = 0;  // entries in top
  std::array<Talkers::Entry, Talkers::capacity()> top{};
};

// What every instance of one factory shares when threads are merged: the numbering and
// totals of the frames (touched only inside PeriodMerge's publish, which never overlaps).
struct Shared {
  std::uint64_t seq = 0, total_packets = 0, total_bytes = 0;
  std::atomic<std::uint64_t> sent{0}, refused{0};
};
using Merged = PeriodMerge<PeriodCounts, SummaryFrame>;

// Sums the threads' counts; a talker a thread's full table does not hold may still have had
// up to that table's smallest count there: added to its count and its error bound.
SummaryFrame merge_counts(std::vector<PeriodCounts>& parts, std::uint32_t top_n) {
  SummaryFrame f;
  struct Acc {
    std::uint64_t count = 0, error = 0, covered = 0;
  };
  std::unordered_map<IpAddr, Acc, IpAddrHash> acc;
  std::uint64_t missing = 0;
  for (const auto& p : parts) {
    f.period_packets += p.packets;
    f.period_bytes += p.bytes;
    f.timestamp_ns = std::max<std::int64_t>(f.timestamp_ns, p.now);
    const std::uint64_t floor = p.n == Talkers::capacity() ? p.top[p.n - 1].count : 0;
    missing += floor;
    for (std::size_t i = 0; i < p.n; ++i) {
      Acc& a = acc[p.top[i].key];
      a.count += p.top[i].count;
      a.error += p.top[i].error;
      a.covered += floor;
    }
  }
  std::vector<SummaryTalker> all;
  all.reserve(acc.size());
  for (const auto& [k, a] : acc) all.push_back({k, a.count + missing - a.covered, a.error + missing - a.covered});
  const std::size_t n = std::min<std::size_t>(top_n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), [](const auto& x, const auto& y) {
    return x.bytes != y.bytes ? x.bytes > y.bytes : x.error < y.error;
  });
  std::copy_n(all.begin(), n, f.talkers.begin());
  f.talker_count = static_cast<std::uint16_t>(n);
  f.thread_index = kSummaryAllThreads;
  return f;
}

class ReporterAnalyzer final : public Analyzer {
 public:
  ReporterAnalyzer(const ReporterConfig& cfg, std::size_t thread, std::shared_ptr<Merged> merge,
                   std::shared_ptr<Shared> shared)
      : cfg_(cfg), thread_(thread), merge_(std::move(merge)), shared_(std::move(shared)) {}

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
    // Merged, every thread must say it stopped, or the others' last periods wait forever.
    if ((!cfg_.final_report && !merge_) || ctx_ == nullptr) return;
    const TimestampNs now = cfg_.time_base == TimeBase::wall ? realtime_ns() : last_packet_ts_;
    report(now, kSummaryFlagFinal);
  }

  void counters(std::vector<AnalyzerCounter>& out) const override {
    if (!merge_) {
      out.push_back({"reports_sent", sent_});
      out.push_back({"reports_refused", refused_});
      return;
    }
    // Shared by every instance: reported once (summed over instances by name).
    const bool first = thread_ == 0;
    out.push_back({"reports_sent", first ? shared_->sent.load(std::memory_order_relaxed) : 0});
    out.push_back({"reports_refused", first ? shared_->refused.load(std::memory_order_relaxed) : 0});
    if (first) {
      const auto st = merge_->stats();
      out.push_back({"periods_partial", st.partial});
      out.push_back({"snapshots_late", st.late});
    }
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
    if (merge_) return hand_over(now, flags);
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

  // This thread's period goes to the merge; the frame leaves from whichever thread completes it.
  void hand_over(TimestampNs now, std::uint8_t flags) {
    PeriodCounts c;
    c.packets = period_packets_;
    c.bytes = period_bytes_;
    c.now = now;
    c.n = talkers_.top(std::span(c.top.data(), c.top.size()));
    period_packets_ = 0;
    period_bytes_ = 0;
    talkers_.clear();
    if (flags & kSummaryFlagFinal)
      merge_->finish(*ctx_, std::move(c));
    else
      merge_->contribute(*ctx_, now / cfg_.period.count(), std::move(c));
  }

  ReporterConfig cfg_;
  std::size_t thread_;
  std::shared_ptr<Merged> merge_;  // null: per-thread frames
  std::shared_ptr<Shared> shared_;
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
  if (!cfg_.merge_threads) return std::make_unique<ReporterAnalyzer>(cfg_, thread_index, nullptr, nullptr);
  if (!merge_) {
    auto shared = std::make_shared<Shared>();
    const ReporterConfig cfg = cfg_;
    auto m = Merged::create(
        MergeOn::owner, [top_n = cfg.top_n](std::int64_t, std::vector<PeriodCounts>& parts) { return merge_counts(parts, top_n); },
        [cfg, shared](AnalyzerContext& ctx, std::int64_t, SummaryFrame& f, bool final) {
          if (final && !cfg.final_report) return;
          shared->total_packets += f.period_packets;
          shared->total_bytes += f.period_bytes;
          f.total_packets = shared->total_packets;
          f.total_bytes = shared->total_bytes;
          f.sequence = shared->seq++;
          f.flags = static_cast<std::uint8_t>((final ? kSummaryFlagFinal : 0) |
                                              (cfg.time_base == TimeBase::packet ? kSummaryFlagPacketTime : 0));
          std::array<std::uint8_t, kReporterMaxFrame> buf;
          const std::size_t len = build_summary_frame(cfg, f, buf);
          auto& counter = len != 0 && ctx.send(std::span<const std::uint8_t>(buf.data(), len)) ? shared->sent : shared->refused;
          counter.fetch_add(1, std::memory_order_relaxed);
        });
    merge_ = std::make_shared<std::pair<std::shared_ptr<Merged>, std::shared_ptr<Shared>>>(std::move(m), std::move(shared));
  }
  auto& both = *std::static_pointer_cast<std::pair<std::shared_ptr<Merged>, std::shared_ptr<Shared>>>(merge_);
  return std::make_unique<ReporterAnalyzer>(cfg_, thread_index, both.first, both.second);
}

}  // namespace riptide

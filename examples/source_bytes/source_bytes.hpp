#pragma once
// The program riptide was made for: count bytes per source address, every second hand a long
// calculation over the counts of all packet threads to the compute pool, and send one summary
// frame with its result out of the capture interface. docs/ANALYZERS.md walks through it.
#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/analyze/fixed_map.hpp"
#include "riptide/analyze/period_merge.hpp"
#include "riptide/analyze/sketch.hpp"

namespace source_bytes {

// Bytes per source for one second of one packet thread: no allocation per packet.
using Counts = riptide::FixedMap<riptide::IpAddr, std::uint64_t, 16384, riptide::IpAddrHash>;
struct Summary {
  std::int64_t period = 0;
  std::uint64_t sources = 0, total_bytes = 0, top_bytes = 0, score = 0;
  riptide::IpAddr top{};
};
using Merge = riptide::PeriodMerge<Counts, Summary>;

// The long calculation (source_bytes.cpp), on the pool: all threads' counts in, one Summary out.
Summary calculate(std::int64_t period, std::vector<Counts>& per_thread, std::chrono::milliseconds cpu);
std::vector<std::uint8_t> encode(const Summary& s);  // the frame's UDP payload

// ---- the analyzer: 26 lines; one instance per packet thread ----
struct Analyzer final : riptide::Analyzer {
  explicit Analyzer(std::shared_ptr<Merge> m) : merge_(std::move(m)) {}
  std::string_view name() const noexcept override { return "source_bytes"; }
  void on_start(riptide::AnalyzerContext& ctx) override {
    ctx_ = &ctx;
    ctx.add_timer(std::chrono::seconds(1), riptide::TimeBase::wall, [this](riptide::TimestampNs now) {
      merge_->contribute(*ctx_, now / 1'000'000'000, std::exchange(counts_, Counts{}));
    });
  }
  void on_packet(const riptide::PacketMeta& meta, const riptide::PacketView& pkt) override {
    if (auto* bytes = counts_.upsert(meta.src)) *bytes += pkt.wirelen;
  }
  void on_stop() override { merge_->finish(*ctx_, std::move(counts_)); }
  void counters(std::vector<riptide::AnalyzerCounter>& out) const override { out.push_back({"sources_refused", counts_.refused()}); }
  std::shared_ptr<Merge> merge_;
  riptide::AnalyzerContext* ctx_ = nullptr;
  Counts counts_;
};

struct Factory final : riptide::AnalyzerFactory {
  Factory(riptide::UdpEndpoint dst, std::chrono::milliseconds cpu = std::chrono::milliseconds(300))
      : merge_(Merge::create(riptide::MergeOn::pool, [cpu](std::int64_t p, std::vector<Counts>& c) { return calculate(p, c, cpu); },
                             [dst](riptide::AnalyzerContext& ctx, std::int64_t, Summary& s, bool) { ctx.send_udp(dst, 47201, encode(s)); })) {}
  std::string_view name() const noexcept override { return "source_bytes"; }
  std::unique_ptr<riptide::Analyzer> create(std::size_t) override { return std::make_unique<Analyzer>(merge_); }
  std::shared_ptr<Merge> merge_;
};

}  // namespace source_bytes

#pragma once
// packet_counter: a riptide analyzer written the way a user would write one.
//   - counts packets per transport protocol (its counters appear in riptide's report);
//   - prints a line every second of wall time (a timer);
//   - every `every` packets, offloads a "long calculation" (ranking a snapshot of the
//     per-source counts) to the compute pool; the result comes back on this thread;
//   - sends a small frame when one source sent more than half of the packets ranked.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "riptide/analyze/analyzer.hpp"

namespace packet_counter {

using Counts = std::map<riptide::IpAddr, std::uint64_t>;

class Ranking final : public riptide::OffloadTask {
 public:
  Ranking(Counts snapshot, std::uint64_t& top_out) : snap_(std::move(snapshot)), top_out_(top_out) {}
  void run() override {  // pool thread: only the snapshot is touched
    for (const auto& [src, n] : snap_) sorted_.push_back(n);
    std::sort(sorted_.rbegin(), sorted_.rend());
  }
  void complete() override { top_out_ = sorted_.empty() ? 0 : sorted_.front(); }  // analyzer thread

 private:
  Counts snap_;
  std::vector<std::uint64_t> sorted_;
  std::uint64_t& top_out_;
};

class PacketCounter final : public riptide::Analyzer {
 public:
  explicit PacketCounter(std::uint64_t every) : every_(every) {}
  std::string_view name() const noexcept override { return "packet_counter"; }
  void on_start(riptide::AnalyzerContext& ctx) override {
    ctx_ = &ctx;
    ctx.add_timer(std::chrono::seconds(1), riptide::TimeBase::wall, [this](riptide::TimestampNs) {
      std::fprintf(stderr, "packet_counter[%zu]: tcp %llu udp %llu other %llu\n", ctx_->thread_index(),
                   (unsigned long long)tcp_, (unsigned long long)udp_, (unsigned long long)other_);
    });
  }
  void on_packet(const riptide::PacketMeta& m, const riptide::PacketView&) override {
    (m.ip_proto == 6 ? tcp_ : m.ip_proto == 17 ? udp_ : other_)++;
    if (m.ip_version != 0) ++by_source_[m.src];
    if (++seen_ % every_ != 0) return;
    if (ctx_->offload(std::make_unique<Ranking>(by_source_, top_))) ++rankings_;
    if (top_ * 2 > every_ && ctx_->send(kNotice)) ++notices_;  // one source dominates
  }
  void counters(std::vector<riptide::AnalyzerCounter>& out) const override {
    out.push_back({"tcp", tcp_});
    out.push_back({"udp", udp_});
    out.push_back({"other", other_});
    out.push_back({"rankings", rankings_});
    out.push_back({"top_source_packets", top_});
    out.push_back({"notices_sent", notices_});
  }

 private:
  // Broadcast, local experimental ethertype 0x88b5, "riptide!" as payload.
  static constexpr std::uint8_t kNotice[22] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1,
                                               0x88, 0xb5, 'r', 'i', 'p', 't', 'i', 'd', 'e', '!'};
  riptide::AnalyzerContext* ctx_ = nullptr;
  std::uint64_t every_, seen_ = 0, tcp_ = 0, udp_ = 0, other_ = 0, rankings_ = 0, top_ = 0, notices_ = 0;
  Counts by_source_;
};

class Factory final : public riptide::AnalyzerFactory {
 public:
  explicit Factory(std::uint64_t every) : every_(every ? every : 1000) {}
  std::string_view name() const noexcept override { return "packet_counter"; }
  std::unique_ptr<riptide::Analyzer> create(std::size_t) override { return std::make_unique<PacketCounter>(every_); }

 private:
  std::uint64_t every_;
};

}  // namespace packet_counter

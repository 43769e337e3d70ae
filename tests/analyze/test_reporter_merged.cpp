// The reporter with merge_threads: one frame per period for all packet threads, counts summed,
// talkers merged, the final frame from the last thread to stop.
#include <gtest/gtest.h>

#include <algorithm>

#include "analyze/fake_context.hpp"
#include "riptide/analyze/reporter.hpp"
#include "riptide/decode/decoder.hpp"
#include "support/pktbuild.hpp"

namespace riptide {
namespace {

using test::FakeContext;
using test::PacketBuilder;

constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;  // a whole number of seconds
constexpr TimestampNs kSec = 1'000'000'000;

void feed(Analyzer& a, const std::string& src, int n) {
  const auto bytes = PacketBuilder().eth().ipv4(src, "10.9.9.9").udp(1000, 2000).payload(100).build();
  PacketView v = test::view_of(bytes);
  v.ts_ns = kT0;
  PacketMeta m;
  DecodeStats st;
  decode(v, m, st);
  for (int i = 0; i < n; ++i) a.on_packet(m, v);
}

IpAddr addr(std::uint8_t last) {
  const std::uint8_t x[4] = {10, 0, 0, last};
  return IpAddr::from_v4(x);
}

struct TwoThreads {
  std::unique_ptr<ReporterFactory> f;
  FakeContext c0{0, 2}, c1{1, 2};
  std::unique_ptr<Analyzer> a0, a1;
  explicit TwoThreads(ReporterConfig cfg = {}) {
    auto r = ReporterFactory::create(cfg);
    EXPECT_TRUE(r);
    f = std::move(*r);
    a0 = f->create(0);
    a1 = f->create(1);
    a0->on_start(c0);
    a1->on_start(c1);
  }
  std::vector<SummaryFrame> frames() const {
    std::vector<SummaryFrame> out;
    for (const auto* c : {&c0, &c1})
      for (const auto& fr : c->frames) {
        auto p = parse_summary_frame(fr);
        EXPECT_TRUE(p);
        if (p) out.push_back(*p);
      }
    return out;
  }
};

TEST(ReporterMerged, OneFramePerPeriodForTwoThreads) {
  TwoThreads t;
  const std::size_t frame = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).payload(100).build().size();
  feed(*t.a0, "10.0.0.1", 3);
  feed(*t.a1, "10.0.0.1", 2);
  feed(*t.a1, "10.0.0.2", 4);
  t.c0.fire(TimeBase::wall, kT0 + kSec + 1000);
  EXPECT_TRUE(t.frames().empty());  // thread 1 has not handed its period yet
  t.c1.fire(TimeBase::wall, kT0 + kSec + 5000);
  auto s = t.frames();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(t.c1.frames.size(), 1u);  // sent by the thread that completed the period
  EXPECT_EQ(s[0].thread_index, kSummaryAllThreads);
  EXPECT_EQ(s[0].sequence, 0u);
  EXPECT_EQ(s[0].period_packets, 9u);
  EXPECT_EQ(s[0].period_bytes, 9 * frame);
  EXPECT_EQ(s[0].timestamp_ns, kT0 + kSec + 5000);
  ASSERT_GE(s[0].talker_count, 2);
  EXPECT_EQ(s[0].talkers[0].addr, addr(1));  // 5 packets over both threads
  EXPECT_EQ(s[0].talkers[0].bytes, 5 * frame);
  EXPECT_EQ(s[0].talkers[0].error, 0u);
  EXPECT_EQ(s[0].talkers[1].addr, addr(2));

  // Second period, and the final one from the last thread to stop.
  feed(*t.a0, "10.0.0.3", 1);
  t.c1.fire(TimeBase::wall, kT0 + 2 * kSec);
  t.c0.fire(TimeBase::wall, kT0 + 2 * kSec + 10);
  feed(*t.a1, "10.0.0.4", 2);
  t.a1->on_stop();
  EXPECT_EQ(t.frames().size(), 2u);
  t.a0->on_stop();
  s = t.frames();
  ASSERT_EQ(s.size(), 3u);
  std::sort(s.begin(), s.end(), [](const auto& x, const auto& y) { return x.sequence < y.sequence; });
  EXPECT_EQ(s[1].period_packets, 1u);
  EXPECT_EQ(s[1].total_packets, 10u);
  EXPECT_EQ(s[2].period_packets, 2u);
  EXPECT_EQ(s[2].total_packets, 12u);
  EXPECT_EQ(s[2].flags & kSummaryFlagFinal, kSummaryFlagFinal);
}

TEST(ReporterMerged, StalledThreadDoesNotHoldPeriodsBack) {
  TwoThreads t;
  feed(*t.a0, "10.0.0.1", 1);
  t.c0.fire(TimeBase::wall, kT0 + kSec);
  t.c0.fire(TimeBase::wall, kT0 + 2 * kSec);
  EXPECT_TRUE(t.frames().empty());
  t.c0.fire(TimeBase::wall, kT0 + 3 * kSec);  // two periods ahead: period 1 goes out alone
  ASSERT_EQ(t.frames().size(), 1u);
  EXPECT_EQ(t.frames()[0].period_packets, 1u);
  t.c1.fire(TimeBase::wall, kT0 + kSec);  // too late for period 1: discarded, counted
  EXPECT_EQ(t.frames().size(), 1u);
  std::vector<AnalyzerCounter> cs;
  t.a0->counters(cs);
  std::uint64_t partial = 0, late = 0;
  for (const auto& c : cs) {
    if (c.name == "periods_partial") partial = c.value;
    if (c.name == "snapshots_late") late = c.value;
  }
  EXPECT_EQ(partial, 1u);
  EXPECT_EQ(late, 1u);
}

}  // namespace
}  // namespace riptide

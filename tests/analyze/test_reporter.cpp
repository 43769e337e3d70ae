#include <gtest/gtest.h>

#include <cstring>

#include "analyze/fake_context.hpp"
#include "riptide/analyze/reporter.hpp"
#include "riptide/decode/decoder.hpp"
#include "support/pktbuild.hpp"

namespace riptide {
namespace {

using test::FakeContext;
using test::PacketBuilder;

constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;

struct Feed {
  Analyzer& a;
  void packet(const std::string& src, std::size_t payload, TimestampNs ts = kT0) {
    const auto bytes = PacketBuilder().eth().ipv4(src, "10.9.9.9").udp(1000, 2000).payload(payload).build();
    PacketView v = test::view_of(bytes);
    v.ts_ns = ts;
    PacketMeta m;
    DecodeStats st;
    decode(v, m, st);
    a.on_packet(m, v);
  }
};

std::uint64_t counter(const Analyzer& a, const std::string& name) {
  std::vector<AnalyzerCounter> cs;
  a.counters(cs);
  for (const auto& c : cs)
    if (c.name == name) return c.value;
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t x[4] = {a, b, c, d};
  return IpAddr::from_v4(x);
}

TEST(Reporter, SendsNumberedSummariesEveryPeriodWithCounts) {
  ReporterConfig cfg;
  cfg.top_n = 2;
  cfg.merge_threads = false;  // per-thread frames
  auto f = ReporterFactory::create(cfg);
  ASSERT_TRUE(f) << f.error().message;
  auto a = (*f)->create(3);
  FakeContext ctx(3, 4);
  a->on_start(ctx);
  ASSERT_EQ(ctx.timers.size(), 1u);
  EXPECT_EQ(ctx.timers[0].base, TimeBase::wall);
  EXPECT_EQ(ctx.timers[0].period, std::chrono::seconds(1));

  Feed in{*a};
  const std::size_t frame = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).payload(100).build().size();
  for (int i = 0; i < 3; ++i) in.packet("10.0.0.1", 100);  // 3 * frame bytes
  in.packet("10.0.0.2", 100);
  for (int i = 0; i < 2; ++i) in.packet("10.0.0.3", 100);
  ctx.fire(TimeBase::wall, kT0 + 1'000'000'000);
  in.packet("10.0.0.4", 100);
  ctx.fire(TimeBase::wall, kT0 + 2'000'000'000);
  ctx.fire(TimeBase::wall, kT0 + 3'000'000'000);  // an empty period still reports

  ASSERT_EQ(ctx.frames.size(), 3u);
  std::vector<SummaryFrame> s;
  for (const auto& fr : ctx.frames) {
    EXPECT_EQ(fr[12] << 8 | fr[13], 0x88B5);
    auto p = parse_summary_frame(fr);
    ASSERT_TRUE(p);
    s.push_back(*p);
  }
  for (std::uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s[i].sequence, i);
    EXPECT_EQ(s[i].thread_index, 3);
    EXPECT_EQ(s[i].flags, 0);
  }
  EXPECT_EQ(s[0].timestamp_ns, kT0 + 1'000'000'000);
  EXPECT_EQ(s[0].period_packets, 6u);
  EXPECT_EQ(s[0].period_bytes, 6 * frame);
  EXPECT_EQ(s[0].total_packets, 6u);
  ASSERT_EQ(s[0].talker_count, 2);
  EXPECT_EQ(s[0].talkers[0].addr, v4(10, 0, 0, 1));
  EXPECT_EQ(s[0].talkers[0].bytes, 3 * frame);
  EXPECT_EQ(s[0].talkers[0].error, 0u);
  EXPECT_EQ(s[0].talkers[1].addr, v4(10, 0, 0, 3));
  EXPECT_EQ(s[1].period_packets, 1u);
  EXPECT_EQ(s[1].total_packets, 7u);
  EXPECT_EQ(s[1].total_bytes, 7 * frame);
  ASSERT_EQ(s[1].talker_count, 1);
  EXPECT_EQ(s[1].talkers[0].addr, v4(10, 0, 0, 4));
  EXPECT_EQ(s[2].period_packets, 0u);
  EXPECT_EQ(s[2].total_packets, 7u);
  EXPECT_EQ(s[2].talker_count, 0);

  a->on_stop();  // final report
  ASSERT_EQ(ctx.frames.size(), 4u);
  auto last = parse_summary_frame(ctx.frames.back());
  ASSERT_TRUE(last);
  EXPECT_EQ(last->sequence, 3u);
  EXPECT_EQ(last->flags & kSummaryFlagFinal, kSummaryFlagFinal);
  EXPECT_EQ(counter(*a, "reports_sent"), 4u);
  EXPECT_EQ(counter(*a, "reports_refused"), 0u);
}

TEST(Reporter, CountsRefusedSendsAndKeepsNumbering) {
  ReporterConfig cfg;
  cfg.final_report = false;
  cfg.merge_threads = false;
  auto f = ReporterFactory::create(cfg);
  ASSERT_TRUE(f);
  auto a = (*f)->create(0);
  FakeContext ctx;
  a->on_start(ctx);
  ctx.send_ok = false;
  ctx.fire(TimeBase::wall, kT0);
  ctx.send_ok = true;
  ctx.fire(TimeBase::wall, kT0 + 1);
  a->on_stop();
  EXPECT_EQ(counter(*a, "reports_refused"), 1u);
  EXPECT_EQ(counter(*a, "reports_sent"), 1u);
  ASSERT_EQ(ctx.frames.size(), 1u);
  EXPECT_EQ(parse_summary_frame(ctx.frames[0])->sequence, 1u);  // the gap shows the loss
}

TEST(Reporter, UdpTransportBuildsValidIpv4Udp) {
  ReporterConfig cfg;
  cfg.transport = ReporterConfig::Transport::udp;
  cfg.src_ip = {10, 1, 2, 3};
  cfg.dst_ip = {10, 1, 2, 4};
  cfg.src_port = 5555;
  cfg.dst_port = 6666;
  auto f = ReporterFactory::create(cfg);
  ASSERT_TRUE(f);
  auto a = (*f)->create(0);
  FakeContext ctx;
  a->on_start(ctx);
  Feed{*a}.packet("192.168.1.1", 50);
  ctx.fire(TimeBase::wall, kT0);
  ASSERT_EQ(ctx.frames.size(), 1u);
  const auto& fr = ctx.frames[0];

  // The riptide decoder accepts it as IPv4/UDP with the configured endpoints.
  PacketView v = test::view_of(fr);
  PacketMeta m;
  DecodeStats st;
  ASSERT_EQ(decode(v, m, st), DecodeError::none);
  EXPECT_EQ(m.ip_proto, 17);
  EXPECT_EQ(m.sport, 5555);
  EXPECT_EQ(m.dport, 6666);
  EXPECT_EQ(m.src, v4(10, 1, 2, 3));
  EXPECT_EQ(m.ip_len, fr.size() - 14);
  // Checksums verify: IPv4 header sums to 0; UDP over the pseudo header too.
  EXPECT_EQ(test::inet_checksum(fr.data() + 14, 20), 0);
  std::uint32_t pseudo = 0;
  for (int i = 0; i < 8; i += 2) pseudo += static_cast<std::uint32_t>(fr[26 + i] << 8 | fr[27 + i]);
  pseudo += 17 + (fr.size() - 34);
  EXPECT_EQ(test::inet_checksum(fr.data() + 34, fr.size() - 34, pseudo), 0);

  auto p = parse_summary_frame(fr);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->period_packets, 1u);
  ASSERT_EQ(p->talker_count, 1);
  EXPECT_EQ(p->talkers[0].addr, v4(192, 168, 1, 1));
}

TEST(Reporter, FallsBackToTicksWithoutTimers) {
  ReporterConfig cfg;
  cfg.period = std::chrono::milliseconds(500);
  auto f = ReporterFactory::create(cfg);
  ASSERT_TRUE(f);
  auto a = (*f)->create(0);
  FakeContext ctx;
  ctx.timers_ok = false;
  a->on_start(ctx);
  a->on_tick(kT0);                  // arms the deadline
  a->on_tick(kT0 + 400'000'000);    // not due
  EXPECT_EQ(ctx.frames.size(), 0u);
  a->on_tick(kT0 + 500'000'000);    // due
  a->on_tick(kT0 + 600'000'000);
  a->on_batch_end(kT0 + 5'000'000'000);  // packet time does not drive a wall reporter
  EXPECT_EQ(ctx.frames.size(), 1u);
  a->on_tick(kT0 + 10'000'000'000);  // a long gap gives one report, not a burst
  a->on_tick(kT0 + 10'100'000'000);
  EXPECT_EQ(ctx.frames.size(), 2u);
}

TEST(Reporter, PacketTimeBaseFlagsTheTimestamp) {
  ReporterConfig cfg;
  cfg.time_base = TimeBase::packet;
  auto f = ReporterFactory::create(cfg);
  ASSERT_TRUE(f);
  auto a = (*f)->create(0);
  FakeContext ctx;
  a->on_start(ctx);
  ASSERT_EQ(ctx.timers.size(), 1u);
  EXPECT_EQ(ctx.timers[0].base, TimeBase::packet);
  ctx.fire(TimeBase::packet, 1234);
  ASSERT_EQ(ctx.frames.size(), 1u);
  auto p = parse_summary_frame(ctx.frames[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->timestamp_ns, 1234);
  EXPECT_EQ(p->flags & kSummaryFlagPacketTime, kSummaryFlagPacketTime);
}

TEST(Reporter, RejectsBadConfig) {
  ReporterConfig c;
  c.period = std::chrono::nanoseconds(0);
  EXPECT_FALSE(ReporterFactory::create(c));
  c = {};
  c.top_n = kSummaryMaxTalkers + 1;
  auto r = ReporterFactory::create(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("top_n"), std::string::npos);
  c = {};
  c.ethertype = 0x0800;
  EXPECT_FALSE(ReporterFactory::create(c));
  c.ethertype = 0x05DC;  // a length, not a type
  EXPECT_FALSE(ReporterFactory::create(c));
  c.transport = ReporterConfig::Transport::udp;  // ethertype unused
  EXPECT_TRUE(ReporterFactory::create(c));
}

}  // namespace
}  // namespace riptide

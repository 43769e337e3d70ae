#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "riptide/analyze/reporter.hpp"
#include "riptide/analyze/summary_frame.hpp"

namespace riptide {
namespace {

SummaryFrame sample(std::uint16_t talkers) {
  SummaryFrame s;
  s.flags = kSummaryFlagFinal;
  s.sequence = 0x0102030405060708ull;
  s.timestamp_ns = 1'700'000'000'123'456'789;
  s.period_packets = 11;
  s.period_bytes = 0xfedcba9876543210ull;
  s.total_packets = 1ull << 40;
  s.total_bytes = 99;
  s.thread_index = 513;
  s.talker_count = talkers;
  for (std::uint16_t i = 0; i < talkers; ++i) {
    const std::uint8_t a[4] = {10, 0, 0, static_cast<std::uint8_t>(i)};
    s.talkers[i] = {IpAddr::from_v4(a), 1000u - i, i};
  }
  return s;
}

void expect_same(const SummaryFrame& a, const SummaryFrame& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.timestamp_ns, b.timestamp_ns);
  EXPECT_EQ(a.period_packets, b.period_packets);
  EXPECT_EQ(a.period_bytes, b.period_bytes);
  EXPECT_EQ(a.total_packets, b.total_packets);
  EXPECT_EQ(a.total_bytes, b.total_bytes);
  EXPECT_EQ(a.thread_index, b.thread_index);
  ASSERT_EQ(a.talker_count, b.talker_count);
  for (std::size_t i = 0; i < a.talker_count; ++i) {
    EXPECT_EQ(a.talkers[i].addr, b.talkers[i].addr);
    EXPECT_EQ(a.talkers[i].bytes, b.talkers[i].bytes);
    EXPECT_EQ(a.talkers[i].error, b.talkers[i].error);
  }
}

std::vector<std::uint8_t> frame_of(const ReporterConfig& cfg, const SummaryFrame& s) {
  std::vector<std::uint8_t> buf(kReporterMaxFrame);
  buf.resize(build_summary_frame(cfg, s, buf));
  return buf;
}

TEST(SummaryFrame, PayloadIsBigEndianAtDocumentedOffsets) {
  std::vector<std::uint8_t> p(kSummaryMaxPayload);
  ASSERT_EQ(write_summary_payload(sample(1), p), kSummaryHeaderBytes + kSummaryTalkerBytes);
  EXPECT_EQ(std::string(p.begin(), p.begin() + 4), "RPTD");
  EXPECT_EQ(p[4], 0);
  EXPECT_EQ(p[5], 1);  // version
  EXPECT_EQ(p[7], 64);  // header bytes
  for (int i = 0; i < 8; ++i) EXPECT_EQ(p[8 + i], i + 1);  // sequence 0x0102..08
  EXPECT_EQ(p[56], 2);  // thread 513 = 0x0201
  EXPECT_EQ(p[57], 1);
  EXPECT_EQ(p[59], 1);  // talker count
  EXPECT_EQ(p[61], 32);
  EXPECT_EQ(p[64 + 10], 0xff);  // IPv4-mapped address
  EXPECT_EQ(p[64 + 12], 10);
  EXPECT_EQ(p[64 + 16 + 6], 1000 >> 8);
  EXPECT_EQ(p[64 + 16 + 7], 1000 & 0xff);
}

TEST(SummaryFrame, RoundTripsBothTransportsAndVlan) {
  ReporterConfig eth;
  ReporterConfig udp;
  udp.transport = ReporterConfig::Transport::udp;
  for (std::uint16_t n : {0, 1, 5, 32}) {
    const SummaryFrame s = sample(n);
    for (const auto* cfg : {&eth, &udp}) {
      const auto f = frame_of(*cfg, s);
      ASSERT_FALSE(f.empty());
      auto p = parse_summary_frame(f);
      ASSERT_TRUE(p) << "talkers " << n;
      expect_same(s, *p);
      // With an 802.1Q tag inserted after the MACs.
      std::vector<std::uint8_t> tagged(f.begin(), f.begin() + 12);
      tagged.insert(tagged.end(), {0x81, 0x00, 0x00, 0x0a});
      tagged.insert(tagged.end(), f.begin() + 12, f.end());
      auto q = parse_summary_frame(tagged);
      ASSERT_TRUE(q);
      expect_same(s, *q);
      // Ethernet padding after the payload is ignored.
      auto padded = f;
      padded.resize(f.size() + 20, 0);
      EXPECT_TRUE(parse_summary_frame(padded));
    }
  }
  SummaryFrame too_many = sample(0);
  too_many.talker_count = kSummaryMaxTalkers + 1;
  std::vector<std::uint8_t> buf(kReporterMaxFrame + 64);
  EXPECT_EQ(write_summary_payload(too_many, buf), 0u);
  EXPECT_EQ(build_summary_frame(eth, too_many, buf), 0u);
  EXPECT_EQ(build_summary_frame(eth, sample(1), std::span(buf).first(100)), 0u);
}

TEST(SummaryFrame, RejectsEveryTruncation) {
  ReporterConfig udp;
  udp.transport = ReporterConfig::Transport::udp;
  for (const auto& cfg : {ReporterConfig{}, udp}) {
    const auto f = frame_of(cfg, sample(3));
    for (std::size_t len = 0; len < f.size(); ++len) {
      // An exactly sized heap copy, so ASan flags any read past the end.
      std::vector<std::uint8_t> cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_FALSE(parse_summary_frame(cut)) << "length " << len;
    }
  }
}

TEST(SummaryFrame, RejectsGarbledHeaders) {
  const auto good = frame_of(ReporterConfig{}, sample(2));
  auto bad = [&](std::size_t off, std::uint8_t v) {
    auto f = good;
    f[off] = v;
    return !parse_summary_frame(f).has_value();
  };
  EXPECT_TRUE(bad(14, 'X'));          // magic
  EXPECT_TRUE(bad(14 + 5, 2));        // version 2
  EXPECT_TRUE(bad(14 + 7, 10));       // header shorter than 64
  EXPECT_TRUE(bad(14 + 59, 3));       // 3 talkers announced, 2 present
  EXPECT_TRUE(bad(14 + 58, 1));       // 258 talkers
  EXPECT_TRUE(bad(14 + 61, 8));       // talker entries too small
  EXPECT_FALSE(bad(14 + 62, 0xaa));   // reserved bytes are ignored

  ReporterConfig udp;
  udp.transport = ReporterConfig::Transport::udp;
  const auto u = frame_of(udp, sample(2));
  auto ubad = [&](std::size_t off, std::uint8_t v) {
    auto f = u;
    f[off] = v;
    return !parse_summary_frame(f).has_value();
  };
  EXPECT_TRUE(ubad(14, 0x65));       // IP version 6 in an IPv4 ethertype
  EXPECT_TRUE(ubad(14, 0x44));       // IHL 4
  EXPECT_TRUE(ubad(14 + 9, 6));      // TCP
  EXPECT_TRUE(ubad(14 + 6, 0x20));   // more fragments
  EXPECT_TRUE(ubad(34 + 5, 10));     // UDP length 10: shorter than the payload
  EXPECT_TRUE(ubad(14, 0x4f));       // IHL 60 > frame

  // Random corruption never crashes and never yields talkers beyond the frame.
  std::mt19937 rng(1);
  for (int i = 0; i < 20000; ++i) {
    auto f = (i & 1) ? u : good;
    for (int j = 0; j < 3; ++j) f[rng() % f.size()] = static_cast<std::uint8_t>(rng());
    f.resize(rng() % (f.size() + 1));
    if (auto p = parse_summary_frame(f)) {
      EXPECT_LE(p->talker_count, kSummaryMaxTalkers);
    }
  }
}

}  // namespace
}  // namespace riptide

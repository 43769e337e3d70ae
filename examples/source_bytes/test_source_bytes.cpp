// The example's own unit tests, with the fake context riptide installs: two packet threads,
// one merged summary per second, sent once, with the counts of both threads.
#include <gtest/gtest.h>

#include <string>

#include "riptide/analyze/testing/fake_context.hpp"
#include "source_bytes.hpp"

namespace {

riptide::IpAddr v4(std::uint8_t last) {
  const std::uint8_t b[4] = {10, 0, 0, last};
  return riptide::IpAddr::from_v4(b);
}

void packet(riptide::Analyzer& a, std::uint8_t src, std::uint32_t bytes) {
  riptide::PacketMeta m;
  m.src = v4(src);
  riptide::PacketView v;
  v.wirelen = bytes;
  a.on_packet(m, v);
}

TEST(SourceBytes, OneSummaryPerSecondOverBothThreads) {
  const riptide::UdpEndpoint dst{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, v4(200), 9999};
  source_bytes::Factory f(dst, std::chrono::milliseconds(0));
  riptide::test::FakeContext c0(0, 2), c1(1, 2);
  for (auto* c : {&c0, &c1}) {
    c->iface.has_ipv4 = true;
    c->iface.ipv4 = v4(1);
  }
  auto a0 = f.create(0), a1 = f.create(1);
  a0->on_start(c0);
  a1->on_start(c1);
  packet(*a0, 7, 1000);
  packet(*a1, 7, 500);
  packet(*a1, 8, 300);
  const riptide::TimestampNs t = 1'700'000'001'000'000'000;
  c0.fire(riptide::TimeBase::wall, t);
  c1.fire(riptide::TimeBase::wall, t + 1000);
  EXPECT_EQ(c0.pending() + c1.pending(), 1u);  // one calculation for the second, on the pool
  c1.pump();
  ASSERT_EQ(c0.frames.size() + c1.frames.size(), 1u);
  const auto& fr = c1.frames.at(0);
  const std::string text(fr.begin() + 42, fr.end());
  EXPECT_NE(text.find("sources=2 bytes=1800 top=10.0.0.7 top_bytes=1500"), std::string::npos) << text;
  a0->on_stop();
  a1->on_stop();
  EXPECT_EQ(c0.frames.size() + c1.frames.size(), 2u);  // the final, partial second
}

}  // namespace

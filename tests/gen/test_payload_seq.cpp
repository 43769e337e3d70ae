#include <gtest/gtest.h>

#include <vector>

#include "riptide/gen/frame_builder.hpp"
#include "riptide/gen/gen_payload.hpp"
#include "riptide/gen/seq_tracker.hpp"

namespace riptide::gen {
namespace {

TEST(GenPayload, RoundTripThroughFrames) {
  for (bool v6 : {false, true})
    for (int vlan : {-1, 7}) {
      FrameSpec spec;
      spec.ipv6 = v6;
      spec.vlan = vlan;
      spec.flows = 10;
      auto b = FrameBuilder::create(spec);
      ASSERT_TRUE(b.ok());
      std::vector<std::uint8_t> f(300, 0);
      ASSERT_EQ(b->write(9, 123456789012ull, -42, 300, f), 300u);
      auto g = parse_gen_payload(std::span<const std::uint8_t>(f));
      ASSERT_TRUE(g.has_value()) << v6 << vlan;
      EXPECT_EQ(g->magic, kGenMagic);
      EXPECT_EQ(g->flow, 9u);
      EXPECT_EQ(g->seq, 123456789012ull);
      EXPECT_EQ(g->send_ts_ns, -42);
      PacketView pv;
      pv.data = f.data();
      pv.caplen = pv.wirelen = 300;
      EXPECT_TRUE(parse_gen_payload(pv).has_value());
      // Raw IP link type: the same packet without its Ethernet header.
      const std::size_t l2 = vlan >= 0 ? 18 : 14;
      EXPECT_TRUE(parse_gen_payload(std::span<const std::uint8_t>(f).subspan(l2), LinkType::raw).has_value());
    }
}

TEST(GenPayload, ShortPayloadHasNoTimestamp) {
  auto b = FrameBuilder::create({});
  ASSERT_TRUE(b.ok());
  std::vector<std::uint8_t> f(60, 0);  // 18 payload bytes
  ASSERT_EQ(b->write(0, 77, 999, 60, f), 60u);
  auto g = parse_gen_payload(std::span<const std::uint8_t>(f));
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->seq, 77u);
  EXPECT_EQ(g->send_ts_ns, 0);
}

TEST(GenPayload, RejectsOtherTraffic) {
  auto b = FrameBuilder::create({});
  ASSERT_TRUE(b.ok());
  std::vector<std::uint8_t> f(100, 0);
  ASSERT_EQ(b->write(0, 1, 2, 100, f), 100u);
  auto bad = f;
  bad[42] ^= 1;  // magic
  EXPECT_FALSE(parse_gen_payload(std::span<const std::uint8_t>(bad)).has_value());
  bad = f;
  bad[23] = 6;  // TCP
  EXPECT_FALSE(parse_gen_payload(std::span<const std::uint8_t>(bad)).has_value());
  bad = f;
  bad[20] = 0x20;  // MF and fragment offset 16: a later fragment
  bad[21] = 0x02;
  EXPECT_FALSE(parse_gen_payload(std::span<const std::uint8_t>(bad)).has_value());
  for (std::size_t n : {0u, 13u, 14u, 33u, 41u, 50u, 57u})  // truncated before the 16 bytes end
    EXPECT_FALSE(parse_gen_payload(std::span<const std::uint8_t>(f.data(), n)).has_value()) << n;
  EXPECT_TRUE(parse_gen_payload(std::span<const std::uint8_t>(f.data(), 58)).has_value());
  bad = f;
  bad[12] = 0x86;  // ARP-ish ethertype
  bad[13] = 0x06;
  EXPECT_FALSE(parse_gen_payload(std::span<const std::uint8_t>(bad)).has_value());
  std::uint8_t junk[16] = {};
  EXPECT_FALSE(parse_gen_udp_payload(junk).has_value());
  EXPECT_FALSE(parse_gen_payload(std::span<const std::uint8_t>(f), LinkType::linux_sll).has_value());
}

TEST(SeqTracker, InOrderNoLoss) {
  SeqTracker t(4, 128);
  for (std::uint64_t s = 0; s < 1000; ++s) t.feed(1, s);
  auto c = t.counts();
  EXPECT_EQ(c.received, 1000u);
  EXPECT_EQ(c.unique, 1000u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.reordered, 0u);
  EXPECT_EQ(c.flows_seen, 1u);
}

TEST(SeqTracker, LossDuplicatesReorder) {
  SeqTracker t(4, 128);
  // flow 0: 0 1 2 5 6 3 6 9  -> 4,7,8 missing; 3 reordered; 6 duplicate
  for (std::uint64_t s : {0, 1, 2, 5, 6, 3, 6, 9}) t.feed(0, s);
  // flow 2 starts mid-stream at 100: 100 102 101 101
  for (std::uint64_t s : {100, 102, 101, 101}) t.feed(2, s);
  auto c = t.counts();
  EXPECT_EQ(c.received, 12u);
  EXPECT_EQ(c.unique, 7u + 3u);
  EXPECT_EQ(c.duplicates, 2u);
  EXPECT_EQ(c.reordered, 2u);
  EXPECT_EQ(c.lost, 3u);
  EXPECT_EQ(c.flows_seen, 2u);
  EXPECT_EQ(t.expected(0), 10u);
  EXPECT_EQ(t.expected(2), 3u);
  EXPECT_EQ(t.expected(1), 0u);
  t.feed(0, 4);  // a late arrival fills a gap: lost shrinks
  EXPECT_EQ(t.counts().lost, 2u);
  EXPECT_EQ(t.counts().reordered, 3u);
}

TEST(SeqTracker, WindowBoundsMemory) {
  SeqTracker t(1, 64);
  t.feed(0, 0);
  t.feed(0, 1000);  // jumps far past the window
  t.feed(0, 1);     // older than the window: unclassified
  t.feed(0, 990);   // inside: reordered
  t.feed(0, 990);   // duplicate
  t.feed(0, 1000);  // duplicate
  t.feed(0, 1001);
  t.feed(0, 1001 + 64);  // slides by exactly the window: bits recycled, 1001 forgotten
  t.feed(0, 1001 + 64 + 1);
  auto c = t.counts();
  EXPECT_EQ(c.stale, 1u);
  EXPECT_EQ(c.reordered, 1u);
  EXPECT_EQ(c.duplicates, 2u);
  EXPECT_EQ(c.unique, 6u);
  EXPECT_EQ(c.lost, 1067u - 6u);
  SeqTracker u(2);
  u.feed(5, 1);
  EXPECT_EQ(u.counts().unknown_flow, 1u);
  EXPECT_EQ(u.counts().unique, 0u);
}

}  // namespace
}  // namespace riptide::gen

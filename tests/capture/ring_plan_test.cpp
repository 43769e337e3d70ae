#include <gtest/gtest.h>

#include "riptide/capture/afpacket_config.hpp"
#include "riptide/capture/iface_stats.hpp"

namespace riptide {
namespace {

TEST(RingPlan, DefaultRidesOut250msAt1MppsOf200B) {
  AfPacketConfig cfg;
  const RingPlan p = plan_ring(cfg);
  EXPECT_GE(p.holds_ms, 250.0);
  EXPECT_GE(p.packet_capacity, 250'000u);
  EXPECT_LE(p.total_bytes, 256ull << 20);
  EXPECT_FALSE(p.capped);
  EXPECT_EQ(p.block_bytes, 1u << 20);
  EXPECT_EQ(p.total_bytes, std::uint64_t{p.block_bytes} * p.block_count);
  EXPECT_NE(p.explanation.find("ring "), std::string::npos);
  EXPECT_NE(p.explanation.find("1.00 Mpps"), std::string::npos) << p.explanation;
  EXPECT_NE(p.explanation.find("200 B"), std::string::npos) << p.explanation;
}

TEST(RingPlan, PacketCostMatchesKernelLayout) {
  // tpacket3_hdr (48) + sockaddr_ll (20) -> MAC header at 82 so the IP header is 16-aligned.
  EXPECT_EQ(v3_packet_cost(200), 288u);  // 82 + 200 = 282 -> 8-aligned
  EXPECT_EQ(v3_packet_cost(60), 144u);   // 142 -> 144
  EXPECT_EQ(v3_packet_cost(1514) % 8, 0u);
}

TEST(RingPlan, SnaplenDoesNotSizeTheRing) {
  AfPacketConfig a, b;
  a.snaplen = 262144;
  b.snaplen = 65535;
  EXPECT_EQ(plan_ring(a).total_bytes, plan_ring(b).total_bytes);
  // ...but a snaplen below the average frame shrinks what each packet costs.
  AfPacketConfig c;
  c.snaplen = 64;
  EXPECT_LT(plan_ring(c).per_packet_bytes, plan_ring(a).per_packet_bytes);
}

TEST(RingPlan, ScalesWithRateAndStall) {
  AfPacketConfig lo, hi;
  hi.expected_pps = 2'000'000;
  EXPECT_GT(plan_ring(hi).block_count, plan_ring(lo).block_count);
  AfPacketConfig longer;
  longer.ring_ms = 500;
  EXPECT_GE(plan_ring(longer).holds_ms, 500.0);
}

TEST(RingPlan, CapsAtMaxRingBytes) {
  AfPacketConfig cfg;
  cfg.expected_pps = 10'000'000;
  cfg.ring_ms = 1000;
  const RingPlan p = plan_ring(cfg);
  EXPECT_TRUE(p.capped);
  EXPECT_LE(p.total_bytes, cfg.max_ring_bytes);
  EXPECT_LT(p.holds_ms, 1000.0);
  EXPECT_NE(p.explanation.find("capped"), std::string::npos) << p.explanation;
}

TEST(RingPlan, SmallCapTakesSmallerBlocksInsteadOfExceedingIt) {
  for (std::uint64_t cap : {1ull << 20, 1536ull << 10, 64ull << 10}) {
    AfPacketConfig cfg;
    cfg.max_ring_bytes = cap;
    const RingPlan p = plan_ring(cfg);
    EXPECT_LE(p.total_bytes, cap) << cap << ": " << p.explanation;
    EXPECT_GE(p.block_count, 2u);
    EXPECT_EQ(p.block_bytes % 4096, 0u);
    EXPECT_GT(p.packet_capacity, 0u);
  }
  AfPacketConfig one_mib;
  one_mib.max_ring_bytes = 1ull << 20;
  EXPECT_EQ(plan_ring(one_mib).block_bytes, 512u << 10);
}

TEST(RingPlan, LowRateStillCoversTimeoutRetiredBlocks) {
  // At 10 pps every 10 ms timeout retires a nearly empty block: 250 ms needs ~25 blocks.
  AfPacketConfig cfg;
  cfg.expected_pps = 10;
  const RingPlan p = plan_ring(cfg);
  EXPECT_GE(p.block_count, cfg.ring_ms / cfg.block_timeout_ms + 1);
  EXPECT_GE(p.holds_ms, 250.0);
  EXPECT_LT(p.holds_ms, 400.0);  // bounded by the timeout, not by the huge packet capacity
  EXPECT_NE(p.explanation.find("timeout"), std::string::npos) << p.explanation;
}

TEST(RingPlan, MidRateSmallFramesAreTimeoutBound) {
  // 350 kpps of 60 B fills only half a 1 MiB block per 10 ms: the timeout sets the pace.
  AfPacketConfig cfg;
  cfg.expected_pps = 350'000;
  cfg.avg_frame_bytes = 60;
  const RingPlan p = plan_ring(cfg);
  EXPECT_GE(p.holds_ms, 250.0);
  EXPECT_LE(p.holds_ms, 300.0);
}

TEST(RingPlan, BlockSizeRoundedToPages) {
  AfPacketConfig cfg;
  cfg.block_bytes = 5000;
  const RingPlan p = plan_ring(cfg);
  EXPECT_EQ(p.block_bytes % 4096, 0u);
  EXPECT_EQ(p.block_bytes % p.frame_bytes, 0u);
}

TEST(IfaceStats, ParsesSoftnetSecondColumnAsHex) {
  const std::string text =
      "0000a1b2 0000000f 00000000 00000000\n"
      "00000010 00000011 00000000 00000000\n";
  auto v = parse_softnet_drops(text);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, 0x0fu + 0x11u);
  EXPECT_FALSE(parse_softnet_drops("").has_value());
  EXPECT_FALSE(parse_softnet_drops("garbage\n").has_value());
}

TEST(IfaceStats, LoopbackHasCountersMissingIsUnknown) {
  auto lo = read_iface_counters("lo");
  EXPECT_TRUE(lo.rx_packets.has_value());
  auto none = read_iface_counters("rtnoexist0");
  EXPECT_FALSE(none.rx_packets.has_value());
  EXPECT_FALSE(none.rx_dropped.has_value());
  auto evil = read_iface_counters("../../../etc");
  EXPECT_FALSE(evil.rx_packets.has_value());
}

}  // namespace
}  // namespace riptide

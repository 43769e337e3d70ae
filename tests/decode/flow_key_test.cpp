#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "flow/flow_test_util.hpp"
#include "riptide/decode/flow_key.hpp"

namespace riptide {
namespace {
using namespace flowtest;

void expect_symmetric(const PacketMeta& a) {
  const PacketMeta b = reversed(a);
  FlowKey ka, kb;
  bool fa = false, fb = false;
  ASSERT_TRUE(make_key(a, ka, fa));
  ASSERT_TRUE(make_key(b, kb, fb));
  EXPECT_TRUE(ka == kb);
  EXPECT_NE(fa, fb) << "exactly one direction is canonical";
  EXPECT_EQ(fa, is_canonical_direction(a));
  EXPECT_EQ(flow_hash(ka), flow_hash(kb));
  EXPECT_EQ(flow_hash(a), flow_hash(b));
  EXPECT_EQ(flow_hash(a), flow_hash(ka));
}

TEST(FlowKey, SymmetricIpv4) { expect_symmetric(pkt("10.0.0.1", 40000, "192.168.1.9", 443)); }
TEST(FlowKey, SymmetricIpv6) { expect_symmetric(pkt("2001:db8::1", 5353, "fe80::2", 53, 17)); }
TEST(FlowKey, SymmetricVlan) {
  expect_symmetric(with_vlans(pkt("10.0.0.1", 1, "10.0.0.2", 2, 17), 100));
  expect_symmetric(with_vlans(pkt("2001:db8::1", 1, "2001:db8::2", 2), 100, 2, 200));
}

TEST(FlowKey, SameAddressDifferentPortsOrdersByPort) {
  const auto a = pkt("10.0.0.1", 2000, "10.0.0.1", 1000);
  expect_symmetric(a);
  FlowKey k;
  ASSERT_TRUE(make_key(a, k));
  EXPECT_EQ(k.lo_port, 1000);
  EXPECT_EQ(k.hi_port, 2000);
  EXPECT_FALSE(is_canonical_direction(a));
}

TEST(FlowKey, CanonicalOrderIsNumericAddressOrder) {
  FlowKey k;
  bool fwd = false;
  ASSERT_TRUE(make_key(pkt("10.0.0.200", 1, "10.0.1.3", 2), k, fwd));
  EXPECT_TRUE(fwd);
  EXPECT_EQ(k.lo_addr, ip("10.0.0.200"));
  ASSERT_TRUE(make_key(pkt("10.0.1.3", 1, "10.0.0.200", 2), k, fwd));
  EXPECT_FALSE(fwd);
  EXPECT_EQ(k.lo_addr, ip("10.0.0.200"));
  EXPECT_EQ(k.lo_port, 2);
}

TEST(FlowKey, FieldsThatSeparateFlows) {
  const auto base = pkt("10.0.0.1", 1000, "10.0.0.2", 80);
  FlowKey k0;
  ASSERT_TRUE(make_key(base, k0));
  auto other_vlan = with_vlans(base, 7);
  auto other_proto = pkt("10.0.0.1", 1000, "10.0.0.2", 80, 17);
  auto other_port = pkt("10.0.0.1", 1001, "10.0.0.2", 80);
  auto inner_vlan = with_vlans(base, 7, 2, 8);
  for (const auto& m : {other_vlan, other_proto, other_port, inner_vlan}) {
    FlowKey k;
    ASSERT_TRUE(make_key(m, k));
    EXPECT_FALSE(k == k0);
    EXPECT_NE(flow_hash(k), flow_hash(k0));
  }
  FlowKey kv1, kv2;
  ASSERT_TRUE(make_key(with_vlans(base, 7), kv1));
  ASSERT_TRUE(make_key(inner_vlan, kv2));
  EXPECT_FALSE(kv1 == kv2);
}

TEST(FlowKey, MoreThanTwoVlanTagsKeepsTheFirstTwo) {
  auto m = with_vlans(pkt("10.0.0.1", 1, "10.0.0.2", 2), 10, 5, 20);
  FlowKey k;
  ASSERT_TRUE(make_key(m, k));
  EXPECT_EQ(k.vlan_count, 2);
  EXPECT_EQ(k.vlan_ids[0], 10);
  EXPECT_EQ(k.vlan_ids[1], 20);
}

TEST(FlowKey, IcmpEchoRequestAndReplyShareAFlow) {
  const auto req = pkt("10.0.0.1", 8, "10.0.0.2", 0, 1);   // type 8 code 0
  const auto rep = pkt("10.0.0.2", 0, "10.0.0.1", 0, 1);   // type 0 code 0
  FlowKey a, b;
  ASSERT_TRUE(make_key(req, a));
  ASSERT_TRUE(make_key(rep, b));
  EXPECT_TRUE(a == b);
  EXPECT_EQ(a.lo_port, 0);
  EXPECT_EQ(a.hi_port, 0);
  const auto req6 = pkt("2001:db8::1", 128, "2001:db8::2", 0, 58);
  const auto rep6 = pkt("2001:db8::2", 129, "2001:db8::1", 0, 58);
  ASSERT_TRUE(make_key(req6, a));
  ASSERT_TRUE(make_key(rep6, b));
  EXPECT_TRUE(a == b);
  EXPECT_EQ(flow_hash(req6), flow_hash(rep6));
}

TEST(FlowKey, NonFirstFragmentHasNoPorts) {
  auto frag = pkt("10.0.0.1", 0, "10.0.0.2", 0, 17);
  frag.flags = kMetaHasL3 | kMetaIsFragment;
  frag.sport = 1234;  // stale values must be ignored without kMetaHasL4
  frag.dport = 53;
  FlowKey k;
  ASSERT_TRUE(make_key(frag, k));
  EXPECT_EQ(k.lo_port, 0);
  EXPECT_EQ(k.hi_port, 0);
}

// All fragments of a datagram must share a key, and so a hash (worker): the first one, which
// carries the ports, is port-less too.
TEST(FlowKey, FirstFragmentJoinsTheOtherFragmentsPortLess) {
  auto first = pkt("10.0.0.1", 1234, "10.0.0.2", 53, 17);
  first.flags = kMetaHasL3 | kMetaHasL4 | kMetaIsFragment | kMetaFirstFragment;
  auto later = pkt("10.0.0.1", 0, "10.0.0.2", 0, 17);
  later.flags = kMetaHasL3 | kMetaIsFragment;
  const auto whole = pkt("10.0.0.1", 1234, "10.0.0.2", 53, 17);
  FlowKey kf, kl, kw;
  ASSERT_TRUE(make_key(first, kf));
  ASSERT_TRUE(make_key(later, kl));
  ASSERT_TRUE(make_key(whole, kw));
  EXPECT_TRUE(kf == kl);
  EXPECT_EQ(kf.lo_port, 0);
  EXPECT_EQ(kf.hi_port, 0);
  EXPECT_EQ(flow_hash(first), flow_hash(later));
  EXPECT_EQ(flow_hash(reversed(first)), flow_hash(later));
  EXPECT_FALSE(kf == kw) << "an unfragmented datagram keeps its ports";
  EXPECT_NE(flow_hash(first), flow_hash(whole));
  auto first6 = pkt("2001:db8::1", 1234, "2001:db8::2", 80, 6, SYN);
  first6.flags |= kMetaIsFragment | kMetaFirstFragment;
  ASSERT_TRUE(make_key(first6, kf));
  EXPECT_EQ(kf.lo_port, 0);
  EXPECT_EQ(kf.hi_port, 0);
  EXPECT_EQ(kf.proto, 6);
}

TEST(FlowKey, NonIpIsNotAFlow) {
  FlowKey k;
  EXPECT_FALSE(make_key(arp(), k));
  PacketMeta no_l3 = pkt("10.0.0.1", 1, "10.0.0.2", 2);
  no_l3.flags = 0;
  EXPECT_FALSE(make_key(no_l3, k));
  PacketMeta bogus_len = pkt("10.0.0.1", 1, "10.0.0.2", 2);
  bogus_len.flags = kMetaHasL3;
  bogus_len.error = DecodeError::bad_ipv4_total_len;
  EXPECT_FALSE(make_key(bogus_len, k));
  PacketMeta cut = pkt("10.0.0.1", 1, "10.0.0.2", 2);
  cut.error = DecodeError::truncated_tcp;  // snaplen: still a flow
  EXPECT_TRUE(make_key(cut, k));
  // Same VLAN -> same hash, so non-IP traffic of one VLAN stays on one worker.
  EXPECT_EQ(flow_hash(with_vlans(arp(), 5)), flow_hash(with_vlans(arp(), 5)));
}

// Low bits pick a bucket and a worker, high bits are the table's tag: both must spread well
// even for keys that differ in a single byte (sequential ports, one /24).
TEST(FlowKey, HashSpreadsSequentialKeys) {
  constexpr int kBuckets = 256;
  constexpr int kKeys = 256 * 400;
  std::vector<int> low(kBuckets), high(kBuckets);
  std::mt19937 rng(7);
  for (int i = 0; i < kKeys; ++i) {
    auto m = pkt("10.1.0." + std::to_string(i % 250), static_cast<std::uint16_t>(1024 + i / 250), "10.2.0.1", 80);
    const std::uint64_t h = flow_hash(m);
    ++low[h & (kBuckets - 1)];
    ++high[h >> 56];
  }
  const double expect = static_cast<double>(kKeys) / kBuckets;
  double chi_low = 0, chi_high = 0;
  for (int b = 0; b < kBuckets; ++b) {
    chi_low += (low[b] - expect) * (low[b] - expect) / expect;
    chi_high += (high[b] - expect) * (high[b] - expect) / expect;
  }
  // 255 degrees of freedom: mean 255, sd ~22.6; 400 is far beyond chance for a fair hash.
  EXPECT_LT(chi_low, 400);
  EXPECT_LT(chi_high, 400);
}

TEST(FlowKey, HashFlipsAboutHalfTheBitsPerInputBit) {
  const auto base = pkt("10.0.0.1", 1000, "10.0.0.2", 80);
  FlowKey k0;
  ASSERT_TRUE(make_key(base, k0));
  const std::uint64_t h0 = flow_hash(k0);
  double total = 0;
  int n = 0;
  for (std::size_t byte = 0; byte < 42; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      FlowKey k = k0;
      reinterpret_cast<std::uint8_t*>(&k)[byte] ^= static_cast<std::uint8_t>(1u << bit);
      total += __builtin_popcountll(flow_hash(k) ^ h0);
      ++n;
    }
  }
  const double avg = total / n;
  EXPECT_GT(avg, 28.0);
  EXPECT_LT(avg, 36.0);
}

}  // namespace
}  // namespace riptide

// The flow table's fragment table: every fragment in its datagram's 5-tuple flow, out of order
// too, with its counters, timeouts and bounds (flow/frag_table.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "flow_test_util.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {
namespace {

using namespace flowtest;

FlowTableConfig cfg(std::uint32_t max_datagrams = 64, double frag_timeout_s = 30, std::uint32_t max_held = 0) {
  FlowTableConfig c;
  c.max_flows = 4096;
  c.idle_timeout_ns = sec(3600);
  c.active_timeout_ns = 0;
  c.frag.max_datagrams = max_datagrams;
  c.frag.timeout_ns = sec(frag_timeout_s);
  c.frag.max_held = max_held;
  return c;
}

// A fragment of `whole`'s datagram `id`: `len` bytes of data at `offset`, as the decoder
// describes it (Ethernet, a 20-byte IPv4 header or IPv6 header + Fragment header).
PacketMeta frag(const PacketMeta& whole, std::uint32_t id, std::uint16_t offset, std::uint32_t len, bool more) {
  PacketMeta m = whole;
  const std::uint16_t hdr = whole.ip_version == 6 ? 48 : 20;
  m.l3_off = 14;
  m.flags = static_cast<std::uint16_t>(kMetaHasL3 | kMetaIsFragment | (more ? kMetaMoreFragments : 0));
  m.frag_id = id;
  m.frag_offset = offset;
  m.ip_len = hdr + len;
  m.wirelen = m.caplen = 14 + m.ip_len;
  if (offset == 0) {
    m.flags |= kMetaFirstFragment | kMetaHasL4;
    m.l4_off = static_cast<std::uint16_t>(14 + hdr);
    m.payload_off = static_cast<std::uint16_t>(14 + hdr + 8);
  } else {
    m.sport = m.dport = 0;
    m.tcp_flags = 0;
    m.l4_off = 0xffff;
    m.payload_off = static_cast<std::uint16_t>(14 + hdr);
    m.l4_payload_len = len;
  }
  return m;
}

struct Meter {
  CollectSink sink;
  FlowTable t;
  std::uint64_t wire = 0;
  explicit Meter(const FlowTableConfig& c) : t(c, sink) {}
  void add(const PacketMeta& m, double s) {
    t.update(m, sec(s), m.wirelen);
    wire += m.wirelen;
  }
  // Every packet given is in exactly one record (none is non-IP here).
  void check_all_counted() {
    std::uint64_t pkts = 0, bytes = 0;
    for (const auto& r : sink.recs) pkts += r.pkts(), bytes += r.bytes();
    EXPECT_EQ(pkts, t.stats().packets);
    EXPECT_EQ(bytes, wire);
  }
};

const PacketMeta kUdp = pkt("10.0.0.1", 5000, "10.0.0.2", 53, 17);
const PacketMeta kUdp6 = pkt("2001:db8::1", 5000, "2001:db8::2", 53, 17);

TEST(FragTable, InOrderDatagramIsOneFlowAndLeavesTheTable) {
  for (const PacketMeta& whole : {kUdp, kUdp6}) {
    Meter r(cfg());
    r.add(frag(whole, 7, 0, 1480, true), 1.0);
    r.add(frag(whole, 7, 1480, 1480, true), 1.001);
    EXPECT_EQ(r.t.frag_table().stats().active, 1u);
    r.add(frag(whole, 7, 2960, 500, false), 1.002);
    EXPECT_EQ(r.t.frag_table().stats().active, 0u);  // complete
    r.add(reversed(whole), 1.1);                     // the whole reply: same flow
    r.t.flush_all();
    ASSERT_EQ(r.sink.recs.size(), 1u);
    const FlowRecord& rec = r.sink.recs[0];
    EXPECT_EQ(rec.src_port, 5000);
    EXPECT_EQ(rec.dest_port, 53);
    EXPECT_EQ(rec.toserver.pkts, 3u);
    EXPECT_EQ(rec.toclient.pkts, 1u);
    const FragStats& s = r.t.stats().frag;
    EXPECT_EQ(s.fragments, 3u);
    EXPECT_EQ(s.attributed, 3u);
    EXPECT_EQ(s.portless, 0u);
    EXPECT_EQ(s.held, 0u);
    EXPECT_EQ(s.timed_out + s.overlapping + s.too_many + s.too_large, 0u);
    r.check_all_counted();
  }
}

TEST(FragTable, FragmentsBeforeTheFirstAreHeldThenCountedWithItsPorts) {
  for (const PacketMeta& whole : {kUdp, kUdp6}) {
    Meter r(cfg());
    r.add(frag(whole, 0x12345678, 2960, 500, false), 2.0);  // last first
    r.add(frag(whole, 0x12345678, 1480, 1480, true), 2.1);
    EXPECT_TRUE(r.sink.recs.empty());
    EXPECT_EQ(r.t.frag_table().held_now(), 2u);
    EXPECT_EQ(r.t.active(), 0u);  // nothing counted yet
    r.add(frag(whole, 0x12345678, 0, 1480, true), 2.2);
    EXPECT_EQ(r.t.frag_table().held_now(), 0u);
    EXPECT_EQ(r.t.frag_table().stats().active, 0u);
    r.t.flush_all();
    ASSERT_EQ(r.sink.recs.size(), 1u);
    const FlowRecord& rec = r.sink.recs[0];
    EXPECT_EQ(rec.src_port, 5000);
    EXPECT_EQ(rec.dest_port, 53);
    EXPECT_EQ(rec.toserver.pkts, 3u);
    EXPECT_EQ(rec.start_ns, sec(2.0));  // the held fragments keep their own times
    EXPECT_EQ(rec.end_ns, sec(2.2));
    EXPECT_EQ(r.t.stats().frag.held, 2u);
    EXPECT_EQ(r.t.stats().frag.attributed, 3u);
    r.check_all_counted();
  }
}

TEST(FragTable, DatagramsAreKeptApartByIdAndDirection) {
  Meter r(cfg());
  const PacketMeta other = pkt("10.0.0.1", 6000, "10.0.0.2", 69, 17);
  r.add(frag(kUdp, 1, 1480, 100, false), 1.0);
  r.add(frag(other, 2, 1480, 100, false), 1.0);
  r.add(frag(reversed(kUdp), 1, 1480, 100, false), 1.0);  // same id, other direction: another datagram
  r.add(frag(other, 2, 0, 1480, true), 1.1);
  r.add(frag(kUdp, 1, 0, 1480, true), 1.1);
  r.add(frag(reversed(kUdp), 1, 0, 1480, true), 1.1);
  r.t.flush_all();
  ASSERT_EQ(r.sink.recs.size(), 2u);
  for (const auto& rec : r.sink.recs) {
    EXPECT_NE(rec.src_port, 0);
    EXPECT_EQ(rec.pkts(), rec.dest_port == 53 ? 4u : 2u);
  }
  EXPECT_EQ(r.t.stats().frag.portless, 0u);
  r.check_all_counted();
}

TEST(FragTable, OverlappingFragmentsAreCountedAndStillInTheFlow) {
  Meter r(cfg());
  r.add(frag(kUdp, 3, 0, 1480, true), 1.0);
  r.add(frag(kUdp, 3, 1480, 1480, true), 1.0);
  r.add(frag(kUdp, 3, 1480, 1480, true), 1.0);  // the same range again
  r.add(frag(kUdp, 3, 2000, 600, true), 1.0);   // inside what was seen
  EXPECT_EQ(r.t.stats().frag.overlapping, 2u);
  r.add(frag(kUdp, 3, 2960, 100, false), 1.0);
  EXPECT_EQ(r.t.frag_table().stats().active, 0u);
  r.t.flush_all();
  ASSERT_EQ(r.sink.recs.size(), 1u);
  EXPECT_EQ(r.sink.recs[0].pkts(), 5u);
  EXPECT_EQ(r.sink.recs[0].src_port, 5000);
  r.check_all_counted();
}

TEST(FragTable, FragmentBeyond64KiBIsTooLarge) {
  Meter r(cfg());
  r.add(frag(kUdp, 4, 0, 1480, true), 1.0);
  r.add(frag(kUdp, 4, 65488, 8, true), 1.0);    // ends at 65,496 + 20 B header: fits
  EXPECT_EQ(r.t.stats().frag.too_large, 0u);
  r.add(frag(kUdp, 4, 65496, 40, false), 1.0);  // 65,536 + 20 B header
  EXPECT_EQ(r.t.stats().frag.too_large, 1u);
  r.t.flush_all();
  ASSERT_EQ(r.sink.recs.size(), 1u);
  EXPECT_EQ(r.sink.recs[0].pkts(), 3u);
  r.check_all_counted();
}

TEST(FragTable, HeldFragmentsWhoseFirstNeverComesEndPortlessOnTimeout) {
  Meter r(cfg(64, 30));
  r.add(frag(kUdp, 5, 1480, 1480, true), 10.0);
  r.add(frag(kUdp, 5, 2960, 100, false), 11.0);
  r.t.expire(sec(40.0));  // 30 s after the entry was made: not yet (more than 30 s needed)
  EXPECT_EQ(r.t.stats().frag.timed_out, 0u);
  EXPECT_TRUE(r.sink.recs.empty());
  r.t.expire(sec(40.5));
  EXPECT_EQ(r.t.stats().frag.timed_out, 1u);
  EXPECT_EQ(r.t.stats().frag.portless, 2u);
  EXPECT_EQ(r.t.frag_table().held_now(), 0u);
  r.t.flush_all();
  ASSERT_EQ(r.sink.recs.size(), 1u);
  EXPECT_EQ(r.sink.recs[0].src_port, 0);
  EXPECT_EQ(r.sink.recs[0].pkts(), 2u);
  EXPECT_EQ(r.sink.recs[0].start_ns, sec(10.0));
  r.check_all_counted();
}

TEST(FragTable, TimeoutIsByPacketTimeWithoutExpire) {
  Meter r(cfg(64, 30));
  r.add(frag(kUdp, 6, 0, 1480, true), 0.0);
  // The same id 45 s later is another datagram: the first one timed out, incomplete.
  r.add(frag(kUdp, 6, 1480, 100, false), 45.0);
  EXPECT_EQ(r.t.stats().frag.timed_out, 1u);
  EXPECT_EQ(r.t.frag_table().held_now(), 1u);
  r.t.flush_all();  // end of input: the held one is counted without ports
  EXPECT_EQ(r.t.stats().frag.portless, 1u);
  EXPECT_EQ(r.t.stats().frag.attributed, 1u);
  ASSERT_EQ(r.sink.recs.size(), 2u);
  r.check_all_counted();
}

TEST(FragTable, FloodOfFirstFragmentsStaysWithinCapacity) {
  Meter r(cfg(16));
  for (std::uint32_t id = 0; id < 10000; ++id) {
    r.add(frag(kUdp, id, 0, 1480, true), 1.0 + id * 1e-6);
    ASSERT_LE(r.t.frag_table().stats().active, 16u);
  }
  const FragStats& s = r.t.stats().frag;
  EXPECT_EQ(s.too_many, 10000u - 16u);  // each new datagram past 16 evicted the oldest
  EXPECT_EQ(s.attributed, 10000u);      // a first fragment always has its ports
  r.t.flush_all();
  ASSERT_EQ(r.sink.recs.size(), 1u);
  EXPECT_EQ(r.sink.recs[0].pkts(), 10000u);
  r.check_all_counted();
}

TEST(FragTable, FloodOfLaterFragmentsIsBoundedAndEveryPacketCounted) {
  Meter r(cfg(16, 30, 32));
  for (std::uint32_t id = 0; id < 5000; ++id) {
    r.add(frag(kUdp, id, 1480, 1480, true), 1.0 + id * 1e-6);
    r.add(frag(kUdp, id, 2960, 1480, true), 1.0 + id * 1e-6);
    r.add(frag(kUdp, id, 4440, 8, false), 1.0 + id * 1e-6);
    ASSERT_LE(r.t.frag_table().stats().active, 16u);
    ASSERT_LE(r.t.frag_table().held_now(), 32u);
  }
  const FragStats& s = r.t.stats().frag;
  EXPECT_GT(s.too_many, 0u);
  r.t.flush_all();
  EXPECT_EQ(r.t.frag_table().held_now(), 0u);
  EXPECT_EQ(s.portless, 15000u);
  EXPECT_EQ(s.attributed, 0u);
  r.check_all_counted();
}

TEST(FragTable, EndlessFragmentsOfOneDatagramAreBounded) {
  Meter r(cfg());
  // Never a first fragment, never a last one: only kMaxHeldPerDatagram are held.
  for (std::uint32_t i = 1; i <= 1000; ++i) r.add(frag(kUdp, 8, static_cast<std::uint16_t>(8 * (i % 8000)), 8, true), 1.0);
  EXPECT_EQ(r.t.frag_table().held_now(), FragTable::kMaxHeldPerDatagram);
  EXPECT_EQ(r.t.frag_table().stats().active, 1u);
  EXPECT_GE(r.t.stats().frag.too_many, 1000u - FragTable::kMaxFragmentsPerDatagram);
  // With its first fragment known, endless fragments are still counted with its ports.
  r.add(frag(kUdp, 9, 0, 8, true), 2.0);
  for (std::uint32_t i = 1; i <= 1000; ++i) r.add(frag(kUdp, 9, static_cast<std::uint16_t>(8 * i), 8, true), 2.0);
  r.t.flush_all();
  std::uint64_t ported = 0;
  for (const auto& rec : r.sink.recs) ported += rec.src_port != 0 ? rec.pkts() : 0;
  EXPECT_EQ(ported, 1001u);
  r.check_all_counted();
}

TEST(FragTable, ScatteredArrivalStillCompletes) {
  Meter r(cfg());
  // Every other fragment first (5 holes), then the rest: the ranges merge back to one.
  const std::uint16_t offs[] = {1480, 4440, 7400, 10360, 13320, 0, 2960, 5920, 8880, 11840};
  for (auto o : offs) r.add(frag(kUdp, 10, o, 1480, o != 13320), 1.0);
  EXPECT_EQ(r.t.frag_table().stats().active, 0u);
  EXPECT_EQ(r.t.stats().frag.attributed, 10u);
  EXPECT_EQ(r.t.stats().frag.too_many, 0u);
  r.t.flush_all();
  ASSERT_EQ(r.sink.recs.size(), 1u);
  EXPECT_EQ(r.sink.recs[0].pkts(), 10u);
  r.check_all_counted();
}

TEST(FragTable, ProtocolsWithoutPortsDoNotUseTheTable) {
  Meter r(cfg());
  const PacketMeta icmp = pkt("10.0.0.1", 8, "10.0.0.2", 0, 1);
  r.add(frag(icmp, 11, 1480, 100, false), 1.0);  // before its first: no need to wait
  r.add(frag(icmp, 11, 0, 1480, true), 1.0);
  r.add(pkt("10.0.0.2", 0, "10.0.0.1", 0, 1), 1.1);
  EXPECT_EQ(r.t.stats().frag.fragments, 0u);
  r.t.flush_all();
  ASSERT_EQ(r.sink.recs.size(), 1u);
  EXPECT_EQ(r.sink.recs[0].pkts(), 3u);
  r.check_all_counted();
}

TEST(FragTable, BatchUpdateCountsLikeOneByOne) {
  std::vector<PacketMeta> metas;
  std::vector<PacketView> views;
  for (std::uint32_t d = 0; d < 40; ++d) {
    const PacketMeta whole = pkt("10.0.0." + std::to_string(d % 7 + 1), static_cast<std::uint16_t>(1000 + d), "10.0.1.1", 53, 17);
    // Alternate in-order and last-first datagrams, with whole packets in between.
    std::vector<PacketMeta> fr = {frag(whole, d, 0, 1480, true), frag(whole, d, 1480, 200, false)};
    if (d % 2) std::swap(fr[0], fr[1]);
    metas.push_back(fr[0]);
    metas.push_back(whole);
    metas.push_back(fr[1]);
  }
  for (std::size_t i = 0; i < metas.size(); ++i) {
    PacketView v;
    v.ts_ns = sec(1.0 + 0.001 * static_cast<double>(i));
    v.wirelen = metas[i].wirelen;
    views.push_back(v);
  }
  CollectSink a, b;
  FlowTable one(cfg(), a), batch(cfg(), b);
  for (std::size_t i = 0; i < metas.size(); ++i) one.update(metas[i], views[i].ts_ns, views[i].wirelen);
  batch.update_batch(metas.data(), views.data(), metas.size());
  one.flush_all();
  batch.flush_all();
  ASSERT_EQ(a.recs.size(), b.recs.size());
  ASSERT_EQ(a.recs.size(), 40u);
  for (std::size_t i = 0; i < a.recs.size(); ++i) {
    EXPECT_EQ(a.recs[i].src_port, b.recs[i].src_port);
    EXPECT_EQ(a.recs[i].pkts(), 3u);
    EXPECT_EQ(b.recs[i].pkts(), 3u);
    EXPECT_EQ(a.recs[i].bytes(), b.recs[i].bytes());
  }
  EXPECT_EQ(one.stats().frag.attributed, batch.stats().frag.attributed);
  EXPECT_EQ(batch.stats().frag.attributed, 80u);
}

}  // namespace
}  // namespace riptide

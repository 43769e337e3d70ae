// The generated fragment captures (tests/data/make_encap_pcaps.py: frag_*.pcap and
// hostile_frag_*.pcap) decoded and metered: every fragment in its datagram's flow, and the
// hostile ones bounded by the fragment table.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <string>
#include <vector>

#include "flow_test_util.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {
namespace {

using namespace flowtest;

struct Metered {
  std::vector<FlowRecord> recs;
  FlowMeterStats stats;
  std::uint64_t frames = 0;
  std::uint32_t max_active = 0;
  std::uint32_t max_held = 0;
};

Metered meter(const std::string& name, const FragTableConfig& fc = {}) {
  Metered out;
  const std::string path = std::string(RIPTIDE_SOURCE_DIR) + "/tests/data/encap/" + name;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) {
    ADD_FAILURE() << err;
    return out;
  }
  FlowTableConfig c;
  c.frag = fc;
  CollectSink sink;
  FlowTable t(c, sink);
  DecodeStats ds;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) {
    PacketView v;
    v.data = data;
    v.caplen = h->caplen;
    v.wirelen = h->len;
    v.ts_ns = static_cast<TimestampNs>(h->ts.tv_sec) * kNsPerSec + h->ts.tv_usec * 1000;
    v.link = static_cast<LinkType>(pcap_datalink(p));
    PacketMeta m;
    decode(v, m, ds);
    t.update(m, v.ts_ns, v.wirelen);
    ++out.frames;
    out.max_active = std::max(out.max_active, static_cast<std::uint32_t>(t.frag_table().stats().active));
    out.max_held = std::max(out.max_held, t.frag_table().held_now());
  }
  pcap_close(p);
  t.flush_all();
  out.recs = sink.recs;
  out.stats = t.stats();
  std::uint64_t pkts = 0;
  for (const auto& r : out.recs) pkts += r.pkts();
  EXPECT_EQ(pkts + out.stats.non_ip, out.frames) << name << ": every packet in exactly one flow";
  return out;
}

const FlowRecord* find_port(const Metered& m, std::uint16_t port) {
  for (const auto& r : m.recs)
    if (r.src_port == port || r.dest_port == port) return &r;
  return nullptr;
}

TEST(FragCorpus, InOrder) {
  const Metered m = meter("frag_in_order.pcap");
  ASSERT_EQ(m.recs.size(), 2u);
  const FlowRecord* udp = find_port(m, 40001);
  const FlowRecord* tcp = find_port(m, 40002);
  ASSERT_TRUE(udp && tcp);
  EXPECT_EQ(udp->toserver.pkts, 3u);
  EXPECT_EQ(udp->toclient.pkts, 1u);
  EXPECT_EQ(tcp->pkts(), 2u);
  EXPECT_EQ(m.stats.frag.attributed, 5u);
  EXPECT_EQ(m.stats.frag.portless, 0u);
  EXPECT_EQ(m.stats.frag.timed_out + m.stats.frag.overlapping + m.stats.frag.too_many + m.stats.frag.too_large, 0u);
  EXPECT_EQ(m.stats.frag.active, 0u);
}

TEST(FragCorpus, OutOfOrder) {
  const Metered m = meter("frag_out_of_order.pcap");
  ASSERT_EQ(m.recs.size(), 1u);
  EXPECT_EQ(m.recs[0].dest_port, 9000);
  EXPECT_EQ(m.recs[0].toserver.pkts, 3u);
  EXPECT_EQ(m.recs[0].toclient.pkts, 1u);
  EXPECT_EQ(m.stats.frag.held, 2u);
  EXPECT_EQ(m.stats.frag.attributed, 3u);
  EXPECT_EQ(m.stats.frag.active, 0u);
}

TEST(FragCorpus, Overlapping) {
  const Metered m = meter("frag_overlap.pcap");
  ASSERT_EQ(m.recs.size(), 1u);
  EXPECT_EQ(m.recs[0].src_port, 40004);
  EXPECT_EQ(m.recs[0].pkts(), 5u);
  EXPECT_EQ(m.stats.frag.overlapping, 2u);
  EXPECT_EQ(m.stats.frag.active, 0u);
}

TEST(FragCorpus, Ipv6) {
  const Metered m = meter("frag_ipv6.pcap");
  ASSERT_EQ(m.recs.size(), 2u);
  for (const auto& r : m.recs) EXPECT_NE(r.src_port, 0);
  EXPECT_EQ(find_port(m, 40005)->toclient.pkts, 1u);
  EXPECT_GE(find_port(m, 40006)->pkts(), 3u);
  EXPECT_EQ(m.stats.frag.portless, 0u);
  EXPECT_GT(m.stats.frag.held, 0u);
  EXPECT_EQ(m.stats.frag.active, 0u);
}

TEST(FragCorpus, EndlessFragmentsAreBounded) {
  const Metered m = meter("hostile_frag_endless.pcap");
  EXPECT_EQ(m.frames, 300u);
  EXPECT_EQ(m.max_held, FragTable::kMaxHeldPerDatagram);
  EXPECT_EQ(m.max_active, 1u);
  EXPECT_EQ(m.stats.frag.too_many, 300u - FragTable::kMaxHeldPerDatagram);
  EXPECT_EQ(m.stats.frag.portless, 300u);
  ASSERT_EQ(m.recs.size(), 1u);
  EXPECT_EQ(m.recs[0].src_port, 0);
}

TEST(FragCorpus, FloodStaysWithinTheTable) {
  FragTableConfig small;
  small.max_datagrams = 64;
  small.max_held = 100;
  const Metered m = meter("hostile_frag_flood.pcap", small);
  EXPECT_EQ(m.frames, 2000u);
  EXPECT_LE(m.max_active, 64u);
  EXPECT_LE(m.max_held, 64u);
  EXPECT_GE(m.stats.frag.too_many, 2000u - 2 * 64u);
  EXPECT_EQ(m.stats.frag.attributed, 1000u);  // the first fragments, with their own ports
  EXPECT_EQ(m.stats.frag.portless, 1000u);    // the later ones, whose first never came
  // The default table holds the whole flood: the same counts, no eviction.
  const Metered d = meter("hostile_frag_flood.pcap");
  EXPECT_EQ(d.stats.frag.too_many, 0u);
  EXPECT_EQ(d.stats.frag.portless, 1000u);
}

}  // namespace
}  // namespace riptide

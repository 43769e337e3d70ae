// The generated encapsulation corpus (tests/data/make_encap_pcaps.py): what the decoder
// reports for each tunnel, and that hostile nestings end with their named error.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../../fuzz/harness_decoder.hpp"
#include "decode/decode_test_util.hpp"
#include "riptide/decode/flow_key.hpp"

namespace riptide::test {
namespace {

struct Frame {
  Bytes bytes;
  LinkType link;
};

std::vector<Frame> read_capture(const std::string& name) {
  const std::string path = std::string(RIPTIDE_SOURCE_DIR) + "/tests/data/encap/" + name;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  std::vector<Frame> out;
  if (p == nullptr) {
    ADD_FAILURE() << err;
    return out;
  }
  const auto link = static_cast<LinkType>(pcap_datalink(p));
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) out.push_back({Bytes(data, data + h->caplen), link});
  pcap_close(p);
  return out;
}

Decoded decode_frame(const Frame& f, const DecodeOptions& opts = {}) {
  const PacketView v = view_of(f.bytes, f.link);
  Decoded d;
  decode_batch(&v, &d.m, 1, d.st, opts);
  d.e = d.m.error;
  return d;
}

TEST(EncapCorpus, EveryTunnelReachesTheInnerConversation) {
  const std::pair<const char*, TunnelType> cases[] = {
      {"pppoe_session.pcap", TunnelType::none}, {"mpls_stack.pcap", TunnelType::none},
      {"ipip_4in4.pcap", TunnelType::ipip},     {"ipip_6in4.pcap", TunnelType::ipip},
      {"ipip_4in6.pcap", TunnelType::ipip},     {"ipip_6in6.pcap", TunnelType::ipip},
      {"gre_ip.pcap", TunnelType::gre},         {"gre_key.pcap", TunnelType::gre},
      {"gre_teb.pcap", TunnelType::gre},        {"vxlan.pcap", TunnelType::vxlan},
      {"geneve.pcap", TunnelType::geneve},      {"gtpu.pcap", TunnelType::gtpu},
      {"cisco_hdlc.pcap", TunnelType::none},    {"ppp_link.pcap", TunnelType::none},
      {"sll_gre.pcap", TunnelType::gre},        {"vlan_vxlan_vlan.pcap", TunnelType::vxlan},
      {"gre_erspan2.pcap", TunnelType::gre},    {"gre_erspan3.pcap", TunnelType::gre},
  };
  for (const auto& [name, type] : cases) {
    const auto frames = read_capture(name);
    ASSERT_GE(frames.size(), 7u) << name;
    for (const Frame& f : frames) {
      const Decoded d = decode_frame(f);
      EXPECT_EQ(d.e, DecodeError::none) << name;
      EXPECT_TRUE(d.m.has(kMetaHasL4)) << name;
      const bool inner = d.m.src == addr("10.1.0.1") || d.m.src == addr("10.1.0.2") ||
                         d.m.src == addr("2001:db8::1") || d.m.src == addr("2001:db8::2");
      EXPECT_TRUE(inner) << name;
      EXPECT_EQ(d.m.tunnel_type, type) << name;
      if (type != TunnelType::none) {
        EXPECT_EQ(d.m.tunnel_depth, 1) << name;
        EXPECT_NE(d.m.outer_l3_off, 0xffff) << name;
        EXPECT_EQ(d.st.tunnels[static_cast<std::size_t>(type)], 1u) << name;
      }
    }
  }
}

TEST(EncapCorpus, TunnelIdentityAndOuterAddresses) {
  const Decoded v = decode_frame(read_capture("vxlan.pcap").at(0));
  EXPECT_EQ(v.m.tunnel_id, 5001u);
  EXPECT_EQ(v.m.outer_src, addr("192.0.2.1"));
  EXPECT_EQ(v.m.outer_dst, addr("192.0.2.2"));
  EXPECT_EQ(v.m.outer_ip_version, 4);
  const Decoded g = decode_frame(read_capture("gre_key.pcap").at(0));
  EXPECT_EQ(g.m.tunnel_id, 4242u);
  const Decoded u = decode_frame(read_capture("gtpu.pcap").at(0));
  EXPECT_EQ(u.m.tunnel_id, 0x1000u);
  // The VNI is part of the key: the same inner packet in another tenant network is another flow.
  PacketMeta other = v.m;
  other.tunnel_id = 5002;
  FlowKey a, b;
  ASSERT_TRUE(make_key(v.m, a));
  ASSERT_TRUE(make_key(other, b));
  EXPECT_FALSE(a == b);
  EXPECT_NE(flow_hash(a), flow_hash(b));
  // Both directions of a GTP-U conversation (different TEIDs) are one flow.
  const auto gtp = read_capture("gtpu.pcap");
  FlowKey up, down;
  ASSERT_TRUE(make_key(decode_frame(gtp.at(0)).m, up));
  ASSERT_TRUE(make_key(decode_frame(gtp.at(1)).m, down));
  EXPECT_TRUE(up == down);
}

// What DecodeStats counts per encapsulation, packet by packet.
TEST(EncapCorpus, EncapsulationCounters) {
  for (const char* name : {"gre_erspan2.pcap", "gre_erspan3.pcap"})
    for (const Frame& f : read_capture(name)) {
      const Decoded d = decode_frame(f);
      EXPECT_EQ(d.st.erspan, 1u) << name;
      EXPECT_EQ(d.st.tunnels[static_cast<std::size_t>(TunnelType::gre)], 1u) << name;
    }
  for (const Frame& f : read_capture("gre_teb.pcap")) EXPECT_EQ(decode_frame(f).st.erspan, 0u);
  for (const Frame& f : read_capture("pppoe_session.pcap")) EXPECT_EQ(decode_frame(f).st.pppoe, 1u);
  for (const Frame& f : read_capture("mpls_stack.pcap")) EXPECT_EQ(decode_frame(f).st.mpls, 1u);
  const auto counts = encap_counts(decode_frame(read_capture("gtpu.pcap").at(0)).st);
  std::uint64_t total = 0;
  for (const EncapCount& c : counts) {
    total += c.packets;
    if (c.name == "gtpu") {
      EXPECT_EQ(c.packets, 1u);
    }
  }
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(counts.back().name, "erspan");
  // Off: tunnels are recognised but not entered, so not counted as decoded through.
  DecodeOptions outer;
  outer.decap = false;
  const Decoded o = decode_frame(read_capture("gre_erspan2.pcap").at(0), outer);
  EXPECT_EQ(o.st.erspan, 0u);
  EXPECT_EQ(o.st.tunnels[static_cast<std::size_t>(TunnelType::gre)], 0u);
}

// The label stack a flow record keeps: outermost first, bounded by what the caller asks for.
TEST(EncapCorpus, MplsLabelsReadBack) {
  const Frame f = read_capture("mpls_stack.pcap").at(0);
  const Decoded d = decode_frame(f);
  ASSERT_TRUE(d.m.has(kMetaMpls));
  EXPECT_EQ(d.m.mpls_off, 14);
  std::uint32_t labels[4] = {};
  ASSERT_EQ(mpls_labels(d.m, f.bytes.data(), labels, 4), 2u);
  EXPECT_EQ(labels[0], 100u);
  EXPECT_EQ(labels[1], 200u);
  EXPECT_EQ(mpls_labels(d.m, f.bytes.data(), labels, 1), 1u);
  EXPECT_EQ(mpls_labels(d.m, nullptr, labels, 4), 0u);
  // No stack: nothing, whatever the bytes.
  const Frame g = read_capture("gre_ip.pcap").at(0);
  const Decoded e = decode_frame(g);
  EXPECT_FALSE(e.m.has(kMetaMpls));
  EXPECT_EQ(mpls_labels(e.m, g.bytes.data(), labels, 4), 0u);
  // A stack without a bottom: the first labels of the 20, no more than asked.
  const Frame h = read_capture("hostile_mpls_no_bottom.pcap").at(0);
  const Decoded x = decode_frame(h);
  EXPECT_TRUE(x.m.has(kMetaMpls));
  EXPECT_EQ(mpls_labels(x.m, h.bytes.data(), labels, kMaxRecordedMplsLabels), kMaxRecordedMplsLabels);
  EXPECT_EQ(labels[0], 16u);  // entry 00 01 00 40: label 0x10, bottom bit clear
}

TEST(EncapCorpus, DecapOffKeysOnTheOuterHeader) {
  DecodeOptions outer;
  outer.decap = false;
  const Decoded d = decode_frame(read_capture("vxlan.pcap").at(0), outer);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.tunnel_type, TunnelType::none);
  EXPECT_EQ(d.m.src, addr("192.0.2.1"));
  EXPECT_EQ(d.m.ip_proto, 17);
  EXPECT_EQ(d.m.dport, 4789);
}

TEST(EncapCorpus, HostileNestingsEndWithTheirError) {
  const Decoded deep = decode_frame(read_capture("hostile_ipip_100.pcap").at(0));
  EXPECT_EQ(deep.e, DecodeError::too_many_tunnels);
  EXPECT_EQ(deep.m.tunnel_depth, kMaxTunnelDepth);
  EXPECT_TRUE(deep.m.has(kMetaHasL3));  // metered by the deepest header reached
  const Decoded loop = decode_frame(read_capture("hostile_gre_loop.pcap").at(0));
  EXPECT_EQ(loop.e, DecodeError::too_many_tunnels);
  EXPECT_EQ(loop.m.tunnel_depth, kMaxTunnelDepth);
  EXPECT_EQ(decode_frame(read_capture("hostile_gtp_ext_loop.pcap").at(0)).e, DecodeError::truncated_gtp);
  EXPECT_EQ(decode_frame(read_capture("hostile_mpls_no_bottom.pcap").at(0)).e, DecodeError::too_many_mpls_labels);
}

TEST(EncapCorpus, BadInnerFrameLeavesTheCarrierAsTheFlow) {
  const auto frames = read_capture("hostile_vxlan_bad_inner.pcap");
  ASSERT_EQ(frames.size(), 3u);
  const DecodeError want[] = {DecodeError::truncated_l2, DecodeError::truncated_ipv4, DecodeError::none};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Decoded d = decode_frame(frames[i]);
    EXPECT_EQ(d.e, want[i]) << i;
    EXPECT_EQ(d.m.src, addr("192.0.2.1")) << i;
    EXPECT_EQ(d.m.ip_proto, 17) << i;
    EXPECT_EQ(d.m.dport, 4789) << i;
    EXPECT_TRUE(d.m.has(kMetaHasL4)) << i;
    EXPECT_EQ(d.m.tunnel_type, TunnelType::vxlan) << i;
  }
}

// The fuzzer's invariants hold on every generated capture (the fuzzer is seeded with them),
// under every link selector and view option, and on every prefix of the hostile ones.
TEST(EncapCorpus, FuzzHarnessInvariantsHold) {
  for (const auto& e : std::filesystem::directory_iterator(std::string(RIPTIDE_SOURCE_DIR) + "/tests/data/encap")) {
    for (const Frame& f : read_capture(e.path().filename().string())) {
      for (int sel = 0; sel < 0x40; ++sel) {
        Bytes in{static_cast<std::uint8_t>(sel)};
        in.insert(in.end(), f.bytes.begin(), f.bytes.end());
        ASSERT_TRUE(fuzz::decoder_one(in.data(), in.size())) << e.path() << " selector " << sel;
      }
      if (e.path().filename().string().rfind("hostile_", 0) == 0)
        for (std::size_t n = 1; n <= f.bytes.size(); ++n) {
          Bytes in{0};
          in.insert(in.end(), f.bytes.begin(), f.bytes.begin() + static_cast<std::ptrdiff_t>(n));
          ASSERT_TRUE(fuzz::decoder_one(in.data(), in.size())) << e.path() << " cut at " << n;
        }
    }
  }
}

}  // namespace
}  // namespace riptide::test

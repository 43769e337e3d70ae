// MPLS labels in flow records: the outermost stack of a flow's first packet, bounded, through
// both ways of feeding the meter, reset when an entry is reused, and in EVE only as an extension.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "flow_test_util.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/flow/eve_json.hpp"
#include "riptide/flow/flow_meter.hpp"
#include "support/pktbuild.hpp"

namespace riptide {
namespace {
using namespace flowtest;
using test::Bytes;
using test::PacketBuilder;

// Ethernet, the label stack (bottom bit on the last), then an IPv4/UDP packet.
Bytes mpls_frame(const std::vector<std::uint32_t>& labels, const std::string& src, const std::string& dst,
                 std::uint16_t sport = 1000, std::uint16_t dport = 53) {
  Bytes f = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x47};
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::uint32_t e = labels[i] << 12 | (i + 1 == labels.size() ? 0x100u : 0u) | 64u;
    f.insert(f.end(), {static_cast<std::uint8_t>(e >> 24), static_cast<std::uint8_t>(e >> 16),
                       static_cast<std::uint8_t>(e >> 8), static_cast<std::uint8_t>(e)});
  }
  const Bytes ip = PacketBuilder().ipv4(src, dst).udp(sport, dport).payload(12).build();
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

struct Fed {
  std::vector<Bytes> frames;
  std::vector<PacketView> views;
  std::vector<PacketMeta> metas;
};

Fed decoded(std::vector<Bytes> frames) {
  Fed f;
  f.frames = std::move(frames);
  DecodeStats st;
  for (std::size_t i = 0; i < f.frames.size(); ++i) {
    PacketView v = test::view_of(f.frames[i]);
    v.ts_ns = sec(1) + static_cast<TimestampNs>(i);
    f.views.push_back(v);
    PacketMeta m;
    EXPECT_EQ(decode(v, m, st), DecodeError::none);
    f.metas.push_back(m);
  }
  return f;
}

TEST(FlowMplsLabels, BatchAndSinglePacketPathsKeepTheOutermostThree) {
  const Fed f = decoded({mpls_frame({16, 1000, 1048575, 77}, "10.0.0.1", "10.0.0.2"),
                         mpls_frame({17, 2000}, "10.0.0.2", "10.0.0.1", 53, 1000),  // the reply: its labels are not kept
                         mpls_frame({300}, "10.0.0.3", "10.0.0.4")});
  for (const bool batch : {true, false}) {
    CollectSink sink;
    FlowMeter meter(FlowMeterConfig{}, sink);
    if (batch) {
      meter.on_packets(f.metas.data(), f.views.data(), f.metas.size());
    } else {
      for (std::size_t i = 0; i < f.metas.size(); ++i) meter.on_packet(f.metas[i], f.views[i]);
    }
    meter.finish();
    ASSERT_EQ(sink.recs.size(), 2u) << batch;
    for (const FlowRecord& r : sink.recs) {
      if (r.src_ip == ip("10.0.0.1")) {
        EXPECT_EQ(r.pkts(), 2u);
        ASSERT_EQ(r.mpls_count, 3u) << batch;
        EXPECT_EQ(r.mpls_labels[0], 16u);
        EXPECT_EQ(r.mpls_labels[1], 1000u);
        EXPECT_EQ(r.mpls_labels[2], 1048575u);
      } else {
        ASSERT_EQ(r.mpls_count, 1u) << batch;
        EXPECT_EQ(r.mpls_labels[0], 300u);
      }
      EXPECT_EQ(r.tunnel_type, TunnelType::none);
    }
  }
}

TEST(FlowMplsLabels, AReusedEntryForgetsTheLabels) {
  // One entry: the labelled flow is evicted and its entry holds the plain one next.
  const Fed f = decoded({mpls_frame({42}, "10.0.0.1", "10.0.0.2"),
                         PacketBuilder().eth().ipv4("10.9.0.1", "10.9.0.2").udp(5, 6).payload(4).build()});
  CollectSink sink;
  FlowMeterConfig c;
  c.max_flows = 1;
  FlowMeter meter(c, sink);
  meter.on_packets(f.metas.data(), f.views.data(), f.metas.size());
  meter.finish();
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[0].mpls_count, 1u);
  EXPECT_EQ(sink.recs[0].mpls_labels[0], 42u);
  EXPECT_EQ(sink.recs[1].mpls_count, 0u);
}

TEST(FlowMplsLabels, WithoutThePacketBytesNoLabels) {
  const Fed f = decoded({mpls_frame({42}, "10.0.0.1", "10.0.0.2")});
  CollectSink sink;
  FlowTable t(FlowTableConfig{}, sink);
  t.update(f.metas[0], f.views[0].ts_ns, f.views[0].wirelen);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].mpls_count, 0u);
}

TEST(FlowMplsLabels, EveWritesThemAsAnExtensionOnly) {
  FlowRecord r;
  r.src_ip = ip("10.0.0.1");
  r.dest_ip = ip("10.0.0.2");
  r.ip_version = 4;
  r.proto = 17;
  r.toserver.pkts = 1;
  r.mpls_count = 2;
  r.mpls_labels = {100, 200, 0};
  char buf[EveJsonWriter::kMaxLine];
  const std::string strict(buf, EveJsonWriter::format(r, buf));
  EXPECT_EQ(strict.find("mpls"), std::string::npos) << strict;
  EveFormatOptions o;
  o.extensions = true;
  const auto j = nlohmann::json::parse(std::string(buf, EveJsonWriter::format(r, buf, o)));
  EXPECT_EQ(j["riptide"]["mpls_labels"], nlohmann::json::parse("[100,200]")) << j.dump();
  r.mpls_count = 0;
  const auto none = nlohmann::json::parse(std::string(buf, EveJsonWriter::format(r, buf, o)));
  EXPECT_FALSE(none["riptide"].contains("mpls_labels"));
}

}  // namespace
}  // namespace riptide

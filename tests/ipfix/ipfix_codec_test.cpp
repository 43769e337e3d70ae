// The message builder and the decoder against each other: records read back field for field,
// messages stay within their size, sequence numbers count data records, and the decoder
// refuses what breaks a length.
#include <gtest/gtest.h>

#include <vector>

#include "ipfix_test_util.hpp"
#include "riptide/ipfix/ipfix_decoder.hpp"
#include "riptide/ipfix/ipfix_encoder.hpp"

namespace riptide {
namespace {

using ipfix::Decoder;
using ipfix::MessageBuilder;
using ipfixtest::expect_same;
using ipfixtest::flow;

std::vector<std::uint8_t> copy(std::span<const std::uint8_t> s) { return {s.begin(), s.end()}; }

// Builds messages for `recs` (templates first), decodes them, returns the flows.
std::vector<FlowRecord> round_trip(const std::vector<FlowRecord>& recs, std::size_t mtu = 1400,
                                   std::vector<std::vector<std::uint8_t>>* msgs_out = nullptr) {
  MessageBuilder b(7, mtu);
  std::vector<std::vector<std::uint8_t>> msgs{copy(b.templates(100))};
  for (const auto& r : recs) {
    if (b.add(r)) continue;
    msgs.push_back(copy(b.finish(100)));
    b.clear();
    EXPECT_TRUE(b.add(r));
  }
  if (!b.empty()) msgs.push_back(copy(b.finish(100)));
  Decoder d;
  std::vector<FlowRecord> out;
  for (const auto& m : msgs) {
    EXPECT_LE(m.size(), mtu);
    auto r = d.decode(m, out);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
  }
  EXPECT_EQ(d.sequence_failures(), 0u);
  if (msgs_out) *msgs_out = msgs;
  return out;
}

TEST(IpfixCodec, Ipv4RecordReadsBackFieldForField) {
  const FlowRecord r = flow(1);
  const auto out = round_trip({r});
  ASSERT_EQ(out.size(), 1u);
  expect_same(r, out[0]);
}

TEST(IpfixCodec, Ipv6RecordReadsBackFieldForField) {
  FlowRecord r = flow(2, true);
  r.reason = FlowEndReason::active_timeout;
  const auto out = round_trip({r});
  ASSERT_EQ(out.size(), 1u);
  expect_same(r, out[0]);
}

TEST(IpfixCodec, VlanTagsAndIcmpReadBack) {
  FlowRecord one = flow(3);
  one.vlan_count = 1;
  one.vlan_ids = {100, 0};
  FlowRecord qinq = flow(4, true);
  qinq.vlan_count = 2;
  qinq.vlan_ids = {200, 4094};
  FlowRecord icmp = flow(5);
  icmp.proto = 1;
  icmp.src_port = icmp.dest_port = 0;
  icmp.toserver.tcp_flags = icmp.toclient.tcp_flags = 0;
  icmp.toserver.icmp_type = 8;
  icmp.toserver.icmp_code = 0;
  icmp.reason = FlowEndReason::evicted;
  FlowRecord icmp6 = flow(6, true);
  icmp6.proto = 58;
  icmp6.src_port = icmp6.dest_port = 0;
  icmp6.toserver.tcp_flags = 0;
  icmp6.toserver.icmp_type = 135;
  icmp6.toserver.icmp_code = 3;
  icmp6.reason = FlowEndReason::end_of_input;
  const auto out = round_trip({one, qinq, icmp, icmp6});
  ASSERT_EQ(out.size(), 4u);
  expect_same(one, out[0]);
  expect_same(qinq, out[1]);
  expect_same(icmp, out[2]);
  expect_same(icmp6, out[3]);
}

// Both directions in one record (RFC 5103): the reverse counters are the server's.
TEST(IpfixCodec, BiflowCarriesBothDirections) {
  FlowRecord r = flow(8);
  r.toclient.pkts = 0;  // a one-way flow keeps zero reverse counters
  r.toclient.bytes = r.toclient.ip_bytes = 0;
  FlowRecord big = flow(9, true);
  big.toserver.bytes = 1ull << 40;
  big.toclient.pkts = (1ull << 33) + 5;
  const auto out = round_trip({r, big});
  ASSERT_EQ(out.size(), 2u);
  expect_same(r, out[0]);
  expect_same(big, out[1]);
  EXPECT_EQ(out[1].toclient.pkts, (1ull << 33) + 5);
}

TEST(IpfixCodec, RstEndsReadBackAsEndDetectedAndEndNeverBeforeStart) {
  FlowRecord r = flow(10);
  r.reason = FlowEndReason::tcp_rst;
  r.start_ns = 1'700'000'000'999'999'999;  // same millisecond as the end below
  r.end_ns = 1'700'000'000'999'000'001;
  const auto out = round_trip({r});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, FlowEndReason::tcp_fin);
  EXPECT_EQ(out[0].start_ns, 1'700'000'000'999'000'000);
  EXPECT_GE(out[0].end_ns, out[0].start_ns);
}

TEST(IpfixCodec, MessagesStayWithinTheSizeAndMixVersions) {
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 0; i < 500; ++i) recs.push_back(flow(i + 1, i % 3 == 0));
  for (const std::size_t mtu : {256u, 576u, 1400u, 9000u}) {
    std::vector<std::vector<std::uint8_t>> msgs;
    const auto out = round_trip(recs, mtu, &msgs);
    ASSERT_EQ(out.size(), recs.size()) << mtu;
    for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i].flow_id, recs[i].flow_id);
    for (const auto& m : msgs) EXPECT_LE(m.size(), mtu);
    // A full message leaves less room than one more IPv6 record and its set header.
    std::size_t full = 0;
    for (std::size_t i = 1; i + 1 < msgs.size(); ++i) {
      full += msgs[i].size() + ipfix::kSetHeaderLen + ipfix::record_length(true) > mtu;
    }
    EXPECT_EQ(full, msgs.size() - 2) << mtu;
  }
}

TEST(IpfixCodec, SequenceCountsDataRecordsNotTemplates) {
  MessageBuilder b(3, 1400);
  Decoder d;
  std::vector<FlowRecord> out;
  std::vector<std::uint32_t> seqs;
  auto take = [&](std::span<const std::uint8_t> m) {
    auto r = d.decode(m, out);
    ASSERT_TRUE(r) << r.error().message;
    seqs.push_back(r->header.sequence);
    EXPECT_EQ(r->header.domain_id, 3u);
    EXPECT_EQ(r->header.export_time, 1234u);
  };
  take(b.templates(1234));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.add(flow(100 + i)));
  take(b.finish(1234));
  take(b.templates(1234));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.add(flow(200 + i, true)));
  take(b.finish(1234));
  EXPECT_EQ(seqs, (std::vector<std::uint32_t>{0, 0, 5, 5}));
  EXPECT_EQ(b.sequence(), 8u);
  EXPECT_EQ(d.sequence_failures(), 0u);
  EXPECT_EQ(out.size(), 8u);
}

TEST(IpfixCodec, DecoderCountsASkippedMessageAsASequenceFailure) {
  MessageBuilder b(1, 1400);
  Decoder d;
  std::vector<FlowRecord> out;
  ASSERT_TRUE(d.decode(copy(b.templates(1)), out));
  ASSERT_TRUE(b.add(flow(1)));
  ASSERT_TRUE(d.decode(copy(b.finish(1)), out));
  ASSERT_TRUE(b.add(flow(2)));
  (void)b.finish(1);  // lost on the way
  ASSERT_TRUE(b.add(flow(3)));
  ASSERT_TRUE(d.decode(copy(b.finish(1)), out));
  EXPECT_EQ(d.sequence_failures(), 1u);
  EXPECT_EQ(out.size(), 2u);
}

TEST(IpfixCodec, DataBeforeItsTemplateIsSkippedNotMisread) {
  MessageBuilder b(1, 1400);
  ASSERT_TRUE(b.add(flow(1)));
  Decoder d;
  std::vector<FlowRecord> out;
  auto r = d.decode(copy(b.finish(1)), out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->skipped_sets, 1u);
  EXPECT_TRUE(out.empty());
}

TEST(IpfixCodec, DecoderRefusesBrokenLengthsWithOneLine) {
  MessageBuilder b(1, 1400);
  const auto tmpl = copy(b.templates(1));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.add(flow(i + 1)));
  const auto data = copy(b.finish(1));
  auto refused = [&](std::vector<std::uint8_t> m, const char* what) {
    Decoder d;
    std::vector<FlowRecord> out;
    ASSERT_TRUE(d.decode(tmpl, out));
    auto r = d.decode(m, out);
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    EXPECT_NE(r.error().message.find("offset"), std::string::npos) << r.error().message;
    EXPECT_TRUE(out.empty()) << what;
  };
  refused({data.begin(), data.begin() + 10}, "shorter than a header");
  auto v = data;
  v[1] = 9;
  refused(v, "version 9");
  v = data;
  v.pop_back();
  refused(v, "length field larger than the datagram");
  v = data;
  v[2] = 0, v[3] = 0;  // length field 0
  refused(v, "length field 0");
  v = data;
  v[18] = 0xff, v[19] = 0xf0;  // set runs past the message
  v[2] = static_cast<std::uint8_t>(v.size() >> 8), v[3] = static_cast<std::uint8_t>(v.size());
  refused(v, "set past the end");
  v = data;
  v[18] = 0, v[19] = 2;  // set shorter than its header
  refused(v, "set length 2");
  v = data;
  v[16] = 0, v[17] = 5;  // reserved set id
  refused(v, "set id 5");
  // A template whose field list runs past its set.
  v = tmpl;
  v[19] = static_cast<std::uint8_t>(v[19] - 8);
  v.resize(v.size() - 8);
  v[2] = static_cast<std::uint8_t>(v.size() >> 8), v[3] = static_cast<std::uint8_t>(v.size());
  refused(v, "template cut");
}

TEST(IpfixCodec, AFailedMessageChangesNoTemplate) {
  MessageBuilder b(1, 1400);
  auto bad = copy(b.templates(1));
  bad.push_back(0);  // one byte more than the length field says
  Decoder d;
  std::vector<FlowRecord> out;
  ASSERT_FALSE(d.decode(bad, out));
  EXPECT_EQ(d.find(1, ipfix::kTemplateV4), nullptr);
  ASSERT_TRUE(d.decode(copy(b.templates(1)), out));
  ASSERT_NE(d.find(1, ipfix::kTemplateV4), nullptr);
  EXPECT_EQ(d.find(1, ipfix::kTemplateV4)->fields.size(), ipfix::kTemplateFields);
}

}  // namespace
}  // namespace riptide

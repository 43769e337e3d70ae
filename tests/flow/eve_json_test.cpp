#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "flow_test_util.hpp"
#include "riptide/flow/eve_json.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {
namespace {
using namespace flowtest;
using nlohmann::json;

// 2024-01-02T03:04:05.123456789Z
constexpr TimestampNs kT0 = 1704164645LL * kNsPerSec + 123456789;

json to_json(const FlowRecord& r, const EveFormatOptions& opts = {}) {
  char buf[EveJsonWriter::kMaxLine];
  const std::size_t n = EveJsonWriter::format(r, buf, opts);
  EXPECT_LT(n, sizeof(buf));
  return json::parse(std::string(buf, n));
}

FlowRecord tcp_record() {
  FlowRecord r;
  r.flow_id = 1234567890123ull;
  r.src_ip = ip("10.0.0.1");
  r.dest_ip = ip("192.168.200.254");
  r.src_port = 40000;
  r.dest_port = 443;
  r.ip_version = 4;
  r.proto = 6;
  r.toserver = {.pkts = 10, .bytes = 1000, .ip_bytes = 860, .first_ns = kT0, .last_ns = kT0 + 5 * kNsPerSec,
                .tcp_flags = SYN | ACK | PSH | FIN, .icmp_type = 0, .icmp_code = 0};
  r.toclient = {.pkts = 8, .bytes = 9000, .ip_bytes = 8888, .first_ns = kT0 + 1000, .last_ns = kT0 + 61 * kNsPerSec,
                .tcp_flags = SYN | ACK | RST, .icmp_type = 0, .icmp_code = 0};
  r.start_ns = kT0;
  r.end_ns = kT0 + 61 * kNsPerSec + 900'000'000;
  r.reason = FlowEndReason::tcp_rst;
  return r;
}

TEST(EveJson, TcpRecordFields) {
  const json j = to_json(tcp_record());
  // When the flow ended.
  EXPECT_EQ(j["timestamp"], "2024-01-02T03:05:07.023456+0000");
  EXPECT_EQ(j["flow_id"], 1234567890123ull);
  EXPECT_EQ(j["app_proto"], "unknown");
  EXPECT_FALSE(j.contains("in_iface"));
  EXPECT_FALSE(j.contains("riptide"));
  EXPECT_EQ(j["event_type"], "flow");
  EXPECT_FALSE(j.contains("vlan"));
  EXPECT_EQ(j["src_ip"], "10.0.0.1");
  EXPECT_EQ(j["dest_ip"], "192.168.200.254");
  EXPECT_EQ(j["src_port"], 40000);
  EXPECT_EQ(j["dest_port"], 443);
  EXPECT_EQ(j["proto"], "TCP");
  EXPECT_FALSE(j.contains("icmp_type"));
  const json& f = j["flow"];
  EXPECT_EQ(f["pkts_toserver"], 10);
  EXPECT_EQ(f["pkts_toclient"], 8);
  EXPECT_EQ(f["bytes_toserver"], 1000);
  EXPECT_EQ(f["bytes_toclient"], 9000);
  EXPECT_FALSE(f.contains("ip_bytes_toserver"));
  EXPECT_EQ(f["start"], "2024-01-02T03:04:05.123456+0000");
  EXPECT_EQ(f["end"], "2024-01-02T03:05:07.023456+0000");
  EXPECT_EQ(f["age"], 62);
  EXPECT_EQ(f["reason"], "timeout");
  EXPECT_EQ(f["state"], "closed");
  EXPECT_EQ(j["tcp"]["state"], "closed");
  const json& t = j["tcp"];
  EXPECT_EQ(t["tcp_flags"], "1f");
  EXPECT_EQ(t["tcp_flags_ts"], "1b");
  EXPECT_EQ(t["tcp_flags_tc"], "16");
  for (const char* k : {"fin", "syn", "rst", "psh", "ack"}) EXPECT_EQ(t[k], true) << k;
  for (const char* k : {"urg", "ecn", "cwr"}) EXPECT_FALSE(t.contains(k)) << k;
}

TEST(EveJson, Ipv6VlanUdp) {
  FlowRecord r = tcp_record();
  r.ip_version = 6;
  r.proto = 17;
  r.src_ip = ip("2001:db8:0:0:0:0:0:1");
  r.dest_ip = ip("fe80::1:0:0:0");
  r.vlan_count = 2;
  r.vlan_ids = {100, 4095};
  const json j = to_json(r);
  EXPECT_EQ(j["src_ip"], "2001:db8::1");
  EXPECT_EQ(j["dest_ip"], "fe80::1:0:0:0");  // RFC 5952: the first of two equal zero runs
  EXPECT_EQ(j["vlan"], json::array({100, 4095}));
  EXPECT_EQ(j["proto"], "UDP");
  EXPECT_FALSE(j.contains("tcp"));
}

TEST(EveJson, MappedAddressInIpv6PacketKeepsIpv6Form) {
  // The text form follows the packet's version, not the address: tshark prints ::ffff:a.b.c.d.
  FlowRecord r = tcp_record();
  r.ip_version = 6;
  r.src_ip = ip("::ffff:10.0.0.1");
  r.dest_ip = ip("::ffff:192.168.200.254");
  const json j = to_json(r);
  EXPECT_EQ(j["src_ip"], "::ffff:10.0.0.1");
  EXPECT_EQ(j["dest_ip"], "::ffff:192.168.200.254");
}

TEST(EveJson, IcmpHasTypesNotPorts) {
  FlowRecord r = tcp_record();
  r.proto = 1;
  r.src_port = r.dest_port = 0;
  r.toserver.icmp_type = 8;
  r.toclient.icmp_type = 0;
  json j = to_json(r);
  EXPECT_EQ(j["proto"], "ICMP");
  EXPECT_FALSE(j.contains("src_port"));
  EXPECT_FALSE(j.contains("dest_port"));
  EXPECT_EQ(j["icmp_type"], 8);
  EXPECT_EQ(j["icmp_code"], 0);
  EXPECT_EQ(j["response_icmp_type"], 0);
  r.toclient.pkts = 0;
  r.proto = 58;
  r.ip_version = 6;
  r.src_ip = ip("::1");
  r.dest_ip = ip("::1");
  j = to_json(r);
  EXPECT_EQ(j["proto"], "IPv6-ICMP");
  EXPECT_FALSE(j.contains("response_icmp_type"));
  EXPECT_EQ(j["src_ip"], "::1");
}

TEST(EveJson, ProtoIsTheIanaKeywordOrANumberString) {
  FlowRecord r = tcp_record();
  r.proto = 47;
  EXPECT_EQ(to_json(r)["proto"], "GRE");
  EXPECT_FALSE(to_json(r).contains("src_port"));
  r.proto = 50;
  EXPECT_EQ(to_json(r)["proto"], "ESP");
  r.proto = 2;
  EXPECT_EQ(to_json(r)["proto"], "IGMP");
  r.proto = 200;  // unassigned
  EXPECT_EQ(to_json(r)["proto"], "200");
}

TEST(EveJson, ExtensionsCarryRiptidesOwnFields) {
  FlowRecord r = tcp_record();
  r.tunnel_type = TunnelType::vxlan;
  r.tunnel_id = 5001;
  r.tunnel_depth = 1;
  r.outer_ip_version = 4;
  r.outer_src = ip("192.0.2.1");
  r.outer_dst = ip("192.0.2.2");
  EveFormatOptions o;
  o.extensions = true;
  o.in_iface = "eth\"0";
  const json j = to_json(r, o);
  EXPECT_EQ(j["in_iface"], "eth_0");
  EXPECT_EQ(j["riptide"]["reason"], "tcp_rst");
  EXPECT_EQ(j["riptide"]["ip_bytes_toserver"], 860);
  EXPECT_EQ(j["riptide"]["ip_bytes_toclient"], 8888);
  EXPECT_EQ(j["riptide"]["tunnel_type"], "vxlan");
  EXPECT_EQ(j["riptide"]["vni"], 5001);
  EXPECT_EQ(j["tunnel"]["src_ip"], "192.0.2.1");
  EXPECT_EQ(j["tunnel"]["dest_ip"], "192.0.2.2");
  EXPECT_EQ(j["tunnel"]["proto"], "UDP");
  EXPECT_EQ(j["tunnel"]["depth"], 1);
}

TEST(EveJson, ReasonsAndStatesInSuricatasWords) {
  FlowRecord r = tcp_record();
  r.reason = FlowEndReason::evicted;
  EXPECT_EQ(to_json(r)["flow"]["reason"], "forced");
  r.reason = FlowEndReason::end_of_input;
  EXPECT_EQ(to_json(r)["flow"]["reason"], "shutdown");
  r.reason = FlowEndReason::idle_timeout;
  EXPECT_EQ(to_json(r)["flow"]["reason"], "timeout");
  r.toserver.tcp_flags = SYN;
  r.toclient = FlowDirStats{};
  EXPECT_EQ(to_json(r)["flow"]["state"], "new");
  EXPECT_EQ(to_json(r)["tcp"]["state"], "syn_sent");
  r.toclient.pkts = 1;
  r.toclient.tcp_flags = SYN | ACK;
  EXPECT_EQ(to_json(r)["flow"]["state"], "established");
}

TEST(EveJson, LongestRecordFitsTheLineBound) {
  FlowRecord r = tcp_record();
  r.ip_version = 6;
  r.src_ip = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
  r.dest_ip = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd");
  r.flow_id = ~0ull;
  r.vlan_count = 255;
  r.vlan_ids = {4095, 4095};
  r.toserver = {~0ull, ~0ull, ~0ull, 0, 0, 0xff, 0, 0};
  r.toclient = r.toserver;
  r.start_ns = -kNsPerSec * 1000 - 1;  // before 1970
  r.end_ns = INT64_MAX;  // the last representable nanosecond
  r.reason = FlowEndReason::active_timeout;
  r.tunnel_type = TunnelType::gtpu;
  r.tunnel_id = ~0u;
  r.tunnel_depth = 255;
  r.outer_ip_version = 6;
  r.outer_src = r.src_ip;
  r.outer_dst = r.dest_ip;
  r.mpls_count = 255;
  r.mpls_labels = {~0u, ~0u, ~0u};
  EveFormatOptions o;
  o.extensions = true;
  const std::string long_name(200, 'x');
  o.in_iface = long_name;
  const json j = to_json(r, o);
  EXPECT_EQ(j["in_iface"].get<std::string>().size(), EveFormatOptions::kMaxIfaceLen);
  EXPECT_EQ(j["flow"]["start"], "1969-12-31T23:43:19.999999+0000");
  EXPECT_EQ(j["flow"]["end"], "2262-04-11T23:47:16.854775+0000");
  EXPECT_EQ(j["vlan"].size(), 2u);
  EXPECT_EQ(j["flow"]["bytes_toclient"], ~0ull);
  EXPECT_EQ(j["riptide"]["mpls_labels"].size(), kMaxRecordedMplsLabels);
}

TEST(EveJson, WritesOneParsableLinePerFlowFromATable) {
  char path[] = "/tmp/riptide_eve_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    auto w = EveJsonWriter::open(path);
    ASSERT_TRUE(w.ok()) << w.error().message;
    FlowTable t(FlowTableConfig{}, **w);
    for (int i = 0; i < 2000; ++i) {  // > 64 KiB of output: exercises the buffer drain
      const auto m = pkt("10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256), 5000, "10.0.0.1", 80, 6, SYN);
      t.update(m, kT0 + i, 74);
      t.update(reversed(pkt("10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256), 5000, "10.0.0.1", 80, 6,
                            SYN | ACK)),
               kT0 + i + 1, 74);
    }
    t.flush_all();
    ASSERT_TRUE((*w)->flush().ok());
    EXPECT_EQ((*w)->records(), 2000u);
    EXPECT_EQ((*w)->dropped(), 0u);
  }
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    EXPECT_EQ(j["dest_port"], 80);
    EXPECT_EQ(j["flow"]["pkts_toserver"], 1);
    EXPECT_EQ(j["flow"]["pkts_toclient"], 1);
    EXPECT_EQ(j["flow"]["reason"], "shutdown");
    EXPECT_EQ(j["tcp"]["tcp_flags_tc"], "12");
    ++n;
  }
  EXPECT_EQ(n, 2000);
  std::remove(path);
}

TEST(EveJson, OpenFailureIsAClearError) {
  auto w = EveJsonWriter::open("/nonexistent-dir/x.json");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("/nonexistent-dir/x.json"), std::string::npos);
}

TEST(EveJson, WriteErrorReportedOnceThenCounted) {
  testing::internal::CaptureStderr();
  {
    auto w = EveJsonWriter::open("/dev/full");
    ASSERT_TRUE(w.ok());
    EveJsonWriter& ew = **w;
    ew.on_flow(tcp_record());
    const auto r = ew.flush();
    EXPECT_FALSE(r.ok());
    ASSERT_TRUE(ew.error().has_value());
    EXPECT_EQ(ew.error()->code, Errc::io);
    EXPECT_NE(ew.error()->message.find("/dev/full"), std::string::npos);
    for (int i = 0; i < 5000; ++i) ew.on_flow(tcp_record());
    EXPECT_FALSE(ew.flush().ok());
    EXPECT_EQ(ew.records(), 5001u);
    EXPECT_EQ(ew.dropped(), 5001u);
  }
  const std::string err = testing::internal::GetCapturedStderr();
  std::size_t lines = 0;
  for (char c : err) lines += c == '\n';
  EXPECT_EQ(lines, 1u) << err;
  EXPECT_NE(err.find("/dev/full"), std::string::npos);
}

}  // namespace
}  // namespace riptide

// --flow-key (flows.flow-key in the config file): the same tunnel capture metered by its inner
// conversations and by its transport, through the riptide binary.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/shell.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using riptide::test::shell;

const std::string kRiptide = std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide";
const std::string kEncap = std::string(RIPTIDE_SOURCE_DIR) + "/tests/data/encap/";

struct Dir {
  fs::path path;
  Dir() {
    char tmpl[] = "/tmp/riptide_flowkey_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Dir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

struct ReadResult {
  int status = -1;
  std::vector<json> flows;
  json stats;
};

ReadResult read(const Dir& d, const std::string& capture, const std::string& args) {
  ReadResult r;
  const std::string flows = d / "flows.json", stats = d / "stats.json";
  fs::remove(flows);
  fs::remove(stats);
  r.status = shell(kRiptide + " read -q -r '" + kEncap + capture + "' --flows-json " + flows + " --stats-json " + stats +
                   " " + args + " 2>/dev/null")
                 .status;
  std::ifstream in(flows);
  for (std::string l; std::getline(in, l);) r.flows.push_back(json::parse(l));
  std::ifstream s(stats);
  r.stats = json::parse(s, nullptr, false);
  return r;
}

std::uint64_t pkts(const json& f) {
  return f["flow"]["pkts_toserver"].get<std::uint64_t>() + f["flow"]["pkts_toclient"].get<std::uint64_t>();
}

TEST(FlowKeyCli, GreIsSixInnerFlowsOrOneTransportFlow) {
  Dir d;
  const ReadResult inner = read(d, "gre_ip.pcap", "");
  ASSERT_EQ(inner.status, 0);
  ASSERT_EQ(inner.flows.size(), 6u);  // TCP, UDP, ICMP over IPv4 and over IPv6
  std::uint64_t n = 0;
  for (const auto& f : inner.flows) {
    EXPECT_NE(f["proto"], "GRE") << f.dump();
    ASSERT_TRUE(f.contains("tunnel")) << f.dump();
    EXPECT_EQ(f["tunnel"]["proto"], "GRE");
    n += pkts(f);
  }
  EXPECT_EQ(n, 14u);
  EXPECT_EQ(inner.stats.at("decode").at("encap").at("gre"), 14u) << inner.stats.dump();

  const ReadResult outer = read(d, "gre_ip.pcap", "--flow-key outer");
  ASSERT_EQ(outer.status, 0);
  ASSERT_EQ(outer.flows.size(), 1u);
  const json& f = outer.flows[0];
  EXPECT_EQ(f["proto"], "GRE");
  EXPECT_EQ(f["src_ip"], "192.0.2.1");
  EXPECT_EQ(f["dest_ip"], "192.0.2.2");
  EXPECT_EQ(f["flow"]["pkts_toserver"], 8u);
  EXPECT_EQ(f["flow"]["pkts_toclient"], 6u);
  EXPECT_FALSE(f.contains("tunnel")) << f.dump();
  // Tunnels not entered are not counted as decoded through.
  EXPECT_EQ(outer.stats.at("decode").at("encap").at("gre"), 0u) << outer.stats.dump();
  EXPECT_EQ(outer.stats.at("decode").at("ok"), 14u);
}

TEST(FlowKeyCli, VxlanOuterFlowsAreTheUdpTransport) {
  Dir d;
  const ReadResult inner = read(d, "vxlan.pcap", "--flow-key inner");
  ASSERT_EQ(inner.status, 0);
  ASSERT_EQ(inner.flows.size(), 3u);
  for (const auto& f : inner.flows) EXPECT_EQ(f["src_ip"], "10.1.0.1") << f.dump();

  // The outer UDP source port is the same both ways, so each direction is a 5-tuple of its own.
  const ReadResult outer = read(d, "vxlan.pcap", "--flow-key outer");
  ASSERT_EQ(outer.status, 0);
  ASSERT_EQ(outer.flows.size(), 2u);
  std::uint64_t n = 0;
  for (const auto& f : outer.flows) {
    EXPECT_EQ(f["proto"], "UDP");
    EXPECT_EQ(f["dest_port"], 4789) << f.dump();
    EXPECT_FALSE(f.contains("tunnel"));
    n += pkts(f);
  }
  EXPECT_EQ(n, 7u);
}

TEST(FlowKeyCli, ConfigFileKeyAndBadValue) {
  Dir d;
  std::ofstream(d / "outer.yaml") << "flows:\n  flow-key: outer\n";
  const ReadResult outer = read(d, "gre_ip.pcap", "--config " + (d / "outer.yaml"));
  ASSERT_EQ(outer.status, 0);
  ASSERT_EQ(outer.flows.size(), 1u);
  EXPECT_EQ(outer.flows[0]["proto"], "GRE");
  // The command line wins over the file.
  const ReadResult inner = read(d, "gre_ip.pcap", "--config " + (d / "outer.yaml") + " --flow-key inner");
  EXPECT_EQ(inner.flows.size(), 6u);

  const auto bad = shell(kRiptide + " read -q -r " + kEncap + "gre_ip.pcap --flow-key middle 2>&1");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("--flow-key"), std::string::npos) << bad.out;
  std::ofstream(d / "bad.yaml") << "flows:\n  flow-key: sideways\n";
  const auto badf = shell(kRiptide + " read -q -r " + kEncap + "gre_ip.pcap --config " + (d / "bad.yaml") + " 2>&1");
  EXPECT_EQ(badf.status, 2);
  EXPECT_NE(badf.out.find("flows.flow-key"), std::string::npos) << badf.out;
}

}  // namespace

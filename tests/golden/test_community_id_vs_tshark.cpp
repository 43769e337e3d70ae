// Golden test: the Community ID of every flow riptide writes to EVE JSON is one that tshark
// computes for the same capture (`--enable-protocol communityid`), and every ID tshark
// computes belongs to a flow riptide wrote. Compared as sets of IDs: tshark gives one per
// frame, riptide one per flow, and both directions of a flow share it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "support/shell.hpp"

namespace fs = std::filesystem;

namespace {

bool have_tshark() { return riptide::test::shell("command -v tshark >/dev/null 2>&1").status == 0; }

std::set<std::string> tshark_ids(const fs::path& file) {
  const auto r = riptide::test::shell("tshark -n -r '" + file.string() +
                                      "' --enable-protocol communityid -T fields -e communityid 2>/dev/null");
  std::set<std::string> ids;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ids.insert(line);
  return ids;
}

std::set<std::string> riptide_ids(const fs::path& file, std::string& error) {
  const fs::path json = fs::temp_directory_path() / ("riptide-cid-" + std::to_string(getpid()) + ".json");
  const auto r = riptide::test::shell(std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide read -q -r '" + file.string() +
                                      "' --flows-json " + json.string() +
                                      " --flow-idle-timeout 86400 --flow-active-timeout 0 2>&1");
  std::set<std::string> ids;
  std::ifstream in(json);
  if (r.status != 0 || !in) error = "riptide failed: " + r.out;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("community_id")) {
      error = "record without community_id: " + line;
      break;
    }
    ids.insert(j["community_id"].get<std::string>());
  }
  fs::remove(json);
  return ids;
}

std::string capture_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = fs::path(p.param).stem().string();
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class CommunityIdVsTshark : public ::testing::TestWithParam<std::string> {};

TEST_P(CommunityIdVsTshark, SameIdsAsTshark) {
  if (!have_tshark()) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") FAIL() << "tshark is required under CI=true (scripts/deps.sh)";
    GTEST_SKIP() << "tshark not installed";
  }
  const fs::path file = fs::path(RIPTIDE_PCAP_DIR) / GetParam();
  std::string error;
  const auto got = riptide_ids(file, error);
  ASSERT_TRUE(error.empty()) << error;
  const auto want = tshark_ids(file);
  ASSERT_FALSE(want.empty()) << "tshark computed no Community ID for " << file;
  for (const auto& id : want) EXPECT_TRUE(got.count(id)) << "tshark's " << id << " is on no riptide flow";
  for (const auto& id : got) EXPECT_TRUE(want.count(id)) << "riptide's " << id << " is not one tshark computes";
}

// TCP, UDP, ICMP, IGMP, IPv6, VLAN, Linux cooked and multi-interface pcapng captures.
INSTANTIATE_TEST_SUITE_P(Captures, CommunityIdVsTshark,
                         ::testing::Values("PcapExamples/example.pcap", "PcapExamples/DnsPackets.pcap",
                                           "PcapExamples/four_ipv6_http_streams.pcap",
                                           "PcapExamples/IgmpPackets.pcap", "PcapExamples/VlanPackets.pcap",
                                           "PcapExamples/sll.pcap", "PcapExamples/many_interfaces-1.pcapng"),
                         capture_name);

}  // namespace

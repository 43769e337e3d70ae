// The riptide binary's outputs: two outputs on one stream are refused at start (status 2),
// and --kafka sends every flow of a capture to a mock cluster that this test process runs,
// the same lines as --flows-json writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "mock_kafka.hpp"
#include "support/shell.hpp"

namespace riptide {
namespace {

std::string bin() { return std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide"; }
std::string pcap() { return std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap"; }

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (std::filesystem::temp_directory_path() / "riptide-kafka-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> v;
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

nlohmann::json last_stats(const std::string& path) {
  const auto v = lines_of(path);
  return v.empty() ? nlohmann::json() : nlohmann::json::parse(v.back(), nullptr, false);
}

void expect_refused(const std::string& args, const std::string& says) {
  const auto r = test::shell(bin() + " read -q -r '" + pcap() + "' " + args + " 2>&1 >/dev/null");
  EXPECT_EQ(r.status, 2) << args << ": " << r.out;
  EXPECT_NE(r.out.find(says), std::string::npos) << args << ": " << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST_F(TempDir, TwoOutputsOnOneStreamAreRefusedAtStart) {
  expect_refused("-w - --flows-json -", "both write to standard output");
  expect_refused("-w - --analyzer heavy-hitters", "heavy-hitters");
  expect_refused("-w /dev/stdout --flows-json -", "both write to standard output");
  expect_refused("-w '" + dir_ + "/x' --flows-json '" + dir_ + "/x'", "both write to");
  expect_refused("--flows-json '" + dir_ + "/x' --stats-json '" + dir_ + "/./x'", "both write to");
  // Distinct streams, or heavy-hitters sent elsewhere, run.
  auto ok = test::shell(bin() + " read -q -r '" + pcap() + "' -w - --analyzer heavy-hitters --hh-out '" + dir_ +
                        "/hh' --flows-json '" + dir_ + "/f' >/dev/null 2>&1");
  EXPECT_EQ(ok.status, 0);
  ok = test::shell(bin() + " read -q -r '" + pcap() + "' -w /dev/null --flows-json /dev/null >/dev/null 2>&1");
  EXPECT_EQ(ok.status, 0);
}

TEST_F(TempDir, KafkaGetsEveryFlowOfACaptureAsTheJsonFileHasThem) {
  test::MockKafka mock("flows", 3);
  ASSERT_TRUE(mock.ok());
  const std::string json = dir_ + "/flows.json", stats = dir_ + "/stats.json";
  const auto r = test::shell(bin() + " read -q -r '" + pcap() + "' --flows-json '" + json + "' --kafka '" +
                             mock.bootstraps() + "/flows' --kafka-opt linger.ms=1 --stats-json '" + stats + "' 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto file = lines_of(json);
  ASSERT_GT(file.size(), 100u);
  const auto msgs = mock.read_all(file.size(), std::chrono::seconds(30));
  ASSERT_EQ(msgs.size(), file.size());
  std::multiset<std::string> a(file.begin(), file.end()), b;
  for (const auto& m : msgs) {
    b.insert(m.value);
    const auto j = nlohmann::json::parse(m.value, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << m.value;
    EXPECT_TRUE(j.contains("flow_id") && j.contains("src_ip") && j.contains("flow")) << m.value;
  }
  EXPECT_EQ(a, b);
  const auto s = last_stats(stats);
  ASSERT_TRUE(s.is_object());
  bool seen = false;
  for (const auto& o : s.at("outputs")) {
    if (o.at("name") != "kafka") continue;
    seen = true;
    EXPECT_EQ(o.at("written").get<std::size_t>(), file.size());
    EXPECT_EQ(o.at("dropped"), 0);
  }
  EXPECT_TRUE(seen) << s.dump();
}

TEST_F(TempDir, UnreachableBrokerFailsTheRunWithAnErrorNotAHang) {
  const std::string stats = dir_ + "/stats.json";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = test::shell(bin() + " read -q -r '" + pcap() + "' --kafka 127.0.0.1:1/flows --stats-json '" + stats + "' 2>&1");
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_LT(took, std::chrono::seconds(20));
  EXPECT_NE(r.out.find("error: analyzer 'flow': kafka output"), std::string::npos) << r.out;
  const auto s = last_stats(stats);
  ASSERT_TRUE(s.is_object());
  std::uint64_t flows = 0;
  for (const auto& o : s.at("outputs"))
    if (o.at("name") == "kafka") {
      EXPECT_EQ(o.at("written"), 0);
      flows = o.at("dropped").get<std::uint64_t>();
    }
  EXPECT_EQ(flows, s.at("analyzers").at("flow").at("flows_created").get<std::uint64_t>());
  EXPECT_EQ(s.at("captured"), s.at("processed")) << "capture lost packets to a dead broker";
}

TEST(KafkaCli, BadKafkaFlagsAreUsageErrors) {
  for (const std::string args : {"--kafka 127.0.0.1:9092", "--kafka 127.0.0.1:1/t --kafka-opt no.such.key=1",
                                 "--kafka-opt acks=1"}) {
    const auto r = test::shell(bin() + " read -q -r '" + pcap() + "' " + args + " 2>&1 >/dev/null");
    EXPECT_EQ(r.status, 2) << args << ": " << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
}

}  // namespace
}  // namespace riptide

// What analyzers write: every record reaches the file whole or is counted as dropped, a
// failure is kept for the report (OutputStatus), and a path that cannot be opened fails when
// the factory is made, not at the end of the run.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/analyze/heavy_hitters.hpp"
#include "riptide/flow/line_output.hpp"

namespace riptide {
namespace {

// A 64 KiB tmpfs of the test's own, unmounted (and its directory removed) even when an
// assertion failed.
class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    std::string t = (std::filesystem::temp_directory_path() / "riptide-outputs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
    ASSERT_EQ(::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"), 0) << std::strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  std::string dir_;
  bool mounted_ = false;
};

FlowRecord record(std::uint64_t id) {
  FlowRecord r;
  r.flow_id = id;
  r.ip_version = 4;
  r.proto = 17;
  r.src_port = static_cast<std::uint16_t>(1000 + id % 5000);
  r.dest_port = 53;
  r.toserver.pkts = 1;
  r.toserver.bytes = 60;
  r.start_ns = r.end_ns = 1'700'000'000'000'000'000;
  return r;
}

// Every line of `path` is complete JSON; returns how many there are, -1 if one is not.
long complete_json_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!all.empty() && all.back() != '\n') return -1;
  long n = 0;
  std::size_t pos = 0;
  while (pos < all.size()) {
    const auto nl = all.find('\n', pos);
    if (nl == std::string::npos || nlohmann::json::parse(all.substr(pos, nl - pos), nullptr, false).is_discarded())
      return -1;
    ++n;
    pos = nl + 1;
  }
  return n;
}

TEST_F(FullDisk, FlowRecordsAreWholeLinesOrCountedAsDropped) {
  const std::string path = dir_ + "/flows.json";
  auto f = FlowMeterFactory::create(FlowMeterConfig{}, path);
  ASSERT_TRUE(f) << f.error().message;
  constexpr std::uint64_t kRecords = 3000;  // ~250 B each: 750 KB for a 64 KiB disk
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 0; i < kRecords; ++i) recs.push_back(record(i + 1));
  testing::internal::CaptureStderr();
  for (std::size_t i = 0; i < recs.size(); i += 100) (*f)->deliver(recs.data() + i, 100);
  (*f)->finish();
  const std::string err = testing::internal::GetCapturedStderr();

  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  const auto& o = outs[0];
  EXPECT_EQ(o.analyzer, "flow");
  EXPECT_EQ(o.name, "flows");
  EXPECT_EQ(o.target, path);
  EXPECT_GT(o.written, 0u);
  EXPECT_GT(o.dropped, 0u);
  EXPECT_EQ(o.written + o.dropped, kRecords);
  EXPECT_NE(o.error.find("No space left on device"), std::string::npos) << o.error;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  const long lines = complete_json_lines(path);
  EXPECT_EQ(lines, static_cast<long>(o.written)) << "a cut-off line, or a count that does not match the file";
}

TEST_F(FullDisk, HeavyHitterWindowsAreWholeLinesOrCountedAsDropped) {
  HeavyHittersConfig cfg;
  cfg.output = dir_ + "/hh.json";
  auto f = HeavyHittersFactory::create(cfg);
  ASSERT_TRUE(f) << f.error().message;
  const std::string line = "{\"window\":\"" + std::string(900, 'x') + "\"}";
  testing::internal::CaptureStderr();
  for (int i = 0; i < 100; ++i) (*f)->write_line(line);
  (*f)->finish();
  (void)testing::internal::GetCapturedStderr();
  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].name, "windows");
  EXPECT_GT(outs[0].written, 0u);
  EXPECT_GT(outs[0].dropped, 0u);
  EXPECT_EQ(outs[0].written + outs[0].dropped, 100u);
  EXPECT_FALSE(outs[0].error.empty());
  EXPECT_EQ(complete_json_lines(cfg.output), static_cast<long>(outs[0].written));
}

// One write of many lines that only partly fits: the complete lines stay, the cut-off one is
// taken back, the rest are counted.
TEST_F(FullDisk, APartialWriteKeepsOnlyCompleteLines) {
  auto o = LineOutput::open(dir_ + "/lines.txt", "test");
  ASSERT_TRUE(o) << o.error().message;
  std::string buf;
  constexpr std::uint64_t kLines = 2000;
  for (std::uint64_t i = 0; i < kLines; ++i) buf += "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(40, 'p') + "\"}\n";
  testing::internal::CaptureStderr();
  const auto w = (*o)->write_lines(buf.data(), buf.size(), kLines);
  (void)testing::internal::GetCapturedStderr();
  EXPECT_GT(w, 0u);
  EXPECT_LT(w, kLines);
  EXPECT_EQ((*o)->written(), w);
  EXPECT_EQ((*o)->dropped(), kLines - w);
  EXPECT_TRUE((*o)->error().has_value());
  EXPECT_EQ(complete_json_lines(dir_ + "/lines.txt"), static_cast<long>(w));
  // Later records are counted without another attempt or another message.
  EXPECT_EQ((*o)->write_lines("{}\n", 3, 1), 0u);
  EXPECT_EQ((*o)->dropped(), kLines - w + 1);
}

TEST(Outputs, DevFullIsAnErrorAndEveryRecordIsDropped) {
  auto f = FlowMeterFactory::create(FlowMeterConfig{}, "/dev/full");
  ASSERT_TRUE(f) << f.error().message;
  const auto r = record(1);
  testing::internal::CaptureStderr();
  (*f)->deliver(&r, 1);
  (*f)->finish();  // the only write happens here: its failure must not be lost
  (void)testing::internal::GetCapturedStderr();
  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].written, 0u);
  EXPECT_EQ(outs[0].dropped, 1u);
  EXPECT_NE(outs[0].error.find("/dev/full"), std::string::npos) << outs[0].error;
}

TEST(Outputs, UnopenablePathFailsWhenTheFactoryIsMade) {
  auto f = FlowMeterFactory::create(FlowMeterConfig{}, "/nonexistent-dir/flows.json");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("/nonexistent-dir/flows.json"), std::string::npos) << f.error().message;
  HeavyHittersConfig cfg;
  cfg.output = "/nonexistent-dir/hh.json";
  auto h = HeavyHittersFactory::create(cfg);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("/nonexistent-dir/hh.json"), std::string::npos) << h.error().message;
}

TEST(Outputs, NoOutputMeansNoStatus) {
  auto f = FlowMeterFactory::create(FlowMeterConfig{}, "");
  ASSERT_TRUE(f);
  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  EXPECT_TRUE(outs.empty());
}

}  // namespace
}  // namespace riptide

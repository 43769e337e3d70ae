// The output disk fills during `riptide read`: the pcap writer level is covered in
// tests/file; here the whole command: one clear error, status 1, the analysis goes on to the
// end of the input, and what was written so far is a pcap other tools open. The flow records
// on their own (no -w to set the status) must fail the run just the same: a lost record is
// counted, named in the report and the JSON, and no line is cut in half.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

// A 64 KiB tmpfs of the test's own, unmounted in TearDown even when an assertion failed.
class OutputDiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    disk_ = out_.path("disk");
    ASSERT_EQ(test::sh("mkdir -p '" + disk_ + "'"), 0);
    ASSERT_EQ(::mount("tmpfs", disk_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"), 0) << std::strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(disk_.c_str(), MNT_DETACH);
  }
  TempDir out_;
  std::string disk_;
  bool mounted_ = false;
};

TEST_F(OutputDiskFull, ReadReportsItAnalyzesEverythingAndLeavesAReadablePcap) {
  const std::string input = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";  // 3.8 MB
  const std::string pcap = disk_ + "/out.pcap", flows = disk_ + "/flows.json";
  const std::string stats = out_.path("stats.json");  // off the full disk: the figures must survive
  Child c({riptide_bin(), "read", "-r", input, "-w", pcap, "--flows-json", flows, "--stats-json", stats},
          out_.path("rt.out"), out_.path("rt.err"));
  const auto rc = c.wait(120s);
  ASSERT_TRUE(rc.has_value()) << "riptide read did not finish";
  EXPECT_EQ(*rc, 1) << c.err();
  const auto err = c.err();
  EXPECT_NE(err.find(pcap + ": "), std::string::npos) << err;
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  EXPECT_NE(err.find("riptide report:"), std::string::npos) << "no report after the disk filled: " << err;

  const auto st = final_stats(stats).value_or(nlohmann::json::object());
  const auto captured = u64(st, "captured");
  EXPECT_GT(captured, 1000u) << st.dump();
  EXPECT_EQ(u64(st, "processed"), captured) << "analysis stopped with the output: " << st.dump();
  const auto written = u64(st, "pcap_written"), not_written = u64(st, "pcap_not_written");
  EXPECT_GT(written, 0u) << st.dump();
  EXPECT_GT(not_written, 0u) << "a 64 KiB disk held a 3.8 MB capture?" << st.dump();
  EXPECT_EQ(written + not_written, captured) << st.dump();
  EXPECT_FALSE(st.value("errors", nlohmann::json::array()).empty()) << st.dump();

  // What was written ends on a record boundary: capinfos reads every record without error.
  const std::string cmd = "capinfos -c -M '" + pcap + "' > '" + out_.path("capinfos.txt") + "' 2>&1";
  EXPECT_EQ(test::sh(cmd), 0) << slurp(out_.path("capinfos.txt"));
  const auto info = slurp(out_.path("capinfos.txt"));
  EXPECT_NE(info.find("Number of packets:"), std::string::npos) << info;
  std::string count_line = " ";  // built stepwise: GCC 12 warns (-Wrestrict) on " " + to_string() + "\n"
  count_line += std::to_string(written);
  count_line += '\n';
  EXPECT_NE(info.find(count_line), std::string::npos)
      << "capinfos counts a different number of packets than riptide wrote (" << written << "): " << info;
}

TEST_F(OutputDiskFull, FlowsJsonAloneCountsWhatWasLostAndFailsTheRun) {
  const std::string input = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";
  const std::string flows = disk_ + "/flows.json";
  // A 16 KiB file fills the disk but for a few dozen flow lines.
  ASSERT_EQ(test::sh("head -c 49152 /dev/zero > '" + disk_ + "/filler'"), 0);
  const std::string stats = out_.path("stats.json");
  Child c({riptide_bin(), "read", "-r", input, "--flows-json", flows, "--stats-json", stats}, out_.path("rt.out"),
          out_.path("rt.err"));
  const auto rc = c.wait(120s);
  ASSERT_TRUE(rc.has_value()) << "riptide read did not finish";
  const auto err = c.err();
  EXPECT_EQ(*rc, 1) << "flow records were lost and the exit status says nothing: " << err;
  EXPECT_NE(err.find(flows), std::string::npos) << err;
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;

  // Every line in the file is a whole JSON object.
  const auto text = slurp(flows);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "the last line is cut in half";
  std::uint64_t lines = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    EXPECT_FALSE(nlohmann::json::parse(text.substr(pos, nl - pos), nullptr, false).is_discarded())
        << "line " << lines + 1 << " is not JSON";
    ++lines;
    pos = nl + 1;
  }

  // The report's JSON names the output and counts what it lost (engine: RunReport outputs).
  const auto st = final_stats(stats).value_or(nlohmann::json::object());
  const auto outs = st.value("outputs", nlohmann::json::array());
  const auto it = std::find_if(outs.begin(), outs.end(), [&](const nlohmann::json& o) {
    return o.value("target", std::string()) == flows;
  });
  ASSERT_NE(it, outs.end()) << "no output entry for " << flows << ": " << st.dump();
  EXPECT_EQ((*it).value("written", std::uint64_t(0)), lines) << st.dump();
  EXPECT_GT((*it).value("dropped", std::uint64_t(0)), 0u) << st.dump();
  EXPECT_FALSE((*it).value("error", std::string()).empty()) << st.dump();
}

}  // namespace
}  // namespace riptide::e2e

// A real, short `riptide bench` (root): it must finish, write its report and remove its
// namespace and veth pair, also when interrupted.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "labbench/bench_net.hpp"
#include "labbench/child_process.hpp"
#include "support/netns.hpp"

namespace riptide::labbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kRiptide = std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide";

class BenchRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_net_admin()) GTEST_SKIP() << "needs root (namespaces)";
    ASSERT_TRUE(fs::exists(kRiptide)) << kRiptide << " not built (ninja riptide_cli)";
    dir_ = ::testing::TempDir() + "/rt_bench_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  // The bench names everything after its pid.
  static void expect_no_leftovers(pid_t pid) {
    const std::string tag = "rtb" + std::to_string(pid);
    EXPECT_FALSE(netns_exists(tag + "ns")) << tag << "ns left behind";
    EXPECT_FALSE(link_exists(tag + "h")) << tag << "h left behind";
    const std::string list = read_text("/proc/net/dev");
    EXPECT_EQ(list.find(tag), std::string::npos);
  }
  std::string dir_;
};

TEST_F(BenchRun, ShortRunWritesReportAndCleansUp) {
  SpawnOptions so;
  so.argv = {kRiptide, "bench", "--trial-seconds", "1", "--min-rate", "10000", "--max-rate", "40000",
             "--precision", "25%", "--repeats", "1", "--out-dir", dir_};
  so.stdout_path = dir_ + "/stdout";
  so.stderr_path = dir_ + "/stderr";
  auto c = ChildProcess::spawn(so);
  ASSERT_TRUE(c) << c.error().message;
  const pid_t pid = c->pid();
  const auto st = c->wait_exit(180s);
  ASSERT_TRUE(st) << "bench did not finish in 3 minutes";
  EXPECT_EQ(*st, 0) << read_text(so.stderr_path);
  expect_no_leftovers(pid);

  const std::string md = read_text(dir_ + "/bench.md");
  ASSERT_FALSE(md.empty()) << read_text(so.stderr_path);
  EXPECT_NE(md.find("| riptide |"), std::string::npos) << md;
  EXPECT_NE(md.find("Generator ceiling"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ + "/bench.dat"));
  // At 40 kpps riptide loses nothing here: the search stops at the top of the range.
  EXPECT_NE(md.find("lossless at the top of the range"), std::string::npos) << md;
  const std::string err = read_text(so.stderr_path);
  EXPECT_NE(err.find("bench: riptide"), std::string::npos) << "a progress line per trial";
  EXPECT_NE(err.find("-> lossless"), std::string::npos) << err;
}

TEST_F(BenchRun, InterruptRemovesNamespace) {
  SpawnOptions so;
  so.argv = {kRiptide, "bench", "--trial-seconds", "20", "--min-rate", "10000", "--max-rate", "20000",
             "--repeats", "1", "--out-dir", dir_};
  so.stdout_path = dir_ + "/stdout";
  so.stderr_path = dir_ + "/stderr";
  auto c = ChildProcess::spawn(so);
  ASSERT_TRUE(c) << c.error().message;
  const pid_t pid = c->pid();
  // Wait until the pair exists and the generator runs (the ceiling measurement), then interrupt.
  const std::string tag = "rtb" + std::to_string(pid);
  for (int i = 0; i < 500 && !link_exists(tag + "h"); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(link_exists(tag + "h")) << read_text(so.stderr_path);
  std::this_thread::sleep_for(1500ms);
  c->signal(SIGINT);
  const auto st = c->wait_exit(30s);
  ASSERT_TRUE(st) << "bench did not stop after SIGINT";
  EXPECT_NE(*st, 0);
  expect_no_leftovers(pid);
}

}  // namespace
}  // namespace riptide::labbench

// The stop path from the outside, as a user meets it: signals to the riptide command.
// A second SIGINT ends a run whose analyzer never returns within 2 s, with the report and a
// valid -w file; SIGUSR1 prints the report so far and the run goes on; SIGTERM stops cleanly;
// SIGHUP reopens the -w file (logrotate) and the run goes on.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

using Clock = std::chrono::steady_clock;

// A riptide child with stderr in a file; killed and reaped whatever the test does.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& err_path) {
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 2);
        dup2(fd, 1);
      }
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  // Waits until the child catches `sig` (its handler is installed): a signal sent earlier
  // would meet the default action, or SIG_IGN inherited from a background shell.
  bool catches(int sig, std::chrono::milliseconds limit) const {
    const auto end = Clock::now() + limit;
    const unsigned long long bit = 1ull << (sig - 1);
    while (Clock::now() < end) {
      std::ifstream st("/proc/" + std::to_string(pid_) + "/status");
      for (std::string line; std::getline(st, line);)
        if (line.rfind("SigCgt:", 0) == 0 && (std::stoull(line.substr(7), nullptr, 16) & bit)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // Exit status (128+signal if killed), or -1 if still running after `limit`.
  int wait_for(std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

class StopPath : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    log_ = build_plugin_fixture(dir_->path(), "stall_plugin");
    built_ = log_.empty();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(riptide_bin())) << riptide_bin();
    ASSERT_TRUE(built_) << log_;
    write_udp_pcap(d_.file("in.pcap"), 2000, 1'000'000'000, 1'000'000, 32);
  }
  std::string plugin(const std::string& args) const { return dir_->path() + "/libstall_plugin.so:" + args; }

  TempDir d_;
  static TempDir* dir_;
  static bool built_;
  static std::string log_;
};
TempDir* StopPath::dir_ = nullptr;
bool StopPath::built_ = false;
std::string StopPath::log_;

TEST_F(StopPath, SecondSignalEndsAStuckRunWithinTwoSecondsWithReportAndValidOutput) {
  Child c({riptide_bin(), "read", "-r", d_.file("in.pcap"), "-w", d_.file("out.pcap"), "--watchdog", "300", "--plugin",
           plugin("stuck")},
          d_.file("err"));
  ASSERT_TRUE(c.catches(SIGINT, std::chrono::seconds(10))) << slurp(d_.file("err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c.signal(SIGINT);
  // The first request cannot end the run: the analyzer never returns.
  EXPECT_EQ(c.wait_for(std::chrono::milliseconds(700)), -1) << slurp(d_.file("err"));
  const auto second = Clock::now();
  c.signal(SIGINT);
  const int status = c.wait_for(std::chrono::milliseconds(4000));
  const auto took = Clock::now() - second;
  const std::string err = slurp(d_.file("err"));
  EXPECT_EQ(status, 1) << err;
  EXPECT_LT(took, std::chrono::milliseconds(2000)) << err;
  EXPECT_NE(err.find("riptide report:"), std::string::npos) << err;
  EXPECT_NE(err.find("second stop request"), std::string::npos) << err;
  // The watchdog named the analyzer while the run went on, and the report names what it gave up on.
  EXPECT_NE(err.find("riptide: watchdog: analyzer 'stall'"), std::string::npos) << err;
  EXPECT_NE(err.find("error: analyzer 'stall'"), std::string::npos) << err;
  // What -w had accepted is in a file that reads back whole.
  const auto back = run_cmd(riptide_bin() + " read -q -r '" + d_.file("out.pcap") + "' --stats-json '" +
                            d_.file("back.json") + "'");
  EXPECT_EQ(back.status, 0) << back.out;
  const auto j = nlohmann::json::parse(slurp(d_.file("back.json")));
  EXPECT_GE(j["captured"].get<std::uint64_t>(), 100u) << back.out;
}

TEST_F(StopPath, Sigusr1PrintsTheReportSoFarAndTheRunGoesOn) {
  Child c({riptide_bin(), "read", "-r", d_.file("in.pcap"), "--plugin", plugin("slow:1000")}, d_.file("err"));
  ASSERT_TRUE(c.catches(SIGUSR1, std::chrono::seconds(10))) << slurp(d_.file("err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c.signal(SIGUSR1);
  const int status = c.wait_for(std::chrono::milliseconds(20000));
  const std::string err = slurp(d_.file("err"));
  EXPECT_EQ(status, 0) << err;
  EXPECT_EQ(count(err, "riptide report:"), 2u) << "one on SIGUSR1, one at the end: " << err;
  EXPECT_NE(err.find("processed    2,000 packets"), std::string::npos) << err;
}

TEST_F(StopPath, SigtermStopsCleanlyWithReportAndFlows) {
  Child c({riptide_bin(), "read", "-r", d_.file("in.pcap"), "--flows-json", d_.file("flows.json"), "--plugin",
           plugin("slow:1000")},
          d_.file("err"));
  ASSERT_TRUE(c.catches(SIGTERM, std::chrono::seconds(10))) << slurp(d_.file("err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c.signal(SIGTERM);
  const int status = c.wait_for(std::chrono::milliseconds(5000));
  const std::string err = slurp(d_.file("err"));
  EXPECT_EQ(status, 0) << err;
  EXPECT_NE(err.find("adds up"), std::string::npos) << err;
  EXPECT_EQ(err.find("processed    2,000 packets"), std::string::npos) << "stopped early: " << err;
  const std::string flows = slurp(d_.file("flows.json"));
  EXPECT_GT(count(flows, "\"event_type\":\"flow\""), 0u) << "flows of the packets seen are exported";
}

// logrotate's way: the file is renamed, SIGHUP makes -w open a new one under the old name.
// Both files are complete, and together they hold every packet the report says was written.
TEST_F(StopPath, SighupReopensTheWriteFileAndTheRunGoesOn) {
  Child c({riptide_bin(), "read", "-r", d_.file("in.pcap"), "-w", d_.file("out.pcap"), "--stats-json",
           d_.file("stats.json"), "--plugin", plugin("slow:1000")},
          d_.file("err"));
  ASSERT_TRUE(c.catches(SIGHUP, std::chrono::seconds(10))) << slurp(d_.file("err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::filesystem::rename(d_.file("out.pcap"), d_.file("out.pcap.1"));
  c.signal(SIGHUP);
  const int status = c.wait_for(std::chrono::milliseconds(20000));
  const std::string err = slurp(d_.file("err"));
  EXPECT_EQ(status, 0) << err;
  EXPECT_NE(err.find("processed    2,000 packets"), std::string::npos) << "SIGHUP does not stop: " << err;
  const auto j = nlohmann::json::parse(slurp(d_.file("stats.json")));
  EXPECT_EQ(j["pcap_written"].get<std::uint64_t>(), 2000u) << err;
  EXPECT_EQ(j["pcap_files"].get<std::uint64_t>(), 2u) << err;
  std::uint64_t total = 0;
  for (const char* f : {"out.pcap.1", "out.pcap"}) {
    const auto back = run_cmd(riptide_bin() + " read -q -r '" + d_.file(f) + "' --stats-json '" + d_.file("b.json") + "'");
    EXPECT_EQ(back.status, 0) << f << ": " << back.out;
    const auto n = nlohmann::json::parse(slurp(d_.file("b.json")))["captured"].get<std::uint64_t>();
    EXPECT_GT(n, 0u) << f;
    total += n;
  }
  EXPECT_EQ(total, 2000u);
}

// A factory that fails is refused by name: at start with status 2 (create), or at the end in
// the report with status 1 (finish), never std::terminate.
TEST_F(StopPath, FactoryFaultsAreRefusedByName) {
  for (const char* mode : {"create-throws", "create-null"}) {
    const auto r = run_cmd(riptide_bin() + " read -q -r '" + d_.file("in.pcap") + "' --plugin '" + plugin(mode) + "'");
    EXPECT_EQ(r.status, 2) << mode << ": " << r.out;
    EXPECT_NE(r.out.find("'stall'"), std::string::npos) << mode << ": " << r.out;
    EXPECT_EQ(count(r.out, "\n"), 1u) << "one line: " << r.out;
  }
  const auto r = run_cmd(riptide_bin() + " read -q -r '" + d_.file("in.pcap") + "' --plugin '" + plugin("finish-throws") + "'");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("could not flush the results"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("processed    2,000 packets"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace riptide::test

// Running without root: as an ordinary user holding only file capabilities, and as root that
// gives itself up with -Z once its sockets are open. Also the hardened systemd unit.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

constexpr const char* kNobody = "65534";

// Fields of /proc/PID/status, e.g. "Uid" -> "65534\t65534\t65534\t65534".
std::string proc_status(pid_t pid, const std::string& key) {
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) {
      auto v = line.substr(key.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      v.erase(v.find_last_not_of(" \t") + 1);
      return v;
    }
  return {};
}

bool have(const char* tool) { return test::sh(std::string("command -v ") + tool + " >/dev/null 2>&1") == 0; }

// A copy of the riptide binary that file capabilities can be put on without touching the
// build's, and an output directory nobody may write to.
class NonRootCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "setting file capabilities and becoming nobody needs root";
    if (!have("setcap") || !have("setpriv")) GTEST_SKIP() << "setcap/setpriv missing (libcap2-bin, util-linux)";
    bin_ = dir_.path("riptide");
    std::error_code ec;
    std::filesystem::copy_file(riptide_bin(), bin_, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_EQ(::chmod(bin_.c_str(), 0755), 0);
    out_ = dir_.path("out");
    ASSERT_EQ(::mkdir(out_.c_str(), 0755), 0);
    ASSERT_EQ(::chown(out_.c_str(), 65534, 65534), 0);
  }

  std::vector<std::string> as_nobody(const std::string& iface, const std::vector<std::string>& extra) const {
    std::vector<std::string> v{"setpriv", std::string("--reuid=") + kNobody, std::string("--regid=") + kNobody,
                               "--clear-groups", bin_, "capture", "-i", iface,
                               "--stats-json", out_ + "/stats.json", "--flows-json", out_ + "/flows.json"};
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  }

  TempDir dir_;
  std::string bin_, out_;
};

TEST_F(NonRootCapture, FileCapabilitiesAreEnoughToCapture) {
  test::VethPair vp("e2ecap");
  ASSERT_TRUE(vp.ok());
  ASSERT_EQ(test::sh("setcap cap_net_raw,cap_net_admin+ep '" + bin_ + "'"), 0);
  Child c(as_nobody(vp.host_if(), {"udp"}), dir_.path("rt.out"), dir_.path("rt.err"));
  ASSERT_TRUE(c.wait_for_err("riptide: input", 15s)) << c.err();
  EXPECT_EQ(proc_status(c.pid(), "Uid").substr(0, 5), kNobody) << "the capture does not run as nobody";

  std::string why;
  ASSERT_EQ(run_gen(vp.netns(), vp.peer_if(), {"--rate", "20000", "--count", "2000", "--flows", "10"}, &why).value_or(0),
            2000u)
      << why;
  std::this_thread::sleep_for(200ms);  // block timeouts: every frame handed over
  ASSERT_TRUE(c.signal(SIGINT));
  const auto rc = c.wait(30s);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << c.err();
  const auto st = final_stats(out_ + "/stats.json").value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "captured"), 2000u) << st.dump() << c.err();
  EXPECT_EQ(u64(st, "processed"), 2000u);
  EXPECT_EQ(read_flows(out_ + "/flows.json").packets, 2000u);
}

TEST_F(NonRootCapture, WithoutTheCapabilityItIsAPermissionError) {
  test::VethPair vp("e2enocap");
  ASSERT_TRUE(vp.ok());
  // The same copy, capabilities granted then taken away: only they made the difference.
  ASSERT_EQ(test::sh("setcap cap_net_raw,cap_net_admin+ep '" + bin_ + "' && setcap -r '" + bin_ + "'"), 0);
  Child c(as_nobody(vp.host_if(), {"--duration", "5"}), dir_.path("rt.out"), dir_.path("rt.err"));
  const auto rc = c.wait(20s);
  ASSERT_TRUE(rc.has_value()) << "riptide kept running without CAP_NET_RAW";
  EXPECT_NE(*rc, 0);
  const auto err = c.err();
  EXPECT_EQ(line_count(err), 1u) << err;
  EXPECT_NE(err.find("no permission to capture on '" + vp.host_if() + "'"), std::string::npos) << err;
  EXPECT_NE(err.find("CAP_NET_RAW"), std::string::npos) << err;
}

TEST(CapturePrivileges, DropToNobodyAndKeepCapturingAcrossAReopen) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2ez");
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"-Z", "nobody", "udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  const pid_t pid = s.child().pid();
  // The banner comes after the switch: by now the process is nobody with CAP_NET_RAW only.
  EXPECT_EQ(proc_status(pid, "Uid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(proc_status(pid, "Gid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(proc_status(pid, "Groups"), "65534");
  EXPECT_EQ(proc_status(pid, "CapEff"), "0000000000002000");  // bit 13: CAP_NET_RAW
  EXPECT_EQ(proc_status(pid, "CapPrm"), "0000000000002000");
  EXPECT_EQ(proc_status(pid, "CapBnd"), "0000000000002000");
  EXPECT_EQ(proc_status(pid, "CapInh"), "0000000000000000");
  EXPECT_EQ(proc_status(pid, "NoNewPrivs"), "1");

  ASSERT_EQ(s.gen({"--rate", "20000", "--count", "1000"}).value_or(0), 1000u);
  std::this_thread::sleep_for(300ms);
  // Reopening needs CAP_NET_RAW in the capture thread after the switch: the reason it is kept.
  ASSERT_TRUE(vp.recreate());
  EXPECT_TRUE(s.child().wait_for_err("waiting for it to come back", 10s)) << s.err();
  EXPECT_TRUE(s.child().wait_for_err("is back", 10s)) << s.err();
  ASSERT_EQ(s.gen({"--rate", "20000", "--count", "1000", "--vlan", "7", "--size", "100"}).value_or(0), 1000u);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(proc_status(pid, "Uid"), "65534\t65534\t65534\t65534");
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();
  const auto st = s.stats();  // written at exit, by nobody, into a file root created for it
  EXPECT_EQ(u64(st, "captured"), 2000u) << st.dump() << s.err();
  EXPECT_EQ(u64(st, "interface_losses"), 1u);
  EXPECT_EQ(untagged_and_tagged(s.flows()).second, 1000u) << "frames sent after the reopen were not captured";
}

TEST(CapturePrivileges, UnknownUserIsOneLineAndStatusTwo) {
  RIPTIDE_E2E_NEEDS_ROOT();
  const auto r = run_to_end({riptide_bin(), "capture", "-i", "lo", "--duration", "1", "-Z", "no-such-user-rt"});
  EXPECT_EQ(r.rc.value_or(-1), 2) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("no such user 'no-such-user-rt'"), std::string::npos) << r.err;
}

TEST(CapturePrivileges, DashZWithoutRootIsAClearError) {
  RIPTIDE_E2E_NEEDS_ROOT();  // to become nobody first
  const auto r = run_to_end({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", riptide_bin(), "capture", "-i",
                          "lo", "--duration", "1", "-Z", "nobody"});
  EXPECT_EQ(r.rc.value_or(-1), 2) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("only root can switch"), std::string::npos) << r.err;
}

// The unit file parses with no warning (an unknown or misspelt key is only a warning to
// systemd, so the output must be empty, not just the status 0).
TEST(ServiceUnit, SystemdAnalyzeVerifiesIt) {
  if (!have("systemd-analyze")) GTEST_SKIP() << "systemd-analyze not installed";
  TempDir d;
  std::ifstream in(std::string(RIPTIDE_SOURCE_DIR) + "/packaging/riptide@.service");
  ASSERT_TRUE(in) << "packaging/riptide@.service missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string unit = ss.str();
  // verify checks that ExecStart exists: point it at this build's binary.
  const std::string installed = "/usr/local/bin/riptide";
  const auto at = unit.find(installed);
  ASSERT_NE(at, std::string::npos);
  unit.replace(at, installed.size(), riptide_bin());
  std::ofstream(d.path("riptide@.service")) << unit;
  ASSERT_EQ(::symlink("riptide@.service", d.path("riptide@lo.service").c_str()), 0);
  const auto r = run_to_end({"systemd-analyze", "verify", "--man=no", d.path("riptide@lo.service")});
  EXPECT_EQ(r.rc.value_or(-1), 0) << r.err;
  EXPECT_EQ(r.err, "") << "systemd-analyze warned about the unit";
}

}  // namespace
}  // namespace riptide::e2e

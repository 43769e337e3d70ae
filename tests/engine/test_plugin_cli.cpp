// `riptide read --plugin`: a plugin built from tests/engine/plugin_fixture (a MODULE compiled
// against the headers only) is loaded by the CLI, its counters reach the report, and a bad
// path, a missing entry point, refused arguments or a plugin built for another ABI give one
// line and exit status 2.
#include <filesystem>

#include "riptide/analyze/plugin.hpp"

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

class PluginCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    build_log_ = build_plugin_fixture(dir_->path());
    built_ = build_log_.empty();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(riptide_bin())) << "build riptide_cli first: " << riptide_bin();
    ASSERT_TRUE(built_) << build_log_;
  }
  static std::string so(const std::string& name) { return dir_->path() + "/lib" + name + ".so"; }
  static std::string pcap() { return std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap"; }

  static TempDir* dir_;
  static bool built_;
  static std::string build_log_;
};
TempDir* PluginCli::dir_ = nullptr;
bool PluginCli::built_ = false;
std::string PluginCli::build_log_;

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST_F(PluginCli, LoadsAndReportsCounters) {
  TempDir d;
  const auto r = run_cmd(riptide_bin() + " read -r '" + pcap() + "' --stats-json '" + d.file("s.json") +
                         "' --plugin '" + so("fixture_plugin") + ":fx_' --plugin '" + so("fixture_plugin") + ":again_'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("analyzer fixture"), std::string::npos) << r.out;
  const auto j = run_cmd("cat '" + d.file("s.json") + "'");
  // Both instances of the plugin are in the report; packets equal to what the flow meter saw.
  EXPECT_NE(j.out.find("\"fx_packets\":"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"again_packets\":"), std::string::npos) << j.out;
  const auto processed = j.out.find("\"processed\":");
  ASSERT_NE(processed, std::string::npos);
  const std::string n = j.out.substr(processed + 12, j.out.find(',', processed) - processed - 12);
  EXPECT_NE(j.out.find("\"fx_packets\":" + n), std::string::npos) << j.out;
}

TEST_F(PluginCli, BadPathIsOneLineAndStatus2) {
  const auto r = run_cmd(riptide_bin() + " read -r '" + pcap() + "' --plugin /nonexistent/libnothing.so");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.out), 1u) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/libnothing.so"), std::string::npos) << r.out;
}

TEST_F(PluginCli, MissingEntryPointIsOneLineAndStatus2) {
  const auto r = run_cmd(riptide_bin() + " read -r '" + pcap() + "' --plugin '" + so("nosym_plugin") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.out), 1u) << r.out;
  EXPECT_NE(r.out.find("riptide_plugin_create"), std::string::npos) << r.out;
}

TEST_F(PluginCli, RefusedOrThrowingEntryPointIsOneLineAndStatus2) {
  for (const char* args : {"refuse", "throw"}) {
    const auto r = run_cmd(riptide_bin() + " read -r '" + pcap() + "' --plugin '" + so("fixture_plugin") + ":" + args + "'");
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(lines(r.out), 1u) << r.out;
    EXPECT_NE(r.out.find(so("fixture_plugin")), std::string::npos) << r.out;
  }
}

// A plugin built against other headers is refused before its entry point runs (the fixtures
// abort if called): one line naming it and saying what to do, status 2.
TEST_F(PluginCli, PluginForAnotherAbiIsOneLineAndStatus2) {
  for (const char* name : {"oldabi_plugin", "otherabi_plugin"}) {
    const auto r = run_cmd(riptide_bin() + " read -r '" + pcap() + "' --plugin '" + so(name) + "'");
    EXPECT_EQ(r.status, 2) << name << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << r.out;
    EXPECT_NE(r.out.find(so(name)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("rebuild it against these headers"), std::string::npos) << r.out;
  }
  const auto r = run_cmd(riptide_bin() + " read -r '" + pcap() + "' --plugin '" + so("otherabi_plugin") + "'");
  EXPECT_NE(r.out.find("ABI 1, this riptide has " + std::to_string(kPluginAbiVersion)), std::string::npos) << r.out;
}

}  // namespace
}  // namespace riptide::test

// The out-of-tree workflow: install this build tree, build examples/packet_counter against it
// with find_package(riptide), run the standalone program and the plugin through the CLI.
#include <filesystem>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

TEST(InstallExample, PacketCounterBuildsAndRunsBothWays) {
  ASSERT_TRUE(std::filesystem::exists(riptide_bin())) << "build riptide_cli first: " << riptide_bin();
  TempDir d;
  const std::string prefix = d.file("prefix"), build = d.file("build");
  const auto inst = run_cmd("cmake --install '" + std::string(RIPTIDE_BINARY_DIR) + "' --prefix '" + prefix + "'");
  ASSERT_EQ(inst.status, 0) << inst.out;
  ASSERT_TRUE(std::filesystem::exists(prefix + "/include/riptide/analyze/plugin.hpp"));

  const auto cfg = run_cmd("cmake -S '" + std::string(RIPTIDE_SOURCE_DIR) + "/examples/packet_counter' -B '" + build +
                           "' -G Ninja -DCMAKE_PREFIX_PATH='" + prefix + "'");
  ASSERT_EQ(cfg.status, 0) << cfg.out;
  const auto b = run_cmd("cmake --build '" + build + "'");
  ASSERT_EQ(b.status, 0) << b.out;

  const std::string pcap = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";
  const auto prog = run_cmd("'" + build + "/packet_counter' '" + pcap + "' 100");
  ASSERT_EQ(prog.status, 0) << prog.out;
  EXPECT_NE(prog.out.find("analyzer packet_counter"), std::string::npos) << prog.out;
  EXPECT_NE(prog.out.find("rankings"), std::string::npos) << prog.out;
  EXPECT_NE(prog.out.find("adds up"), std::string::npos) << prog.out;

  // The installed riptide and the plugin built against it.
  const auto cli = run_cmd("'" + prefix + "/bin/riptide' read -r '" + pcap + "' --plugin '" + build +
                           "/libpacket_counter.so:100' --stats-json '" + d.file("s.json") + "'");
  ASSERT_EQ(cli.status, 0) << cli.out;
  const auto j = run_cmd("cat '" + d.file("s.json") + "'");
  EXPECT_NE(j.out.find("\"packet_counter\":{\"errors\":0,\"disabled\":0"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"rankings\":"), std::string::npos) << j.out;
  EXPECT_EQ(j.out.find("\"rankings\":0,"), std::string::npos) << j.out;
  // Arguments the plugin refuses: one line, status 2.
  const auto bad = run_cmd("'" + prefix + "/bin/riptide' read -r '" + pcap + "' --plugin '" + build +
                           "/libpacket_counter.so:notanumber'");
  EXPECT_EQ(bad.status, 2) << bad.out;
}

}  // namespace
}  // namespace riptide::test

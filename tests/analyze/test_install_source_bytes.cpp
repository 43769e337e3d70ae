// The example of docs/ANALYZERS.md out of tree: install this build tree, build
// examples/source_bytes against it, run its unit tests (the installed fake context) and load
// it as a plugin into the installed riptide.
#include <filesystem>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

TEST(InstallExample, SourceBytesBuildsTestsAndLoads) {
  ASSERT_TRUE(std::filesystem::exists(riptide_bin())) << "build riptide_cli first: " << riptide_bin();
  TempDir d;
  const std::string prefix = d.file("prefix"), build = d.file("build");
  const auto inst = run_cmd("cmake --install '" + std::string(RIPTIDE_BINARY_DIR) + "' --prefix '" + prefix + "'");
  ASSERT_EQ(inst.status, 0) << inst.out;
  ASSERT_TRUE(std::filesystem::exists(prefix + "/include/riptide/analyze/testing/fake_context.hpp"));

  const auto cfg = run_cmd("cmake -S '" + std::string(RIPTIDE_SOURCE_DIR) + "/examples/source_bytes' -B '" + build +
                           "' -G Ninja -DCMAKE_PREFIX_PATH='" + prefix + "'");
  ASSERT_EQ(cfg.status, 0) << cfg.out;
  const auto b = run_cmd("cmake --build '" + build + "'");
  ASSERT_EQ(b.status, 0) << b.out;
  const auto t = run_cmd("'" + build + "/test_source_bytes'");
  ASSERT_EQ(t.status, 0) << t.out;

  // On a file there is no interface to send from: the summaries are refused and counted.
  const std::string pcap = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";
  const auto cli = run_cmd("'" + prefix + "/bin/riptide' read -r '" + pcap + "' --plugin '" + build +
                           "/libsource_bytes.so:192.0.2.9:47200:0' --stats-json '" + d.file("s.json") + "'");
  ASSERT_EQ(cli.status, 0) << cli.out;
  const auto j = run_cmd("cat '" + d.file("s.json") + "'");
  EXPECT_NE(j.out.find("\"source_bytes\":{\"errors\":0,\"disabled\":0"), std::string::npos) << j.out;
  const auto bad = run_cmd("'" + prefix + "/bin/riptide' read -r '" + pcap + "' --plugin '" + build +
                           "/libsource_bytes.so:nowhere'");
  EXPECT_EQ(bad.status, 2) << bad.out;

  // The same settings as options; a bad one stops the run with one line before reading.
  const auto opt = run_cmd("'" + prefix + "/bin/riptide' read -r '" + pcap + "' --plugin '" + build +
                           "/libsource_bytes.so' --analyzer-opt source_bytes.dst=192.0.2.9 --analyzer-opt source_bytes.cpu=0ms");
  EXPECT_EQ(opt.status, 0) << opt.out;
  const auto nodst = run_cmd("'" + prefix + "/bin/riptide' read -r '" + pcap + "' --plugin '" + build + "/libsource_bytes.so'");
  EXPECT_EQ(nodst.status, 2) << nodst.out;
  EXPECT_NE(nodst.out.find("source_bytes: needs an IPv4 dst"), std::string::npos) << nodst.out;
  const auto badport = run_cmd("'" + prefix + "/bin/riptide' read -r '" + pcap + "' --plugin '" + build +
                               "/libsource_bytes.so:192.0.2.9:47200' --analyzer-opt source_bytes.port=http");
  EXPECT_EQ(badport.status, 2) << badport.out;
  EXPECT_NE(badport.out.find("source_bytes.port=http (--analyzer-opt): expected a non-negative integer"), std::string::npos)
      << badport.out;
}

}  // namespace
}  // namespace riptide::test

// Configuration the engine refuses at start, with one line, before any thread runs.
#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

std::vector<std::unique_ptr<AnalyzerFactory>> one_analyzer() {
  struct Nop final : Analyzer {
    std::string_view name() const noexcept override { return "nop"; }
    void on_packet(const PacketMeta&, const PacketView&) override {}
  };
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("nop", [](std::size_t) { return std::make_unique<Nop>(); }));
  return v;
}

// A CPU the process may not run on would leave a capture thread unpinned: refused at start.
TEST(StartChecks, CpuOutsideTheAllowedSetIsRefused) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 10, 1'000'000'000, 1'000'000);
  for (int cpu : {-1, 4095}) {
    auto c = file_config(d.file("in.pcap"));
    c.cpus = {cpu};
    auto e = Engine::create(c, one_analyzer());
    ASSERT_FALSE(e) << cpu;
    EXPECT_NE(e.error().message.find("CPU " + std::to_string(cpu)), std::string::npos) << e.error().message;
  }
  auto c = file_config(d.file("in.pcap"));
  c.cpus = {0};
  EXPECT_TRUE(Engine::create(c, one_analyzer()));
}

}  // namespace
}  // namespace riptide::test

// The config fuzzer's seeds through its harness in every test run: a broken promise (status,
// round trip) shows here without a clang fuzz build.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness_config.hpp"

namespace {

TEST(ConfigFuzzSeeds, EverySeedKeepsTheHarnessPromises) {
  riptide::fuzz::ConfigHarness h;
  ASSERT_TRUE(h.ready());
  const std::filesystem::path dir = std::filesystem::path(RIPTIDE_SOURCE_DIR) / "fuzz/corpus/config";
  std::size_t seeds = 0, loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    ++seeds;
    EXPECT_TRUE(h.one(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())) << entry.path();
    if (!h.last_printed().empty()) ++loaded;
  }
  EXPECT_GE(seeds, 8u);
  EXPECT_GE(loaded, 3u) << "some seeds load and round-trip";
}

}  // namespace

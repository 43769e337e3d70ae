// The config fuzzer's seeds and saved crashers through its harness in every test run: a broken
// promise (status, round trip), or a hang, shows here without a clang fuzz build.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness_config.hpp"

namespace {

TEST(ConfigFuzzSeeds, EverySeedKeepsTheHarnessPromises) {
  riptide::fuzz::ConfigHarness h;
  ASSERT_TRUE(h.ready());
  std::size_t seeds = 0, loaded = 0;
  for (const char* dir : {"fuzz/corpus/config", "fuzz/crashers/config"})
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(RIPTIDE_SOURCE_DIR) / dir)) {
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

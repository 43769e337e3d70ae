// The analyzer option fuzzer's seeds and saved crashers keep the harness's promises in every
// build (the fuzzer itself only runs in the clang build).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../fuzz/harness_analyzer_opt.hpp"

namespace {

TEST(AnalyzerOptFuzzSeeds, EverySeedKeepsTheHarnessPromises) {
  int n = 0;
  for (const char* dir : {"/fuzz/corpus/analyzer_opt", "/fuzz/crashers/analyzer_opt"}) {
    const std::filesystem::path p = std::string(RIPTIDE_SOURCE_DIR) + dir;
    if (!std::filesystem::exists(p)) continue;
    for (const auto& f : std::filesystem::directory_iterator(p)) {
      if (f.path().filename().string().front() == '.') continue;
      std::ifstream in(f.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      const std::string s = ss.str();
      EXPECT_TRUE(riptide::fuzz::analyzer_opt_one(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())) << f.path();
      ++n;
    }
  }
  EXPECT_GE(n, 5);
}

}  // namespace

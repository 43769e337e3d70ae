// Replays every input the fuzzer once crashed on (fuzz/crashers/file_reader/).
#include <filesystem>

#include "../../fuzz/harness_file_reader.hpp"
#include "file/file_test_util.hpp"

namespace riptide::test {
namespace {

TEST(FileCrashers, ReplayEverySavedInput) {
  const std::filesystem::path dir = std::filesystem::path(RIPTIDE_SOURCE_DIR) / "fuzz/crashers/file_reader";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == ".keep") continue;
    SCOPED_TRACE(e.path().string());
    const auto bytes = read_bytes(e.path().string());
    (void)fuzz::run_file_reader_input(bytes.data(), bytes.size());
    ++n;
  }
  // Also the degenerate inputs, whether or not a crasher file exists for them.
  const std::uint8_t empty = 0;
  (void)fuzz::run_file_reader_input(&empty, 0);
  const std::uint8_t ng_zero[] = {0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a};
  EXPECT_EQ(fuzz::run_file_reader_input(ng_zero, sizeof ng_zero), 0u);
  RecordProperty("replayed", static_cast<int>(n));
}

}  // namespace
}  // namespace riptide::test

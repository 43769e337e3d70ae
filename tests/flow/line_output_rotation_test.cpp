// LineOutput with a rotation policy (the flow JSON's --flows-rotate-mb/-s, --flows-files):
// files end on whole lines, stay within the size, and together hold every line written;
// request_reopen_all() (SIGHUP) starts a new file under the same name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "riptide/flow/line_output.hpp"

namespace riptide {
namespace {

struct Dir {
  std::string path;
  Dir() {
    std::string t = (std::filesystem::temp_directory_path() / "riptide-lines-XXXXXX").string();
    if (mkdtemp(t.data())) path = t;
  }
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LineOutputRotation, SizeRotationKeepsWholeLinesAndEveryLine) {
  Dir d;
  auto out = LineOutput::open(d.path + "/flows.json", "eve-json", {.max_bytes = 1000, .interval_s = 0, .files = 0});
  ASSERT_TRUE(out.ok()) << out.error().message;
  std::string all;
  for (int batch = 0; batch < 50; ++batch) {
    std::string lines;
    for (int i = 0; i < 3; ++i) lines += "{\"batch\":" + std::to_string(batch) + ",\"i\":" + std::to_string(i) + "}\n";
    all += lines;
    ASSERT_EQ((*out)->write_lines(lines.data(), lines.size(), 3), 3u);
  }
  (*out)->close();
  EXPECT_EQ((*out)->written(), 150u);
  EXPECT_EQ((*out)->dropped(), 0u);
  std::string joined;
  int files = 0;
  for (;; ++files) {
    const std::string f = d.path + "/flows.json" + (files == 0 ? std::string() : std::to_string(files));
    if (!std::filesystem::exists(f)) break;
    const std::string s = slurp(f);
    EXPECT_LE(s.size(), 1000u) << f;
    ASSERT_FALSE(s.empty()) << f;
    EXPECT_EQ(s.back(), '\n') << f;
    joined += s;
  }
  EXPECT_GE(files, 3);  // about 3,000 bytes in files of at most 1,000
  EXPECT_EQ(joined, all);
}

// The EVE writer hands over 64 KiB at a time: one batch is cut at line ends across files.
TEST(LineOutputRotation, ABatchLargerThanTheSizeIsCutAtLineEnds) {
  Dir d;
  auto out = LineOutput::open(d.path + "/big.json", "eve-json", {.max_bytes = 500, .interval_s = 0, .files = 3});
  ASSERT_TRUE(out.ok()) << out.error().message;
  std::string lines;
  for (int i = 0; i < 100; ++i) lines += "{\"n\":" + std::to_string(1000 + i) + "}\n";  // 11 bytes each
  ASSERT_EQ((*out)->write_lines(lines.data(), lines.size(), 100), 100u);
  (*out)->close();
  // 1,100 bytes in a ring of three 500-byte files: big0 (45 lines), big1 (45), big2 (10).
  EXPECT_EQ(slurp(d.path + "/big0.json").size(), 0u) << "the pattern's number goes at the end";
  const std::string f0 = slurp(d.path + "/big.json0"), f1 = slurp(d.path + "/big.json1"), f2 = slurp(d.path + "/big.json2");
  EXPECT_EQ(f0.size(), 495u);
  EXPECT_EQ(f1.size(), 495u);
  EXPECT_EQ(f0 + f1 + f2, lines);
}

TEST(LineOutputRotation, ReopenAllStartsANewFileUnderTheSameName) {
  Dir d;
  const std::string p = d.path + "/f.json";
  auto out = LineOutput::open(p, "eve-json");
  ASSERT_TRUE(out.ok());
  const std::string a = "{\"a\":1}\n", b = "{\"b\":2}\n";
  ASSERT_EQ((*out)->write_lines(a.data(), a.size(), 1), 1u);
  std::filesystem::rename(p, p + ".1");
  LineOutput::request_reopen_all();
  ASSERT_EQ((*out)->write_lines(b.data(), b.size(), 1), 1u);
  (*out)->close();
  EXPECT_EQ(slurp(p + ".1"), a);
  EXPECT_EQ(slurp(p), b);
}

TEST(LineOutputRotation, RotationToStandardOutputIsRefused) {
  EXPECT_FALSE(LineOutput::open("-", "eve-json", {.max_bytes = 1000, .interval_s = 0, .files = 0}).ok());
}

}  // namespace
}  // namespace riptide

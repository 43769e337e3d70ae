// The status line: per-thread rates when several capture threads run (fanout imbalance shows),
// and progress with time left when reading a file.
#include <gtest/gtest.h>

#include "riptide/engine/run_report.hpp"

namespace riptide {
namespace {

MetricSample captured(const char* thread, std::uint64_t v) {
  return {{"captured", "packets", MetricType::counter, {{"thread", thread}}, {}, DropKind::none, 1}, v};
}

TEST(StatusLine, ShowsEachThreadsRate) {
  RunReport prev, now;
  prev.live = now.live = true;
  prev.metrics = {captured("0", 1000), captured("1", 1000)};
  now.metrics = {captured("0", 91000), captured("1", 3000)};
  now.captured = 94000;
  prev.captured = 2000;
  const std::string s = format_status(now, prev, 1.0);
  EXPECT_NE(s.find("pps per thread 90000 2000"), std::string::npos) << s;
}

TEST(StatusLine, OneThreadHasNoBreakdown) {
  RunReport prev, now;
  now.metrics = {captured("0", 10)};
  EXPECT_EQ(format_status(now, prev, 1.0).find("per thread"), std::string::npos);
}

TEST(StatusLine, FileProgressAndTimeLeft) {
  RunReport prev, now;
  now.file_bytes = 1'000'000'000;
  prev.file_bytes = now.file_bytes;
  prev.file_bytes_read = 200'000'000;
  now.file_bytes_read = 250'000'000;  // 50 MB/s: 750 MB left is 15 s
  const std::string s = format_status(now, prev, 1.0);
  EXPECT_NE(s.find(" 25.0% of 1000.0 MB, 15 s left"), std::string::npos) << s;
  EXPECT_EQ(s.find("drops: kernel"), std::string::npos) << "a file has no kernel ring: " << s;
}

}  // namespace
}  // namespace riptide

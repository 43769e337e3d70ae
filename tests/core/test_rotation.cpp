// RotationSchedule: tcpdump's -C/-G/-W names and moments.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "riptide/core/rotation.hpp"

namespace riptide {
namespace {

constexpr TimestampNs kS = 1'000'000'000;
// 2024-01-02 03:04:05 UTC
constexpr TimestampNs kT0 = 1704164645 * kS;

class Utc : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    if (tz) saved_ = tz, had_ = true;
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  void TearDown() override {
    if (had_) ::setenv("TZ", saved_.c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }
  std::string saved_;
  bool had_ = false;
};

TEST(Rotation, SizeAloneNumbersFromTheSecondFile) {
  RotationSchedule s("cap.pcap", {.max_bytes = 1000, .interval_s = 0, .files = 0});
  EXPECT_EQ(s.start(kT0), "cap.pcap");
  EXPECT_EQ(s.decide(0, 2000, 0, kT0), RotationSchedule::Step::same) << "an empty file takes one large record";
  EXPECT_EQ(s.decide(900, 100, 3, kT0), RotationSchedule::Step::same) << "exactly at the limit";
  EXPECT_EQ(s.decide(900, 101, 3, kT0), RotationSchedule::Step::next);
  EXPECT_EQ(s.next(kT0), "cap.pcap1");
  EXPECT_EQ(s.next(kT0), "cap.pcap2");
  EXPECT_EQ(s.files_started(), 3u);
}

TEST(Rotation, SizeWithARingWrapsAndPadsToTheDigitsOfWMinusOne) {
  RotationSchedule s("r", {.max_bytes = 10, .interval_s = 0, .files = 3});
  EXPECT_EQ(s.start(kT0), "r0");
  EXPECT_EQ(s.next(kT0), "r1");
  EXPECT_EQ(s.next(kT0), "r2");
  EXPECT_EQ(s.next(kT0), "r0");
  EXPECT_EQ(s.decide(1000, 1, 1, kT0), RotationSchedule::Step::next) << "a ring never ends by size";
  RotationSchedule w10("x", {.max_bytes = 10, .interval_s = 0, .files = 10});
  EXPECT_EQ(w10.name(kT0, 9), "x9");
  RotationSchedule w11("x", {.max_bytes = 10, .interval_s = 0, .files = 11});
  EXPECT_EQ(w11.start(kT0), "x00");
  EXPECT_EQ(w11.name(kT0, 10), "x10");
}

TEST_F(Utc, IntervalNamesThroughStrftimeAndStartsAtTheRecordThatEndsTheLast) {
  RotationSchedule s("out-%Y%m%d-%H%M%S.pcap", {.max_bytes = 0, .interval_s = 60, .files = 0});
  EXPECT_EQ(s.start(kT0), "out-20240102-030405.pcap");
  EXPECT_EQ(s.decide(100, 10, 1, kT0 + 59 * kS), RotationSchedule::Step::same);
  EXPECT_EQ(s.decide(100, 10, 1, kT0 + 60 * kS), RotationSchedule::Step::next);
  EXPECT_EQ(s.next(kT0 + 200 * kS), "out-20240102-030725.pcap") << "an idle stretch makes no empty files";
  EXPECT_EQ(s.decide(100, 10, 1, kT0 + 259 * kS), RotationSchedule::Step::same);
}

TEST_F(Utc, IntervalWithARingEndsAfterTheNthFileAsTcpdump) {
  RotationSchedule s("g-%H%M%S", {.max_bytes = 0, .interval_s = 10, .files = 2});
  EXPECT_EQ(s.start(kT0), "g-030405");
  ASSERT_EQ(s.decide(1, 1, 1, kT0 + 10 * kS), RotationSchedule::Step::next);
  EXPECT_EQ(s.next(kT0 + 10 * kS), "g-030415");
  EXPECT_EQ(s.decide(1, 1, 1, kT0 + 20 * kS), RotationSchedule::Step::end);
}

TEST_F(Utc, SizeAndIntervalNumberWithinEachInterval) {
  RotationSchedule s("b-%M%S-", {.max_bytes = 100, .interval_s = 10, .files = 3});
  EXPECT_EQ(s.start(kT0), "b-0405-0");
  EXPECT_EQ(s.decide(90, 20, 1, kT0 + kS), RotationSchedule::Step::next);
  EXPECT_EQ(s.next(kT0 + kS), "b-0405-1");
  EXPECT_EQ(s.decide(1, 1, 1, kT0 + 30 * kS), RotationSchedule::Step::next) << "-W with both only sets digits";
  EXPECT_EQ(s.next(kT0 + 30 * kS), "b-0435-0");
}

TEST(Rotation, ChecksForTheCommandLine) {
  EXPECT_EQ(check_rotation("x", {}), "");
  EXPECT_NE(check_rotation("x", {.max_bytes = 0, .interval_s = 0, .files = 3}), "");
  EXPECT_NE(check_rotation("-", {.max_bytes = 10, .interval_s = 0, .files = 0}), "");
  EXPECT_EQ(check_rotation("x", {.max_bytes = 10, .interval_s = 0, .files = 0}), "");
}

}  // namespace
}  // namespace riptide

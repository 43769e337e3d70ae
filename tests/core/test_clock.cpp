#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "riptide/core/clock.hpp"

namespace riptide {
namespace {

TEST(Clock, MonotonicNeverGoesBack) {
  std::int64_t prev = monotonic_ns();
  for (int i = 0; i < 100000; ++i) {
    const std::int64_t now = monotonic_ns();
    ASSERT_GE(now, prev);
    prev = now;
  }
}

TEST(Clock, MonotonicIsSteadyClock) {
  // Deadlines mix the two: steady_clock must read CLOCK_MONOTONIC.
  const std::int64_t a = monotonic_ns();
  const std::int64_t s = to_ns(std::chrono::steady_clock::now().time_since_epoch());
  const std::int64_t b = monotonic_ns();
  EXPECT_LE(a, s);
  EXPECT_LE(s, b);
}

TEST(Clock, RealtimeIsTheUnixEpoch) {
  const std::int64_t before = static_cast<std::int64_t>(std::time(nullptr));
  const TimestampNs now = realtime_ns();
  const std::int64_t after = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_GE(now / kNsPerSec, before);
  EXPECT_LE(now / kNsPerSec, after);
}

TEST(Clock, CoarseClocksTrailByAtMostATick) {
  const std::int64_t fine = monotonic_ns();
  const std::int64_t coarse = monotonic_coarse_ns();
  EXPECT_LE(coarse, monotonic_ns());
  EXPECT_LT(fine - coarse, 100 * kNsPerMs);  // a tick is 1-10 ms; generous for a loaded machine
  EXPECT_LT(std::abs(realtime_ns() - realtime_coarse_ns()), 100 * kNsPerMs);
}

TEST(Clock, TimespecConversionsRoundTrip) {
  static_assert(to_ns(to_timespec(1'500'000'001)) == 1'500'000'001);
  constexpr timespec neg = to_timespec(-1);  // floor: -1 s + 999999999 ns
  static_assert(neg.tv_sec == -1 && neg.tv_nsec == 999'999'999);
  static_assert(to_ns(std::chrono::milliseconds(3)) == 3 * kNsPerMs);
  EXPECT_EQ(to_ns(to_timespec(-2'250'000'000)), -2'250'000'000);
}

}  // namespace
}  // namespace riptide

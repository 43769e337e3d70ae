#pragma once
// Clock reads as plain nanosecond integers: the one place riptide calls clock_gettime.
//
// Two clocks, two jobs. monotonic_ns() measures intervals and sets deadlines (it never jumps;
// std::chrono::steady_clock reads the same clock on Linux). realtime_ns() stamps packets, file
// records and wall timers (Unix epoch, may jump when the system clock is set).
//
// **Example**
//   #include <riptide/core/clock.hpp>
//   const std::int64_t t0 = riptide::monotonic_ns();
//   do_work();
//   std::printf("took %lld us\n", static_cast<long long>((riptide::monotonic_ns() - t0) / riptide::kNsPerUs));
//   const riptide::TimestampNs stamp = riptide::realtime_ns();  // ns since 1970-01-01 UTC
#include <time.h>

#include <chrono>
#include <cstdint>

namespace riptide {

// Nanoseconds since the Unix epoch (pcap micro timestamps are scaled up).
using TimestampNs = std::int64_t;

inline constexpr std::int64_t kNsPerUs = 1'000;
inline constexpr std::int64_t kNsPerMs = 1'000'000;
inline constexpr std::int64_t kNsPerSec = 1'000'000'000;

// timespec <-> nanoseconds. to_timespec floors, so a negative value keeps tv_nsec in [0, 1 s).
constexpr std::int64_t to_ns(const timespec& ts) noexcept {
  return static_cast<std::int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}
constexpr timespec to_timespec(std::int64_t ns) noexcept {
  std::int64_t sec = ns / kNsPerSec, frac = ns % kNsPerSec;
  if (frac < 0) {
    frac += kNsPerSec;
    --sec;
  }
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = static_cast<long>(frac);
  return ts;
}
template <class Rep, class Period>
constexpr std::int64_t to_ns(std::chrono::duration<Rep, Period> d) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

namespace detail {
inline std::int64_t read_clock(clockid_t id) noexcept {
  timespec ts{};
  ::clock_gettime(id, &ts);  // cannot fail for these ids: they exist on every supported kernel
  return to_ns(ts);
}
}  // namespace detail

// CLOCK_MONOTONIC: intervals and deadlines.
inline std::int64_t monotonic_ns() noexcept { return detail::read_clock(CLOCK_MONOTONIC); }

// CLOCK_REALTIME: timestamps and wall timers.
inline TimestampNs realtime_ns() noexcept { return detail::read_clock(CLOCK_REALTIME); }

// The _COARSE clocks: a few ns instead of ~20, but only as fine as the kernel tick (1-10 ms).
// For once-per-batch bookkeeping that does not need better.
inline std::int64_t monotonic_coarse_ns() noexcept { return detail::read_clock(CLOCK_MONOTONIC_COARSE); }
inline TimestampNs realtime_coarse_ns() noexcept { return detail::read_clock(CLOCK_REALTIME_COARSE); }

}  // namespace riptide

#include "riptide/gen/pacer.hpp"

#include <time.h>

#include <cerrno>
#include <cmath>

#include "riptide/core/clock.hpp"

namespace riptide::gen {

std::int64_t MonotonicClock::now_ns() noexcept { return monotonic_ns(); }
std::int64_t MonotonicClock::wall_ns() noexcept { return realtime_ns(); }
void MonotonicClock::sleep_until_ns(std::int64_t t) noexcept {
  const timespec ts = to_timespec(t);
  // clock_nanosleep returns the error instead of setting errno, so retry_eintr does not apply.
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

Pacer::Pacer(const PacerConfig& cfg, PacerClock& clock) noexcept : cfg_(cfg), clock_(clock) {
  if (cfg_.rate_pps > 0) {
    ns_per_token_ = 1e9 / cfg_.rate_pps;
    depth_ns_ = cfg_.depth_s * 1e9;
  }
}

void Pacer::start() noexcept {
  start_ = clock_.now_ns();
  virt_ = 0;
  taken_ = 0;
}

void Pacer::acquire(std::uint32_t n) noexcept {
  taken_ += n;
  if (ns_per_token_ == 0) return;
  const double now = double(clock_.now_ns() - start_);
  // A full bucket: the tokens of a longer stall are forgotten. A batch larger than the
  // depth still goes (the depth is never below one granule).
  const double need = double(n) * ns_per_token_;
  const double floor_virt = now - (depth_ns_ > need ? depth_ns_ : need);
  if (virt_ < floor_virt) virt_ = floor_virt;
  virt_ += need;
  if (virt_ > now) clock_.sleep_until_ns(start_ + std::int64_t(std::ceil(virt_)));
}

}  // namespace riptide::gen

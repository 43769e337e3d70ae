#pragma once
// Pacer: a token bucket on an absolute time line, granular to a batch (or a --burst).
//
// Tokens accrue at rate_pps from start(); acquire(n) returns once n tokens are there and
// takes them. The time at which they are there is computed from the start, never from the
// previous wake-up (virtual time: origin + tokens_taken / rate), and slept to with an
// absolute deadline, so oversleeping one batch is recovered by the next one instead of
// drifting. The bucket holds at most `depth` tokens (max(granule, rate * depth_s)): after a
// stall longer than depth_s the lost time is not made up. The default depth (100 ms) is
// generous on purpose: on a loaded machine the sender is preempted for milliseconds at a
// time, and keeping the average rate matters more than never bursting; the catch-up after a
// stall goes out back to back, in batches.
//
// The clock is an interface so tests drive the pacer on a fake clock, and --pcap-out runs it
// on a virtual clock that jumps instead of sleeping.
#include <cstdint>

namespace riptide::gen {

class PacerClock {
 public:
  virtual ~PacerClock() = default;
  virtual std::int64_t now_ns() noexcept = 0;                // monotonic
  virtual void sleep_until_ns(std::int64_t t) noexcept = 0;  // absolute, on now_ns()'s scale
  virtual std::int64_t wall_ns() noexcept = 0;               // the timestamp written into frames
};

// CLOCK_MONOTONIC, clock_nanosleep(TIMER_ABSTIME); wall time is CLOCK_REALTIME.
class MonotonicClock final : public PacerClock {
 public:
  std::int64_t now_ns() noexcept override;
  void sleep_until_ns(std::int64_t t) noexcept override;
  std::int64_t wall_ns() noexcept override;
};

// Time moves only when told: sleep_until_ns() jumps to the deadline, advance() adds cost.
class VirtualClock final : public PacerClock {
 public:
  explicit VirtualClock(std::int64_t wall_origin_ns = 0) : wall_origin_(wall_origin_ns) {}
  std::int64_t now_ns() noexcept override { return now_; }
  void sleep_until_ns(std::int64_t t) noexcept override {
    if (t > now_) now_ = t;
    ++sleeps_;
  }
  std::int64_t wall_ns() noexcept override { return wall_origin_ + now_; }
  void advance(std::int64_t ns) noexcept { now_ += ns; }
  std::uint64_t sleeps() const noexcept { return sleeps_; }

 private:
  std::int64_t now_ = 0, wall_origin_ = 0;
  std::uint64_t sleeps_ = 0;
};

struct PacerConfig {
  double rate_pps = 0;   // 0: unpaced (acquire never waits)
  double depth_s = 0.1;  // catch-up allowance: a preempted sender makes up stalls this long
};

class Pacer {
 public:
  Pacer(const PacerConfig& cfg, PacerClock& clock) noexcept;
  void start() noexcept;  // the bucket starts empty at now
  // Waits (absolute sleep) until n tokens are available, takes them.
  void acquire(std::uint32_t n) noexcept;
  std::uint64_t taken() const noexcept { return taken_; }
  std::int64_t start_ns() const noexcept { return start_; }

 private:
  PacerConfig cfg_;
  PacerClock& clock_;
  double ns_per_token_ = 0;
  double depth_ns_ = 0;
  std::int64_t start_ = 0;
  double virt_ = 0;  // ns after start_ at which the bucket would be empty
  std::uint64_t taken_ = 0;
};

}  // namespace riptide::gen

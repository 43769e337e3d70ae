#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "riptide/core/clock.hpp"
#include "riptide/core/futex.hpp"

namespace riptide {
namespace {

using namespace std::chrono_literals;

TEST(Futex, WakeWakesASleepingWaiter) {
  std::atomic<std::uint32_t> word{0};
  std::atomic<bool> asleep{false}, done{false};
  std::int64_t slept_ns = 0;
  std::thread waiter([&] {
    const std::uint32_t seen = word.load(std::memory_order_acquire);
    asleep.store(true);
    const std::int64_t t0 = monotonic_ns();
    while (!done.load(std::memory_order_acquire)) futex_wait_for(word, seen, 30s);
    slept_ns = monotonic_ns() - t0;
  });
  while (!asleep.load()) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // let it reach the kernel
  done.store(true, std::memory_order_release);
  futex_wake(word);
  waiter.join();
  EXPECT_EQ(word.load(), 1u);           // the wake moved the word on
  EXPECT_LT(slept_ns, 10 * kNsPerSec);  // woken, not timed out
}

TEST(Futex, TimeoutReturns) {
  std::atomic<std::uint32_t> word{7};
  const std::int64_t t0 = monotonic_ns();
  futex_wait_for(word, 7, 30ms);
  const std::int64_t took = monotonic_ns() - t0;
  EXPECT_GE(took, 25 * kNsPerMs);
  EXPECT_LT(took, 5 * kNsPerSec);
}

TEST(Futex, AMovedWordReturnsAtOnce) {
  // The wake that lands between a waiter's check and its sleep: the kernel sees the word moved.
  std::atomic<std::uint32_t> word{0};
  const std::uint32_t seen = word.load();
  futex_wake(word);  // nobody asleep yet
  const std::int64_t t0 = monotonic_ns();
  futex_wait_for(word, seen, 10s);
  EXPECT_LT(monotonic_ns() - t0, 5 * kNsPerSec);
}

TEST(Futex, ZeroOrNegativeTimeoutDoesNotSleep) {
  std::atomic<std::uint32_t> word{0};
  const std::int64_t t0 = monotonic_ns();
  futex_wait_for(word, 0, 0ns);
  futex_wait_for(word, 0, -5s);
  EXPECT_LT(monotonic_ns() - t0, kNsPerSec);
}

}  // namespace
}  // namespace riptide

#pragma once
// Sleep and wake on a 32-bit atomic word without a lock (Linux futex, process-private).
//
// The word is a sequence number. A waiter reads it, checks its condition, and sleeps only if
// the word still holds what it read; a waker publishes its change and then calls futex_wake,
// which moves the word on before waking. So a wake that lands between the waiter's check and
// its sleep is never lost: the kernel sees the word moved and returns at once.
//
// **Example**
//   #include <riptide/core/futex.hpp>
//   std::atomic<std::uint32_t> seq{0};
//   std::atomic<bool> done{false};
//   // waiter
//   for (;;) {
//     const std::uint32_t seen = seq.load(std::memory_order_acquire);
//     if (done.load(std::memory_order_acquire)) break;
//     riptide::futex_wait_for(seq, seen, std::chrono::milliseconds(100));  // may return early: loop
//   }
//   // waker (another thread)
//   done.store(true, std::memory_order_release);
//   riptide::futex_wake(seq);
#include <atomic>
#include <chrono>
#include <cstdint>

namespace riptide {

// Sleeps while word == seen, for at most `timeout` (nothing when timeout <= 0). Returns on a
// wake, at the timeout, on a signal, or at once when the word no longer holds `seen`; callers
// re-check their condition in a loop.
void futex_wait_for(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::chrono::nanoseconds timeout) noexcept;

// Moves the word on (release: what the caller wrote before is visible to a woken waiter) and
// wakes every thread sleeping on it.
void futex_wake(std::atomic<std::uint32_t>& word) noexcept;

}  // namespace riptide

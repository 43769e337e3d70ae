#include "riptide/core/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <climits>

#include "riptide/core/clock.hpp"

namespace riptide {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "futex needs a plain 32-bit word");

namespace {
std::uint32_t* word_addr(std::atomic<std::uint32_t>& w) noexcept { return reinterpret_cast<std::uint32_t*>(&w); }
}  // namespace

void futex_wait_for(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::chrono::nanoseconds timeout) noexcept {
  if (timeout.count() <= 0) return;
  const timespec ts = to_timespec(timeout.count());
  // EAGAIN (the word already moved), EINTR and ETIMEDOUT all mean "go and look again", which
  // is what the caller's loop does anyway: no retry here.
  ::syscall(SYS_futex, word_addr(word), FUTEX_WAIT_PRIVATE, seen, &ts, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>& word) noexcept {
  word.fetch_add(1, std::memory_order_release);
  ::syscall(SYS_futex, word_addr(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace riptide

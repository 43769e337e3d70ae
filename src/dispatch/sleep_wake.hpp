#pragma once
// What a worker needs besides the futex (riptide/core/futex.hpp) to sleep without a lock: a
// full fence for the "I am going to sleep" / "I published" handshake, and a spin-loop pause.
#include <atomic>
#include <cstdint>

namespace riptide::dispatch_detail {

// StoreLoad barrier between "publish" and "is the peer asleep?" (and the mirror image on the
// worker), so that one of the two always sees the other. TSan does not model
// atomic_thread_fence (GCC even warns about it), so under TSan a seq_cst read-modify-write on
// a private atomic stands in; on x86 both are a locked instruction.
inline void full_fence() noexcept {
#if defined(__SANITIZE_THREAD__)
  static std::atomic<std::uint32_t> dummy{0};
  dummy.fetch_add(0, std::memory_order_seq_cst);
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
  static std::atomic<std::uint32_t> dummy{0};
  dummy.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// Polite busy-wait step for spin loops.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace riptide::dispatch_detail

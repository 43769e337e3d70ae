#pragma once
// SpscRing<T>: a bounded lock-free queue for exactly ONE producer thread and ONE consumer
// thread. Calling a producer member from two threads at once, or a consumer member from two
// threads at once, is a data race; the two sides may run concurrently with each other.
//
// Design (after the well-known rigtorp SPSCQueue layout, own code):
//  - head (consumer) and tail (producer) are monotonically increasing counters, each on its
//    own cache line, so the two cores never write the same line; slot = counter & mask, and
//    the capacity is a power of two so every slot is usable (full when tail - head == cap).
//  - each side keeps a private copy of the peer's counter and re-reads the shared one only
//    when that copy says "full" / "empty": in steady state a push or pop touches no line the
//    other core writes.
//  - acquire/release only: the producer's release store of tail publishes slot contents, the
//    consumer's release store of head hands slots back.
//  - storage is allocated once in the constructor; T may be non-trivial (slots are raw memory,
//    constructed on push and destroyed on pop; the destructor destroys what is left).
//  - batch members (push_batch, pop_batch, commit, release) publish with one store per call.
//
// Zero-copy access (reserve/commit, peek/release) hands out raw slots, so it is offered only
// for trivially copyable T: such types begin their lifetime implicitly in that storage.
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace riptide {

// 64 B: the line size of every x86-64 and most arm64 cores we target. The standard
// std::hardware_destructive_interference_size is not used because GCC warns that its value
// depends on -mtune, which would make this header's layout differ between translation units.
inline constexpr std::size_t kCacheLine = 64;

template <class T>
class SpscRing {
 public:
  // Rounds min_capacity up to a power of two (at least 1).
  explicit SpscRing(std::size_t min_capacity)
      : mask_(std::bit_ceil(min_capacity == 0 ? std::size_t{1} : min_capacity) - 1),
        slots_(static_cast<T*>(::operator new((mask_ + 1) * sizeof(T), std::align_val_t{kAlign}))) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  ~SpscRing() {
    if constexpr (!std::is_trivially_destructible_v<T>) {
      const std::size_t tail = prod_.tail.load(std::memory_order_relaxed);
      for (std::size_t i = cons_.head.load(std::memory_order_relaxed); i != tail; ++i) {
        std::destroy_at(slot(i));
      }
    }
    ::operator delete(slots_, std::align_val_t{kAlign});
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }

  // A snapshot; exact only when neither side is running.
  std::size_t size_approx() const noexcept {
    // head first: tail read afterwards can only be larger, so the difference never underflows.
    const std::size_t head = cons_.head.load(std::memory_order_acquire);
    const std::size_t tail = prod_.tail.load(std::memory_order_acquire);
    return tail - head;
  }
  bool empty_approx() const noexcept { return size_approx() == 0; }

  // Position of a slot (from reserve/peek/front) in the storage array, 0..capacity()-1, for
  // callers that keep parallel per-slot arrays (the dispatcher's packet views and byte arena).
  std::size_t slot_index(const T* p) const noexcept { return static_cast<std::size_t>(p - slots_); }

  // ---- producer side ----

  template <class... Args>
  bool try_emplace(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    assert(prod_.write == prod_.tail.load(std::memory_order_relaxed) && "open reservation");
    const std::size_t tail = prod_.write;
    if (free_slots(tail) == 0) return false;
    ::new (static_cast<void*>(slot(tail))) T(std::forward<Args>(args)...);
    prod_.write = tail + 1;
    prod_.tail.store(tail + 1, std::memory_order_release);
    return true;
  }
  bool try_push(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) { return try_emplace(v); }
  bool try_push(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) { return try_emplace(std::move(v)); }

  // Copies as many leading items as fit; returns how many. One release store.
  std::size_t push_batch(std::span<const T> items) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    assert(prod_.write == prod_.tail.load(std::memory_order_relaxed) && "open reservation");
    const std::size_t tail = prod_.write;
    std::size_t n = free_slots(tail, items.size());
    if (n > items.size()) n = items.size();
    if (n == 0) return 0;
    for (std::size_t i = 0; i < n; ++i) ::new (static_cast<void*>(slot(tail + i))) T(items[i]);
    prod_.write = tail + n;
    prod_.tail.store(tail + n, std::memory_order_release);
    return n;
  }

  // Claims up to n free slots after those already claimed since the last commit and returns
  // them; the span stops at the end of the storage, so a reservation that wraps takes a second
  // call. The slots hold unspecified values until the caller writes them.
  std::span<T> reserve(std::size_t n) noexcept
    requires std::is_trivially_copyable_v<T>
  {
    const std::size_t pos = prod_.write;
    std::size_t k = free_slots(pos, n);
    const std::size_t to_end = capacity() - (pos & mask_);
    if (k > to_end) k = to_end;
    if (k > n) k = n;
    prod_.write = pos + k;
    return {slot(pos), k};
  }

  // Publishes the first n claimed slots (one release store) and gives back the rest of the
  // claim. n must not exceed what was claimed since the last commit.
  void commit(std::size_t n) noexcept
    requires std::is_trivially_copyable_v<T>
  {
    const std::size_t tail = prod_.tail.load(std::memory_order_relaxed);
    assert(n <= prod_.write - tail);
    prod_.write = tail + n;
    if (n != 0) prod_.tail.store(tail + n, std::memory_order_release);
  }

  // Slots claimed by reserve() and not yet committed.
  std::size_t reserved() const noexcept { return prod_.write - prod_.tail.load(std::memory_order_relaxed); }

  // ---- consumer side ----

  // The oldest item, or nullptr when empty. It stays valid until pop().
  T* front() noexcept {
    const std::size_t head = cons_.head.load(std::memory_order_relaxed);
    return available(head) == 0 ? nullptr : slot(head);
  }
  // Only after front() returned non-null.
  void pop() noexcept {
    const std::size_t head = cons_.head.load(std::memory_order_relaxed);
    assert(head != cons_.tail_cache);
    std::destroy_at(slot(head));
    cons_.head.store(head + 1, std::memory_order_release);
  }

  bool try_pop(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    const std::size_t head = cons_.head.load(std::memory_order_relaxed);
    if (available(head) == 0) return false;
    T* s = slot(head);
    out = std::move(*s);
    std::destroy_at(s);
    cons_.head.store(head + 1, std::memory_order_release);
    return true;
  }

  // Moves up to out.size() items into out; returns how many. One release store.
  std::size_t pop_batch(std::span<T> out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    const std::size_t head = cons_.head.load(std::memory_order_relaxed);
    std::size_t n = available(head, out.size());
    if (n > out.size()) n = out.size();
    if (n == 0) return 0;
    for (std::size_t i = 0; i < n; ++i) {
      T* s = slot(head + i);
      out[i] = std::move(*s);
      std::destroy_at(s);
    }
    cons_.head.store(head + n, std::memory_order_release);
    return n;
  }

  // Up to max readable items starting at the oldest, without removing them; stops at the end
  // of the storage (after release(), the next peek returns the part that wrapped to slot 0).
  std::span<T> peek(std::size_t max) noexcept
    requires std::is_trivially_copyable_v<T>
  {
    const std::size_t head = cons_.head.load(std::memory_order_relaxed);
    std::size_t k = available(head, max);
    const std::size_t to_end = capacity() - (head & mask_);
    if (k > to_end) k = to_end;
    if (k > max) k = max;
    return {slot(head), k};
  }

  // Hands the n oldest items back to the producer (one release store). n <= last peek size.
  void release(std::size_t n) noexcept
    requires std::is_trivially_copyable_v<T>
  {
    const std::size_t head = cons_.head.load(std::memory_order_relaxed);
    assert(n <= cons_.tail_cache - head);
    if (n != 0) cons_.head.store(head + n, std::memory_order_release);
  }

 private:
  static constexpr std::size_t kAlign = alignof(T) > kCacheLine ? alignof(T) : kCacheLine;

  T* slot(std::size_t i) const noexcept { return slots_ + (i & mask_); }

  // Producer: free slots at position pos. The shared head is read only when the cached copy
  // shows fewer than `want` free slots.
  std::size_t free_slots(std::size_t pos, std::size_t want = 1) noexcept {
    std::size_t free = capacity() - (pos - prod_.head_cache);
    if (free < want) {
      prod_.head_cache = cons_.head.load(std::memory_order_acquire);
      free = capacity() - (pos - prod_.head_cache);
    }
    return free;
  }

  // Consumer: readable items at head; the shared tail is read only when the cached copy shows
  // fewer than `want`.
  std::size_t available(std::size_t head, std::size_t want = 1) noexcept {
    std::size_t n = cons_.tail_cache - head;
    if (n < want) {
      cons_.tail_cache = prod_.tail.load(std::memory_order_acquire);
      n = cons_.tail_cache - head;
    }
    return n;
  }

  // Read-only after construction: shared by both cores without ping-pong.
  const std::size_t mask_;
  T* const slots_;

  struct alignas(kCacheLine) ProducerLine {
    std::atomic<std::size_t> tail{0};  // published: slots before it are readable
    std::size_t write = 0;             // producer-private: tail + slots claimed by reserve()
    std::size_t head_cache = 0;        // producer's last view of head
  };
  struct alignas(kCacheLine) ConsumerLine {
    std::atomic<std::size_t> head{0};  // slots before it are free
    std::size_t tail_cache = 0;        // consumer's last view of tail
  };
  // Both are line-aligned, so the object spans whole lines and shares none with neighbours.
  ProducerLine prod_;
  ConsumerLine cons_;
};

}  // namespace riptide

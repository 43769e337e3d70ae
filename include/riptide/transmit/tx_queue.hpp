#pragma once
// TxQueue: a bounded queue of frames waiting to be transmitted by a TxThread.
//
// Producers are analyzers that answer or report now and then (a few frames per flow event),
// never the per-packet capture path, so a small mutex around a memcpy of one frame is
// cheaper than it is worth avoiding; it makes enqueue() safe from any number of threads.
// The single consumer borrows a run of slots with peek() and hands them back with release():
// producers never write into borrowed slots, so the consumer sends straight from the queue
// memory without holding the lock.
//
// The consumer sleeps in wait_until() while the queue is empty; a producer signals it only when
// it is actually asleep, so a busy queue costs no system call per frame and an idle one costs
// no periodic wake-ups.
//
// Capacity and memory are fixed at construction: a full queue refuses the frame and counts it.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace riptide {

struct TxQueueStats {
  std::uint64_t enqueued = 0;
  std::uint64_t refused_full = 0;     // queue at capacity
  std::uint64_t refused_too_big = 0;  // frame longer than slot_bytes(), or empty
};

class TxQueue {
 public:
  // The default slot; the engine sizes its queue from the interface (TxSocket::max_frame()).
  static constexpr std::size_t kSlotBytes = 2048;
  static constexpr std::size_t kMaxSlotBytes = 65536 + 18;  // loopback's MTU + link header + VLAN

  // slot_bytes: the longest frame taken (clamped to 64..kMaxSlotBytes). The memory is reserved
  // at once but only touched as frames fill it.
  explicit TxQueue(std::size_t capacity, std::size_t slot_bytes = kSlotBytes);
  TxQueue(const TxQueue&) = delete;
  TxQueue& operator=(const TxQueue&) = delete;

  // Thread-safe, any number of producers. Copies the frame; false when refused (counted).
  bool enqueue(std::span<const std::uint8_t> frame);

  // Consumer only. Fills `out` with up to out.size() oldest frames, which stay valid and
  // untouched until release(n) hands them back. Returns how many were filled.
  std::size_t peek(std::span<std::span<const std::uint8_t>> out);
  void release(std::size_t n);
  // Consumer only. Sleeps until a frame is queued, wake() is called, or CLOCK_MONOTONIC
  // reaches deadline_ns, whichever is first; returns at once if one of the first two
  // already happened since the last wait.
  void wait_until(std::int64_t deadline_ns);
  // Ends the consumer's current or next wait_until() (to make it look at a stop flag).
  void wake();

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t slot_bytes() const noexcept { return slot_bytes_; }
  std::size_t size() const;
  TxQueueStats stats() const;

 private:
  const std::size_t capacity_;
  const std::size_t slot_bytes_;
  std::unique_ptr<std::uint8_t[]> slots_;  // not value-initialised: untouched pages stay unallocated
  std::vector<std::uint32_t> lens_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool consumer_waiting_ = false;
  bool wake_pending_ = false;
  std::uint64_t head_ = 0;  // next slot to send (consumer)
  std::uint64_t tail_ = 0;  // next slot to fill (producers)
  TxQueueStats stats_;
};

}  // namespace riptide

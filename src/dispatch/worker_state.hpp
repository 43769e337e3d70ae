#pragma once
// Everything the dispatcher keeps per worker, laid out by who writes it: the producer's
// fields, the worker's fields and the sleep handshake each sit on their own cache lines so
// the two threads do not bounce a line between cores in the busy case.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>

#include "riptide/dispatch/dispatcher.hpp"
#include "riptide/dispatch/spsc_ring.hpp"
#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide {

struct alignas(kCacheLine) Dispatcher::Worker {
  Worker(std::size_t slots, std::size_t slot_bytes)
      : ring(slots), views(new PacketView[ring.capacity()]), arena(new std::uint8_t[ring.capacity() * slot_bytes]) {}

  // Slot i of the ring holds a packet's meta, views[i] its view and the arena its bytes, so
  // consecutive slots give the worker the two parallel spans of a batch without a copy.
  SpscRing<PacketMeta> ring;
  std::unique_ptr<PacketView[]> views;    // slot i's view; data points into the arena
  std::unique_ptr<std::uint8_t[]> arena;  // slot i's packet bytes at i * slot_bytes

  // Producer-only scratch for the batch being dispatched.
  struct alignas(kCacheLine) Pending {
    std::size_t want = 0;         // packets of this batch for this worker not yet placed
    std::span<PacketMeta> a, b;   // current reservation (b: the part wrapped to slot 0)
    std::size_t used = 0;         // slots of a then b filled
    std::uint64_t truncated = 0;  // counters gathered per batch, stored once
    std::uint64_t dropped = 0;
  } pending;

  // Written by the producer only; atomics so that stats() may read them from any thread.
  struct alignas(kCacheLine) ProducerCounters {
    std::atomic<std::uint64_t> enqueued{0};
    std::atomic<std::uint64_t> queue_full_drops{0};
    std::atomic<std::uint64_t> copy_truncated{0};
    std::atomic<std::uint64_t> wakeups{0};
    std::atomic<std::uint64_t> max_depth{0};
  } prod;

  struct alignas(kCacheLine) ConsumerCounters {
    std::atomic<std::uint64_t> dequeued{0};
  } cons;

  // The sleep handshake: the worker sets sleeping, re-checks its queue and waits on
  // wake_seq; the producer, after publishing, clears sleeping and bumps wake_seq.
  struct alignas(kCacheLine) Sleep {
    std::atomic<std::uint32_t> sleeping{0};
    std::atomic<std::uint32_t> wake_seq{0};
    std::atomic<std::uint32_t> woken{0};  // wake(): call the handler's on_wake
  } sleep;

  std::thread thread;
};

// Relaxed single-writer add: the owner is the only writer, readers only need a recent value.
inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace riptide

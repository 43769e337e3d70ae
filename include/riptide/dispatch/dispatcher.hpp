#pragma once
// Dispatcher: hands packets from one capture thread to N worker threads.
//
// Each worker owns one SpscRing<PacketMeta> and, parallel to its slots, an array of PacketView
// and a byte arena of slot_bytes per slot. The producer (the one thread that calls dispatch()
// and stop()) sends every packet to worker flow_hash(meta) % N, so both directions of a flow
// meet on one worker, and copies it into that worker's next slot (see worker_handler.hpp for
// why a copy): meta into the ring slot, view into the view array, bytes into the arena, all
// published by the ring's one release store. Per batch and per worker there
// is one reserve, one commit (one release store) and, only when that worker announced it is
// going to sleep, one futex wake; a busy pipeline makes no system call.
//
// Workers peek up to worker_batch consecutive slots, hand them to WorkerHandler::on_packets as
// two spans (the ring's metas and the matching views: no copy), release the slots, and
// when the queue stays empty spin for idle_spin before sleeping on a futex (with a timeout so
// on_tick still runs).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"
#include "riptide/decode/metadata.hpp"
#include "riptide/dispatch/spsc_ring.hpp"
#include "riptide/dispatch/worker_handler.hpp"

namespace riptide {

enum class Backpressure : std::uint8_t {
  drop,  // live capture: a full worker queue drops the packet (counted in queue_full_drops)
  wait,  // files: the producer waits for room, nothing is lost
};

struct DispatcherConfig {
  std::size_t workers = 1;
  std::size_t ring_slots = 4096;   // per worker, rounded up to a power of two
  std::size_t slot_bytes = 2048;   // packet bytes kept per slot; longer packets are truncated
  std::size_t worker_batch = 256;  // most packets handed to one on_packets call
  std::chrono::nanoseconds idle_spin = std::chrono::microseconds(50);
  std::chrono::nanoseconds tick_interval = std::chrono::milliseconds(100);
  // Worker i is pinned to worker_cpus[i % size()]; empty: not pinned.
  std::vector<int> worker_cpus;
};

// Counters of one worker. A snapshot; each value is exact once stop() returned.
struct WorkerStats {
  std::uint64_t enqueued = 0;          // packets copied into the worker's queue
  std::uint64_t dequeued = 0;          // packets handed to the handler
  std::uint64_t queue_full_drops = 0;  // Backpressure::drop: queue full, packet lost
  std::uint64_t copy_truncated = 0;    // packet longer than slot_bytes, copied truncated
  std::uint64_t wakeups = 0;           // futex wakes the producer issued to a sleeping worker
  std::uint64_t max_depth = 0;         // deepest queue seen by the producer after a commit
};

class Dispatcher {
 public:
  // Validates the configuration and allocates every ring and arena; starts no thread.
  static Result<std::unique_ptr<Dispatcher>> create(const DispatcherConfig& cfg);

  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  ~Dispatcher();  // stop()

  // Starts the worker threads. handler must outlive stop(). Fails if already started, or if
  // a thread cannot be created or pinned (then no worker is left running).
  Result<void> start(WorkerHandler& handler);

  // Producer thread only. metas[i] describes batch[i] (sizes must match; the extra entries
  // of the longer one are ignored). Returns how many packets were enqueued. With
  // Backpressure::wait a worker whose handler never returns blocks the caller.
  std::size_t dispatch(const PacketBatch& batch, std::span<const PacketMeta> metas, Backpressure mode);

  // Producer thread (or after the producer stopped): lets every worker drain its queue, calls
  // on_stop on each, joins them. Idempotent; dispatch() must not be called afterwards.
  void stop();

  // Any thread: worker w calls its handler's on_wake soon, cutting its sleep short (one futex
  // wake). For results another thread finished for that worker (offloaded work).
  void wake(std::size_t w) noexcept;

  std::size_t workers() const noexcept { return workers_.size(); }
  const DispatcherConfig& config() const noexcept { return cfg_; }
  WorkerStats stats(std::size_t worker) const noexcept;
  WorkerStats total_stats() const noexcept;

  // The worker a packet goes to among n.
  static std::size_t worker_for(const PacketMeta& meta, std::size_t n) noexcept;

 private:
  struct Worker;

  explicit Dispatcher(const DispatcherConfig& cfg);
  void run_worker(std::size_t w);
  PacketMeta* next_slot(Worker& wk, Backpressure mode);
  void publish(Worker& wk);
  void wake_if_sleeping(Worker& wk);

  DispatcherConfig cfg_;
  std::vector<std::unique_ptr<Worker>> workers_;
  WorkerHandler* handler_ = nullptr;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace riptide

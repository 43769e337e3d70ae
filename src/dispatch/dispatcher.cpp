#include "riptide/dispatch/dispatcher.hpp"
#include "riptide/core/thread_name.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>

#include "dispatch/sleep_wake.hpp"
#include "dispatch/worker_state.hpp"
#include "riptide/core/futex.hpp"
#include "riptide/decode/flow_key.hpp"

namespace riptide {

using dispatch_detail::cpu_relax;
using dispatch_detail::full_fence;

namespace {

// Bounds that keep arenas addressable and slots meaningful, with room to spare.
constexpr std::size_t kMaxWorkers = 1024;
constexpr std::size_t kMaxRingSlots = std::size_t{1} << 24;
constexpr std::size_t kMinSlotBytes = 64;
constexpr std::size_t kMaxSlotBytes = 256 * 1024;

}  // namespace

Result<std::unique_ptr<Dispatcher>> Dispatcher::create(const DispatcherConfig& cfg) {
  auto bad = [](const std::string& what) { return make_error(Errc::invalid_argument, "dispatcher: " + what); };
  if (cfg.workers == 0 || cfg.workers > kMaxWorkers)
    return bad("workers must be 1.." + std::to_string(kMaxWorkers) + ", got " + std::to_string(cfg.workers));
  if (cfg.ring_slots == 0 || cfg.ring_slots > kMaxRingSlots)
    return bad("ring_slots must be 1.." + std::to_string(kMaxRingSlots) + ", got " + std::to_string(cfg.ring_slots));
  if (cfg.slot_bytes < kMinSlotBytes || cfg.slot_bytes > kMaxSlotBytes)
    return bad("slot_bytes must be " + std::to_string(kMinSlotBytes) + ".." + std::to_string(kMaxSlotBytes) +
               ", got " + std::to_string(cfg.slot_bytes));
  if (cfg.worker_batch == 0) return bad("worker_batch must be at least 1");
  if (cfg.tick_interval.count() <= 0) return bad("tick_interval must be positive");
  for (int c : cfg.worker_cpus) {
    if (c < 0 || c >= CPU_SETSIZE) return bad("worker cpu " + std::to_string(c) + " is out of range");
  }
  std::unique_ptr<Dispatcher> d(new Dispatcher(cfg));
  return d;
}

Dispatcher::Dispatcher(const DispatcherConfig& cfg) : cfg_(cfg) {
  workers_.reserve(cfg.workers);
  for (std::size_t i = 0; i < cfg.workers; ++i) workers_.push_back(std::make_unique<Worker>(cfg.ring_slots, cfg.slot_bytes));
}

Dispatcher::~Dispatcher() { stop(); }

Result<void> Dispatcher::start(WorkerHandler& handler) {
  if (started_) return make_error(Errc::invalid_argument, "dispatcher: start() called twice");
  handler_ = &handler;
  started_ = true;
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    Worker& wk = *workers_[w];
    try {
      wk.thread = std::thread([this, w] {
        name_this_thread("rt-worker" + std::to_string(w));
        run_worker(w);
      });
    } catch (const std::system_error& e) {
      stop();
      return make_error(Errc::exhausted, "dispatcher: cannot start worker " + std::to_string(w) + ": " + e.what());
    }
    if (!cfg_.worker_cpus.empty()) {
      const int cpu = cfg_.worker_cpus[w % cfg_.worker_cpus.size()];
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      if (int rc = pthread_setaffinity_np(wk.thread.native_handle(), sizeof(set), &set); rc != 0) {
        stop();
        return make_error(Errc::invalid_argument, "dispatcher: cannot pin worker " + std::to_string(w) + " to cpu " +
                                                      std::to_string(cpu) + ": " + std::strerror(rc));
      }
    }
  }
  return {};
}

void Dispatcher::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Release: every commit made before this store is visible to a worker that sees it.
  stopping_.store(true, std::memory_order_release);
  for (auto& wk : workers_) {
    futex_wake(wk->sleep.wake_seq);
  }
  for (auto& wk : workers_) {
    if (wk->thread.joinable()) wk->thread.join();
  }
}

std::size_t Dispatcher::worker_for(const PacketMeta& meta, std::size_t n) noexcept {
  // The flow table's own hash: symmetric, and the same notion of "flow" as the analyzers'.
  return static_cast<std::size_t>(flow_hash(meta) % n);
}

WorkerStats Dispatcher::stats(std::size_t worker) const noexcept {
  const Worker& wk = *workers_[worker];
  WorkerStats s;
  s.enqueued = wk.prod.enqueued.load(std::memory_order_relaxed);
  s.dequeued = wk.cons.dequeued.load(std::memory_order_relaxed);
  s.queue_full_drops = wk.prod.queue_full_drops.load(std::memory_order_relaxed);
  s.copy_truncated = wk.prod.copy_truncated.load(std::memory_order_relaxed);
  s.wakeups = wk.prod.wakeups.load(std::memory_order_relaxed);
  s.max_depth = wk.prod.max_depth.load(std::memory_order_relaxed);
  return s;
}

WorkerStats Dispatcher::total_stats() const noexcept {
  WorkerStats t;
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    const WorkerStats s = stats(w);
    t.enqueued += s.enqueued;
    t.dequeued += s.dequeued;
    t.queue_full_drops += s.queue_full_drops;
    t.copy_truncated += s.copy_truncated;
    t.wakeups += s.wakeups;
    t.max_depth = std::max(t.max_depth, s.max_depth);
  }
  return t;
}

// Publishes what the current reservation holds: one release store, plus a wake if needed.
void Dispatcher::publish(Worker& wk) {
  Worker::Pending& p = wk.pending;
  if (p.used != 0) {
    wk.ring.commit(p.used);
    bump(wk.prod.enqueued, p.used);
    const std::uint64_t depth = wk.ring.size_approx();
    if (depth > wk.prod.max_depth.load(std::memory_order_relaxed)) wk.prod.max_depth.store(depth, std::memory_order_relaxed);
    wake_if_sleeping(wk);
  } else {
    wk.ring.commit(0);
  }
  p.a = {};
  p.b = {};
  p.used = 0;
}

void Dispatcher::wake(std::size_t w) noexcept {
  if (w >= workers_.size()) return;
  Worker& wk = *workers_[w];
  wk.sleep.woken.store(1, std::memory_order_relaxed);
  futex_wake(wk.sleep.wake_seq);  // release: the flag is seen by the woken worker
}

void Dispatcher::wake_if_sleeping(Worker& wk) {
  // Pairs with the worker's fence between "sleeping = 1" and its last look at the queue.
  full_fence();
  if (wk.sleep.sleeping.load(std::memory_order_relaxed) == 0) return;
  wk.sleep.sleeping.store(0, std::memory_order_relaxed);
  futex_wake(wk.sleep.wake_seq);
  bump(wk.prod.wakeups, 1);
}

// The next free slot of the worker's reservation, or nullptr (drop mode, queue full).
PacketMeta* Dispatcher::next_slot(Worker& wk, Backpressure mode) {
  Worker::Pending& p = wk.pending;
  for (;;) {
    if (p.used < p.a.size()) return &p.a[p.used++];
    if (p.used - p.a.size() < p.b.size()) return &p.b[p.used++ - p.a.size()];
    if (mode == Backpressure::drop) return nullptr;
    // Wait mode: hand over what is filled so the worker can make room, then wait for room.
    publish(wk);
    unsigned spins = 0;
    while ((p.a = wk.ring.reserve(p.want)).empty()) {
      if (++spins < 64) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
    }
    if (p.a.size() < p.want) p.b = wk.ring.reserve(p.want - p.a.size());
  }
}

std::size_t Dispatcher::dispatch(const PacketBatch& batch, std::span<const PacketMeta> metas, Backpressure mode) {
  assert(!stopped_);
  const std::size_t n = std::min(batch.size(), metas.size());
  if (n == 0) return 0;
  const std::size_t nw = workers_.size();

  // Pass 1: choose workers and count, so each worker gets one reservation for the batch.
  std::uint16_t target[PacketBatch::kCapacity];
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t w = nw == 1 ? 0 : worker_for(metas[i], nw);
    target[i] = static_cast<std::uint16_t>(w);
    ++workers_[w]->pending.want;
  }
  for (auto& wk : workers_) {
    Worker::Pending& p = wk->pending;
    if (p.want == 0) continue;
    p.a = wk->ring.reserve(p.want);
    if (p.a.size() < p.want) p.b = wk->ring.reserve(p.want - p.a.size());
  }

  // Pass 2: copy each packet into its worker's next slot.
  const std::size_t slot_bytes = cfg_.slot_bytes;
  std::size_t enqueued = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Worker& wk = *workers_[target[i]];
    Worker::Pending& p = wk.pending;
    PacketMeta* meta = next_slot(wk, mode);
    --p.want;
    if (meta == nullptr) {
      ++p.dropped;
      continue;
    }
    const PacketView& src = batch[i];
    const std::size_t slot = wk.ring.slot_index(meta);
    std::uint8_t* dst = wk.arena.get() + slot * slot_bytes;
    const std::uint32_t len = src.caplen <= slot_bytes ? src.caplen : static_cast<std::uint32_t>(slot_bytes);
    if (len != 0) std::memcpy(dst, src.data, len);
    PacketView& view = wk.views[slot];
    view = src;
    view.data = dst;
    *meta = metas[i];
    if (len != src.caplen) {
      view.caplen = len;
      meta->caplen = len;
      meta->flags |= kMetaTruncated;
      ++p.truncated;
    }
    ++enqueued;
  }

  for (auto& wk : workers_) {
    Worker::Pending& p = wk->pending;
    if (p.a.empty() && p.b.empty() && p.dropped == 0 && p.used == 0) continue;
    publish(*wk);
    if (p.truncated != 0) bump(wk->prod.copy_truncated, p.truncated);
    if (p.dropped != 0) bump(wk->prod.queue_full_drops, p.dropped);
    p.truncated = 0;
    p.dropped = 0;
    p.want = 0;
  }
  return enqueued;
}

}  // namespace riptide

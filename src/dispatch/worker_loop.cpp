// The body of a dispatcher worker thread: drain, tick, spin, sleep.
#include <algorithm>
#include <chrono>
#include <limits>

#include "dispatch/sleep_wake.hpp"
#include "dispatch/worker_state.hpp"
#include "riptide/core/clock.hpp"
#include "riptide/core/futex.hpp"
#include "riptide/dispatch/dispatcher.hpp"

namespace riptide {

using dispatch_detail::cpu_relax;
using dispatch_detail::full_fence;
using Clock = std::chrono::steady_clock;

void Dispatcher::run_worker(std::size_t w) {
  Worker& wk = *workers_[w];
  WorkerHandler& handler = *handler_;
  const std::size_t max_batch = cfg_.worker_batch;
  const auto tick = cfg_.tick_interval;
  auto next_tick = Clock::now() + tick;
  Clock::time_point idle_since{};
  bool idle = false;

  // The regular tick, or sooner when the handler has a deadline in between.
  auto due_at = [&](Clock::time_point now) {
    const TimestampNs want = handler.next_deadline(w);
    if (want == std::numeric_limits<TimestampNs>::max()) return next_tick;
    const auto early = now + std::chrono::nanoseconds(std::max<TimestampNs>(want - realtime_ns(), 0));
    return early < next_tick ? early : next_tick;
  };
  auto tick_if_due = [&](Clock::time_point now) {
    if (now < due_at(now)) return;
    handler.on_tick(w, realtime_ns());
    if (now >= next_tick) next_tick = now + tick;
  };

  for (;;) {
    const std::span<PacketMeta> metas = wk.ring.peek(max_batch);
    if (!metas.empty()) {
      // peek() never wraps, so the matching views are consecutive too.
      const std::span<const PacketView> views(wk.views.get() + wk.ring.slot_index(metas.data()), metas.size());
      handler.on_packets(w, metas, views);
      wk.ring.release(metas.size());
      bump(wk.cons.dequeued, metas.size());
      idle = false;
      tick_if_due(Clock::now());
      continue;
    }

    // Stop is stored after the producer's last commit: once it is seen, an empty queue is
    // final. peek() above re-read the shared tail because its cache said empty.
    if (stopping_.load(std::memory_order_acquire)) {
      if (wk.ring.peek(1).empty()) break;
      continue;
    }

    if (wk.sleep.woken.load(std::memory_order_relaxed) != 0) {
      wk.sleep.woken.store(0, std::memory_order_relaxed);
      handler.on_wake(w);
    }
    const auto now = Clock::now();
    tick_if_due(now);
    if (!idle) {
      idle = true;
      idle_since = now;
    }
    if (now - idle_since < cfg_.idle_spin) {
      cpu_relax();
      continue;
    }

    // Announce sleep, then look at the queue once more: the producer either sees the flag
    // after its commit, or we see its commit here (both sides fence in between).
    const std::uint32_t seq = wk.sleep.wake_seq.load(std::memory_order_acquire);
    wk.sleep.sleeping.store(1, std::memory_order_relaxed);
    full_fence();
    if (!wk.ring.peek(1).empty() || stopping_.load(std::memory_order_acquire) ||
        wk.sleep.woken.load(std::memory_order_relaxed) != 0) {
      wk.sleep.sleeping.store(0, std::memory_order_relaxed);
      continue;
    }
    const auto before = Clock::now();
    futex_wait_for(wk.sleep.wake_seq, seq, due_at(before) - before);
    wk.sleep.sleeping.store(0, std::memory_order_relaxed);
    idle = false;  // spin again before the next sleep: traffic often resumes in bursts
  }
  handler.on_stop(w);
}

}  // namespace riptide

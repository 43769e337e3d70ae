// The capture threads: each pulls batches from its source, applies the file filter, -c and
// -w, decodes, and hands the batch to its analyzers (workers) or to the dispatcher.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstring>

#include "engine/engine_impl.hpp"
#include "riptide/core/clock.hpp"
#include "riptide/core/futex.hpp"

namespace riptide {

namespace {

bool pin_to_cpu(int cpu) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

}  // namespace

void Engine::Impl::process_batch(std::size_t idx, engine::CaptureTotals& t, PacketBatch& batch,
                                 std::array<PacketMeta, PacketBatch::kCapacity>& metas) {
  std::uint64_t bytes = 0;
  for (const auto& p : batch) bytes += p.wirelen;
  t.captured += batch.size();
  t.bytes += bytes;
  t.in_progress = batch.size();
  counters[idx]->publish(t);

  // User-space filter (files only): compacts the batch in place, each packet tested with the
  // program for its own link type. One that the expression cannot apply to ends the run.
  if (user_filter) {
    const std::size_t before = batch.size();
    if (auto r = user_filter->apply(batch); !r) {
      add_error(r.error().message);
      fatal.store(true);
    }
    t.filtered += before - batch.size();
  }

  // -c budget, shared by all capture threads: one atomic operation per batch.
  if (cfg.max_packets != 0 && !batch.empty()) {
    std::uint64_t want = batch.size(), have = remaining.load(std::memory_order_relaxed), take = 0;
    do {
      take = std::min<std::uint64_t>(want, have);
    } while (!remaining.compare_exchange_weak(have, have - take, std::memory_order_relaxed));
    if (take < want) {
      t.beyond += want - take;
      batch.truncate(take);
    }
    if (have - take == 0) stopping.store(true, std::memory_order_relaxed);
  }
  if (batch.empty()) return;

  if (output) output->push(idx, std::span<const PacketView>(batch.begin(), batch.size()));

  decode_batch(batch.begin(), metas.data(), batch.size(), decode[idx]->working, cfg.decode);

  if (dispatcher) {
    const auto mode = live() ? Backpressure::drop : Backpressure::wait;
    const std::size_t in = dispatcher->dispatch(batch, std::span<const PacketMeta>(metas.data(), batch.size()), mode);
    t.dispatched += in;
    t.queue_drops += batch.size() - in;
    return;
  }
  auto& set = *sets[idx];
  TimestampNs newest = 0;
  for (const auto& p : batch) newest = std::max(newest, p.ts_ns);
  set.packets(std::span<const PacketMeta>(metas.data(), batch.size()), std::span<const PacketView>(batch.begin(), batch.size()));
  set.batch_end(newest);
  t.processed += batch.size();
}

// Copies what other threads may read mid-run: each analyzer's counters (not thread-safe to
// read from elsewhere). Called on the thread that runs the set, at ticks and at the end.
void Engine::Impl::publish_thread_state(std::size_t set_idx) noexcept {
  try {
    auto& pub = *published[set_idx];
    std::vector<std::vector<AnalyzerCounter>> by_slot;
    for (const auto& slot : sets[set_idx]->slots()) {
      by_slot.emplace_back();
      try {
        slot->a->counters(by_slot.back());
      } catch (...) {
        // A counters() that throws publishes nothing for that analyzer; its errors are its own.
      }
    }
    std::lock_guard lk(pub.mu);
    pub.by_slot = std::move(by_slot);
  } catch (...) {
    // Out of memory while copying figures: the previous copy stays.
  }
}

void Engine::Impl::capture_loop(std::size_t idx) {
  if (idx < cfg.cpus.size() && !pin_to_cpu(cfg.cpus[idx])) {
    add_error("cannot pin capture thread " + std::to_string(idx) + " to CPU " + std::to_string(cfg.cpus[idx]));
    fatal.store(true);
  }
  PacketBatch batch;
  std::array<PacketMeta, PacketBatch::kCapacity> metas{};
  engine::CaptureTotals totals;
  auto& src = *sources[idx];
  const bool runs_analyzers = !dispatcher;
  if (runs_analyzers) sets[idx]->start();
  TimestampNs now = realtime_ns();  // read once per loop turn, after the batch
  TimestampNs next_tick = now + engine::kTickNs;
  bool draining = false;
  // While packets flow, the kernel hands over a block within the block timeout anyway, so the
  // regular tick waits (at most that long) for that wake-up instead of waking the thread on
  // its own: each wake-up costs tens of microseconds of CPU here, and with blocks retiring
  // every ~80 ms the separate tick wake-ups were a third of the capture thread's. Quiet, the
  // tick fires on time; analyzers' wall timers always do.
  const TimestampNs tick_slack = live() ? TimestampNs{cfg.capture.block_timeout_ms} * 1'000'000 : 0;
  bool flowing = false;

  for (;;) {
    if (!draining && (stopping.load(std::memory_order_relaxed) || fatal.load(std::memory_order_relaxed))) {
      if (!live() || fatal.load()) break;
      // Live: stop the source admitting packets, then read what it already holds; it says
      // end_of_input once drained. A source that cannot quiesce is stopped (counts not exact).
      draining = true;
      if (auto q = src.quiesce(); !q) {
        add_error(q.error().message);
        src.stop();
      }
    }
    // The regular tick, or earlier when an analyzer's wall timer is due: the wait ends then.
    const TimestampNs due = runs_analyzers ? std::min(next_tick, sets[idx]->next_wall_deadline()) : next_tick;
    auto wait = engine::kPollTimeout;
    if (runs_analyzers) {
      const TimestampNs slack = flowing ? tick_slack : 0;
      const TimestampNs wake = std::min(next_tick + slack, sets[idx]->next_wall_deadline());
      const TimestampNs left_ms = (wake - now + 999'999) / 1'000'000;  // rounded up: never wake just before
      wait = std::chrono::milliseconds(
          std::clamp<TimestampNs>(left_ms, 0, engine::kPollTimeout.count() + slack / 1'000'000));
    }
    auto r = src.next(batch, wait);
    if (!r) {
      if (handle_source_error(idx, totals, r.error())) continue;
      break;
    }
    if (*r == PollStatus::end_of_input) break;
    flowing = *r == PollStatus::packets;
    if (runs_analyzers) sets[idx]->collect_offloaded();  // woken by a finished task
    if (flowing) {
      process_batch(idx, totals, batch, metas);
      totals.in_progress = 0;  // every packet of the batch is now counted where it went
      counters[idx]->publish(totals);
      if (file) file_bytes_read.store(file->file_stats().bytes_read, std::memory_order_relaxed);
    }

    // Files tick too: wall timers and offloaded results must not wait for the end of input.
    now = realtime_ns();
    if (now >= due) {
      // Idle live: whatever this thread delivers later was captured after now minus the block
      // timeout, so the -w merge need not hold other threads' packets for it.
      if (output && !flowing && live()) output->idle(idx, now - tick_slack - engine::kTickNs);
      decode[idx]->publish();
      if (runs_analyzers) {
        sets[idx]->tick(now);
        publish_thread_state(idx);
      }
      if (now >= next_tick) next_tick = now + engine::kTickNs;
    }
  }
  counters[idx]->publish(totals);
  if (runs_analyzers) {
    sets[idx]->stop();
    publish_thread_state(idx);
  }
  decode[idx]->publish();
  if (output) output->producer_done(idx);
  capture_running.fetch_sub(1);
  futex_wake(main_wake);
}

}  // namespace riptide

#pragma once
// The analyzers of one packet thread, each behind an exception guard: a throwing analyzer
// is counted and, past its error budget, switched off; the others and capture go on.
// The set also owns what the context offers its analyzers on this thread: their timers,
// and the hand-back of their offloaded tasks.
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/analyze/offload_pool.hpp"
#include "riptide/transmit/tx_queue.hpp"

namespace riptide::engine {

class AnalyzerSet;

// Shared by the engine with every packet thread; either may be null (feature off).
struct ThreadServices {
  OffloadPool* pool = nullptr;
  TxQueue* tx = nullptr;
};

class ThreadContext final : public AnalyzerContext {
 public:
  ThreadContext(AnalyzerSet& set, std::size_t index, std::size_t count, bool live, ThreadServices svc)
      : set_(set), index_(index), count_(count), live_(live), svc_(svc) {}
  std::size_t thread_index() const noexcept override { return index_; }
  std::size_t thread_count() const noexcept override { return count_; }
  bool live() const noexcept override { return live_; }
  bool send(std::span<const std::uint8_t> frame) override;
  bool offload(std::unique_ptr<OffloadTask> task) override;
  bool add_timer(std::chrono::nanoseconds period, TimeBase base, std::function<void(TimestampNs)> fn) override;

  std::uint64_t tx_refused() const noexcept { return tx_refused_.load(std::memory_order_relaxed); }
  std::uint64_t offload_refused() const noexcept { return offload_refused_.load(std::memory_order_relaxed); }

 private:
  AnalyzerSet& set_;
  std::size_t index_, count_;
  bool live_;
  ThreadServices svc_;
  std::atomic<std::uint64_t> tx_refused_{0};
  std::atomic<std::uint64_t> offload_refused_{0};  // only those the pool never saw (no pool)
};

class AnalyzerSet {
 public:
  struct Slot {
    std::unique_ptr<Analyzer> a;
    std::string name;
    std::atomic<std::uint64_t> errors{0};
    std::atomic<bool> disabled{false};  // written by the owning thread, read by reports
    std::atomic<std::uint64_t> timer_fires{0};
  };

  AnalyzerSet(std::size_t index, std::size_t count, bool live, AnalyzerLimits limits, ThreadServices svc = {})
      : ctx_(*this, index, count, live, svc), limits_(limits), svc_(svc) {
    done_.reserve(64);
  }
  void add(std::unique_ptr<Analyzer> a, std::string name);

  void start() noexcept;
  // The hot loop. A try block costs nothing until something throws (table-based unwinding).
  void packet(const PacketMeta& meta, const PacketView& pkt) noexcept {
    // Packet-time timers fire between the packets whose timestamps straddle the deadline,
    // whatever the batching: the same firings on a file in either topology.
    if (pkt.ts_ns >= packet_deadline_) fire_timers(TimeBase::packet, pkt.ts_ns);
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
      Slot& s = *slots_[i];
      if (s.disabled.load(std::memory_order_relaxed)) continue;
      current_ = i;  // so that offload() knows whose task it is
      try {
        s.a->on_packet(meta, pkt);
      } catch (...) {
        fault(s, "on_packet");
      }
    }
  }
  // A batch, handed to each analyzer's on_packets in one call; split where packet-time
  // timers are due, so that timers fire between the same packets as with packet().
  // An exception ends that analyzer's part of the sub-batch (one error counted).
  void packets(std::span<const PacketMeta> metas, std::span<const PacketView> pkts) noexcept {
    const std::size_t n = metas.size() < pkts.size() ? metas.size() : pkts.size();
    std::size_t i = 0;
    while (i < n) {
      std::size_t j = i;
      while (j < n && pkts[j].ts_ns < packet_deadline_) ++j;
      if (j > i) deliver(metas.subspan(i, j - i), pkts.subspan(i, j - i));
      // Firing moves every deadline past pkts[j].ts_ns, so the next scan takes packet j;
      // a timer parked at the end of time still lets packet j through.
      if (j < n) {
        fire_timers(TimeBase::packet, pkts[j].ts_ns);
        if (pkts[j].ts_ns >= packet_deadline_) {
          deliver(metas.subspan(j, 1), pkts.subspan(j, 1));
          ++j;
        }
      }
      i = j;
    }
  }
  // now = newest packet time of the batch: analyzers' on_batch_end, then the complete() of
  // offloaded tasks that finished.
  void batch_end(TimestampNs now) noexcept;
  // now = wall clock: on_tick, wall timers, finished offloaded tasks.
  void tick(TimestampNs now) noexcept;
  // The earliest wall-timer deadline (CLOCK_REALTIME ns), MAX without wall timers: the
  // packet thread wakes for it instead of waiting for its next regular tick, so a timer
  // whose period equals the tick interval is not pushed to every other tick.
  TimestampNs next_wall_deadline() const noexcept { return wall_deadline_; }
  // Waits for this thread's offloaded tasks and runs their complete(), then on_stop.
  void stop() noexcept;

  const std::vector<std::unique_ptr<Slot>>& slots() const noexcept { return slots_; }
  const ThreadContext& context() const noexcept { return ctx_; }

 private:
  friend class ThreadContext;
  struct Timer {
    std::uint32_t slot;
    TimestampNs period;
    TimeBase base;
    TimestampNs next;  // 0: packet timer not armed yet (no packet seen)
    std::function<void(TimestampNs)> fn;
  };

  void deliver(std::span<const PacketMeta> metas, std::span<const PacketView> pkts) noexcept {
    for (std::uint32_t k = 0; k < slots_.size(); ++k) {
      Slot& s = *slots_[k];
      if (s.disabled.load(std::memory_order_relaxed)) continue;
      current_ = k;
      try {
        s.a->on_packets(metas, pkts);
      } catch (...) {
        fault(s, "on_packets");
      }
    }
  }
  bool offload(std::unique_ptr<OffloadTask> task);
  bool add_timer(TimestampNs period, TimeBase base, std::function<void(TimestampNs)> fn);
  void fire_timers(TimeBase base, TimestampNs now) noexcept;
  void run_completions() noexcept;
  void fault(Slot& s, const char* where) noexcept;

  ThreadContext ctx_;
  AnalyzerLimits limits_;
  ThreadServices svc_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::unique_ptr<Timer>> timers_;  // stable addresses: a callback may add timers
  std::vector<OffloadDone> done_;
  std::uint32_t current_ = 0;  // slot whose callback is running
  // Earliest packet-time deadline; INT64_MIN arms new timers at the next packet, MAX: none.
  TimestampNs packet_deadline_ = std::numeric_limits<TimestampNs>::max();
  TimestampNs wall_deadline_ = std::numeric_limits<TimestampNs>::max();
  bool stopped_ = false;
};

}  // namespace riptide::engine

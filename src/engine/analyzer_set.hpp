#pragma once
// The analyzers of one packet thread, each behind an exception guard: a throwing analyzer
// is counted and, past its error budget, switched off; the others and capture go on.
// The set also owns what the context offers its analyzers on this thread: their timers,
// and the hand-back of their offloaded tasks.
//
// Each slot also says where its analyzer's time goes: the monotonic time its current call
// began (0 outside calls, for a watchdog on another thread) and the time spent inside calls
// (busy_ns, wall time on the packet thread: it includes preemption). One clock read per
// analyzer per batch, CLOCK_MONOTONIC through the vDSO (no system call); the per-packet path
// (packet()) uses CLOCK_MONOTONIC_COARSE, which costs a memory read: a coarse tick that falls
// inside a call is charged to it whole, so the sum is right on average over many calls.
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"
#include "riptide/flow/flow_record.hpp"
#include "riptide/analyze/offload_pool.hpp"
#include "riptide/transmit/tx_queue.hpp"

namespace riptide::engine {

class AnalyzerSet;

inline TimestampNs monotonic_ns(clockid_t clock = CLOCK_MONOTONIC) noexcept {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<TimestampNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Shared by the engine with every packet thread; either may be null (feature off).
struct ThreadServices {
  OffloadPool* pool = nullptr;
  TxQueue* tx = nullptr;
  const InterfaceInfo* iface = nullptr;  // the capture interface (live)
};

class ThreadContext final : public AnalyzerContext {
 public:
  ThreadContext(AnalyzerSet& set, std::size_t index, std::size_t count, bool live, ThreadServices svc)
      : set_(set), index_(index), count_(count), live_(live), svc_(svc) {}
  std::size_t thread_index() const noexcept override { return index_; }
  std::size_t thread_count() const noexcept override { return count_; }
  bool live() const noexcept override { return live_; }
  const InterfaceInfo& interface() const noexcept override {
    return svc_.iface ? *svc_.iface : AnalyzerContext::interface();
  }
  bool send(std::span<const std::uint8_t> frame) override;
  std::size_t max_send_frame() const noexcept override { return svc_.tx ? svc_.tx->slot_bytes() : 0; }
  bool offload(std::unique_ptr<OffloadTask> task) override;
  using AnalyzerContext::offload;  // the (work, done) form
  bool add_timer(std::chrono::nanoseconds period, TimeBase base, std::function<void(TimestampNs)> fn) override;
  bool subscribe_flows() override;
  void publish_flows(std::span<const FlowRecord> records) override;

  std::uint64_t tx_refused() const noexcept { return tx_refused_.load(std::memory_order_relaxed); }
  // Of tx_refused: frames longer than the transmit interface's MTU allows.
  std::uint64_t tx_oversize() const noexcept { return tx_oversize_.load(std::memory_order_relaxed); }
  std::uint64_t offload_refused() const noexcept { return offload_refused_.load(std::memory_order_relaxed); }

 private:
  AnalyzerSet& set_;
  std::size_t index_, count_;
  bool live_;
  ThreadServices svc_;
  std::atomic<std::uint64_t> tx_refused_{0};
  std::atomic<std::uint64_t> tx_oversize_{0};
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
    // Packets the analyzer did not see: skipped after a throw, or arriving while disabled.
    std::atomic<std::uint64_t> packets_missed{0};
    std::atomic<std::uint64_t> packets{0};  // handed to it (seen + missed)
    std::atomic<std::uint64_t> busy_ns{0};  // time inside its calls
    std::atomic<TimestampNs> call_started_ns{0};  // CLOCK_MONOTONIC; 0: not inside a call
    // Calls timed (one per batch on the batch path) and the longest of them, with what it was
    // ("on_packets", "a timer"...): a stalled thread is named by its analyzer, not its queue.
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t> max_call_ns{0};
    std::atomic<const char*> max_call_where{nullptr};  // a string literal; null: no call yet
    // Flow records (AnalyzerContext::subscribe_flows): delivered, and missed because the
    // analyzer threw in on_flows or was switched off.
    std::atomic<bool> flow_subscriber{false};
    std::atomic<bool> flow_publisher{false};
    std::atomic<std::uint64_t> flow_records{0};
    std::atomic<std::uint64_t> flow_records_missed{0};
    bool stopped = false;  // on_stop ran (owner thread only)
  };

  AnalyzerSet(std::size_t index, std::size_t count, bool live, AnalyzerLimits limits, ThreadServices svc = {})
      : ctx_(*this, index, count, live, svc), limits_(limits), svc_(svc) {
    done_.reserve(64);
  }
  void add(std::unique_ptr<Analyzer> a, std::string name);
  // Creates this thread's instance of `f` (index = this set's thread index) behind a guard:
  // create() throwing or returning null is an Error "analyzer 'x': create() failed: ...".
  Result<void> add(AnalyzerFactory& f);

  void start() noexcept;
  // The hot loop. A try block costs nothing until something throws (table-based unwinding).
  void packet(const PacketMeta& meta, const PacketView& pkt) noexcept {
    // Packet-time timers fire between the packets whose timestamps straddle the deadline,
    // whatever the batching: the same firings on a file in either topology.
    if (pkt.ts_ns >= packet_deadline_) fire_timers(TimeBase::packet, pkt.ts_ns);
    TimestampNs t = slots_.empty() ? 0 : monotonic_ns(CLOCK_MONOTONIC_COARSE);
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
      Slot& s = *slots_[i];
      bump(s.packets, 1);
      if (s.disabled.load(std::memory_order_relaxed)) {
        bump(s.packets_missed, 1);
        continue;
      }
      current_ = i;  // so that offload() knows whose task it is
      s.call_started_ns.store(t, std::memory_order_relaxed);
      try {
        s.a->on_packet(meta, pkt);
      } catch (...) {
        bump(s.packets_missed, 1);
        fault(s, "on_packet");
      }
      t = end_call(s, t, "on_packet", CLOCK_MONOTONIC_COARSE);
    }
  }
  // A batch, handed to each analyzer's on_packets in one call; split where packet-time
  // timers are due, so that timers fire between the same packets as with packet().
  // An exception skips what Analyzer's header says (one packet, or the whole call of an
  // on_packets override), counted in packets_missed.
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
  // Runs the complete() of finished offloaded tasks; one relaxed load when none finished.
  void collect_offloaded() noexcept {
    if (svc_.pool && svc_.pool->ready(ctx_.thread_index())) run_completions();
  }
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
    const std::uint64_t n = metas.size() < pkts.size() ? metas.size() : pkts.size();
    TimestampNs t = slots_.empty() ? 0 : monotonic_ns();
    for (std::uint32_t k = 0; k < slots_.size(); ++k) {
      Slot& s = *slots_[k];
      bump(s.packets, n);
      if (s.disabled.load(std::memory_order_relaxed)) {
        bump(s.packets_missed, n);
        continue;
      }
      current_ = k;
      s.call_started_ns.store(t, std::memory_order_relaxed);
      try {
        s.a->on_packets(metas, pkts);
      } catch (const PacketErrors& e) {
        bump(s.packets_missed, e.count());
        fault_packets(s, e);
      } catch (...) {
        bump(s.packets_missed, n);
        fault(s, "on_packets");
      }
      t = end_call(s, t, "on_packets");
    }
    if (flow_n_ != 0) deliver_flows();
  }
  // Single writer (this thread): a plain add, no locked instruction.
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Ends the call that began at `t0`; returns the time read, which starts the next call.
  static constexpr char kOnStop[] = "on_stop";
  static TimestampNs end_call(Slot& s, TimestampNs t0, const char* where, clockid_t clock = CLOCK_MONOTONIC) noexcept {
    const TimestampNs t = monotonic_ns(clock);
    const auto d = static_cast<std::uint64_t>(t > t0 ? t - t0 : 0);
    bump(s.busy_ns, d);
    bump(s.calls, 1);
    // on_stop runs after capture ended: however long, it stalled nothing.
    if (where != kOnStop && d > s.max_call_ns.load(std::memory_order_relaxed)) {
      s.max_call_where.store(where, std::memory_order_relaxed);
      s.max_call_ns.store(d, std::memory_order_relaxed);
    }
    s.call_started_ns.store(0, std::memory_order_relaxed);
    return t;
  }
  bool offload(std::unique_ptr<OffloadTask> task);
  // Flow records (flow_feed.cpp): a publisher's records wait in flow_buf_ until the end of
  // its call, then go to every subscriber, each call guarded and timed as any other. A buffer
  // that fills within one call (an eviction storm, the end of a run) is delivered there and
  // then, inside the publisher's call: memory stays bounded and nothing is dropped.
  static constexpr std::size_t kFlowBuffer = 1024;
  bool subscribe_flows();
  void publish_flows(std::span<const FlowRecord> records) noexcept;
  void deliver_flows() noexcept;
  // Subscribers without a publisher (no flow meter: --no-flows) are told once, by thread 0.
  void warn_unfed_flow_subscribers() const noexcept;
  bool add_timer(TimestampNs period, TimeBase base, std::function<void(TimestampNs)> fn);
  void fire_timers(TimeBase base, TimestampNs now) noexcept;
  void run_completions() noexcept;
  void fault(Slot& s, const char* where) noexcept;
  // Calls fn() for slot i outside the packet path: timed, watched and guarded.
  template <class F>
  void guarded(std::uint32_t i, const char* where, F&& fn) noexcept {
    Slot& s = *slots_[i];
    current_ = i;
    const TimestampNs t0 = monotonic_ns();
    s.call_started_ns.store(t0, std::memory_order_relaxed);
    try {
      fn();
    } catch (...) {
      fault(s, where);
    }
    end_call(s, t0, where);
  }
  void fault_packets(Slot& s, const PacketErrors& e) noexcept;
  void count_errors(Slot& s, std::uint64_t k, const char* where, const std::string& what) noexcept;

  ThreadContext ctx_;
  AnalyzerLimits limits_;
  ThreadServices svc_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::unique_ptr<Timer>> timers_;  // stable addresses: a callback may add timers
  std::vector<OffloadDone> done_;
  std::uint32_t current_ = 0;  // slot whose callback is running
  std::unique_ptr<FlowRecord[]> flow_buf_;  // allocated by the first subscription
  std::size_t flow_n_ = 0;
  bool flow_subscribers_ = false;
  bool delivering_flows_ = false;
  // Earliest packet-time deadline; INT64_MIN arms new timers at the next packet, MAX: none.
  TimestampNs packet_deadline_ = std::numeric_limits<TimestampNs>::max();
  TimestampNs wall_deadline_ = std::numeric_limits<TimestampNs>::max();
  bool stopped_ = false;
};

// Lines "analyzer 'x' (thread N) stuck in one call for 3.1 s" for every analyzer of `set`
// inside one call for longer than `threshold` at monotonic time `now` (monotonic_ns()).
// Safe from any thread while the set runs.
void find_stuck(const AnalyzerSet& set, TimestampNs now, std::chrono::nanoseconds threshold,
                std::vector<std::string>& lines);

// Runs every factory's finish() behind a guard; returns one line per failure,
// "analyzer 'x': finish() failed: <what>". Never throws.
std::vector<std::string> finish_factories(std::span<const std::unique_ptr<AnalyzerFactory>> factories) noexcept;

}  // namespace riptide::engine

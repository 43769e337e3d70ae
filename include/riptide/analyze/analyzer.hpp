#pragma once
// The analyzer API: what a user writes to get packets.
//
// An Analyzer instance belongs to one packet thread (a capture thread in the `workers`
// topology, a worker thread in `dispatch`) and sees every packet of the flows that thread
// owns, both directions. It is never called from two threads at once, so it needs no locks.
// A factory creates one instance per packet thread.
//
// Lifetime: on_start once, then on_packet for each packet (or on_packets for a whole batch,
// where the engine batches) and on_batch_end after each batch
// (the view's bytes are only valid during on_packet: copy what you keep), on_tick about every
// 100 ms of wall time even without traffic (while packets flow it may come up to one block
// timeout late, with the next batch; use a wall timer for exact times), and on_stop once
// after the last packet.
//
// Exceptions thrown by any of these are caught by the engine and counted; after
// AnalyzerLimits::max_errors of them the instance is disabled with one message on stderr.
// Capture and the other analyzers keep going.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide {

// Named counters an analyzer reports; they appear in the run report and the stats JSON.
struct AnalyzerCounter {
  std::string name;
  std::uint64_t value = 0;
};

// A long calculation handed off the packet path. run() executes on a compute-pool thread;
// complete() then executes on the submitting analyzer's own thread (between batches or on a
// tick), so it may touch the analyzer's state without locks. The task owns whatever snapshot
// of state it needs: run() must not touch the analyzer.
class OffloadTask {
 public:
  virtual ~OffloadTask() = default;
  virtual void run() = 0;
  virtual void complete() = 0;
};

enum class TimeBase : std::uint8_t {
  wall,    // CLOCK_REALTIME: fires even when no packet arrives
  packet,  // packet timestamps: deterministic on files, follows the traffic live
};

// What the engine offers an analyzer. Valid from on_start to on_stop.
class AnalyzerContext {
 public:
  virtual ~AnalyzerContext() = default;
  // Index of the packet thread running this instance (0..threads-1).
  virtual std::size_t thread_index() const noexcept = 0;
  virtual std::size_t thread_count() const noexcept = 0;
  // True on live capture: packet time follows the wall clock, so on_tick may end idle state.
  // False on files, whose packet time can be years away from the wall clock.
  virtual bool live() const noexcept = 0;
  // Queues a frame for transmission out of the capture interface. Copies it. False when no
  // transmit path is configured or its queue is full (counted as a transmit drop).
  virtual bool send(std::span<const std::uint8_t> frame) = 0;
  // Submits a long calculation to the bounded compute pool. Never blocks: false (and the
  // task is destroyed, counted as offload_refused) when the pool's queue is full.
  virtual bool offload(std::unique_ptr<OffloadTask> task) = 0;
  // Calls fn(now) every `period` of the given time base, on this analyzer's thread, until
  // on_stop. Register in on_start. Returns false for a zero period.
  virtual bool add_timer(std::chrono::nanoseconds period, TimeBase base, std::function<void(TimestampNs now)> fn) = 0;
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual void on_start(AnalyzerContext& ctx) { (void)ctx; }
  virtual void on_packet(const PacketMeta& meta, const PacketView& pkt) = 0;
  // A whole batch at once: metas[i] was decoded from pkts[i]; same contract as calling
  // on_packet for each in order (which is what the default does). Override it when seeing the
  // batch pays, e.g. to overlap the memory loads of several packets (the flow meter does).
  virtual void on_packets(std::span<const PacketMeta> metas, std::span<const PacketView> pkts) {
    const std::size_t n = metas.size() < pkts.size() ? metas.size() : pkts.size();
    for (std::size_t i = 0; i < n; ++i) on_packet(metas[i], pkts[i]);
  }
  // now = the newest packet timestamp of the batch (packet time).
  virtual void on_batch_end(TimestampNs now) { (void)now; }
  // now = wall clock (CLOCK_REALTIME ns).
  virtual void on_tick(TimestampNs now) { (void)now; }
  virtual void on_stop() {}
  // Appends this instance's counters; summed over instances by name in reports.
  virtual void counters(std::vector<AnalyzerCounter>& out) const { (void)out; }
};

class AnalyzerFactory {
 public:
  virtual ~AnalyzerFactory() = default;
  virtual std::string_view name() const noexcept = 0;
  // One instance per packet thread; called before threads start.
  virtual std::unique_ptr<Analyzer> create(std::size_t thread_index) = 0;
  // Called once after every instance stopped: flush shared outputs here.
  virtual void finish() {}

  // How late the analyzers this factory makes may see a packet when traffic is light. A
  // capture ring hands its packets over a block at a time, when the block is full or after
  // the block timeout; unless the user sets --block-timeout, the engine uses the smallest
  // value over the analyzers running. Each hand-over wakes a capture thread, which then pays
  // for refilling its caches (about 85 us of CPU per wake-up on a 2-vCPU VM, measured: half
  // the capture cost at 100k packets/s with a 10 ms timeout). An analyzer that acts on
  // second-scale timeouts or windows should return more than the default, one that answers
  // packets or measures latency should keep it.
  static constexpr std::chrono::milliseconds kDefaultMaxPacketDelay{10};
  virtual std::chrono::milliseconds max_packet_delay() const noexcept { return kDefaultMaxPacketDelay; }
};

struct AnalyzerLimits {
  std::uint32_t max_errors = 100;  // exceptions before an instance is disabled
};

}  // namespace riptide

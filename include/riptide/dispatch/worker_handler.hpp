#pragma once
// The code a dispatcher worker runs. One object serves every worker, so implementations keep
// per-worker state indexed by `worker` and never share it between workers; calls for one
// worker index always come from the same thread.
//
// A worker receives its packets as a batch in the layout the capture threads use in the
// workers topology (parallel spans of PacketMeta and PacketView), so the same analyzer batch
// path (Analyzer::on_packets, the flow table's prefetch pipeline) runs in both topologies.
//
// Why the packet bytes are copied: the dispatcher copies each packet out of the capture
// buffer into a slot owned by the worker's ring, so the capture source can hand its buffer
// (a TPACKET_V3 block, a libpcap buffer) back at once. The alternative, passing pointers into
// the block and returning the block when a per-block reference count drops to zero, saves the
// copy but lets one slow worker pin blocks and starve the kernel ring, which is the drop we
// exist to avoid; a 200 B copy costs a few tens of ns.
#include <cstddef>
#include <limits>
#include <span>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide {

class WorkerHandler {
 public:
  virtual ~WorkerHandler() = default;

  // Packets in the order the producer dispatched them: metas[i] describes pkts[i], both spans
  // have the same size (at least 1, at most DispatcherConfig::worker_batch). Both spans and
  // the bytes pkts[i].data points to (the worker's slot arena) are valid only during the call.
  // When a packet was longer than the slot, pkts[i].caplen and metas[i].caplen are reduced to
  // the slot size, kMetaTruncated is set and pkts[i].wirelen is kept, so byte counts stay
  // right; meta offsets may then lie beyond caplen, as with a short snaplen.
  virtual void on_packets(std::size_t worker, std::span<const PacketMeta> metas, std::span<const PacketView> pkts) = 0;

  // Called about every DispatcherConfig::tick_interval, busy or idle, so timers (flow
  // expiry, stats export) run when no packet arrives. now = CLOCK_REALTIME in ns.
  virtual void on_tick(std::size_t worker, TimestampNs now) {
    (void)worker;
    (void)now;
  }

  // CLOCK_REALTIME ns at which this worker wants on_tick sooner than the regular interval
  // (a timer due in between); INT64_MAX: no such wish. Asked on the worker's own thread.
  virtual TimestampNs next_deadline(std::size_t worker) {
    (void)worker;
    return std::numeric_limits<TimestampNs>::max();
  }

  // Called on the worker thread soon after Dispatcher::wake(worker), between batches.
  virtual void on_wake(std::size_t worker) { (void)worker; }

  // Called once on the worker thread after stop() drained its queue: flush here.
  virtual void on_stop(std::size_t worker) { (void)worker; }
};

}  // namespace riptide

#pragma once
// The code a dispatcher worker runs. One object serves every worker, so implementations keep
// per-worker state indexed by `worker` and never share it between workers; calls for one
// worker index always come from the same thread.
#include <cstddef>
#include <limits>
#include <span>

#include "riptide/core/packet.hpp"
#include "riptide/dispatch/work_item.hpp"

namespace riptide {

class WorkerHandler {
 public:
  virtual ~WorkerHandler() = default;

  // Items in the order the producer dispatched them; valid only during the call.
  virtual void on_items(std::size_t worker, std::span<const WorkItem> items) = 0;

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

  // Called once on the worker thread after stop() drained its queue: flush here.
  virtual void on_stop(std::size_t worker) { (void)worker; }
};

}  // namespace riptide

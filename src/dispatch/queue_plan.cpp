#include "riptide/dispatch/queue_plan.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide {

std::size_t worker_slot_cost(std::size_t slot_bytes) noexcept {
  return slot_bytes + sizeof(PacketMeta) + sizeof(PacketView);
}

WorkerQueuePlan plan_worker_queues(const WorkerQueueInputs& in) {
  WorkerQueuePlan p;
  const std::size_t workers = std::max<std::size_t>(in.workers, 1);
  const double pps = static_cast<double>(std::max<std::uint64_t>(in.expected_pps, 1));
  // Flows are spread by hash, not packets: a few heavy flows can give one worker well over
  // its even share, so each queue is sized for twice that share (never more than the whole).
  p.share_pps = workers == 1 ? pps : std::min(pps, 2.0 * pps / static_cast<double>(workers));
  const double need = p.share_pps * static_cast<double>(in.stall_ms) / 1000.0;
  std::size_t slots = std::bit_ceil(std::max<std::size_t>(static_cast<std::size_t>(need + 0.5), kMinPlannedWorkerSlots));

  const std::uint64_t cost = worker_slot_cost(in.slot_bytes);
  const std::uint64_t budget = in.max_bytes / workers;
  if (static_cast<std::uint64_t>(slots) * cost > budget) {
    // The largest power of two within the budget, never below the minimum.
    std::size_t fit = kMinPlannedWorkerSlots;
    while (static_cast<std::uint64_t>(fit) * 2 * cost <= budget) fit *= 2;
    slots = fit;
    p.capped = true;
  }
  p.slots = slots;
  p.bytes_per_worker = static_cast<std::uint64_t>(slots) * cost;
  p.holds_ms = static_cast<double>(slots) / p.share_pps * 1000.0;

  char buf[320];
  std::snprintf(buf, sizeof buf,
                "worker queues %zu x %zu slots (%.0f MiB each): hold %.0f ms at %.0fk packets/s per worker%s%s",
                workers, slots, static_cast<double>(p.bytes_per_worker) / (1 << 20), p.holds_ms, p.share_pps / 1e3,
                workers > 1 ? " (twice an even share of --rate)" : "",
                p.capped ? " (capped by the queue memory limit, wanted --ring-ms)" : " (--rate and --ring-ms; --worker-ring sets it)");
  p.explanation = buf;
  return p;
}

}  // namespace riptide

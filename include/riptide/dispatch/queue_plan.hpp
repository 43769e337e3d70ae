#pragma once
// How many packets each dispatch worker's queue holds. The kernel ring is sized to ride out a
// reader stall of --ring-ms at --rate (capture/afpacket_config.hpp); a worker queue sized by a
// fixed slot count held far less (4,096 slots are 12 ms at 350k packets/s against the ring's
// 250 ms), so a stalled analyzer lost packets at the queue that the ring would have kept. The
// plan sizes the queues from the same two inputs, so a worker rides out what the ring rides
// out. A pure function: the engine prints its explanation at start and tests check it.
#include <cstddef>
#include <cstdint>
#include <string>

namespace riptide {

struct WorkerQueueInputs {
  std::uint64_t expected_pps = 1'000'000;  // the capture's --rate
  std::uint32_t stall_ms = 250;            // the capture's --ring-ms
  std::size_t workers = 1;
  std::size_t slot_bytes = 2048;           // DispatcherConfig::slot_bytes
  // Every worker queue together stays within this (the queues' packet bytes, metas and views).
  // 512 MiB: twice the kernel ring's default cap; the ring cycles through every slot, so this
  // much becomes resident after a while.
  std::uint64_t max_bytes = 512ull << 20;
};

struct WorkerQueuePlan {
  std::size_t slots = 0;              // per worker, a power of two (the ring's own rounding)
  std::uint64_t bytes_per_worker = 0;
  double share_pps = 0;               // the rate one worker is sized for
  double holds_ms = 0;                // stall one worker rides out at share_pps
  bool capped = false;                // max_bytes cut it short of stall_ms
  std::string explanation;            // one line for the banner
};

// The fewest slots a plan gives (the former fixed default): low rates keep short bursts.
inline constexpr std::size_t kMinPlannedWorkerSlots = 4096;

// Memory one slot costs: its packet bytes, its PacketMeta and its PacketView.
std::size_t worker_slot_cost(std::size_t slot_bytes) noexcept;

WorkerQueuePlan plan_worker_queues(const WorkerQueueInputs& in);

}  // namespace riptide

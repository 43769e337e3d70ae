// What an AF_PACKET source reports: the generic SourceStats, its own AfPacketStats, and the
// same figures as named counters for reports that do not know the source's type.
#include "riptide/capture/afpacket_source.hpp"

namespace riptide {

SourceStats AfPacketSource::stats() const {
  SourceStats s;
  s.packets = c_.packets.load(std::memory_order_relaxed);
  s.bytes = c_.bytes.load(std::memory_order_relaxed);
  std::lock_guard lk(mu_);
  harvest_kernel_stats_locked();
  s.kernel_packets = k_packets_;
  s.kernel_drops = k_drops_;
  s.freeze_count = k_freeze_;
  return s;
}

AfPacketStats AfPacketSource::afpacket_stats() const {
  AfPacketStats s;
  s.blocks = c_.blocks.load(std::memory_order_relaxed);
  s.packets = c_.packets.load(std::memory_order_relaxed);
  s.bytes = c_.bytes.load(std::memory_order_relaxed);
  s.polls = c_.polls.load(std::memory_order_relaxed);
  s.timeouts = c_.timeouts.load(std::memory_order_relaxed);
  s.losing_blocks = c_.losing.load(std::memory_order_relaxed);
  s.interface_lost = c_.lost.load(std::memory_order_relaxed);
  s.reopened = c_.reopened.load(std::memory_order_relaxed);
  s.ring_abandoned = c_.abandoned.load(std::memory_order_relaxed);
  return s;
}

std::string AfPacketSource::describe() const {
  std::string d = "afpacket:" + cfg_.iface;
  if (cfg_.fanout) {
    d += '#';
    d += std::to_string(member_);
  }
  return d;
}

void AfPacketSource::counters(std::vector<SourceCounter>& out) const {
  const AfPacketStats a = afpacket_stats();
  std::uint64_t freezes = 0;
  {
    std::lock_guard lk(mu_);
    harvest_kernel_stats_locked();
    freezes = k_freeze_;
  }
  out.push_back({"losing_blocks", "ring blocks the kernel flagged: packets were dropped while they filled", a.losing_blocks,
                 false, "the reader fell behind: see kernel_drops; raise --ring-ms or add capture threads"});
  out.push_back({"polls", "waits for the kernel to hand over a block", a.polls, false, ""});
  out.push_back({"poll_timeouts", "waits that ended with no packet", a.timeouts, false, ""});
  out.push_back({"freezes", "times the kernel froze the ring because it was full", freezes, false,
                 "the reader fell behind: raise --ring-ms or add capture threads"});
  out.push_back({"interface_lost", "times the interface went down or was removed", a.interface_lost, false, ""});
  out.push_back({"reopened", "captures resumed after an interface loss", a.reopened, false, ""});
  out.push_back({"ring_abandoned", "packets the kernel had counted but never handed over before a drain ended",
                 a.ring_abandoned, true, "the kernel kept a block past the drain window: report it as a bug"});
}

}  // namespace riptide

#pragma once
// Interface and per-CPU backlog drop counters from sysfs/procfs: the drops that happen
// before a packet reaches any capture socket. A counter the system does not expose is
// std::nullopt ("unknown"), never an error: virtual NICs often lack some of them.
#include <cstdint>
#include <optional>
#include <string>

namespace riptide {

struct IfaceCounters {
  std::optional<std::uint64_t> rx_packets;
  std::optional<std::uint64_t> rx_dropped;        // dropped by the stack (no buffer, unknown proto...)
  std::optional<std::uint64_t> rx_missed_errors;  // NIC ran out of RX descriptors
  std::optional<std::uint64_t> rx_fifo_errors;
  std::optional<std::uint64_t> softnet_backlog_drops;  // all CPUs: netdev_max_backlog overflow
};

// /sys/class/net/<iface>/statistics/* and /proc/net/softnet_stat (2nd column, hex, summed).
IfaceCounters read_iface_counters(const std::string& iface);

// Sum of the second (hex) column of a softnet_stat-format text; nullopt when no line parses.
std::optional<std::uint64_t> parse_softnet_drops(const std::string& text);

}  // namespace riptide

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

// Whether an interface can deliver packets now: administratively up (IFF_UP in
// /sys/class/net/<iface>/flags) and operationally up (operstate "up" or "unknown", the
// latter for loopback and some virtual links; "down"/"lowerlayerdown" mean no carrier).
struct IfaceLinkState {
  bool admin_up = false;
  bool oper_up = false;
};
// nullopt when the interface does not exist or sysfs cannot be read.
std::optional<IfaceLinkState> read_iface_link_state(const std::string& iface);

// One line for the start banner when capture on `iface` will see nothing until it comes up,
// e.g. "interface 'eth0' is down: capture starts when it comes up"; "" when it is up (or
// its state is unknown).
std::string iface_down_note(const std::string& iface);

// Sum of the second (hex) column of a softnet_stat-format text; nullopt when no line parses.
std::optional<std::uint64_t> parse_softnet_drops(const std::string& text);

}  // namespace riptide

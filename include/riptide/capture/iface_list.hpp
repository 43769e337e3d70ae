#pragma once
// The interfaces one can capture on, for `riptide capture -D` (tcpdump's -D).
#include <string>
#include <vector>

namespace riptide {

struct InterfaceListEntry {
  unsigned index = 0;  // kernel ifindex; 0 for "any"
  std::string name;
  bool up = false, running = false, loopback = false;
};

// Every interface by kernel index, then "any" (all of them, cooked: LINUX_SLL2).
std::vector<InterfaceListEntry> list_interfaces();
// "1.lo [Up, Running, Loopback]" lines, numbered in order as tcpdump -D does.
std::string format_interfaces(const std::vector<InterfaceListEntry>& v);

}  // namespace riptide

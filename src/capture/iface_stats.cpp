#include "riptide/capture/iface_stats.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace riptide {
namespace {

std::optional<std::uint64_t> read_u64(const std::string& path) {
  std::ifstream f(path);
  std::uint64_t v = 0;
  if (!(f >> v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> parse_softnet_drops(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::uint64_t sum = 0;
  bool any = false;
  while (std::getline(in, line)) {
    std::istringstream cols(line);
    std::string processed, dropped;
    if (!(cols >> processed >> dropped)) continue;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(dropped.c_str(), &end, 16);
    if (end == dropped.c_str() || *end != '\0') continue;
    sum += v;
    any = true;
  }
  if (!any) return std::nullopt;
  return sum;
}

IfaceCounters read_iface_counters(const std::string& iface) {
  IfaceCounters c;
  // A name with '/' would escape the sysfs directory: treat it as an unknown interface.
  if (!iface.empty() && iface.find('/') == std::string::npos && iface != "." && iface != "..") {
    const std::string dir = "/sys/class/net/" + iface + "/statistics/";
    c.rx_packets = read_u64(dir + "rx_packets");
    c.rx_dropped = read_u64(dir + "rx_dropped");
    c.rx_missed_errors = read_u64(dir + "rx_missed_errors");
    c.rx_fifo_errors = read_u64(dir + "rx_fifo_errors");
  }
  std::ifstream f("/proc/net/softnet_stat");
  if (f) {
    std::stringstream ss;
    ss << f.rdbuf();
    c.softnet_backlog_drops = parse_softnet_drops(ss.str());
  }
  return c;
}

}  // namespace riptide

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

bool safe_name(const std::string& iface) {
  // A name with '/' would escape the sysfs directory: treat it as an unknown interface.
  return !iface.empty() && iface.find('/') == std::string::npos && iface != "." && iface != "..";
}

}  // namespace

std::optional<IfaceLinkState> read_iface_link_state(const std::string& iface) {
  if (!safe_name(iface)) return std::nullopt;
  const std::string dir = "/sys/class/net/" + iface + "/";
  std::ifstream ff(dir + "flags");
  std::string flags;
  if (!(ff >> flags)) return std::nullopt;
  char* end = nullptr;
  const unsigned long v = std::strtoul(flags.c_str(), &end, 16);
  if (end == flags.c_str()) return std::nullopt;
  IfaceLinkState st;
  st.admin_up = (v & 0x1u) != 0;  // IFF_UP
  std::ifstream fo(dir + "operstate");
  std::string oper;
  fo >> oper;
  st.oper_up = st.admin_up && (oper == "up" || oper == "unknown" || oper.empty());
  return st;
}

std::string iface_down_note(const std::string& iface) {
  const auto st = read_iface_link_state(iface);
  if (!st) return {};
  if (!st->admin_up) return "interface '" + iface + "' is down: capture starts when it comes up";
  if (!st->oper_up) return "interface '" + iface + "' has no carrier (link down): capture starts when it comes up";
  return {};
}

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
  if (safe_name(iface)) {
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

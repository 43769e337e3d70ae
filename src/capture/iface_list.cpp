#include "riptide/capture/iface_list.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "riptide/core/fd.hpp"

namespace riptide {

std::vector<InterfaceListEntry> list_interfaces() {
  std::vector<InterfaceListEntry> v;
  struct if_nameindex* all = ::if_nameindex();
  UniqueFd sock{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  for (struct if_nameindex* i = all; i != nullptr && i->if_index != 0; ++i) {
    InterfaceListEntry info;
    info.index = i->if_index;
    info.name = i->if_name;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, i->if_name, IFNAMSIZ - 1);
    if (sock && ::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) == 0) {
      info.up = (ifr.ifr_flags & IFF_UP) != 0;
      info.running = (ifr.ifr_flags & IFF_RUNNING) != 0;
      info.loopback = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
    }
    v.push_back(std::move(info));
  }
  if (all != nullptr) ::if_freenameindex(all);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  InterfaceListEntry any;
  any.name = "any";
  any.up = any.running = true;
  v.push_back(any);
  return v;
}

std::string format_interfaces(const std::vector<InterfaceListEntry>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto& f = v[i];
    s += std::to_string(i + 1) + "." + f.name;
    if (f.name == "any" && f.index == 0) s += " (every interface, cooked headers: LINUX_SLL2)";
    std::string flags;
    auto add = [&flags](const char* w) { flags += flags.empty() ? w : std::string(", ") + w; };
    if (f.up) add("Up");
    if (f.running) add("Running");
    if (f.loopback) add("Loopback");
    if (!flags.empty()) s += " [" + flags + "]";
    s += "\n";
  }
  return s;
}

}  // namespace riptide

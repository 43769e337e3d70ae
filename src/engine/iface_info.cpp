#include "engine/iface_info.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace riptide::engine {

InterfaceInfo read_interface_info(const std::string& name) {
  InterfaceInfo i;
  i.name = name;
  if (name.empty() || name.size() >= IFNAMSIZ) return i;
  i.ifindex = ::if_nametoindex(name.c_str());
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    ifreq r{};
    std::memcpy(r.ifr_name, name.c_str(), name.size());
    if (::ioctl(fd, SIOCGIFHWADDR, &r) == 0) std::memcpy(i.mac.data(), r.ifr_hwaddr.sa_data, 6);
    if (::ioctl(fd, SIOCGIFMTU, &r) == 0 && r.ifr_mtu > 0) i.mtu = static_cast<std::uint32_t>(r.ifr_mtu);
    ::close(fd);
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return i;
  bool v6_global = false;
  for (const ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || name != a->ifa_name) continue;
    if (a->ifa_addr->sa_family == AF_INET && !i.has_ipv4) {
      const auto* s = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      i.ipv4 = IpAddr::from_v4(reinterpret_cast<const std::uint8_t*>(&s->sin_addr));
      i.has_ipv4 = true;
    } else if (a->ifa_addr->sa_family == AF_INET6 && !v6_global) {
      const auto* s = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      const bool link_local = IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr);
      if (i.has_ipv6 && link_local) continue;
      i.ipv6 = IpAddr::from_v6(s->sin6_addr.s6_addr);
      i.has_ipv6 = true;
      v6_global = !link_local;
    }
  }
  ::freeifaddrs(list);
  return i;
}

}  // namespace riptide::engine
